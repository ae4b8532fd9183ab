""" "Close this" in the app: the same steps as `auditor fix`, on their own screen, driven with Textual's Pilot.

The guided change is tested on this computer: a real program named like stalkerware is found by the practice
audit's real scan, the person presses "I have done it" after stopping it, and the check runs again.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from device.conftest import start_named
from textual.pilot import Pilot
from textual.widgets import Button

from auditor.model import Finding, Status
from auditor.tui.app import AuditorApp
from tui.helpers import click, open_finding, settled, text_near, wait_for, wait_for_audit
from tui.screen_text import screen_text

SIZE = (100, 40)


@pytest.fixture
def spy(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    proc = start_named(tmp_path, "thetruthspy")
    yield proc
    proc.kill()
    proc.wait(timeout=5)


def spy_finding(app: AuditorApp, spy: subprocess.Popen[bytes]) -> Finding:
    """The finding about this test's own program (another test on this machine may run one of the same name)."""
    exe = str(spy.args[0])  # type: ignore[index]
    return next(
        f
        for f in app.book.all()
        if f.check == "device.stalkerware_processes" and f.status is Status.FOUND and exe in f.subject
    )


def path_events(app: AuditorApp) -> list[dict[str, object]]:
    """What the open case holds (the app has it locked: read through its own connection)."""
    return [row.payload for row in app.case.path_event_rows()]


async def open_fix(pilot: Pilot[int], app: AuditorApp, finding: Finding) -> None:
    await open_finding(pilot, finding)
    await pilot.press("c")
    await wait_for(
        pilot,
        lambda: type(app.screen).__name__ == "FixScreen" and getattr(app.screen, "plan", None) is not None,
        "the change to be planned",
    )
    await pilot.pause()


async def test_close_this_by_hand_keeps_evidence_confirms_then_checks_again(
    spy: subprocess.Popen[bytes],
) -> None:
    app = AuditorApp(practice=True, include_device=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        finding = spy_finding(app, spy)
        await open_fix(pilot, app, finding)
        text = screen_text(app)
        # Safety first, then the evidence said kept, then what to do by hand; Cancel holds the focus.
        safety, evidence, steps = (
            text.find("Before you do anything — safety"),
            text.find("Evidence: the finding's record was kept"),
            text.find("What to do, by hand"),
        )
        assert -1 < safety < evidence < steps, text
        assert app.focused is not None and app.focused.id == "fix-cancel"
        assert "I have done it" in await text_near(pilot, "#fix-confirm")
        # Escape cancels: back to the finding, nothing recorded (the evidence stays kept).
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "FindingScreen", "the finding again")
        assert path_events(app) == []
        # Again, and this time the person stops the program and says so.
        await pilot.press("c")
        await wait_for(pilot, lambda: getattr(app.screen, "plan", None) is not None, "the plan again")
        spy.kill()
        spy.wait(timeout=5)
        await click(pilot, "#fix-confirm")
        await wait_for(pilot, lambda: getattr(app.screen, "result", None) is not None, "the result", timeout=60)
        await pilot.pause()
        assert "Closed: the check ran again and no longer finds it" in await text_near(pilot, "#fix-result")
        assert "Recorded in the case's timeline as event" in await text_near(pilot, "#fix-recorded")
        [record] = path_events(app)
        assert record["outcome"] == "closed" and record["fingerprint"] == finding.fingerprint
        # The list no longer holds it; the timeline shows the change.
        assert app.book.get(finding.fingerprint) is None
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "FindingScreen", "the finding screen")
        await pilot.pause()
        assert "no longer in the list" in screen_text(app)
        await pilot.press("escape", "l")
        await wait_for(pilot, lambda: app.current_mode == "timeline", "the timeline")
        await settled(pilot)
        assert "Closed by you at" in screen_text(app)
        await pilot.press("ctrl+q")


async def test_nothing_is_confirmed_by_pressing_enter_and_a_running_program_stays_open(
    spy: subprocess.Popen[bytes],
) -> None:
    app = AuditorApp(practice=True, include_device=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        finding = spy_finding(app, spy)
        await open_fix(pilot, app, finding)
        await pilot.press("enter")  # the focus is on Cancel: Enter leaves, it does not confirm
        await wait_for(pilot, lambda: type(app.screen).__name__ == "FindingScreen", "the finding again")
        assert path_events(app) == []
        await pilot.press("c")
        await wait_for(pilot, lambda: getattr(app.screen, "plan", None) is not None, "the plan again")
        await click(pilot, "#fix-confirm")
        await wait_for(pilot, lambda: getattr(app.screen, "result", None) is not None, "the result", timeout=60)
        await pilot.pause()
        assert "Still open" in await text_near(pilot, "#fix-result")
        assert app.book.get(finding.fingerprint) is not None
        [record] = path_events(app)
        assert record["outcome"] == "still-open"
        await pilot.press("ctrl+q")


async def test_a_finding_that_is_not_a_path_offers_no_close() -> None:
    app = AuditorApp(practice=True, include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        clear = next(f for f in app.book.all() if f.status is Status.ERROR or f.status is Status.MANUAL)
        await open_finding(pilot, clear)
        assert not app.screen.query("#close-path")
        await pilot.press("c")
        await pilot.pause()
        assert type(app.screen).__name__ == "FindingScreen"
        await pilot.press("ctrl+q")


def test_the_confirmation_step(snap_compare: Any) -> None:
    """The change as the person confirms it (practice Google account, a forwarding filter): the warning, the exact
    request, the record it removes, the permission in plain words, the confirm button beside Cancel (focused)."""

    async def run_before(pilot: Pilot[int]) -> None:
        app = await wait_for_audit(pilot)
        finding = next(f for f in app.book.all() if f.status is Status.FOUND and f.check == "google.gmail_filters")
        await open_fix(pilot, app, finding)
        app.screen.query_one("#fix-confirm").scroll_visible(animate=False, immediate=True)
        await pilot.pause()

    assert snap_compare(AuditorApp(practice=True, include_device=False), terminal_size=(100, 32), run_before=run_before)


async def test_what_an_attacker_wrote_is_shown_literally_on_the_fix_screen() -> None:
    from auditor.safetext import BIDI_CONTROLS, ZERO_WIDTH

    app = AuditorApp(practice=True, include_device=False, scenario="hostile")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        hostile = next(
            f
            for f in app.book.all()
            if f.check == "google.gmail_filters" and f.status is Status.FOUND and "[" in str(f.evidence)
        )
        await open_fix(pilot, app, hostile)
        seen = screen_text(app) + await text_near(pilot, "#fix-confirm")
        # Shown as typed, with the escape sequences as visible text: none of it took effect.
        assert "red]Security[/]" in seen and "[link=https://evil.example]click[/link]" in seen
        assert "\\x1b[2J" in seen
        svg = app.export_screenshot()
        for ch in ("\x1b", "\x07", *BIDI_CONTROLS, *ZERO_WIDTH):
            assert ch not in svg, f"raw {ch!r} reached the screen"
        await pilot.press("ctrl+q")


def practice_log(app: AuditorApp, provider: str) -> list[tuple[str, str, object]]:
    """The changes the app's practice servers accepted for ``provider`` (their request log keeps each write)."""
    return [(r.method, r.path, r.extra) for r in app.sandbox.requests if r.provider == provider and r.extra]


async def test_one_of_two_ways_is_chosen_before_the_button_does_anything() -> None:
    """An Exchange rule can be switched off or deleted: nothing is chosen at first and the button does nothing;
    once one is chosen, exactly that change reaches the practice server."""
    app = AuditorApp(practice=True, include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        rule = next(f for f in app.book.all() if f.check == "exchange.inbox_rules" and f.status is Status.FOUND)
        await open_fix(pilot, app, rule)
        confirm = app.screen.query_one("#fix-confirm", Button)
        assert confirm.disabled
        await click(pilot, "#fix-way-0")
        assert not confirm.disabled
        app.sandbox.log.clear()
        await click(pilot, "#fix-confirm")
        await wait_for(pilot, lambda: getattr(app.screen, "result", None) is not None, "the result", timeout=60)
        await pilot.pause()
        assert "Closed:" in await text_near(pilot, "#fix-result")
        operations = [str(extra.get("operation")) for _, _, extra in practice_log(app, "ews")]
        assert operations == ["UpdateInboxRules"]
        await pilot.press("ctrl+q")


async def test_of_a_listed_set_only_the_ticked_changes_are_sent(tmp_path: Path) -> None:
    scenario = tmp_path / "three-photos.yaml"
    scenario.write_text(
        "name: three-photos\n"
        "google:\n"
        "  account: ann.example@gmail.com\n"
        "  drive:\n"
        + "".join(f"    - {{name: IMG_{n}.jpg, shared_with: [mark.ex@gmail.example]}}\n" for n in (1, 2, 3)),
        encoding="utf-8",
    )
    app = AuditorApp(practice=True, include_device=False, scenario=str(scenario))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        people = next(f for f in app.book.all() if f.check == "google.drive_people_media")
        await open_fix(pilot, app, people)
        confirm = app.screen.query_one("#fix-confirm", Button)
        assert confirm.disabled  # none ticked by default
        await click(pilot, "#fix-change-1")
        assert not confirm.disabled and "1 ticked change" in str(confirm.label)
        app.sandbox.log.clear()
        await click(pilot, "#fix-confirm")
        await wait_for(pilot, lambda: getattr(app.screen, "result", None) is not None, "the result", timeout=60)
        await pilot.pause()
        assert "Still open" in await text_near(pilot, "#fix-result")  # the other two are still shared
        assert [m for m, _, _ in practice_log(app, "google")] == ["DELETE"]
        await pilot.press("ctrl+q")
