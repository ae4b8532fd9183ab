"""google.workspace_app_passwords — checks/google/workspace_app_passwords.py;
playbook playbooks/google-workspace-access.yaml.

Each app password on the account (Workspace Admin SDK: names and dates, never the passwords) is a question.
"""

from __future__ import annotations

from google_accounts.answering import AnsweringClient, Withheld, fixture, quiet_answers, run_check

from auditor.model import Status
from auditor.safetext import literal

CHECK = "google.workspace_app_passwords"


def test_an_app_password_is_asked_about() -> None:
    (finding,) = run_check(CHECK, AnsweringClient({**quiet_answers(), "asps": fixture("admin_asps.json")}))
    assert (finding.status, finding.subject) == (Status.REVIEW, "7")
    assert (
        finding.title == "App password “Mail on old laptop” (made 2023-11-14, last used 2024-11-07) — did you make it?"
    )


def test_no_app_passwords_read_whole_is_clear() -> None:
    (finding,) = run_check(CHECK, AnsweringClient(quiet_answers()))
    assert (finding.status, finding.title) == (Status.CLEAR, "Your Workspace account has no app passwords")


def test_a_partial_reading_is_couldnt_check() -> None:
    assert [f.status for f in run_check(CHECK, Withheld(quiet_answers()))] == [Status.ERROR]
    asps = {"items": [*fixture("admin_asps.json")["items"], {"codeId": "eight"}]}
    assert {f.status for f in run_check(CHECK, AnsweringClient({**quiet_answers(), "asps": asps}))} == {
        Status.REVIEW,
        Status.ERROR,
    }


def test_a_hostile_app_password_name_is_literal() -> None:
    hostile = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202e"
    asps = {"items": [{"codeId": 9, "name": hostile, "creationTime": "0", "lastTimeUsed": "0"}]}
    (finding,) = run_check(CHECK, AnsweringClient({**quiet_answers(), "asps": asps}))
    assert literal(hostile, 120) in finding.title and hostile not in finding.title
    assert "(made never, last used never)" in finding.title
