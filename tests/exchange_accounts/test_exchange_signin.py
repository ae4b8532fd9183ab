"""Signing in to an Exchange mailbox with a password (Basic on the practice server), kept in the encrypted case."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from auditor.audit import audit
from auditor.config import Endpoints, ExchangeSettings, Settings
from auditor.connectors.ews import signin
from auditor.connectors.signin import secret_name, signin_module
from auditor.errors import AuthError, UsageError
from auditor.model import AuditRun, Status
from auditor.sandbox import Sandbox, load_scenario
from auditor.store.case import CaseStore

ANN = "ann.example@contoso.example"
PASSWORD = "practice-only"
NO_ENDPOINTS = Endpoints(google=None, graph=None, ews=None, token=None)


def settings_for(sb: Sandbox, username: str = ANN) -> Settings:
    exchange = ExchangeSettings(url=sb.ews_url, username=username, auth="basic")
    return Settings(exchange=exchange, request_timeout=1.0, retry_budget=3.0)


def piped(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def audit_case(case: CaseStore | None, settings: Settings) -> AuditRun:
    return asyncio.run(audit(["exchange"], settings=settings, endpoints=NO_ENDPOINTS, case=case))


def test_the_contract_and_the_warning() -> None:
    module = signin_module("exchange")
    assert module is signin and module.KIND == "exchange"
    text = signin.warning(Settings())
    assert "Outlook on the web › Settings (the gear) › Mail › Forwarding" in text
    assert "administrators can see sign-ins" in text
    assert "alert could reach them" in text


def test_piped_password_is_stored_encrypted_and_audits_over_basic(
    monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    messages: list[str] = []
    with Sandbox("compromised") as sb:
        settings = settings_for(sb)
        piped(monkeypatch, PASSWORD + "\n")
        with CaseStore.create("ann", "case passphrase") as case:
            assert signin.connect(case, settings, show=messages.append) == ANN
            [account] = [a for a in case.accounts() if a["kind"] == "exchange"]
            assert account["target"] == ANN
            assert account["settings"] == {"url": sb.ews_url, "auth": "basic", "username": ANN}
            assert case.get_secret(secret_name("exchange", ANN)) == PASSWORD.encode()
        with CaseStore.open("ann", "case passphrase") as case:
            run = audit_case(case, settings)
        basic = [r for r in sb.requests if r.provider == "ews" and r.headers.get("Authorization")]
    assert any(ANN in m for m in messages)
    assert {f.target for f in run.findings} == {ANN}
    found = {f.check: f.status for f in run.findings}
    assert found["exchange.inbox_rules"] is Status.FOUND and found["exchange.delegates"] is Status.FOUND
    assert basic, "the stored password was sent"
    files = [p for p in isolated_home.rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        assert PASSWORD.encode() not in data, path
        assert PASSWORD.encode("utf-16-le") not in data, path


def test_a_refused_password_stores_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    with Sandbox("compromised") as sb, CaseStore.create("ann", "pw") as case:
        with pytest.raises(AuthError, match="refused the sign-in"):
            signin.connect(case, settings_for(sb), show=lambda _: None, password=lambda _: "wrong")
        assert case.accounts() == []
        assert case.get_secret(secret_name("exchange", ANN)) is None


def test_an_empty_password_or_oauth_setting_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with Sandbox("clean") as sb, CaseStore.create("sam", "pw") as case:
        with pytest.raises(UsageError, match="no password"):
            signin.connect(case, settings_for(sb), show=lambda _: None, password=lambda _: "")
        oauth = Settings(exchange=ExchangeSettings(url=sb.ews_url, username="sam", auth="oauth"))
        with pytest.raises(UsageError, match="AUDITOR_BEARER_TOKEN"):
            signin.connect(case, oauth, show=lambda _: None, password=lambda _: PASSWORD)
        assert case.accounts() == []


def test_forget_deletes_the_password_and_the_account() -> None:
    with Sandbox("clean") as sb, CaseStore.create("sam", "pw") as case:
        target = signin.connect(
            case, settings_for(sb, "sam.example@contoso.example"), show=lambda _: None, password=lambda _: PASSWORD
        )
        message = signin.forget(case, target, Settings())
        assert case.accounts() == [] and case.get_secret(secret_name("exchange", target)) is None
        from exchangelib.protocol import CachingProtocol

        # the sign-in's check closed its client: exchangelib keeps no protocol (and so no password) for it
        assert all(key[0] != sb.ews_url for key in CachingProtocol._protocol_cache)
    assert "Deleted the stored password" in message and "change it" in message


def test_a_stored_account_without_its_password_says_how_to_sign_in_again() -> None:
    with Sandbox("clean") as sb, CaseStore.create("sam", "pw") as case:
        settings = settings_for(sb, "sam.example@contoso.example")
        target = signin.connect(case, settings, show=lambda _: None, password=lambda _: PASSWORD)
        case.delete_secret(secret_name("exchange", target))
        run = audit_case(case, settings)
    assert {f.status for f in run.findings} == {Status.ERROR}
    assert "`auditor account add exchange --case sam`" in run.findings[0].detail
    assert "no password is stored" in run.findings[0].detail


@pytest.mark.parametrize(
    ("account_settings", "secret", "why"),
    [
        ({"auth": "oauth"}, PASSWORD.encode(), "names no password scheme"),  # never sent as a bearer token
        ({}, b"\xff\xfe", "unreadable"),
    ],
)
def test_a_damaged_stored_account_is_an_error_saying_how_to_sign_in_again(
    account_settings: dict, secret: bytes, why: str
) -> None:
    with Sandbox("clean") as sb, CaseStore.create("sam case", "pw") as case:
        settings = settings_for(sb, "sam.example@contoso.example")
        case.add_account("exchange", "sam.example@contoso.example", {"url": sb.ews_url, **account_settings})
        case.put_secret(secret_name("exchange", "sam.example@contoso.example"), secret)
        run = audit_case(case, settings)
        requests = [r for r in sb.requests if r.provider == "ews"]
    assert run.findings and {f.status for f in run.findings} == {Status.ERROR}
    assert why in run.findings[0].detail
    assert '`auditor account add exchange --case "sam case"`' in run.findings[0].detail
    assert requests == []


def test_a_password_changed_since_sign_in_is_error_never_clear() -> None:
    with Sandbox("clean") as sb, CaseStore.create("sam", "pw") as case:
        settings = settings_for(sb, "sam.example@contoso.example")
        signin.connect(case, settings, show=lambda _: None, password=lambda _: PASSWORD)
    scenario = load_scenario("clean")
    scenario.sections["exchange"].basic_auth.password = "changed"
    with Sandbox(scenario) as sb, CaseStore.open("sam", "pw") as case:
        # AUDITOR_EWS_URL without a token points a case's stored accounts at another (practice) server
        moved = Endpoints(google=None, graph=None, ews=sb.ews_url, token=None)
        run = asyncio.run(audit(["exchange"], settings=settings, endpoints=moved, case=case))
    assert {f.status for f in run.findings} == {Status.ERROR}
    assert {f.target for f in run.findings} == {"sam.example@contoso.example"}
    assert "sign in again" in run.findings[0].detail and "refused" in run.findings[0].detail


def test_account_add_with_a_piped_password_then_audit_and_forget_from_the_command_line(isolated_home: Path) -> None:
    """The installed command in its own process: the password arrives on a pipe, never in a file."""
    import json
    import os
    import subprocess
    import sys

    with Sandbox("compromised") as sb:
        config = isolated_home / "settings.yaml"
        config.write_text(f"exchange:\n  url: {sb.ews_url}\n  username: {ANN}\n  auth: basic\n", encoding="utf-8")
        env = {**os.environ, "AUDITOR_PASSPHRASE": "case passphrase", "AUDITOR_CONFIG": str(config)}

        def auditor(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
            command = [sys.executable, "-c", "import sys; from auditor.cli import main; sys.exit(main())", *args]
            return subprocess.run(command, input=stdin, capture_output=True, text=True, env=env, timeout=120)

        added = auditor("account", "add", "exchange", "--case", "ann", "--yes", stdin=PASSWORD + "\n")
        assert added.returncode == 0, added.stderr
        assert "administrators can see sign-ins" in added.stdout and f"Connected {ANN}" in added.stdout
        assert PASSWORD not in added.stdout + added.stderr
        listed = auditor("account", "list", "--case", "ann")
        assert "exchange" in listed.stdout and "signed in" in listed.stdout
        audited = auditor("audit", "--case", "ann", "--only", "exchange", "--format", "json")
        assert audited.returncode == 1, audited.stderr
        findings = json.loads(audited.stdout)["findings"]
        assert {f["status"] for f in findings if f["check"] == "exchange.inbox_rules"} == {"found"}
        for path in (p for p in isolated_home.rglob("*") if p.is_file()):
            assert PASSWORD.encode() not in path.read_bytes(), path
        forgot = auditor("account", "forget", "exchange", ANN, "--case", "ann")
        assert forgot.returncode == 0 and "change it" in forgot.stdout
        after = auditor("audit", "--case", "ann", "--only", "exchange")
    assert after.returncode == 2 and "auditor account add exchange" in after.stderr


def test_without_a_case_the_password_lives_in_memory_for_the_run(isolated_home: Path) -> None:
    with Sandbox("compromised") as sb:
        settings = settings_for(sb)
        target = signin.connect(None, settings, show=lambda _: None, password=lambda _: PASSWORD)
        try:
            run = audit_case(None, settings)
        finally:
            message = signin.forget(None, target, settings)
        with pytest.raises(UsageError, match="no Exchange mailbox to audit"):
            audit_case(None, settings)
    assert target == ANN and {f.target for f in run.findings} == {ANN}
    assert not [f for f in run.findings if f.status is Status.ERROR]
    assert [f.status for f in run.findings if f.check == "exchange.inbox_rules"] == [Status.FOUND]
    assert "Removed" in message
    assert not [p for p in isolated_home.rglob("*") if p.is_file()], "nothing is written without a case"


def test_ntlm_sign_in_is_checked_stored_and_audited(monkeypatch: pytest.MonkeyPatch, isolated_home: Path) -> None:
    """On-premises Exchange's own scheme: exchangelib's NTLM handshake against the practice server's NTLMv2
    check of the password, at sign-in and again at every read of the audit."""
    with Sandbox("compromised") as sb:
        settings = Settings(exchange=ExchangeSettings(url=sb.ews_url, username=ANN, auth="ntlm"), request_timeout=2.0)
        with CaseStore.create("ann", "pw") as case:
            with pytest.raises(AuthError, match="refused the sign-in"):
                signin.connect(case, settings, show=lambda _: None, password=lambda _: "wrong")
            assert case.accounts() == [] and case.get_secret(secret_name("exchange", ANN)) is None
            assert signin.connect(case, settings, show=lambda _: None, password=lambda _: PASSWORD) == ANN
            [account] = [a for a in case.accounts() if a["kind"] == "exchange"]
            assert account["settings"]["auth"] == "ntlm"
            run = audit_case(case, settings)
        challenged = [r for r in sb.requests if r.provider == "ews" and r.status == 401]
        answered = [r for r in sb.requests if r.provider == "ews" and r.status == 200]
    found = {f.check: f.status for f in run.findings}
    assert found["exchange.inbox_rules"] is Status.FOUND and found["exchange.delegates"] is Status.FOUND
    assert found["exchange.automatic_replies"] is not Status.ERROR
    assert len(answered) >= 4 and len(challenged) >= len(answered), "each read went through NTLM's challenge"
    for path in (p for p in isolated_home.rglob("*") if p.is_file()):
        assert PASSWORD.encode() not in path.read_bytes(), path
