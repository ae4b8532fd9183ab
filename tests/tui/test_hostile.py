"""Attacker-controlled text (rule names, file names, app names from the `hostile` scenario) is shown
literally on every screen: Rich markup shows as typed, escape sequences and bidi or zero-width characters
appear as visible escapes, and none of them reaches the terminal."""

from __future__ import annotations

from auditor.safetext import BIDI_CONTROLS, ZERO_WIDTH
from auditor.tui.app import AuditorApp
from tui.helpers import SIZE, open_finding, questionnaire, shows, text_near, wait_for, wait_for_audit
from tui.screen_text import screen_text

MARKUP = "[bold red]Security[/] [link=https://evil.example]click[/link]"


def assert_nothing_raw(app: AuditorApp) -> None:
    """No control, bidi or zero-width character reached the rendered screen."""
    svg = app.export_screenshot()
    for ch in ("\x1b", "\x07", *BIDI_CONTROLS, *ZERO_WIDTH):
        assert ch not in svg, f"raw {ch!r} reached the screen"


async def test_hostile_text_is_shown_literally_on_the_findings_overview_audit_and_detail_screens() -> None:
    app = AuditorApp(practice=True, include_device=False, scenario="hostile")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        listing = screen_text(app)
        assert "[bold red]Security[/]" in listing  # markup shown as typed: it did not take effect
        assert "[link=https://evil.example]click[/link]" in listing
        assert "\\x1b[2J\\x1b[31mALL CLEAR\\x1b[0m" in listing
        assert_nothing_raw(app)

        hostile = next(f for f in app.book.all() if "inbox rule" in f.title and MARKUP in f.title)
        await open_finding(pilot, hostile)
        detail = await text_near(pilot, "#evidence")
        assert "[bold red]Security[/] [link=https://evil.example]click[/link]" in detail
        assert "\\x1b]8;;https://evil.example/\\x07harmless\\x1b]8;;\\x07" in detail
        assert "\\x1b]0;window title\\x07" in detail
        assert "invoice<U+202E>gnp.exe" in detail
        assert "pay<U+200B>pal<U+200D><U+FEFF>" in detail
        assert "<U+2066>isolated<U+2069><U+061C>" in detail
        assert "more characters" in detail  # the 100 KB tail is cut, not rendered
        assert_nothing_raw(app)

        for key, mode in (("o", "overview"), ("m", "manual"), ("l", "timeline")):
            await pilot.press("escape", key)
            await wait_for(pilot, shows(app, mode), mode)
            assert_nothing_raw(app)
        await pilot.press("ctrl+p", *"audit progress", "enter")
        await wait_for(pilot, lambda: app.current_mode == "audit", "the audit screen")
        assert_nothing_raw(app)
        await pilot.press("ctrl+q")


async def test_a_problem_quoting_hostile_text_is_notified_literally() -> None:
    from auditor.tui.messages import AuditComplete

    app = AuditorApp(practice=True, include_device=False, autostart=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.case is not None, "the practice case")
        app.post_message(AuditComplete(None, False, "[bold red]Security[/] \x1b]0;title\x07 in\u202evoice"))
        await wait_for(pilot, lambda: app.screen.query("Toast"), "the notice")
        shown = screen_text(app)
        assert "[bold red]Security[/]" in shown  # markup shown as typed: it did not take effect
        assert "\\x1b]0;title\\x07" in shown and "in<U+202E>voice" in shown
        assert_nothing_raw(app)
        await pilot.press("ctrl+q")


async def test_what_a_sign_in_says_is_shown_literally_on_the_add_screen() -> None:
    from auditor.tui.messages import SignInComplete, SignInNote

    app = AuditorApp(practice=True, include_device=False, autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.case is not None, "the practice case")
        await pilot.press("n")
        await wait_for(pilot, lambda: app.current_mode == "add_source", "the add screen")
        app.screen.post_message(SignInNote(f"Open {MARKUP} \x1b]8;;https://evil.example/\x07here\x1b]8;;\x07"))
        await wait_for(pilot, lambda: "Open [bold red]" in screen_text(app), "the sign-in note")
        shown = screen_text(app)
        assert f"Open {MARKUP}" in shown and "\\x1b]8;;https://evil.example/\\x07here" in shown
        assert_nothing_raw(app)
        app.screen.post_message(SignInComplete(None, "denied by [i]admin[/i] \u202eevil\u200b"))
        await wait_for(pilot, lambda: "Not connected" in screen_text(app), "the refusal")
        shown = screen_text(app)
        assert "denied by [i]admin[/i] <U+202E>evil<U+200B>" in shown
        assert_nothing_raw(app)
        await pilot.press("ctrl+q")


async def test_open_follow_ups_come_first_on_the_timeline_overdue_ones_marked_in_words() -> None:
    from datetime import timedelta

    from auditor.model import utcnow
    from auditor.timeline import Timeline

    app = AuditorApp(practice=True, include_device=False, autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.case is not None, "the practice case")
        timeline = Timeline(app.case)
        now = utcnow()
        timeline.add_followup(now + timedelta(hours=20, minutes=30), "Ask the host again")
        hostile = "Window of [bold red]x[/] \x1b]0;t\x07 in\u202evoice"  # what may be pasted from a platform's mail
        timeline.add_followup(now - timedelta(days=3, hours=2), hostile)
        done = timeline.add_followup(now - timedelta(days=9), "An answer that came")
        timeline.complete_followup(done.id)
        await pilot.press("l")
        await wait_for(pilot, lambda: app.current_mode == "timeline", "the timeline")
        text = screen_text(app)
        assert "1 follow-up(s) OVERDUE, listed first." in text
        overdue = next(line for line in text.splitlines() if "OVERDUE by 3 days" in line)
        assert "Window of [bold red]x[/] \\x1b]0;t\\x07 in<U+202E>voice" in overdue
        assert text.index("OVERDUE by 3 days") < text.index("due in 20 h")
        assert "An answer that came" not in text.split("When (UTC)")[0]  # done: not among the open ones
        assert_nothing_raw(app)
        await pilot.press("ctrl+q")


async def test_hostile_text_pasted_into_a_note_field_never_reaches_the_terminal_raw() -> None:
    from textual.widgets import Input

    app = AuditorApp(practice=True, include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        await pilot.press("m")
        await wait_for(pilot, lambda: app.current_mode == "manual", "the questionnaire")
        field = app.screen.query_one("#manual-note", Input)
        assert field.display and questionnaire(app).questions()
        field.focus()
        pasted = "[bold red]x[/] \x1b]0;owned\x07 in\u202evoice\u200b"
        field.insert_text_at_cursor(pasted)  # as a paste lands
        await pilot.pause()
        assert field.value == pasted  # kept exactly as typed
        assert "[bold red]x[/] ␛]0;owned␇ in\ufffdvoice" in screen_text(app)
        assert_nothing_raw(app)
        await pilot.press("ctrl+q")


async def test_a_case_that_did_not_open_is_said_literally_where_the_person_looks() -> None:
    from auditor.tui.messages import CaseFailed

    app = AuditorApp(include_device=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#unlock-status"), "the unlock screen")
        app.post_message(CaseFailed("the case [bold red]x[/] \x1b]0;t\x07 in\u202evoice is damaged"))
        await wait_for(pilot, lambda: "is damaged" in text_of_status(app), "the problem on the screen")
        assert "the case [bold red]x[/] \\x1b]0;t\\x07 in<U+202E>voice is damaged" in text_of_status(app)
        assert_nothing_raw(app)
        await pilot.press("ctrl+q")


def text_of_status(app: AuditorApp) -> str:
    from textual.widgets import Static

    rendered = app.screen.query_one("#unlock-status", Static).render()
    return str(getattr(rendered, "plain", rendered))
