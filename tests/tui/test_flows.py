"""The app's flows driven with Textual's Pilot against the practice servers (no device scan: it is this
machine's and not deterministic) and real encrypted cases."""

from __future__ import annotations

import hashlib
import json

from textual.widget import Widget
from textual.widgets import Input

from auditor.model import Status
from auditor.playbooks import builtin_playbooks
from auditor.session.intake import parse_intake
from auditor.session.safety import first_prompt
from auditor.session.store import notes, start_session
from auditor.store import CaseStore
from auditor.timeline import Timeline
from auditor.tui.app import PRACTICE_CASE, PRACTICE_PASSPHRASE, AuditorApp
from auditor.tui.screens.finding import StepBox
from tui.helpers import (
    SIZE,
    click,
    first,
    open_finding,
    questionnaire,
    settled,
    text_near,
    wait_for,
    wait_for_audit,
)
from tui.screen_text import screen_text


def practice_app() -> AuditorApp:
    return AuditorApp(practice=True, include_device=False)


def reopen_practice_case(app: AuditorApp) -> CaseStore:
    return CaseStore.open(PRACTICE_CASE, PRACTICE_PASSPHRASE, app.practice_home)


async def test_create_a_case_then_a_wrong_passphrase_is_refused_and_the_right_one_opens() -> None:
    app = AuditorApp(include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        assert "Open your case" in screen_text(app)
        await click(pilot, "#case-name")
        await pilot.press(*"my-case")
        app.screen.query_one("#passphrase", Input).value = "correct horse"
        app.screen.query_one("#passphrase-again", Input).value = "correct horse"
        unlock = app.screen
        await click(pilot, "#create")
        await wait_for(pilot, lambda: app.case is not None, "the new case")
        assert app.current_mode == "overview"
        assert [unlock.query_one(f, Input).value for f in ("#passphrase", "#passphrase-again")] == ["", ""]
        assert "Case: my-case" in screen_text(app)
        await pilot.press("ctrl+q")
    assert app.return_code == 0

    app = AuditorApp(include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.query_one("#case-name", Input).value == "my-case", "the case names")
        app.screen.query_one("#passphrase", Input).value = "wrong horse"
        await click(pilot, "#open")
        await wait_for(pilot, lambda: "passphrase is wrong" in screen_text(app), "the wrong-passphrase message")
        assert app.case is None
        assert app.screen.query_one("#passphrase", Input).value == ""
        app.screen.query_one("#passphrase", Input).value = "correct horse"
        await click(pilot, "#open")
        await wait_for(pilot, lambda: app.case is not None, "the case to open")
        assert app.current_mode == "overview"
        await pilot.press("ctrl+q")


async def test_creating_with_two_different_passphrases_creates_nothing() -> None:
    app = AuditorApp(include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        app.screen.query_one("#case-name", Input).value = "other"
        app.screen.query_one("#passphrase", Input).value = "one passphrase"
        app.screen.query_one("#passphrase-again", Input).value = "another passphrase"
        await click(pilot, "#create")
        assert "not the same" in screen_text(app)
        assert app.case is None
        assert not (app.home.cases / "other.case").exists()
        await pilot.press("ctrl+q")


async def test_practice_audit_shows_findings_most_severe_first_and_saves_the_run() -> None:
    app = practice_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        assert app.current_mode == "findings"
        text = screen_text(app)
        assert "PRACTICE" in text.splitlines()[0]
        assert "Found" in text and "Is this yours?" in text and "Check by hand" in text
        lines = [line for line in text.splitlines() if line.startswith(("Found", "Is this yours?", "Check by hand"))]
        assert lines[0].startswith("Found") and "critical" in lines[0]
        titles = [f.title for f in app.book.all()]
        assert any(t.startswith("A filter forwards mail") for t in titles)
        assert len(app.case.runs()) == 1
        assert {a["target"] for a in app.case.accounts()} >= {"ann.example@gmail.com"}
        await pilot.press("ctrl+q")


async def test_is_this_yours_answered_mine_is_recorded_and_the_check_runs_again() -> None:
    app = practice_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        review = first(app, Status.REVIEW)
        await open_finding(pilot, review)
        await click(pilot, "#mine")
        assert app.case.decision_records()[review.fingerprint][0] == "mine"
        await wait_for(pilot, lambda: not any(w.group == "recheck" for w in app.workers), "the check to run again")
        assert app.book.get(review.fingerprint) is None
        assert any(e["kind"] == "recheck" for e in app.case.events())
        await pilot.press("ctrl+q")


async def test_not_mine_turns_the_finding_into_found() -> None:
    app = practice_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        review = first(app, Status.REVIEW)
        await open_finding(pilot, review)
        await click(pilot, "#not-mine")
        assert app.case.decision_records()[review.fingerprint][0] == "not-mine"
        await wait_for(pilot, lambda: not app.screen.query("#not-mine"), "the question to go")
        shown = await text_near(pilot, "#finding-title")
        assert any(line.startswith("Found ") for line in shown.splitlines()) and "Is this yours?" not in shown
        await wait_for(pilot, lambda: not any(w.group == "recheck" for w in app.workers), "the check to run again")
        again = app.book.get(review.fingerprint)
        assert again is not None and again.status is Status.FOUND
        await pilot.press("ctrl+q")


async def test_a_guided_check_answered_on_its_finding_shows_the_answer_in_words() -> None:
    app = practice_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        manual = first(app, Status.MANUAL)
        await open_finding(pilot, manual)
        await click(pilot, "#manual-note")
        await pilot.press(*"checked the phone")
        await click(pilot, "#answer-found-something")
        assert app.case.decision_records()[manual.fingerprint] == ("found-something", "checked the phone")
        await wait_for(pilot, lambda: app.screen.query_one("#manual-note", Input).value == "", "the screen to redraw")
        shown = await text_near(pilot, "#finding-title")
        answered = app.book.get(manual.fingerprint)
        assert answered is not None and answered.status is Status.FOUND
        assert any(line.startswith("Found ") for line in shown.splitlines())
        assert not any(line.startswith("Check by hand ") for line in shown.splitlines())
        await pilot.press("ctrl+q")


async def test_save_as_evidence_keeps_the_record_and_its_sha256_in_the_timeline() -> None:
    app = practice_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        found = first(app, Status.FOUND, "google.")
        await open_finding(pilot, found)
        assert "Not saved yet." in await text_near(pilot, "#evidence-status")
        await pilot.press("e")
        await pilot.pause()
        timeline = Timeline(app.case)
        kept = [item for item in timeline.evidence() if item.finding_fingerprint == found.fingerprint]
        assert len(kept) == 1
        record = timeline.evidence_content(kept[0].id)
        assert json.loads(record)["evidence"] == json.loads(found.evidence_json())["evidence"]
        assert kept[0].sha256 == hashlib.sha256(record).hexdigest()
        await pilot.press("escape", "f")
        await open_finding(pilot, found)
        assert f"SHA-256 {kept[0].sha256[:16]}" in await text_near(pilot, "#evidence-status")

        await pilot.press("escape", "l")
        await wait_for(pilot, lambda: app.current_mode == "timeline", "the timeline")
        kept_line = f"Evidence kept: finding-{found.fingerprint}.json"
        await wait_for(pilot, lambda: kept_line in screen_text(app), "the evidence in the timeline")
        assert "Access path found:" in screen_text(app)
        await pilot.press("ctrl+q")


async def test_a_ticked_step_is_kept_in_the_case_after_it_is_locked_and_reopened() -> None:
    app = practice_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        found = first(app, Status.FOUND, "google.gmail")
        await open_finding(pilot, found)
        box = app.screen.query(StepBox).first()
        box.focus()
        box.scroll_visible(animate=False, immediate=True)
        await pilot.press("space")
        await pilot.pause()
        assert box.value is True
        step, playbook = box.step, box.playbook
        await pilot.press("ctrl+q")
    with reopen_practice_case(app) as case:
        assert case.steps_done(found.fingerprint, playbook) == {step}

    app = practice_app()
    app.autostart = False
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.case is not None, "the practice case")
        await open_finding(pilot, found)
        ticked = [b for b in app.screen.query(StepBox) if b.value]
        assert [(b.playbook, b.step) for b in ticked] == [(playbook, step)]
        await pilot.press("ctrl+q")


async def test_a_safety_plan_prompt_comes_just_before_the_first_step_that_could_be_noticed_and_never_blocks() -> None:
    app = practice_app()
    with CaseStore.open_or_create(PRACTICE_CASE, PRACTICE_PASSPHRASE, app.practice_home) as case:
        start_session(case, parse_intake("consent: {notes: true}\n"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        found = first(app, Status.FOUND, "google.gmail")
        await open_finding(pilot, found)
        prompt = first_prompt(builtin_playbooks().for_finding(found)[0])
        assert prompt is not None
        shown = list(app.screen.query_one("#finding-detail").children)
        at = shown.index(app.screen.query_one("#safety-prompt-0"))
        after = shown[at + 1]
        assert isinstance(after, StepBox) and (after.playbook, after.step) == (prompt.playbook, prompt.step.key)
        assert not any(isinstance(w, StepBox) and w.playbook == prompt.playbook for w in shown[:at])
        text = await text_near(pilot, "#safety-prompt-0")
        assert "Before the next step: This step may be noticed" in text
        assert "Where to get help:" in text and prompt.help[0].where[:30] in text
        assert str(after.label).endswith("(may be noticed)")

        await click(pilot, "#safety-plan-no-0")
        assert [(n.kind, n.text) for n in notes(app.case)] == [
            (
                "safety-plan",
                f"Before {prompt.playbook} step {prompt.step.key}: has no safety plan yet; was shown where to get help",
            )
        ]
        assert "Kept in the session notes." in await text_near(pilot, "#safety-answer-0")
        assert after.disabled is False  # the person can always continue
        after.focus()
        await pilot.press("space")
        await pilot.pause()
        assert app.case.steps_done(found.fingerprint, prompt.playbook) == {prompt.step.key}
        await pilot.press("ctrl+q")


async def test_a_manual_check_answered_in_the_questionnaire_is_recorded_with_its_note() -> None:
    app = practice_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        await pilot.press("m")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ManualScreen", "the questionnaire")
        question = questionnaire(app).questions()[0]
        assert "Question 1 of" in screen_text(app)
        assert "Where to look:" in screen_text(app)
        await click(pilot, "#manual-note")
        await pilot.press(*"an unknown phone")
        await click(pilot, "#answer-found-something")
        assert app.case.decision_records()[question.fingerprint] == ("found-something", "an unknown phone")
        updated = app.book.get(question.fingerprint)
        assert updated is not None and updated.status is Status.FOUND
        assert updated.evidence["note"] == "an unknown phone"
        assert "Question 2 of" in screen_text(app)
        await pilot.press("ctrl+q")


async def test_quick_exit_from_a_modal_locks_the_case_and_leaves_at_once() -> None:
    app = practice_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CommandPalette", "the command palette")
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0
    assert app.case is None and len(app.book) == 0
    with reopen_practice_case(app) as case:  # the lock was released: another open succeeds
        assert case.runs()


async def test_quick_exit_during_an_audit_stops_it_and_releases_the_case() -> None:
    app = practice_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.audit_running, "the audit to start")
        await pilot.press("ctrl+q")
    assert app.return_code == 0
    reopen_practice_case(app).close()


async def test_overview_counts_by_account_and_changes_since_the_last_audit() -> None:
    app = practice_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        review = first(app, Status.REVIEW)
        app.case.set_decision(review.fingerprint, "mine")
        await pilot.press("o")
        text = screen_text(app)
        assert "nothing to compare yet" in text
        assert "ann.example@gmail.com" in text
        await pilot.press("a")
        await wait_for(pilot, lambda: len(app.case.runs()) == 2 and not app.audit_running, "the second audit")
        await settled(pilot)
        text = screen_text(app)
        assert "Since the last audit: 0 new, 1 resolved" in text
        assert "RESOLVED" in text
        await pilot.press("ctrl+q")


async def test_audit_screen_lists_every_check_with_its_status_in_words() -> None:
    app = practice_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"audit progress")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.current_mode == "audit", "the audit screen")
        text = screen_text(app)
        assert "The audit finished" in text
        assert "Found" in text
        assert "Gmail filters that forward or hide your mail" in text
        assert "ann.example@gmail.com" in text
        app.screen.query_one("#checks").scroll_end(animate=False, immediate=True)  # the guided checks come last
        await pilot.pause()
        assert "Check by hand" in screen_text(app).split("Account or device", 1)[1]
        await pilot.press("ctrl+q")


async def test_a_practice_case_open_elsewhere_says_so_instead_of_waiting() -> None:
    first_app = practice_app()
    first_app.autostart = False
    async with first_app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: first_app.case is not None, "the practice case")
        second = practice_app()
        async with second.run_test(size=SIZE) as other:
            await wait_for(other, lambda: "Opening the practice case" not in screen_text(second), "the refusal")
            assert second.case is None
            assert "is open in another window or program" in screen_text(second)
            await other.press("ctrl+q")
        await pilot.press("ctrl+q")


async def test_the_passphrase_is_never_shown_as_typed() -> None:
    app = AuditorApp(include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await click(pilot, "#passphrase")
        await pilot.press(*"tulip-harbour-42")
        await click(pilot, "#passphrase-again")
        await pilot.press(*"tulip-harbour-42")
        assert app.screen.query_one("#passphrase", Input).value == "tulip-harbour-42"
        shown = screen_text(app)
        assert "tulip" not in shown and "harbour" not in shown
        assert "•" * 16 in shown  # each character is shown as a dot, so the person sees that typing works
        await pilot.press("ctrl+q")


async def test_findings_are_grouped_by_account_and_kind_most_severe_first() -> None:
    from auditor.tui.widgets.findings_list import FindingsList

    app = practice_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        listing = app.screen.query_one(FindingsList)
        options = [listing.get_option_at_index(i) for i in range(listing.option_count)]
        groups: list[tuple[str, list[str]]] = []
        for option in options:
            if option.disabled:
                groups.append((str(option.prompt), []))
            else:
                groups[-1][1].append(str(option.id))
        assert [g for g, _ in groups] == [label for label, _ in app.book.grouped()]
        assert len(groups) >= 3 and any("(Exchange server)" in g for g, _ in groups)
        firsts = []
        for label, fingerprints in groups:
            findings = [app.book.get(fp) for fp in fingerprints]
            assert all(f is not None for f in findings)
            keys = [f.sort_key for f in findings if f is not None]
            assert keys == sorted(keys), f"{label}: not most severe first"
            assert len({f.target for f in findings if f is not None}) == 1, f"{label}: mixes accounts"
            firsts.append(keys[0])
        assert firsts == sorted(firsts)  # the account with the most severe finding comes first
        await pilot.press("ctrl+q")


async def test_during_an_audit_checks_show_live_findings_arrive_and_the_app_stays_usable() -> None:
    # The Gmail filters answer slowly, so the audit is still running while the rest has arrived.
    slow = "google:/gmail/v1/users/*/settings/filters:latency:seconds=6"
    app = AuditorApp(practice=True, include_device=False, faults=(slow,))
    async with app.run_test(size=SIZE) as pilot:
        found = lambda: sum(1 for f in app.book.all() if f.status is Status.FOUND)  # noqa: E731
        await wait_for(pilot, lambda: app.audit_running and found() >= 3, "findings while the audit runs")
        assert app.audit_running
        await settled(pilot)
        assert app.current_mode == "findings"
        text = screen_text(app)
        assert "Checking… findings appear here as each check finishes." in text
        assert any(line.startswith("Found ") for line in text.splitlines())

        await pilot.press("ctrl+p", *"audit progress", "enter")
        await wait_for(pilot, lambda: app.current_mode == "audit", "the audit screen")
        assert app.audit_running
        text = screen_text(app)
        assert "checks done" in text and "running" in text
        assert "Checking…" in text.split("Account or device", 1)[1]  # a row still being checked
        assert "Gmail filters that forward" in text

        await pilot.press("o")  # the other screens work meanwhile
        await wait_for(pilot, lambda: app.current_mode == "overview", "the overview")
        assert app.audit_running
        assert "an audit is running" in screen_text(app)

        await wait_for_audit(pilot)
        filters = [f for f in app.book.all() if f.check == "google.gmail_filters"]
        assert filters and filters[0].status is Status.FOUND
        await pilot.press("ctrl+q")


async def test_a_finding_puts_safety_then_saving_evidence_before_the_steps() -> None:
    from textual.widgets import Static

    app = practice_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        await open_finding(pilot, first(app, Status.FOUND, "google.gmail"))
        shown = list(app.screen.query_one("#finding-detail").children)
        words = [str(w.content) if isinstance(w, Static) else "" for w in shown]

        def at(heading: str) -> int:
            return next(i for i, w in enumerate(words) if w.startswith(heading))

        first_step = next(i for i, w in enumerate(shown) if isinstance(w, StepBox))
        assert at("Why it matters") < at("Before you do anything — safety") < at("Save this as evidence first")
        assert at("Save this as evidence first") < shown.index(app.screen.query_one("#evidence-status")) < first_step
        save_row = app.screen.query_one("#save-evidence").parent
        assert isinstance(save_row, Widget)
        assert shown.index(save_row) < first_step
        assert words[at("Before you do anything — safety") + 1].startswith("• ")
        await pilot.press("ctrl+q")


async def test_check_again_runs_just_that_check_and_notes_it_in_the_case() -> None:
    app = practice_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        found = first(app, Status.FOUND, "google.gmail_filters")
        await open_finding(pilot, found)
        app.check_states.clear()
        await pilot.press("r")
        await wait_for(pilot, lambda: app.check_states, "the check to start")
        await wait_for(pilot, lambda: not any(w.group == "recheck" for w in app.workers), "the check to run again")
        assert {check for check, _ in app.check_states} == {found.check}
        assert [e["payload"] for e in app.case.events() if e["kind"] == "recheck"] == [{"check": found.check}]
        assert app.book.get(found.fingerprint) is not None  # it is still there: nothing was changed
        await pilot.press("ctrl+q")
