"""Helpers for driving the app with Textual's Pilot: bounded waits, opening a finding, pressing a button."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.pilot import Pilot

from auditor.model import Finding, Status
from auditor.tui.app import AuditorApp
from auditor.tui.screens.manual import ManualScreen
from auditor.tui.widgets.findings_list import FindingsList

SIZE = (100, 32)


async def wait_for(pilot: Pilot[int], condition: Callable[[], object], what: str, timeout: float = 30.0) -> None:
    """Poll until ``condition()`` holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)
    await pilot.pause()


async def wait_for_audit(pilot: Pilot[int]) -> AuditorApp:
    app = pilot.app
    assert isinstance(app, AuditorApp)
    await wait_for(pilot, lambda: app.case is not None and app.case.runs() and not app.audit_running, "the audit")
    await settled(pilot)
    return app


def shows(app: AuditorApp, mode: str) -> Callable[[], bool]:
    """A condition for ``wait_for``: the app shows the screen of ``mode``."""
    return lambda: app.current_mode == mode


def questionnaire(app: AuditorApp) -> ManualScreen:
    """The guided questions' screen, which the test expects to be the one shown."""
    screen = app.screen
    assert isinstance(screen, ManualScreen), f"the questionnaire is not shown but {type(screen).__name__}"
    return screen


async def press_button(pilot: Pilot[int], selector: str) -> None:
    """Focus the button and press Enter on it, as a person would, then wait out its press effect: Textual draws a
    pressed button differently for 0.2 s, so a snapshot taken inside that window would depend on the machine's speed."""
    button = pilot.app.screen.query_one(selector)
    button.focus()
    await pilot.press("enter")
    await wait_for(pilot, lambda: not button.has_class("-active"), f"the press effect of {selector} to end")


async def settled(pilot: Pilot[int]) -> None:
    """Wait until the shown screen has drawn the app's latest state (screens redraw a moment later)."""
    await wait_for(pilot, lambda: getattr(pilot.app.screen, "up_to_date", True), "the screen to redraw")


async def open_finding(pilot: Pilot[int], finding: Finding) -> None:
    """Select the finding in the findings list with the keyboard, as a person would."""
    app = pilot.app
    if app.current_mode != "findings":
        await pilot.press("f")
        await pilot.pause()
    listing = app.screen.query_one(FindingsList)
    listing.focus()
    listing.highlighted = listing.get_option_index(finding.fingerprint)
    await pilot.press("enter")
    await wait_for(pilot, lambda: type(app.screen).__name__ == "FindingScreen", "the finding's screen")


async def click(pilot: Pilot[int], selector: str) -> None:
    """Scroll the widget into view, then click it with the mouse."""
    widget = pilot.app.screen.query_one(selector)
    widget.scroll_visible(animate=False, immediate=True)
    await pilot.pause()
    await pilot.click(selector)
    await pilot.pause()


def first(app: AuditorApp, status: Status, check_prefix: str = "") -> Finding:
    return next(f for f in app.book.all() if f.status is status and f.check.startswith(check_prefix))


async def text_near(pilot: Pilot[int], selector: str) -> str:
    """The screen's text once the widget is scrolled into view (what a person would read there)."""
    from tui.screen_text import screen_text

    pilot.app.screen.query_one(selector).scroll_visible(animate=False, immediate=True)
    await pilot.pause()
    return str(screen_text(pilot.app))
