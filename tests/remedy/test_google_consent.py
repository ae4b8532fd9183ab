"""The write permission is asked for only when the writer is opened, through the real InstalledAppFlow against the
practice OAuth server: exactly the scopes the confirmed changes need, incrementally (include_granted_scopes), for
online access, as the account the changes are for. It lives in memory only: the case's stored read-only token is
not touched, and no refresh token is kept."""

from __future__ import annotations

import webbrowser
from collections.abc import Iterator
from pathlib import Path

import pytest
from google_accounts.conftest import BROWSER, FetchingBrowser, settings_for
from google_accounts.practice import ANN
from google_accounts.writing import apply, distinct, findings, google_only, planned, restore, run, writes

from auditor.config import Settings
from auditor.connectors.google import signin
from auditor.connectors.google.client import SCOPES
from auditor.connectors.signin import secret_name
from auditor.errors import AuthError
from auditor.remedy import Change, WriterRequest
from auditor.remedy.google import DRIVE, GMAIL_BASIC, REMEDIES, GoogleWriterForChanges
from auditor.sandbox import Sandbox
from auditor.sandbox.google_oauth import GOOGLE_SCOPE


@pytest.fixture
def browser() -> Iterator[FetchingBrowser]:
    controller = FetchingBrowser(BROWSER)
    webbrowser.register(BROWSER, None, controller)
    yield controller
    controller.join()


@pytest.fixture(autouse=True)
def plain_http_oauth(monkeypatch: pytest.MonkeyPatch) -> None:
    # oauthlib refuses OAuth over plain http; the practice server is plain http on loopback (tests only).
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


def signed_in(sb: Sandbox, settings: Settings) -> signin.MemoryAccounts:
    """The account signed in for reading, as `auditor account add google` does (the token kept in a store)."""
    store = signin.MemoryAccounts()
    assert signin.connect(store, settings, show=lambda _: None, browser=BROWSER, api_endpoint=sb.google_url) == ANN
    return store


def open_writer(
    sb: Sandbox, changes: list[Change], settings: Settings, store: object, shown: list[str], target: str = ANN
) -> GoogleWriterForChanges:
    request = WriterRequest(
        target,
        changes,
        case=store,
        settings=settings,
        endpoint=sb.google_url,
        show=shown.append,
        extra={"browser": BROWSER, "sign_in_timeout": 10},
    )
    return run(REMEDIES.open_writer(request))


def consents(sb: Sandbox) -> list[dict[str, list[str]]]:
    return [r.query for r in sb.requests if r.provider == "google-oauth" and r.path == "/o/oauth2/auth"]


def test_removing_a_link_asks_for_drive_alone_and_keeps_it_in_memory(browser: FetchingBrowser, tmp_path: Path) -> None:
    with Sandbox(google_only()) as sb:
        settings = settings_for(sb, tmp_path)
        store = signed_in(sb, settings)
        stored = store.get_secret(secret_name("google", ANN))
        changes = distinct(planned(sb, "google.drive_public_media"))  # the folder's link once, and the video's
        shown: list[str] = []
        writer = open_writer(sb, changes, settings, store, shown)
        [read, write] = consents(sb)
        sb.log.clear()
        applied = [apply(writer, c) for c in changes]
        sent = writes(sb)
        still = findings(sb, "google.drive_public_media")
        back = restore(writer, applied[0])
        credentials = writer._writers[DRIVE.name].credentials
        run(writer.aclose())
        grants = sb.app("google-oauth").registry.grants()
        oauth_url = sb.google_oauth_url
    # the read sign-in asked for the read-only scopes; the change asked for exactly `drive`, incrementally,
    # online, as the account the change is for
    assert read["scope"] == [" ".join(SCOPES)]
    assert write["scope"] == [GOOGLE_SCOPE + "drive"]
    assert write["include_granted_scopes"] == ["true"] and write["access_type"] == ["online"]
    assert write["login_hint"] == [ANN] and write["prompt"] == ["consent"]
    assert any(m.startswith(f"{oauth_url}/o/oauth2/auth") for m in shown), "the address is shown"
    # the write permission: an access token only, in memory; the stored read-only token is the same bytes
    assert credentials.refresh_token is None and credentials.token in grants[1].access
    assert store.get_secret(secret_name("google", ANN)) == stored
    assert [a["target"] for a in store.accounts()] == [ANN]
    assert writer._writers == {}  # forgotten with the writer
    assert [(w.method, w.status) for w in sent] == [("DELETE", 204)] * 2 and still == []
    assert back.answer["type"] == "anyone"


def test_a_filter_asks_for_gmail_settings_basic_and_both_kinds_ask_once(
    browser: FetchingBrowser, tmp_path: Path
) -> None:
    with Sandbox(google_only()) as sb:
        settings = settings_for(sb, tmp_path)
        store = signed_in(sb, settings)
        [filter_change] = planned(sb, "google.gmail_filters")
        [share] = planned(sb, "google.drive_people_media")
        assert filter_change.permission == GMAIL_BASIC and share.permission == DRIVE
        open_writer(sb, [filter_change], settings, store, [])
        both = open_writer(sb, [filter_change, share], settings, store, [])
        apply(both, filter_change)
        apply(both, share)
        asked = [q["scope"] for q in consents(sb)[1:]]
    assert asked == [[GMAIL_BASIC.name], [f"{GMAIL_BASIC.name} {DRIVE.name}"]]


def test_an_unticked_permission_or_a_refusal_sends_nothing(browser: FetchingBrowser, tmp_path: Path) -> None:
    with Sandbox(google_only()) as sb:
        settings = settings_for(sb, tmp_path)
        store = signed_in(sb, settings)
        changes = planned(sb, "google.drive_public_media")
        oauth = sb.app("google-oauth")
        oauth.settings.withhold = ["drive"]
        with pytest.raises(AuthError, match=r"did not give the permission this change needs \(drive\)"):
            open_writer(sb, changes, settings, store, [])
        oauth.settings.withhold = []
        oauth.settings.consent = "deny"
        with pytest.raises(AuthError, match="you did not allow it"):
            open_writer(sb, changes, settings, store, [])
        assert writes(sb) == []
        assert len(findings(sb, "google.drive_public_media")) == 4


def test_a_permission_given_as_another_account_sends_nothing(browser: FetchingBrowser, tmp_path: Path) -> None:
    with Sandbox(google_only()) as sb:
        settings = settings_for(sb, tmp_path)
        store = signed_in(sb, settings)
        changes = [
            Change(**{**c.__dict__, "target": "kim.example@gmail.com"}) for c in planned(sb, "google.gmail_filters")
        ]
        with pytest.raises(AuthError, match=r"was given as ann\.example@gmail\.com, not as kim\.example@gmail\.com"):
            open_writer(sb, changes, settings, store, [], target="kim.example@gmail.com")
        assert writes(sb) == []


def test_without_the_read_sign_in_the_account_cannot_be_confirmed_and_nothing_is_sent(
    browser: FetchingBrowser, tmp_path: Path
) -> None:
    """Asked alone, gmail.settings.basic cannot say which account gave it (about.get needs a Drive scope, which
    only the earlier read sign-in of the same account would have joined): nothing is sent."""
    with Sandbox(google_only()) as sb:
        settings = settings_for(sb, tmp_path)
        changes = planned(sb, "google.gmail_filters")
        with pytest.raises(AuthError, match=r"could not check that it was given as ann\.example@gmail\.com"):
            open_writer(sb, changes, settings, signin.MemoryAccounts(), [])
        assert writes(sb) == []


def test_an_expired_write_permission_is_an_error_and_not_renewed(browser: FetchingBrowser, tmp_path: Path) -> None:
    with Sandbox(google_only()) as sb:
        settings = settings_for(sb, tmp_path)
        store = signed_in(sb, settings)
        [change, *_] = planned(sb, "google.drive_public_media")
        writer = open_writer(sb, [change], settings, store, [])
        sb.app("google-oauth").registry.expire_access_tokens()
        with pytest.raises(AuthError, match="nothing was changed"):
            apply(writer, change)
        refreshed = [r for r in sb.requests if r.provider == "google-oauth" and r.path == "/token"]
        assert [w.status for w in writes(sb)] == [401]
        assert len(findings(sb, "google.drive_public_media")) == 4
    assert len(refreshed) == 2  # the two sign-ins' code exchanges; no refresh was tried
