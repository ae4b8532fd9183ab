"""Signing in to Google through the real InstalledAppFlow, auditing with the stored token, refreshing it
silently, and forgetting it — all against the practice server's Google OAuth endpoints."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from auditor.audit import audit
from auditor.config import Endpoints, Settings
from auditor.connectors.google import signin
from auditor.connectors.google.client import ADMIN_SCOPES, SCOPES
from auditor.connectors.signin import secret_name, signin_module
from auditor.errors import AuthError, ConfigError, NetworkError, ProviderError, UsageError
from auditor.model import AuditRun, Status
from auditor.sandbox import FaultRule, Sandbox, load_scenario
from auditor.sandbox.faults import FaultKind
from auditor.store import CaseStore

from .conftest import BROWSER, FetchingBrowser, settings_for

ANN = "ann.example@gmail.com"
SECRET = secret_name("google", ANN)


def sign_in(sb: Sandbox, case: object, settings: Settings) -> str:
    shown: list[str] = []
    target = signin.connect(case, settings, show=shown.append, browser=BROWSER, api_endpoint=sb.google_url, timeout=10)
    assert any(m.startswith(sb.google_oauth_url or "-") for m in shown), "the sign-in address is shown"
    return target


def stored(case: CaseStore) -> dict:
    raw = case.get_secret(SECRET)
    assert raw is not None
    return dict(json.loads(raw))


def audit_case(sb: Sandbox, case: CaseStore | None, settings: Settings) -> AuditRun:
    endpoints = Endpoints(google=sb.google_url, graph=None, ews=None, token=None)  # the API URL, no bearer
    return asyncio.run(audit(["google"], settings=settings, endpoints=endpoints, case=case))


def test_contract_and_warning(tmp_path: Path) -> None:
    module = signin_module("google")
    assert module is signin and module.KIND == "google"
    text = module.warning(Settings())
    assert "security alert" in text and "new app has access" in text.lower()
    assert "Settings (the gear) › See all settings › Forwarding and POP/IMAP" in text
    assert "Forwarding and POP/IMAP" in signin.manual_steps(Settings())
    assert signin.revoke_url("https://oauth2.googleapis.com/token") == "https://oauth2.googleapis.com/revoke"


def test_sign_in_stores_the_token_only_in_the_encrypted_case(
    browser: FetchingBrowser, tmp_path: Path, isolated_home: Path
) -> None:
    with Sandbox("compromised") as sb, CaseStore.create("ann", "pw") as case:
        settings = settings_for(sb, tmp_path)
        assert sign_in(sb, case, settings) == ANN
        browser.join()
        token = stored(case)
        auth = next(r for r in sb.requests if r.path == "/o/oauth2/auth")
        grants = sb.app("google-oauth").registry.grants()
        assert [a["target"] for a in case.accounts()] == [ANN]
        assert token["token_uri"] == f"{sb.google_oauth_url}/token"
    # read-only scopes only, PKCE, a loopback redirect on 127.0.0.1
    assert auth.query["scope"][0].split() == list(SCOPES)
    assert auth.query["code_challenge_method"] == ["S256"]
    assert auth.query["redirect_uri"][0].startswith("http://127.0.0.1:")
    assert browser.answers and browser.answers[0][0] == 200 and "Signed in" in browser.answers[0][1]
    assert token["refresh_token"] == grants[0].refresh_token and token["token"] in grants[0].access
    secrets_ = [token["token"].encode(), token["refresh_token"].encode()]
    files = [p for p in isolated_home.rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        assert not any(s in data for s in secrets_), f"a token is readable in {path}"


def test_workspace_admin_asks_for_the_admin_read_scopes(browser: FetchingBrowser, tmp_path: Path) -> None:
    with Sandbox("compromised") as sb, CaseStore.create("ann", "pw") as case:
        sign_in(sb, case, settings_for(sb, tmp_path, admin=True))
        auth = next(r for r in sb.requests if r.path == "/o/oauth2/auth")
        # The token was granted the admin scopes: the case audit reads the Admin SDK without the setting.
        run = audit_case(sb, case, settings_for(sb, tmp_path))
    assert auth.query["scope"][0].split() == [*SCOPES, *ADMIN_SCOPES]
    assert all(s.endswith(("readonly", "security")) for s in ADMIN_SCOPES)
    two_step = [f for f in run.findings if f.check == "google.workspace_two_step"]
    assert [f.status for f in two_step] == [Status.FOUND]


def test_audit_with_the_stored_token(browser: FetchingBrowser, tmp_path: Path) -> None:
    with Sandbox("compromised") as sb, CaseStore.create("ann", "pw") as case:
        settings = settings_for(sb, tmp_path)
        sign_in(sb, case, settings)
        run = audit_case(sb, case, settings)
        requests = sb.requests
    assert {f.target for f in run.findings} == {ANN}
    forward = [f for f in run.findings if f.check == "google.gmail_autoforward"]
    assert [f.status for f in forward] == [Status.REVIEW]
    assert not [f for f in run.findings if f.status is Status.ERROR]
    # a consumer sign-in: the Workspace checks do not apply and the Admin SDK is never asked
    assert {f.status for f in run.findings if f.check.startswith("google.workspace_")} == {Status.SKIPPED}
    assert not [r for r in requests if r.path.startswith("/admin/")]
    assert not [r for r in requests if r.path.endswith("/profile")]  # not readable with these scopes
    assert run.exit_code == 1


def test_expired_access_token_is_refreshed_silently_and_saved(browser: FetchingBrowser, tmp_path: Path) -> None:
    with Sandbox("compromised") as sb, CaseStore.create("ann", "pw") as case:
        settings = settings_for(sb, tmp_path)
        sign_in(sb, case, settings)
        before = stored(case)["token"]
        sb.app("google-oauth").registry.expire_access_tokens()
        sb.log.clear()
        run = audit_case(sb, case, settings)
        requests = [(r.provider, r.path, r.status) for r in sb.requests]
        after = stored(case)
        live = sb.app("google-oauth").registry.scopes_of(after["token"])
    assert requests[:3] == [
        ("google", "/drive/v3/about", 401),
        ("google-oauth", "/token", 200),
        ("google", "/drive/v3/about", 200),
    ]
    assert after["token"] != before and live is not None
    assert after["refresh_token"]
    assert not [f for f in run.findings if f.status is Status.ERROR]


def test_refresh_during_the_audit_is_written_back(browser: FetchingBrowser, tmp_path: Path) -> None:
    # The access token expires after the account was opened, while the checks run: google-auth refreshes on
    # the 401 and the case gets the new token when the audit closes its sources.
    scenario = load_scenario("compromised")
    with Sandbox(scenario) as sb, CaseStore.create("ann", "pw") as case:
        settings = settings_for(sb, tmp_path)
        sign_in(sb, case, settings)
        registry = sb.app("google-oauth").registry
        sb.set_faults([FaultRule("google", "/gmail/v1/users/me/settings/autoForwarding", "latency", seconds=0.5)])
        loop_result: list[AuditRun] = []

        import threading

        def expire_soon() -> None:
            import time

            time.sleep(0.25)
            registry.expire_access_tokens()

        timer = threading.Thread(target=expire_soon)
        timer.start()
        loop_result.append(audit_case(sb, case, settings))
        timer.join()
        after = stored(case)["token"]
        refreshes = [r for r in sb.requests if r.path == "/token"]
        assert registry.scopes_of(after) is not None
    assert len(refreshes) >= 2  # the sign-in's exchange, then at least one refresh
    assert not [f for f in loop_result[0].findings if f.status is Status.ERROR]


def test_revoked_token_is_an_error_source_saying_how_to_sign_in_again(browser: FetchingBrowser, tmp_path: Path) -> None:
    with Sandbox("compromised") as sb, CaseStore.create("ann case", "pw") as case:
        settings = settings_for(sb, tmp_path)
        sign_in(sb, case, settings)
        registry = sb.app("google-oauth").registry
        assert registry.revoke(stored(case)["refresh_token"])
        run = audit_case(sb, case, settings)
    assert run.findings and {f.status for f in run.findings} == {Status.ERROR}
    reason = run.findings[0].evidence["reason"]
    assert 'Sign in to it again with `auditor account add google --case "ann case"`' in reason
    assert run.exit_code == 3


def test_an_account_without_a_stored_token_is_an_error_never_clear(tmp_path: Path) -> None:
    with Sandbox("clean") as sb, CaseStore.create("ann", "pw") as case:
        case.add_account("google", ANN)
        case.put_secret(SECRET, b"{not json")
        run = audit_case(sb, case, settings_for(sb, tmp_path))
    assert run.findings and {f.status for f in run.findings} == {Status.ERROR}
    assert "no usable sign-in stored" in run.findings[0].detail


def test_forget_revokes_and_deletes(browser: FetchingBrowser, tmp_path: Path) -> None:
    with Sandbox("compromised") as sb, CaseStore.create("ann", "pw") as case:
        settings = settings_for(sb, tmp_path)
        sign_in(sb, case, settings)
        refresh = stored(case)["refresh_token"]
        message = signin.forget(case, ANN, settings)
        revokes = [r for r in sb.requests if r.path == "/revoke"]
        grant = sb.app("google-oauth").registry.grants()[0]
        assert case.get_secret(SECRET) is None and case.accounts() == []
        with pytest.raises(UsageError, match="no Google account"):
            signin.forget(case, ANN, settings)
    assert [(r.method, r.status) for r in revokes] == [("POST", 200)]
    assert "token" not in revokes[0].query  # the token travels in the body, never in a logged URL
    assert grant.revoked and grant.refresh_token == refresh
    assert message.startswith("Google revoked the tool's access to ann.example@gmail.com")


@pytest.mark.parametrize("fault", ["500", "reset"])
def test_forget_says_when_revocation_failed_and_still_deletes(
    fault: FaultKind, browser: FetchingBrowser, tmp_path: Path
) -> None:
    with Sandbox("compromised") as sb, CaseStore.create("ann", "pw") as case:
        settings = settings_for(sb, tmp_path)
        sign_in(sb, case, settings)
        sb.set_faults([FaultRule("google-oauth", "/revoke", fault)])
        message = signin.forget(case, ANN, settings)
        grant = sb.app("google-oauth").registry.grants()[0]
        assert case.get_secret(SECRET) is None and case.accounts() == []
    assert not grant.revoked
    assert "revoking the access at Google failed" in message
    assert "myaccount.google.com/connections" in message


def test_consent_denied_stores_nothing(browser: FetchingBrowser, tmp_path: Path) -> None:
    scenario = load_scenario("compromised")
    scenario.sections["google"].oauth.consent = "deny"
    with Sandbox(scenario) as sb, CaseStore.create("ann", "pw") as case:
        with pytest.raises(AuthError, match="you did not allow access"):
            sign_in(sb, case, settings_for(sb, tmp_path))
        assert case.accounts() == [] and case.get_secret(SECRET) is None


def test_browser_that_never_comes_back_times_out(tmp_path: Path) -> None:
    import webbrowser

    class Silent(webbrowser.BaseBrowser):
        def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
            return True

    webbrowser.register("auditor-silent", None, Silent("auditor-silent"))
    with Sandbox("clean") as sb, CaseStore.create("ann", "pw") as case:
        with pytest.raises(AuthError, match="did not come back"):
            signin.connect(case, settings_for(sb, tmp_path), show=lambda m: None, browser="auditor-silent", timeout=1)
        assert case.accounts() == []


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "google.client_file"),
        ("not json", "not a Google OAuth client file"),
        ('{"web": {"client_id": "x"}}', "not a Desktop app client file"),
        ('{"installed": {"client_id": "x"}}', "lacks client_secret, auth_uri, token_uri"),
    ],
)
def test_bad_client_file_is_a_clear_error(content: str | None, words: str, tmp_path: Path) -> None:
    from auditor.config import GoogleSettings

    path = None
    if content is not None:
        path = tmp_path / "client.json"
        path.write_text(content)
    with pytest.raises(ConfigError, match=words):
        signin.connect(None, Settings(google=GoogleSettings(client_file=path)), show=lambda m: None)


def test_without_a_case_the_token_lives_in_memory_for_the_run(
    browser: FetchingBrowser, tmp_path: Path, isolated_home: Path
) -> None:
    from auditor.connectors.google.signin import MEMORY

    try:
        with Sandbox("compromised") as sb:
            settings = settings_for(sb, tmp_path)
            assert sign_in(sb, None, settings) == ANN
            run = audit_case(sb, None, settings)
            assert "revoked" in signin.forget(None, ANN, settings)
        assert not list(isolated_home.rglob("*")), "nothing is written without a case"
        assert {f.target for f in run.findings} == {ANN}
        assert not [f for f in run.findings if f.status is Status.ERROR]
        assert MEMORY.accounts() == []
    finally:
        for account in MEMORY.accounts():
            MEMORY.remove_account(account["kind"], account["target"])


def test_a_sign_in_whose_account_cannot_be_read_is_revoked_and_not_kept(
    browser: FetchingBrowser, tmp_path: Path
) -> None:
    with Sandbox("compromised", faults=[FaultRule("google", "/drive/v3/about", "500")]) as sb:
        with CaseStore.create("ann", "pw") as case:
            with pytest.raises(ProviderError):
                sign_in(sb, case, settings_for(sb, tmp_path))
            assert case.accounts() == [] and case.get_secret(SECRET) is None
        (grant,) = sb.app("google-oauth").registry.grants()
        assert grant.revoked


def test_an_unticked_permission_is_explained_and_nothing_kept(browser: FetchingBrowser, tmp_path: Path) -> None:
    scenario = load_scenario("compromised")
    scenario.sections["google"].oauth.withhold = ["gmail.settings.basic"]
    with Sandbox(scenario) as sb, CaseStore.create("ann", "pw") as case:
        with pytest.raises(AuthError, match=r"fewer permissions than the tool needs \(gmail\.settings\.basic\)"):
            sign_in(sb, case, settings_for(sb, tmp_path))
        assert case.accounts() == [] and case.get_secret(SECRET) is None
        (grant,) = sb.app("google-oauth").registry.grants()
        assert grant.revoked and grant.scopes == (SCOPES[1],)


@pytest.mark.parametrize(("fault", "error"), [("500", AuthError), ("reset", NetworkError), ("malformed", AuthError)])
def test_a_failing_token_endpoint_is_a_clear_error(
    fault: FaultKind, error: type, browser: FetchingBrowser, tmp_path: Path
) -> None:
    with Sandbox("compromised", faults=[FaultRule("google-oauth", "/token", fault)]) as sb:
        with CaseStore.create("ann", "pw") as case:
            with pytest.raises(error, match="nothing was stored"):
                sign_in(sb, case, settings_for(sb, tmp_path))
            assert case.accounts() == [] and case.get_secret(SECRET) is None


def test_a_refresh_that_fails_ends_in_error_never_clear(browser: FetchingBrowser, tmp_path: Path) -> None:
    with Sandbox("clean") as sb, CaseStore.create("ann", "pw") as case:
        settings = settings_for(sb, tmp_path)
        target = sign_in(sb, case, settings)
        before = case.get_secret(secret_name("google", target))
        sb.app("google-oauth").registry.expire_access_tokens()
        sb.set_faults([FaultRule("google-oauth", "/token", "500")])
        run = audit_case(sb, case, settings)
        assert case.get_secret(secret_name("google", target)) == before  # nothing half-written
    assert run.findings and {f.status for f in run.findings} == {Status.ERROR}
    assert run.exit_code == 3


def test_a_refresh_that_cannot_reach_google_ends_in_error(browser: FetchingBrowser, tmp_path: Path) -> None:
    with Sandbox("clean") as sb, CaseStore.create("ann", "pw") as case:
        settings = settings_for(sb, tmp_path)
        sign_in(sb, case, settings)
        sb.app("google-oauth").registry.expire_access_tokens()
        sb.set_faults([FaultRule("google-oauth", "/token", "reset")])
        run = audit_case(sb, case, settings)
    assert run.findings and {f.status for f in run.findings} == {Status.ERROR}
    assert "renewing the sign-in with Google failed" in run.findings[0].detail


def test_without_any_browser_the_address_is_shown_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A machine with no browser at all (a server over SSH): the person is shown the address to open elsewhere.
    # The sign-in's own controller must never count as the default browser, or it would open itself forever.
    import webbrowser

    monkeypatch.setattr(webbrowser, "_browsers", {})
    monkeypatch.setattr(webbrowser, "_tryorder", [])
    shown: list[str] = []
    with Sandbox("clean") as sb, CaseStore.create("ann", "pw") as case:
        with pytest.raises(AuthError, match="did not come back"):
            signin.connect(case, settings_for(sb, tmp_path), show=shown.append, api_endpoint=sb.google_url, timeout=1)
        assert case.accounts() == []
        addresses = [m for m in shown if m.startswith(sb.google_oauth_url or "-")]
    assert len(addresses) == 1
