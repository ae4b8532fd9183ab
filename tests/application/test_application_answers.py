"""The person's answers through the application layer: guided questions and "Is this yours?"."""

from __future__ import annotations

import asyncio

import pytest

from auditor.application.answers import answer_guided, answer_review, guided_target
from auditor.application.auditing import AuditPlan, audit_into_case
from auditor.application.checks import guided_question, guided_questions
from auditor.errors import UsageError
from auditor.model import Status, fingerprint
from auditor.session.intake import Consent, Intake
from auditor.session.store import start_session
from auditor.store import CaseStore

APPLE = "ann@icloud.example"


def test_a_guided_answer_is_recorded_and_the_finding_reads_as_the_next_audit_shows_it(case: CaseStore) -> None:
    case.add_account("apple", APPLE)
    answered = answer_guided(case, "apple.find_my", APPLE, "found-something", "Mark sees where I am")
    assert answered.target == APPLE and not answered.account_added
    finding = answered.finding
    assert finding.status is Status.FOUND and finding.check == "apple.find_my" and finding.target == APPLE
    assert finding.evidence["note"] == "Mark sees where I am"
    assert finding.fingerprint == fingerprint("apple.find_my", APPLE, "")
    assert case.decision_records()[finding.fingerprint] == ("found-something", "Mark sees where I am")
    # The next audit of the case (the one `auditor audit --case` and the app run) says the same.
    audited = asyncio.run(audit_into_case(case, AuditPlan(kinds=("apple",))))
    [after] = [f for f in audited.run.findings if f.check == "apple.find_my"]
    assert (after.status, after.title, after.evidence) == (finding.status, finding.title, finding.evidence)
    looks_fine = answer_guided(case, "apple.find_my", APPLE, "looks-fine").finding
    assert looks_fine.status is Status.CLEAR  # a clear made from the person's own answer, as the check makes it


def test_a_note_the_session_refused_records_nothing(case: CaseStore) -> None:
    start_session(case, Intake(consent=Consent(notes=False)))
    with pytest.raises(UsageError, match="did not agree to notes"):
        answer_guided(case, "apple.find_my", APPLE, "found-something", "a note")
    assert case.decision_records() == {} and case.accounts() == []
    answer_guided(case, "apple.find_my", APPLE, "found-something")  # without the note it is kept
    assert list(case.decision_records().values()) == [("found-something", "")]


def test_which_account_a_guided_answer_is_about(case: CaseStore) -> None:
    assert guided_target(case, "apple", None) == ("Your Apple Account and iPhone", False)  # the general one
    with pytest.raises(UsageError, match="no google account"):
        guided_target(case, "google", None)  # a connected kind has no general account to ask about
    assert guided_target(case, "apple", APPLE) == (APPLE, True)  # joins the case: its questions are asked
    assert [(a["kind"], a["target"]) for a in case.accounts()] == [("apple", APPLE)]
    assert guided_target(case, "apple", None) == (APPLE, False)  # the only one
    assert guided_target(case, "apple", APPLE) == (APPLE, False)
    case.add_account("apple", "other@icloud.example")
    with pytest.raises(UsageError, match="several apple accounts"):
        guided_target(case, "apple", None)
    with pytest.raises(UsageError, match="empty"):
        guided_target(case, "apple", "  ")


def test_answers_that_are_not_answers_are_refused_before_anything_is_written(case: CaseStore) -> None:
    with pytest.raises(UsageError, match="not a guided check"):
        answer_guided(case, "google.gmail_filters", "x", "looks-fine")
    with pytest.raises(UsageError, match="not an answer to a guided question"):
        answer_guided(case, "apple.find_my", APPLE, "mine")
    with pytest.raises(UsageError, match="empty"):
        answer_guided(case, "apple.find_my", " ", "looks-fine")
    with pytest.raises(UsageError, match="not an answer to 'Is this yours\\?'"):
        answer_review(case, "abc", "looks-fine", stored_only=False)
    assert case.decision_records() == {} and case.accounts() == []


def test_is_this_yours_is_recorded_for_a_stored_finding_or_one_the_app_shows(
    case: CaseStore, accounts_plan: AuditPlan
) -> None:
    with pytest.raises(UsageError, match="no finding with id 0123"):
        answer_review(case, "0123", "mine")  # a mistyped id on the command line
    answer_review(case, "not-saved-yet", "not-mine", stored_only=False)  # the app, while an audit runs
    run = asyncio.run(audit_into_case(case, accounts_plan)).run
    [review] = [f for f in run.findings if f.check == "google.gmail_send_as"]
    answer_review(case, review.fingerprint, "mine", "my other address")
    assert case.decision_records()[review.fingerprint] == ("mine", "my other address")
    assert case.decision_records()["not-saved-yet"] == ("not-mine", "")


def test_guided_questions_are_the_loaders() -> None:
    from auditor.manual import manual_definitions

    assert guided_questions() is manual_definitions()
    assert guided_question("apple.find_my").kind == "apple"
