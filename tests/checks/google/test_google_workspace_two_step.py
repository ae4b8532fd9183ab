"""google.workspace_two_step — checks/google/workspace_two_step.py; playbook playbooks/google-workspace-access.yaml.

Read from the Workspace Admin SDK (administrators only; skipped otherwise): 2-Step Verification off is found.
"""

from __future__ import annotations

from google_accounts.answering import AnsweringClient, Withheld, fixture, quiet_answers, run_check

from auditor.model import Status
from auditor.safetext import literal

CHECK = "google.workspace_two_step"
USER = fixture("admin_user.json")  # Google's example directory user: not enrolled


def test_two_step_verification_off_is_found() -> None:
    (finding,) = run_check(CHECK, AnsweringClient({**quiet_answers(), "user": USER}))
    assert finding.status is Status.FOUND
    assert finding.title == "2-Step Verification is off: your password alone opens your Workspace account"


def test_enrolled_read_whole_is_clear_and_a_person_not_an_administrator_is_skipped() -> None:
    (finding,) = run_check(CHECK, AnsweringClient(quiet_answers()))
    assert (finding.status, finding.title) == (Status.CLEAR, "2-Step Verification is on for your Workspace account")
    (skipped,) = run_check(CHECK, AnsweringClient(quiet_answers(), workspace_admin=False))
    assert skipped.status is Status.SKIPPED and "google.workspace_admin" in skipped.detail


def test_a_partial_or_misunderstood_reading_is_couldnt_check() -> None:
    assert [f.status for f in run_check(CHECK, Withheld(quiet_answers()))] == [Status.ERROR]
    misread = {**USER, "isEnrolledIn2Sv": "yes"}
    assert [f.status for f in run_check(CHECK, AnsweringClient({**quiet_answers(), "user": misread}))] == [Status.ERROR]


def test_hostile_directory_text_stays_in_the_record_and_out_of_the_words() -> None:
    hostile = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202e@example.com"
    (finding,) = run_check(CHECK, AnsweringClient({**quiet_answers(), "user": {**USER, "primaryEmail": hostile}}))
    assert finding.evidence["primaryEmail"] == hostile
    assert literal(finding.title, None) == finding.title and literal(finding.detail, None) == finding.detail
