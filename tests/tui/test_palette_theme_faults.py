"""The command palette's actions, light and dark themes without relying on colour, and checks that could
not complete shown as "Couldn't check" (never as clear) when the practice servers fail."""

from __future__ import annotations

import pytest

from auditor.model import Status
from auditor.tui.app import AuditorApp
from auditor.tui.commands import AuditorCommands
from tui.helpers import SIZE, settled, wait_for, wait_for_audit
from tui.screen_text import screen_text


async def test_the_palette_offers_the_main_actions_and_runs_them() -> None:
    app = AuditorApp(practice=True, include_device=False, autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.case is not None, "the practice case")
        provider = AuditorCommands(app.screen)
        titles = [hit.text async for hit in provider.discover()]
        for wanted in ("Audit now", "Show Overview", "Show Findings", "Show Check by hand", "Show Timeline"):
            assert wanted in titles
        assert "Quick exit" in titles
        await pilot.press("ctrl+p", *"audit now", "enter")
        await wait_for(pilot, lambda: app.case.runs() and not app.audit_running, "the audit the palette started")
        await pilot.press("ctrl+q")


async def test_light_theme_and_no_colour_keep_every_status_in_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")  # Textual then draws in monochrome
    app = AuditorApp(practice=True, include_device=False)
    assert app.no_color
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        await pilot.press("t")
        assert app.theme == "textual-light"
        text = screen_text(app)
        for words in ("Found", "Is this yours?", "Check by hand"):
            assert words in text
        await pilot.press("t")
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+q")


async def test_a_failing_server_shows_couldnt_check_never_clear() -> None:
    app = AuditorApp(practice=True, include_device=False, faults=("google:/gmail/v1/users/*/settings/filters:500",))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        filters = [f for f in app.book.all() if f.check == "google.gmail_filters"]
        assert filters and all(f.status is Status.ERROR for f in filters)
        assert "Couldn't check" in screen_text(app)
        await pilot.press("o")
        await settled(pilot)
        text = screen_text(app)
        assert "Couldn't" in text and "check" in text  # the column's heading, on two lines
        gmail = next(line for line in text.splitlines() if "ann.example@gmail.com" in line)
        error = [int(n) for n in gmail.split(")", 1)[1].split()][2]  # Found, Is this yours?, Couldn't check, …
        assert error == app.book.counts("ann.example@gmail.com")[Status.ERROR] >= 1
        await pilot.press("ctrl+q")
