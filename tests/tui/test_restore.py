""" "Put it back" in the app: a change made with "Close this" undone from the timeline, the same steps as
`auditor fix --case NAME --restore EVENT_ID`, driven with Textual's Pilot through the app's practice servers.

The Gmail filter that forwards the account's security mail is closed with the app's own "Close this" (one DELETE
reaches the practice Google server), then put back from the timeline: the warning that it reopens the path and
the change's note come first, Enter and Escape leave with nothing sent, and only the button sends exactly one
request, the filter made again as it was found.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from auditor.model import Finding, Status
from auditor.sandbox import FaultRule
from auditor.sandbox.faults import FaultKind
from auditor.tui.app import AuditorApp
from auditor.tui.screens.timeline import TimelineScreen
from tui.helpers import click, open_finding, settled, text_near, wait_for, wait_for_audit
from tui.screen_text import screen_text

SIZE = (100, 60)  # tall enough that the restore screen, warning to button, is on screen at once
FILTERS = "google.gmail_filters"
FILTERS_PATH = "/gmail/v1/users/me/settings/filters"


def forwarding_filter(app: AuditorApp, marker: str = "keepingtabs") -> Finding:
    return next(
        f for f in app.book.all() if f.check == FILTERS and f.status is Status.FOUND and marker in str(f.evidence)
    )


def events(app: AuditorApp) -> list[tuple[int, str, dict[str, Any]]]:
    """The open case's path events (the app has it locked: read through its own connection)."""
    return [(row.id, row.kind, row.payload) for row in app.case.path_event_rows()]


def google_requests(app: AuditorApp) -> list[tuple[str, str, object, int]]:
    """What the practice servers were asked since the log was last cleared, Google's writes in full."""
    return [(r.method, r.path, r.extra.get("body"), r.status) for r in app.sandbox.requests if r.method != "GET"]


def screen_name(app: AuditorApp) -> str:
    return type(app.screen).__name__


def timeline(app: AuditorApp) -> TimelineScreen:
    """The timeline screen, which the test expects to be the one shown."""
    screen = app.screen
    assert isinstance(screen, TimelineScreen), f"the timeline is not shown but {type(screen).__name__}"
    return screen


async def close_in_app(pilot: Pilot[int], app: AuditorApp, finding: Finding) -> int:
    """Close the finding with the app's "Close this" and its confirm button; the fix event's id."""
    await open_finding(pilot, finding)
    await pilot.press("c")
    await wait_for(pilot, lambda: getattr(app.screen, "plan", None) is not None, "the change to be planned")
    await click(pilot, "#fix-confirm")
    await wait_for(pilot, lambda: getattr(app.screen, "result", None) is not None, "the change's result", timeout=60)
    await pilot.pause()
    assert "Closed:" in await text_near(pilot, "#fix-result")
    [(event_id, kind, record)] = events(app)
    assert kind == "fix" and record["outcome"] == "closed"
    return event_id


async def show_timeline(pilot: Pilot[int], app: AuditorApp) -> None:
    await pilot.press("escape")  # the fix screen, if shown, back to the finding
    await pilot.press("l")
    await wait_for(pilot, lambda: app.current_mode == "timeline" and screen_name(app) == "TimelineScreen", "timeline")
    await settled(pilot)


async def select_row(pilot: Pilot[int], app: AuditorApp, kind: str, event_id: int | None = None) -> None:
    """Move the timeline's cursor to the newest row of ``kind`` (and of ``event_id`` when given)."""
    screen = timeline(app)
    index = next(
        i
        for i, e in enumerate(screen.rows)
        if e.kind == kind and (event_id is None or e.ref.get("event_id") == event_id)
    )
    table = screen.query_one("#timeline", DataTable)
    table.focus()
    table.move_cursor(row=index)
    await pilot.pause()


async def put_back_pressed(pilot: Pilot[int], app: AuditorApp) -> None:
    await pilot.press("p")
    await wait_for(pilot, lambda: screen_name(app) == "RestoreScreen", "the restore screen")
    await pilot.pause()


def why(app: AuditorApp) -> str:
    shown = timeline(app).query_one("#timeline-why", Static)
    return str(shown.render()) if shown.display else ""


async def test_a_filter_closed_in_the_app_is_put_back_from_the_timeline() -> None:
    app = AuditorApp(practice=True, include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        finding = forwarding_filter(app)
        event_id = await close_in_app(pilot, app, finding)
        await show_timeline(pilot, app)
        timeline = screen_text(app)
        assert "Closed by you at" in timeline and "p Put it back" in timeline  # the key, in the footer
        await select_row(pilot, app, "change", event_id)
        await put_back_pressed(pilot, app)
        text = screen_text(app)
        # Said before anything: it reopens the path, and what putting this filter back means; then what is undone,
        # the request that closed it, the record made again, the permission, and only then the button.
        order = [
            text.find(words)
            for words in (
                "Before you do anything — safety",
                "Warning: putting it back reopens the access path you closed",
                "Whoever used it to get in",
                "Putting it back makes a new filter with the same criteria and actions",
                f"Putting back what event {event_id} removed:",
                "Undo: Delete the Gmail filter that forwards",
                "It was closed with: DELETE",
                f"https://gmail.googleapis.com{FILTERS_PATH}/{finding.evidence['id']}",
                "Made again from the record as it was found:",
                'criteria: {"from": "no-reply@accounts.google.com',
                'action: {"addLabelIds": ["TRASH"]',
                "permission to:",
                "(https://www.googleapis.com/auth/gmail.settings.basic)",
                "Put it back",
            )
        ]
        assert -1 not in order and order == sorted(order), (order, text)
        notes = app.screen.query_one("#restore-notes")
        button = app.screen.query_one("#restore-confirm")
        assert notes.region.y < button.region.y
        assert app.focused is not None and app.focused.id == "restore-cancel"
        # Only the button sends, and it sends exactly the filter again, as it was found.
        app.sandbox.log.clear()
        await click(pilot, "#restore-confirm")
        await wait_for(pilot, lambda: getattr(app.screen, "result", None) is not None, "the restore", timeout=60)
        await pilot.pause()
        result = await text_near(pilot, "#restore-result")
        assert "Put back at " in result and "the path is reopened. The check finds it again." in result
        made_again = {"criteria": finding.evidence["criteria"], "action": finding.evidence["action"]}
        assert google_requests(app) == [("POST", FILTERS_PATH, made_again, 200)]
        assert {r.provider for r in app.sandbox.requests} == {"google"}  # the check again reads Google only
        (_, fix, _), (restore_id, restore, record) = events(app)
        assert (fix, restore) == ("fix", "restore") and record["restore_of"] == event_id
        assert record["outcome"] == "put-back" and record["found_again"] is True
        assert f"Recorded in the case's timeline as event {restore_id}." in screen_text(app)
        # The findings list has the filter again (Gmail gave it a new id).
        assert any(f.check == FILTERS and "keepingtabs" in str(f.evidence) for f in app.book.all())
        # Back on the timeline, redrawn: the restore is there, and the change cannot be put back twice.
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "TimelineScreen", "the timeline again")
        await settled(pilot)
        assert "Put back by you at" in screen_text(app)
        await select_row(pilot, app, "change", event_id)
        await pilot.press("p")
        await pilot.pause()
        assert screen_name(app) == "TimelineScreen"
        assert f"Nothing can be put back: what event {event_id} removed was already put back" in why(app)
        await select_row(pilot, app, "restore")
        await pilot.press("p")
        await pilot.pause()
        assert "the selected row (restore) is not a change you made with Close this" in why(app)
        assert "not a change you made" in screen_text(app)
        await pilot.press("ctrl+q")


async def test_enter_and_escape_leave_without_sending_anything() -> None:
    app = AuditorApp(practice=True, include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        event_id = await close_in_app(pilot, app, forwarding_filter(app))
        await show_timeline(pilot, app)
        app.sandbox.log.clear()
        for key in ("enter", "escape"):
            await select_row(pilot, app, "change", event_id)
            await put_back_pressed(pilot, app)
            await pilot.press(key)  # the focus is on Cancel: Enter leaves, as Escape does
            await wait_for(pilot, lambda: screen_name(app) == "TimelineScreen", f"the timeline after {key}")
        assert app.sandbox.requests == []  # not a write, not even a read
        assert [kind for _, kind, _ in events(app)] == ["fix"]
        await pilot.press("ctrl+q")


@pytest.mark.parametrize("fault", ["403", "500"])
async def test_a_refused_restore_says_not_put_back_and_the_case_records_it(fault: FaultKind) -> None:
    app = AuditorApp(practice=True, include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        finding = forwarding_filter(app)
        event_id = await close_in_app(pilot, app, finding)
        await show_timeline(pilot, app)
        await select_row(pilot, app, "change", event_id)
        await put_back_pressed(pilot, app)
        app.sandbox.set_faults([FaultRule("google", FILTERS_PATH, fault)])
        app.sandbox.log.clear()
        await click(pilot, "#restore-confirm")
        await wait_for(pilot, lambda: getattr(app.screen, "result", None) is not None, "the restore", timeout=60)
        await pilot.pause()
        app.sandbox.clear_faults()
        said = await text_near(pilot, "#restore-result")
        assert "Not put back: nothing was made again" in said and "Put back at" not in said
        assert str(app.screen.query_one("#restore-reason", Static).render()).strip()  # the reason, in words
        assert [(m, p, s) for m, p, _, s in google_requests(app)] == [("POST", FILTERS_PATH, int(fault))]
        (_, _, _), (_, kind, record) = events(app)
        assert kind == "restore" and record["outcome"] == "not-put-back" and record["reason"]
        assert record["restore_of"] == event_id and record["restored"] == []
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "TimelineScreen", "the timeline again")
        await settled(pilot)
        assert "Not put back:" in screen_text(app)
        # Not put back, so it can still be put back: the restore screen opens again for that change.
        await select_row(pilot, app, "change", event_id)
        await put_back_pressed(pilot, app)
        await pilot.press("ctrl+q")


async def test_rows_that_are_not_a_change_say_why_nothing_can_be_put_back() -> None:
    app = AuditorApp(practice=True, include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        await show_timeline(pilot, app)
        kind = timeline(app).rows[0].kind
        await pilot.press("p")
        await pilot.pause()
        assert screen_name(app) == "TimelineScreen"
        assert f"Nothing to put back: the selected row ({kind}) is not a change you made with Close this" in why(app)
        # A change the server refused changed nothing: the application layer's words, shown as they are.
        finding = forwarding_filter(app)
        app.sandbox.set_faults([FaultRule("google", f"{FILTERS_PATH}/*", "403")])
        await open_finding(pilot, finding)
        await pilot.press("c")
        await wait_for(pilot, lambda: getattr(app.screen, "plan", None) is not None, "the change to be planned")
        await click(pilot, "#fix-confirm")
        await wait_for(pilot, lambda: getattr(app.screen, "result", None) is not None, "the result", timeout=60)
        app.sandbox.clear_faults()
        [(event_id, _, record)] = events(app)
        assert record["outcome"] == "not-changed"
        await show_timeline(pilot, app)
        await select_row(pilot, app, "change", event_id)
        app.sandbox.log.clear()
        await pilot.press("p")
        await pilot.pause()
        assert screen_name(app) == "TimelineScreen"
        assert f"event {event_id} changed nothing, so there is nothing to put back" in why(app)
        assert app.sandbox.requests == []
        await pilot.press("ctrl+q")


def hostile_with_forwarding(folder: Path) -> str:
    """The shipped hostile scenario, with the forwarding address its filter forwards to confirmed (Gmail makes a
    forwarding filter again only then), as a scenario file."""
    import auditor.sandbox

    shipped = Path(auditor.sandbox.__file__).parent / "scenarios" / "hostile.yaml"
    text = shipped.read_text(encoding="utf-8")
    account = "  account: ann.example@gmail.com\n"
    assert text.count(account) == 1
    confirmed = "  forwarding_addresses: [{forwardingEmail: keepingtabs@proton.example, verificationStatus: accepted}]"
    scenario = folder / "hostile-forwarding.yaml"
    scenario.write_text(text.replace(account, f"{account}{confirmed}\n"), encoding="utf-8")
    return str(scenario)


async def test_what_an_attacker_wrote_is_shown_literally_and_sent_back_exactly(tmp_path: Path) -> None:
    from auditor.safetext import BIDI_CONTROLS, ZERO_WIDTH

    app = AuditorApp(practice=True, include_device=False, scenario=hostile_with_forwarding(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        hostile = forwarding_filter(app, "[bold red]Security[/]")
        event_id = await close_in_app(pilot, app, hostile)
        await show_timeline(pilot, app)
        await select_row(pilot, app, "change", event_id)
        await put_back_pressed(pilot, app)
        seen = screen_text(app)
        # Shown as typed, the escape sequences as visible text: none of it took effect.
        assert "red]Security[/]" in seen and "[link=https://evil.example]click[/link]" in seen
        assert "\\x1b[2J\\x1b[31mALL" in seen and "invoice<U+202E>gnp.exe" in seen
        for ch in ("\x1b", "\x07", *BIDI_CONTROLS, *ZERO_WIDTH):
            assert ch not in app.export_screenshot(), f"raw {ch!r} reached the screen"
        # What is sent back is the record exactly as it was found, escapes and all.
        app.sandbox.log.clear()
        await click(pilot, "#restore-confirm")
        await wait_for(pilot, lambda: getattr(app.screen, "result", None) is not None, "the restore", timeout=60)
        await pilot.pause()
        assert "Put back at " in await text_near(pilot, "#restore-result")
        [(method, path, body, status)] = google_requests(app)
        assert (method, path, status) == ("POST", FILTERS_PATH, 200)
        assert body == {"criteria": hostile.evidence["criteria"], "action": hostile.evidence["action"]}
        for ch in ("\x1b", "\x07", *BIDI_CONTROLS, *ZERO_WIDTH):
            assert ch not in app.export_screenshot(), f"raw {ch!r} reached the screen"
        await pilot.press("ctrl+q")


def test_the_restore_screen_before_confirming(snap_compare: Any) -> None:
    """A forwarding filter closed in the app, then "Put it back" on the timeline: the warning and the filter's note
    first, what is undone and made again, the permission in plain words, the button beside Cancel (focused)."""

    async def run_before(pilot: Pilot[int]) -> None:
        app = await wait_for_audit(pilot)
        event_id = await close_in_app(pilot, app, forwarding_filter(app))
        await show_timeline(pilot, app)
        await select_row(pilot, app, "change", event_id)
        await put_back_pressed(pilot, app)

    assert snap_compare(AuditorApp(practice=True, include_device=False), terminal_size=(100, 44), run_before=run_before)
