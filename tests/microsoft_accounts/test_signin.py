"""Signing in to Microsoft with real msal (device code flow) against the practice identity platform, the
token cache kept only in the encrypted case, silent re-acquiring during case audits, and forgetting."""

from __future__ import annotations

import json
import re
import ssl
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sandbox.urls import url_of

from auditor.config import MicrosoftSettings, Settings
from auditor.connectors.graph import signin
from auditor.connectors.signin import secret_name, signin_module
from auditor.errors import AuthError, ConfigError
from auditor.model import Status
from auditor.sandbox import FaultRule, Sandbox
from auditor.store import CaseStore

from .conftest import PointAt, signin_settings

PERSONAL = "sam.example@outlook.example"


def approver(sb: Sandbox, shown: list[str]) -> Callable[[str], None]:
    """The person: reads the message, opens the verification page and enters the code."""

    def show(message: str) -> None:
        shown.append(message)
        asked = re.search(r"enter the code (\w+)", message)
        assert asked is not None, f"no code to enter in {message!r}"
        code = asked.group(1)

        def approve() -> None:
            with httpx.Client(verify=ssl.create_default_context(cafile=str(sb.ca_file)), trust_env=False) as c:
                assert c.get(url_of(sb, "identity") + "/devicelogin", params={"user_code": code}).status_code == 200

        threading.Thread(target=approve).start()

    return show


def token_cache(store: CaseStore, name: str) -> dict[str, Any]:
    """msal's token cache as the case keeps it under ``name``; the test stops here if the case keeps none."""
    kept = store.get_secret(name)
    assert kept is not None, f"the case keeps no secret {name!r}"
    cache: dict[str, Any] = json.loads(kept.decode())
    return cache


def cache_tokens(store: CaseStore, target: str) -> tuple[str, str]:
    cache = token_cache(store, secret_name("microsoft", target))
    access = next(iter(cache["AccessToken"].values()))["secret"]
    refresh = next(iter(cache["RefreshToken"].values()))["secret"]
    return access, refresh


def test_sign_in_stores_the_token_cache_only_in_the_case(identity_env: PointAt, isolated_home: Path) -> None:
    with Sandbox("clean") as sb:
        identity_env(sb)
        shown: list[str] = []
        with CaseStore.create("ann", "pw") as store:
            module = signin_module("microsoft")
            assert module is signin
            target = module.connect(store, signin_settings(), show=approver(sb, shown))
            assert target == PERSONAL
            assert shown and url_of(sb, "identity") + "/devicelogin" in shown[0]
            assert store.accounts()[0]["kind"] == "microsoft" and store.accounts()[0]["target"] == PERSONAL
            assert store.accounts()[0]["settings"] == {"account_type": "personal", "work_scopes": False}
            access, refresh = cache_tokens(store, PERSONAL)
            assert refresh and sb.app("identity").tokens.granted(access) == set(signin.scopes_for(work=False))
        token_requests = [r for r in sb.requests if r.path == "/common/oauth2/v2.0/devicecode"]
        assert len(token_requests) == 1
    for path in isolated_home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert access.encode() not in data and refresh.encode() not in data, path


def test_work_scopes_only_when_the_person_says_work_or_school(identity_env: PointAt) -> None:
    with Sandbox("compromised") as sb:  # auto-approves device codes
        identity_env(sb)
        with CaseStore.create("ann", "pw") as store:
            signin.connect(store, signin_settings(authority="organizations"), show=lambda m: None)
            signin.connect(None, signin_settings(), show=lambda m: None)
            assert store.accounts()[0]["settings"] == {"account_type": "work", "work_scopes": True}
        asked = [r for r in sb.requests if r.path.endswith("/oauth2/v2.0/devicecode")]
        assert [r.path.split("/")[1] for r in asked] == ["organizations", "common"]
        assert signin.scopes_for(True)[-2:] == ["UserAuthenticationMethod.Read", "Directory.Read.All"]
        assert "UserAuthenticationMethod.Read" not in signin.scopes_for(False)


def test_case_audit_uses_the_stored_sign_in_and_saves_a_refreshed_cache(
    identity_env: PointAt, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from auditor.audit import audit

    with Sandbox("compromised") as sb:
        identity_env(sb)
        settings = signin_settings()
        with CaseStore.create("ann", "pw") as store:
            target = signin.connect(store, settings, show=lambda m: None)
            # Expire the access token so msal must use the refresh token.
            name = secret_name("microsoft", target)
            cache = token_cache(store, name)
            for entry in cache["AccessToken"].values():
                entry["expires_on"] = entry["extended_expires_on"] = "1"
            store.put_secret(name, json.dumps(cache).encode())
            _, refresh_before = cache_tokens(store, target)

            endpoints = sb.endpoints()
            endpoints = type(endpoints)(google=None, graph=endpoints.graph, ews=None, token=None)  # no bearer token
            run = asyncio.run(audit(["microsoft"], settings=settings, endpoints=endpoints, case=store))
            _, refresh_after = cache_tokens(store, target)
        refreshes = [r for r in sb.requests if r.path.endswith("/oauth2/v2.0/token")]
    assert {f.target for f in run.findings} == {target}
    assert any(f.status is Status.FOUND for f in run.findings if f.check == "microsoft.outlook_inbox_rules")
    assert len(refreshes) == 2  # the device code, then one refresh during the audit
    assert refresh_after != refresh_before  # the refreshed cache was saved back into the case


def test_a_stored_account_that_cannot_sign_in_is_error_naming_the_command(identity_env: PointAt) -> None:
    import asyncio

    from auditor.audit import audit

    with Sandbox("compromised") as sb:
        identity_env(sb)
        settings = signin_settings()
        endpoints = type(sb.endpoints())(google=None, graph=sb.graph_url, ews=None, token=None)
        with CaseStore.create("ann", "pw") as store:
            target = signin.connect(store, settings, show=lambda m: None)
            cache = token_cache(store, secret_name("microsoft", target))
            cache["AccessToken"] = {}
            for entry in cache["RefreshToken"].values():
                entry["secret"] = "revoked"
            store.put_secret(secret_name("microsoft", target), json.dumps(cache).encode())
            store.add_account("microsoft", "gone@outlook.example")  # no stored token at all
            store.add_account("microsoft", "damaged@outlook.example")  # a token cache of the wrong shape
            store.put_secret(secret_name("microsoft", "damaged@outlook.example"), b'{"Account": 5}')
            run = asyncio.run(audit(["microsoft"], settings=settings, endpoints=endpoints, case=store))
    damaged = [f for f in run.findings if f.target == "damaged@outlook.example"]
    assert damaged and "stored sign-in for damaged@outlook.example is unreadable" in damaged[0].detail
    for who in (target, "gone@outlook.example", "damaged@outlook.example"):
        findings = [f for f in run.findings if f.target == who and not f.check.startswith("microsoft.manual")]
        assert findings and {f.status for f in findings} == {Status.ERROR}, who
        assert "auditor account add microsoft --case" in findings[0].detail


def test_forget_deletes_tokens_and_account_and_says_there_is_no_revocation(identity_env: PointAt) -> None:
    with Sandbox("compromised") as sb:
        identity_env(sb)
        with CaseStore.create("ann", "pw") as store:
            target = signin.connect(store, signin_settings(), show=lambda m: None)
            before = len(sb.requests)
            message = signin.forget(store, target, signin_settings())
            assert store.get_secret(secret_name("microsoft", target)) is None
            assert store.accounts() == []
        assert len(sb.requests) == before  # nothing sent: Microsoft has no revocation for public clients
    assert "account.microsoft.com › Privacy › Apps and services" in message
    assert message.startswith("Deleted the stored sign-in for ann.example@contoso.example")


def test_without_a_case_the_cache_lives_in_memory(identity_env: PointAt, isolated_home: Path) -> None:
    with Sandbox("compromised") as sb:
        identity_env(sb)
        target = signin.connect(None, signin_settings(), show=lambda m: None)
        token = signin.silent_token(None, target, signin_settings())
        assert sb.app("identity").tokens.granted(token) == set(signin.scopes_for(work=False))
        signin.forget(None, target, signin_settings())
        with pytest.raises(AuthError, match="not signed in"):
            signin.silent_token(None, target, signin_settings())
    assert not any(p.is_file() for p in isolated_home.rglob("*"))


def test_missing_client_id_names_the_setting_and_the_docs() -> None:
    with pytest.raises(ConfigError, match=r"microsoft\.client_id.*docs/microsoft\.md"):
        signin.connect(None, Settings(microsoft=MicrosoftSettings()), show=lambda m: None)


def test_refused_sign_ins_are_auth_errors(identity_env: PointAt, tmp_path: Path) -> None:
    from .conftest import scenario_from

    text = "name: x\nmicrosoft:\n  identity: {client_ids: [only-this-app]}\n"
    with Sandbox(scenario_from(tmp_path, text)) as sb:
        identity_env(sb)
        with pytest.raises(AuthError, match=r"refused to start the sign-in.*AADSTS700016"):
            signin.connect(None, signin_settings(), show=lambda m: None)
    with Sandbox("clean", faults=[FaultRule("identity", "/*/oauth2/v2.0/token", "500")]) as sb:
        identity_env(sb)
        with pytest.raises(AuthError, match="sign-in service answered with an error"):
            signin.connect(None, signin_settings(), show=lambda m: None)


def test_warning_says_what_microsoft_may_send_and_where_to_look_first() -> None:
    text = signin.warning(Settings())
    assert "Microsoft may send a security alert" in text
    assert "Settings (the gear) › Mail › Forwarding" in text and "Rules" in text


def test_account_command_adds_lists_audits_and_forgets(
    identity_env: PointAt, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    from auditor.cli import main

    settings_file = isolated_home / "settings.yaml"
    settings_file.write_text(
        "microsoft: {client_id: 3c1a7f2e-5b1d-4c8e-9a41-0d6f2b7e8c55}\nrequest_timeout: 2\n", encoding="utf-8"
    )
    monkeypatch.setenv("AUDITOR_PASSPHRASE", "pw")
    with Sandbox("compromised") as sb:
        identity_env(sb)
        assert main(["account", "add", "microsoft", "--case", "ann", "--yes"]) == 0
        out = capsys.readouterr().out
        assert "Microsoft may send a security alert" in out and "enter the code" in out
        assert "Connected ann.example@contoso.example" in out
        assert main(["account", "list", "--case", "ann"]) == 0
        assert "signed in" in capsys.readouterr().out
        monkeypatch.setenv("AUDITOR_GRAPH_API_URL", url_of(sb, "graph"))  # the case's sign-in is used against it
        assert main(["audit", "--case", "ann", "--only", "microsoft", "--format", "json"]) == 1
        data = json.loads(capsys.readouterr().out)
        assert any(f["title"].startswith("Your mail is redirected to keepingtabs") for f in data["findings"])
        assert main(["account", "forget", "microsoft", "ann.example@contoso.example", "--case", "ann"]) == 0
        assert "Apps and services" in capsys.readouterr().out
        assert main(["account", "list", "--case", "ann"]) == 0
        assert "ann.example@contoso.example" not in capsys.readouterr().out


def test_manual_steps_offered_before_connecting() -> None:
    steps = signin.manual_steps(Settings())
    assert "Settings (the gear) › Mail › Forwarding" in steps and "Rules" in steps


def test_an_account_signed_in_without_a_case_is_audited(identity_env: PointAt, isolated_home: Path) -> None:
    """Signed in without a case, the account's cache is in memory: the run's audit uses it, and once forgotten
    there is nothing to audit."""
    import asyncio

    from auditor.audit import audit
    from auditor.errors import UsageError

    with Sandbox("compromised") as sb:
        identity_env(sb)
        settings = signin_settings(authority="organizations")
        endpoints = sb.endpoints()
        endpoints = type(endpoints)(google=None, graph=endpoints.graph, ews=None, token=None)  # no bearer token
        target = signin.connect(None, settings, show=lambda m: None)
        try:
            run = asyncio.run(audit(["microsoft"], settings=settings, endpoints=endpoints))
        finally:
            signin.forget(None, target, settings)
        with pytest.raises(UsageError, match="AUDITOR_BEARER_TOKEN is not"):  # nothing signed in now
            asyncio.run(audit(["microsoft"], settings=settings, endpoints=endpoints))
    assert {f.target for f in run.findings} == {target}
    rules = [f for f in run.findings if f.check == "microsoft.outlook_inbox_rules"]
    assert rules and {f.status for f in rules} == {Status.FOUND}
    methods = [f for f in run.findings if f.check == "microsoft.auth_methods"]
    assert methods and {f.status for f in methods} == {Status.REVIEW}  # a work account, its work scopes asked for
    assert not any(p.is_file() for p in isolated_home.rglob("*"))
