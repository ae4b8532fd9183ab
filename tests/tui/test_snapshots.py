"""SVG snapshots of the main screens at 100×32 in the practice case (practice servers only: the scan of
this computer differs from machine to machine). Update with `pytest tests/tui --snapshot-update`."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from auditor.model import Status
from auditor.tui.app import AuditorApp
from tui.helpers import open_finding, press_button, wait_for, wait_for_audit

SIZE = (100, 32)


def practice() -> AuditorApp:
    return AuditorApp(practice=True, include_device=False)


async def audited(pilot: Pilot[int]) -> None:
    await wait_for_audit(pilot)


def test_findings_screen(snap_compare: Any) -> None:
    assert snap_compare(practice(), terminal_size=SIZE, run_before=audited)


def test_findings_screen_at_80_by_24(snap_compare: Any) -> None:
    assert snap_compare(practice(), terminal_size=(80, 24), run_before=audited)


def test_overview_screen(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        await wait_for_audit(pilot)
        await pilot.press("o")
        await wait_for(pilot, lambda: pilot.app.current_mode == "overview", "the overview")

    assert snap_compare(practice(), terminal_size=SIZE, run_before=run_before)


def test_finding_screen(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        app = await wait_for_audit(pilot)
        finding = next(f for f in app.book.all() if f.status is Status.FOUND and f.check == "google.gmail_filters")
        await open_finding(pilot, finding)

    assert snap_compare(practice(), terminal_size=SIZE, run_before=run_before)


def test_manual_screen(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        await wait_for_audit(pilot)
        await pilot.press("m")
        await wait_for(pilot, lambda: pilot.app.current_mode == "manual", "the questionnaire")

    assert snap_compare(practice(), terminal_size=SIZE, run_before=run_before)


def test_audit_screen(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        await wait_for_audit(pilot)
        await pilot.press("ctrl+p", *"audit progress", "enter")
        await wait_for(pilot, lambda: pilot.app.current_mode == "audit", "the audit screen")

    assert snap_compare(practice(), terminal_size=SIZE, run_before=run_before)


def test_unlock_screen(snap_compare: Any) -> None:
    assert snap_compare(AuditorApp(), terminal_size=SIZE)


def test_add_source_screen_shows_the_warning_first(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        await wait_for_audit(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: pilot.app.current_mode == "add_source", "the add screen")
        await press_button(pilot, "#kind-google")

    assert snap_compare(practice(), terminal_size=SIZE, run_before=run_before)


def test_session_screen(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        await wait_for_audit(pilot)
        await pilot.press("ctrl+p", *"session and access", "enter")
        await wait_for(pilot, lambda: pilot.app.current_mode == "session", "the session screen")
        await wait_for(pilot, lambda: getattr(pilot.app.screen, "loaded", False), "the access map")

    assert snap_compare(practice(), terminal_size=SIZE, run_before=run_before)
