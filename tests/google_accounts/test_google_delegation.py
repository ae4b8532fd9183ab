"""Gmail delegates read by a Workspace service account with domain-wide delegation: google-auth's service
account credentials (a signed JWT exchanged at the key file's token endpoint) against the practice server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from auditor.audit import audit
from auditor.config import GoogleSettings, Settings
from auditor.errors import ConfigError
from auditor.model import Status
from auditor.sandbox import Sandbox, load_scenario
from auditor.sandbox.google import Delegate
from auditor.sandbox.google_oauth import SERVICE_ACCOUNT, service_account_file_text
from auditor.sandbox.scenario import Scenario

from .practice import by_check, statuses

ANN = "ann.example@gmail.com"
GMAIL_SETTINGS = "https://www.googleapis.com/auth/gmail.settings.basic"


def scenario(*, delegation: bool) -> Scenario:
    loaded = load_scenario("compromised")
    loaded.sections["google"].domain_wide_delegation = delegation
    loaded.sections["google"].delegates = [Delegate(delegateEmail="mark.ex@gmail.example")]
    return loaded


def settings_with_key(sb: Sandbox, folder: Path) -> Settings:
    key = folder / "delegation-key.json"
    key.write_text(service_account_file_text(sb.google_oauth_url or ""), encoding="utf-8")
    return Settings(google=GoogleSettings(delegation_key_file=key), request_timeout=2.0, retry_budget=4.0)


def test_delegates_are_listed_by_the_service_account_acting_for_the_account(tmp_path: Path) -> None:
    with Sandbox(scenario(delegation=True)) as sb:
        run = asyncio.run(audit(["google"], settings=settings_with_key(sb, tmp_path), endpoints=sb.endpoints()))
        grants = [g for g in sb.app("google-oauth").registry.grants() if g.client_id == SERVICE_ACCOUNT]
        token_requests = [r for r in sb.requests if r.path == "/token"]
    delegates = by_check(run)["google.gmail_delegates"]
    assert [(f.status, f.subject) for f in delegates] == [(Status.REVIEW, "mark.ex@gmail.example")]
    # one token, acting for the audited account, with the one Gmail settings scope; nothing else asked for
    assert [(g.subject, g.scopes) for g in grants] == [(ANN, (GMAIL_SETTINGS,))]
    assert len(token_requests) == 1
    assert statuses(run, "google.gmail_filters") == [Status.FOUND]  # the rest read with the account's own token


def test_delegation_not_granted_is_an_error_never_skipped_or_clear(tmp_path: Path) -> None:
    with Sandbox(scenario(delegation=False)) as sb:
        run = asyncio.run(audit(["google"], settings=settings_with_key(sb, tmp_path), endpoints=sb.endpoints()))
    [finding] = by_check(run)["google.gmail_delegates"]
    assert finding.status is Status.ERROR
    assert "service account" in finding.detail and "domain-wide delegation" in finding.detail
    assert "unauthorized_client" in finding.detail


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "does not exist"),
        ("not json", "not a service account key file"),
        ('{"installed": {"client_id": "x"}}', "its type is not 'service_account'"),
        ('{"type": "service_account", "client_email": "x@example.org"}', "not a usable service account key"),
    ],
)
def test_a_bad_key_file_is_a_configuration_error_naming_the_setting(
    tmp_path: Path, content: str | None, words: str
) -> None:
    key = tmp_path / "key.json"
    if content is not None:
        key.write_text(content, encoding="utf-8")
    settings = Settings(google=GoogleSettings(delegation_key_file=key), request_timeout=2.0, retry_budget=4.0)
    with Sandbox("clean") as sb, pytest.raises(ConfigError, match=r"google\.delegation_key_file") as raised:
        asyncio.run(audit(["google"], settings=settings, endpoints=sb.endpoints()))
    assert words in str(raised.value)


def test_the_practice_token_endpoint_checks_the_jwt(tmp_path: Path) -> None:
    """Google's server-to-server wire format: a JWT signed with another key, or for another user, is refused."""
    from google.auth import crypt, jwt

    with Sandbox(scenario(delegation=True)) as sb:
        token_uri = f"{sb.google_oauth_url}/token"

        def ask(signer: crypt.Signer, subject: str) -> httpx.Response:
            import time

            now = int(time.time())
            claims = {"iss": SERVICE_ACCOUNT, "sub": subject, "scope": GMAIL_SETTINGS, "aud": token_uri}
            assertion = jwt.encode(signer, {**claims, "iat": now, "exp": now + 3600}).decode()
            form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
            return httpx.post(token_uri, data=form, timeout=10)

        import json

        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        practice = json.loads(service_account_file_text(sb.google_oauth_url or ""))
        right = crypt.RSASigner.from_service_account_info(practice)
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        forged = crypt.RSASigner.from_string(other, key_id=practice["private_key_id"])
        answered = ask(right, ANN)
        assert answered.status_code == 200 and answered.json()["token_type"] == "Bearer"
        assert ask(forged, ANN).json()["error"] == "invalid_grant"
        assert ask(right, "someone.else@gmail.com").json()["error_description"] == "Invalid email or User ID"
        token = answered.json()["access_token"]
        api = httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=10)
        listed = api.get(f"{sb.google_url}gmail/v1/users/me/settings/delegates")
        assert listed.status_code == 200 and listed.json()["delegates"][0]["delegateEmail"] == "mark.ex@gmail.example"
        assert api.get(f"{sb.google_url}gmail/v1/users/me/settings/filters").status_code == 200


def test_the_persons_own_sign_in_never_lists_delegates() -> None:
    from sandbox.test_google_sandbox import _signed_in

    with Sandbox(scenario(delegation=True)) as sb:
        tokens = _signed_in(sb, GMAIL_SETTINGS)
        api = httpx.Client(headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=10)
        refused = api.get(f"{sb.google_url}gmail/v1/users/me/settings/delegates")
    assert refused.status_code == 403
    assert refused.json()["error"]["errors"][0]["reason"] == "failedPrecondition"
