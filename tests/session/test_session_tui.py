"""The session screen in the app (Textual Pilot): the access map and the plan of a real encrypted case."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from auditor.model import AuditRun, Finding, Severity, Status
from auditor.safetext import BIDI_CONTROLS, ZERO_WIDTH
from auditor.sandbox.hostile import SAMPLES
from auditor.session.access_map import build_map
from auditor.session.intake import parse_intake
from auditor.session.store import start_session
from auditor.store import CaseStore
from auditor.tui.app import PRACTICE_CASE, PRACTICE_PASSPHRASE, AuditorApp
from auditor.tui.screens.session import SessionScreen
from auditor.tui.widgets.access_map import access_map_text

from .conftest import practice_run

SIZE = (110, 200)


def prepared_app(run: AuditRun, intake: str) -> AuditorApp:
    app = AuditorApp(practice=True, include_device=False, autostart=False)
    with CaseStore.open_or_create(PRACTICE_CASE, PRACTICE_PASSPHRASE, app.practice_home) as case:
        case.save_run(run)
        start_session(case, parse_intake(intake))
    return app


async def wait_for_case(app: AuditorApp, pilot: Pilot[int]) -> None:
    for _ in range(300):
        if app.case is not None:
            return
        await pilot.pause(0.05)
    raise AssertionError("the practice case did not open")


async def wait_for_session_screen(app: AuditorApp, pilot: Pilot[int]) -> None:
    """Until the session screen is shown and has drawn what it read from the case (in a worker)."""
    for _ in range(300):
        if isinstance(app.screen, SessionScreen) and app.screen.loaded:
            await pilot.pause()
            return
        await pilot.pause(0.05)
    raise AssertionError("the session screen did not show the case")


async def show_session(app: AuditorApp, pilot: Pilot[int]) -> None:
    await wait_for_case(app, pilot)
    await app.push_screen(SessionScreen())
    await wait_for_session_screen(app, pilot)


def screen_strings(app: AuditorApp) -> str:
    from rich.console import Console

    console = Console(width=200, record=True, color_system=None)
    for widget in app.screen.query("Static"):
        console.print(widget.render())
    return console.export_text()


async def test_session_screen_shows_map_and_plan(compromised_run: AuditRun) -> None:
    app = prepared_app(
        compromised_run,
        "consent: {concerns: true, accounts: true, people: true}\nconcerns: [images-shared]\n"
        "items: [{kind: google, label: ann.example@gmail.com, access: [{person: Mark, when: had,"
        " addresses: [keepingtabs@proton.example]}]}, {kind: apple, label: ann@icloud.example}]\n",
    )
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_case(app, pilot)
        await pilot.press("ctrl+p", *"session and access map", "enter")  # registered in the command palette
        await wait_for_session_screen(app, pilot)
        assert app.current_mode == "session"
        text = screen_strings(app)
        assert "Kept in the case: concerns, accounts, people" in text
        assert "• Intimate images shared or threatened" in text
        assert "ann.example@gmail.com (google)" in text
        assert "Open        → keepingtabs@proton.example — Mark: all mail is forwarded to" in text
        assert "In the past → Mark: had access" in text
        assert text.index("First, before connecting any account") < text.index("Connected account checks")
        await pilot.press("ctrl+q")  # quick exit from the session screen locks the case
    assert app.return_code == 0 and app.case is None
    CaseStore.open(PRACTICE_CASE, PRACTICE_PASSPHRASE, app.practice_home).close()


@pytest.fixture
def hostile_run() -> AuditRun:
    return practice_run("hostile")  # outside the app's event loop: the audit runs its own


async def test_session_screen_shows_hostile_labels_literally(hostile_run: AuditRun) -> None:
    app = prepared_app(hostile_run, "consent: {accounts: true, people: true}\n")
    async with app.run_test(size=SIZE) as pilot:
        await show_session(app, pilot)
        svg = app.export_screenshot()
        for ch in ("\x1b", "\x07", *BIDI_CONTROLS, *ZERO_WIDTH):
            assert ch not in svg, f"raw {ch!r} reached the screen"
        text = screen_strings(app)
        assert "\\x1b[2J\\x1b[31mALL CLEAR\\x1b[0m" in text
        await pilot.press("ctrl+q")


def test_map_text_keeps_markup_as_typed() -> None:
    finding = Finding(
        check="google.gmail_autoforward",
        target="a@example.com",
        status=Status.FOUND,
        severity=Severity.CRITICAL,
        title="t",
        subject=SAMPLES[0],
        evidence={"emailAddress": SAMPLES[0]},
    )
    text = access_map_text(build_map([[finding]]))
    assert SAMPLES[0] in text.plain  # "[bold red]Security[/] ..." shown as typed
    assert not any(span.style == "bold red" and text.plain[span.start : span.end] == "Security" for span in text.spans)


async def answer_first_question(pilot: Pilot[int], app: AuditorApp, consent: str, note: str) -> Finding:
    """After the practice audit: a session with ``consent``, then the questionnaire's first question answered
    "found something" with ``note`` typed into the note field. Returns the question."""
    from textual.widgets import Input
    from tui.helpers import click, questionnaire, wait_for, wait_for_audit

    await wait_for_audit(pilot)
    assert app.case is not None
    start_session(app.case, parse_intake(f"consent: {consent}\nconcerns: [accounts-hacked]\n"))
    await pilot.press("m")
    await wait_for(pilot, lambda: type(app.screen).__name__ == "ManualScreen", "the questionnaire")
    question = questionnaire(app).questions()[0]
    await click(pilot, "#manual-note")
    await pilot.press(*note)
    assert app.screen.query_one("#manual-note", Input).value == note
    await click(pilot, "#answer-found-something")
    return question


async def test_a_guided_answer_in_the_questionnaire_shows_on_the_session_map() -> None:
    app = AuditorApp(practice=True, include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        question = await answer_first_question(pilot, app, "{notes: true}", "[red]a phone I do not know")
        await pilot.press("escape")
        await pilot.press("ctrl+p", *"session and access map", "enter")
        await wait_for_session_screen(app, pilot)
        text = screen_strings(app)
        [line] = [x for x in text.splitlines() if "Found by hand: [red]a phone I do not know" in x]
        assert line.lstrip().startswith("Open"), "the answer is an open path on the map, markup as typed"
        assert f"{question.target} ({question.check.split('.')[0]})" in text
        await pilot.press("ctrl+q")
    assert app.return_code == 0 and app.case is None


async def test_a_note_is_not_kept_when_the_session_refused_notes() -> None:
    from textual.widgets import Input
    from tui.helpers import click, questionnaire, wait_for

    app = AuditorApp(practice=True, include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        question = await answer_first_question(pilot, app, "{notes: false}", "his new number")
        assert app.case is not None
        assert app.case.decisions().get(question.fingerprint) is None, "nothing is recorded"
        notices = [n.message for n in app._notifications]
        assert any("notes" in m and "without the note" in m for m in notices), notices
        assert questionnaire(app).questions()[0].fingerprint == question.fingerprint

        # Without the note the answer is kept. (A button ignores presses while it still shows the last one.)
        app.screen.query_one("#manual-note", Input).value = ""
        button = app.screen.query_one("#answer-found-something")
        await wait_for(pilot, lambda: not button.has_class("-active"), "the button to be pressable again")
        await click(pilot, "#answer-found-something")
        assert app.case.decisions().get(question.fingerprint) == "found-something:"
        await pilot.press("ctrl+q")
