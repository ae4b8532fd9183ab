"""Adding sources from the app: the pre-connection warning comes first; Microsoft connects with real msal
(device code flow) against the practice identity platform, and the next audit reads the account with the
token kept in the case; Google signs in with the real installed-app flow when the person opens the address the
app shows; an Exchange password is typed into the app; an Android phone is added for the audit to read over adb."""

from __future__ import annotations

import asyncio
import json
import webbrowser
from pathlib import Path

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input, Static

from auditor.connectors.signin import secret_name
from auditor.model import Status
from auditor.sandbox import Sandbox
from auditor.sandbox.google_oauth import client_file_text
from auditor.tui.app import AuditorApp
from tui.helpers import SIZE, click, settled, text_near, wait_for
from tui.screen_text import screen_text

CLIENT_ID = "3c1a7f2e-5b1d-4c8e-9a41-0d6f2b7e8c55"


async def create_case(pilot: Pilot[int], app: AuditorApp) -> None:
    app.screen.query_one("#case-name", Input).value = "ann"
    app.screen.query_one("#passphrase", Input).value = "a long passphrase"
    app.screen.query_one("#passphrase-again", Input).value = "a long passphrase"
    await click(pilot, "#create")
    await wait_for(pilot, lambda: app.case is not None, "the new case")


async def open_add_screen(pilot: Pilot[int], app: AuditorApp) -> None:
    await pilot.press("n")
    await wait_for(pilot, lambda: app.current_mode == "add_source", "the add screen")


def settings_file(tmp_path: Path, client_id: str | None) -> Path:
    path = tmp_path / "settings.yaml"
    path.write_text(f"microsoft:\n  client_id: {client_id}\n" if client_id else "{}\n", encoding="utf-8")
    return path


async def test_microsoft_connects_after_the_warning_and_the_next_audit_reads_the_account(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Sandbox("compromised") as sb:  # its identity platform approves device codes by itself
        monkeypatch.setenv("AUDITOR_MICROSOFT_AUTHORITY_URL", str(sb.identity_url))
        monkeypatch.setenv("AUDITOR_MICROSOFT_CA_FILE", str(sb.ca_file))
        monkeypatch.setenv("AUDITOR_GRAPH_API_URL", str(sb.graph_url))
        monkeypatch.setenv("AUDITOR_CONFIG", str(settings_file(tmp_path, CLIENT_ID)))
        app = AuditorApp(include_device=False)
        async with app.run_test(size=SIZE) as pilot:
            await create_case(pilot, app)
            await open_add_screen(pilot, app)
            connect = app.screen.query_one("#connect", Button)
            assert connect.disabled  # nothing can be connected before the warning is shown
            await click(pilot, "#kind-microsoft")
            text = await text_near(pilot, "#warning")
            assert "Before you connect your Microsoft account" in text
            assert "security alert" in text
            assert not connect.disabled
            assert sb.requests == []  # showing the warning contacted nothing

            await click(pilot, "#connect")
            await wait_for(pilot, lambda: "Connected" in screen_text(app), "the sign-in to finish", timeout=60)
            accounts = app.case.accounts()
            assert [(a["kind"], a["target"]) for a in accounts] == [("microsoft", "ann.example@contoso.example")]
            assert app.case.get_secret("token:microsoft:ann.example@contoso.example")

            await pilot.press("f", "a")
            await wait_for(pilot, lambda: app.case.runs() and not app.audit_running, "the audit", timeout=60)
            await settled(pilot)
            rules = [f for f in app.book.all() if f.check == "microsoft.outlook_inbox_rules"]
            assert any(f.status is Status.FOUND and f.target == "ann.example@contoso.example" for f in rules)
            await pilot.press("ctrl+q")


async def test_a_sign_in_that_cannot_start_says_why_and_adds_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUDITOR_CONFIG", str(settings_file(tmp_path, None)))
    app = AuditorApp(include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await create_case(pilot, app)
        await open_add_screen(pilot, app)
        await click(pilot, "#kind-microsoft")
        await click(pilot, "#connect")
        await wait_for(pilot, lambda: "Not connected" in screen_text(app), "the refusal")
        assert "microsoft.client_id" in screen_text(app)
        assert app.case.accounts() == []
        await pilot.press("ctrl+q")


async def test_an_android_phone_is_added_to_the_case() -> None:
    app = AuditorApp(include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await create_case(pilot, app)
        await open_add_screen(pilot, app)
        await click(pilot, "#kind-android")
        assert [a["kind"] for a in app.case.accounts()] == ["android"]
        assert "USB debugging" in await text_near(pilot, "#warning")
        await pilot.press("ctrl+q")


async def test_practice_mode_shows_the_warning_but_connects_nothing() -> None:
    app = AuditorApp(practice=True, include_device=False, autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.case is not None, "the practice case")
        await open_add_screen(pilot, app)
        await click(pilot, "#kind-google")
        assert "Before you connect your Google account" in await text_near(pilot, "#warning")
        assert app.screen.query_one("#connect", Button).disabled
        assert "In practice mode nothing real is connected" in screen_text(app)
        await pilot.press("ctrl+q")


def exchange_settings(tmp_path: Path, sb: Sandbox) -> Path:
    path = tmp_path / "settings.yaml"
    path.write_text(
        f"exchange:\n  url: {sb.ews_url}\n  username: ann.example@contoso.example\n  auth: basic\n", encoding="utf-8"
    )
    return path


async def test_exchange_asks_for_the_password_in_the_app_and_keeps_it_only_in_the_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Sandbox("compromised") as sb:
        monkeypatch.setenv("AUDITOR_CONFIG", str(exchange_settings(tmp_path, sb)))
        # Nothing may be read from the terminal while the app owns it.
        monkeypatch.setattr("sys.stdin", None)
        app = AuditorApp(include_device=False)
        async with app.run_test(size=SIZE) as pilot:
            await create_case(pilot, app)
            await open_add_screen(pilot, app)
            field = app.screen.query_one("#exchange-password", Input)
            assert not field.display  # no password field for Google, Microsoft or a phone
            await click(pilot, "#kind-exchange")
            assert "administrators can see sign-ins" in await text_near(pilot, "#warning")
            assert field.display and field.password

            await click(pilot, "#connect")  # without a password nothing is tried
            assert "Type the mailbox password first" in screen_text(app)
            assert sb.requests == []

            field.value = "practice-only"
            await click(pilot, "#connect")
            await wait_for(pilot, lambda: "Connected" in screen_text(app), "the sign-in to finish", timeout=60)
            assert field.value == ""
            assert "practice-only" not in screen_text(app)
            assert [(a["kind"], a["target"]) for a in app.case.accounts()] == [
                ("exchange", "ann.example@contoso.example")
            ]
            assert app.case.get_secret("token:exchange:ann.example@contoso.example") == b"practice-only"
            await pilot.press("ctrl+q")


async def test_a_wrong_exchange_password_is_said_and_stores_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Sandbox("compromised") as sb:
        monkeypatch.setenv("AUDITOR_CONFIG", str(exchange_settings(tmp_path, sb)))
        app = AuditorApp(include_device=False)
        async with app.run_test(size=SIZE) as pilot:
            await create_case(pilot, app)
            await open_add_screen(pilot, app)
            await click(pilot, "#kind-exchange")
            app.screen.query_one("#exchange-password", Input).value = "wrong"
            await click(pilot, "#connect")
            await wait_for(pilot, lambda: "Not connected" in screen_text(app), "the refusal", timeout=60)
            assert "refused the sign-in" in screen_text(app)
            assert app.case.accounts() == []
            assert app.case.get_secret("token:exchange:ann.example@contoso.example") is None
            await pilot.press("ctrl+q")


def open_in_a_browser(url: str) -> httpx.Response:
    """What the person's browser does with the address shown: Google's page, then back to the app."""
    with httpx.Client(follow_redirects=True, timeout=20, trust_env=False) as client:
        return client.get(url)


async def test_google_connects_when_the_address_shown_is_opened_and_the_token_is_kept_in_the_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Sandbox("compromised") as sb:
        client = tmp_path / "client_secret_practice.json"
        client.write_text(client_file_text(sb.google_oauth_url or "", sb.scenario.sections["google"].oauth))
        settings = tmp_path / "settings.yaml"
        settings.write_text(f"google:\n  client_file: {client}\n", encoding="utf-8")
        monkeypatch.setenv("AUDITOR_CONFIG", str(settings))
        monkeypatch.setenv("AUDITOR_GOOGLE_API_URL", str(sb.google_url))
        monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the practice server is plain http on loopback
        # A computer without a browser the app could start: the person opens the address the app shows.
        monkeypatch.setattr(webbrowser, "_tryorder", [])
        monkeypatch.setattr(webbrowser, "_browsers", {})
        app = AuditorApp(include_device=False)
        async with app.run_test(size=SIZE) as pilot:
            await create_case(pilot, app)
            await open_add_screen(pilot, app)
            await click(pilot, "#kind-google")
            assert "Before you connect your Google account" in await text_near(pilot, "#warning")
            assert sb.requests == []  # showing the warning contacted nothing
            await click(pilot, "#connect")
            log = app.screen.query_one("#signin-log", Static)
            oauth = str(sb.google_oauth_url)
            await wait_for(pilot, lambda: str(log.content).startswith(oauth), "the address to open", timeout=30)
            answer = await asyncio.to_thread(open_in_a_browser, str(log.content))
            assert answer.status_code == 200 and "Signed in" in answer.text
            await wait_for(pilot, lambda: "Connected" in screen_text(app), "the sign-in to finish", timeout=60)
            assert "Connected ann.example@gmail.com" in screen_text(app)
            assert [(a["kind"], a["target"]) for a in app.case.accounts()] == [("google", "ann.example@gmail.com")]
            token = app.case.get_secret(secret_name("google", "ann.example@gmail.com"))
            assert token is not None and json.loads(token)["refresh_token"]
            await pilot.press("ctrl+q")
