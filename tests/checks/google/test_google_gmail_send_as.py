"""google.gmail_send_as — checks/google/gmail_send_as.py; playbook playbooks/google-mail-access.yaml.

Each send-as alias other than the account's own address is a question.
"""

from __future__ import annotations

from typing import Any

from google_accounts.answering import AnsweringClient, Withheld, fixture, quiet_answers, run_check

from auditor.model import Status
from auditor.safetext import literal

CHECK = "google.gmail_send_as"
PRIMARY = fixture("gmail_send_as.json")["sendAs"][0]  # Google's example: the account's own address


def answered(*aliases: dict[str, Any]) -> AnsweringClient:
    return AnsweringClient({**quiet_answers(), "sendAs": {"sendAs": [PRIMARY, *aliases]}})


def test_another_address_sending_as_the_account_is_asked_about() -> None:
    (finding,) = run_check(CHECK, answered({"sendAsEmail": "alias@outlook.example"}))
    assert (finding.status, finding.subject) == (Status.REVIEW, "alias@outlook.example")
    assert finding.title == "Mail can be sent as alias@outlook.example from your account — is this address yours?"


def test_only_the_primary_address_read_whole_is_clear() -> None:
    (finding,) = run_check(CHECK, answered())
    assert (finding.status, finding.title) == (Status.CLEAR, "Only your own address can send mail from this account")


def test_a_partial_reading_is_couldnt_check() -> None:
    assert [f.status for f in run_check(CHECK, Withheld(quiet_answers()))] == [Status.ERROR]
    body = {"sendAs": [PRIMARY, {"sendAsEmail": "alias@outlook.example"}, {"sendAsEmail": None}]}
    findings = run_check(CHECK, AnsweringClient({**quiet_answers(), "sendAs": body}))
    assert {f.status for f in findings} == {Status.REVIEW, Status.ERROR}


def test_a_hostile_alias_is_literal() -> None:
    hostile = "x[bold red]y[/]\x1b]8;;https://evil.example\x07\u202e@evil.example"
    (finding,) = run_check(CHECK, answered({"sendAsEmail": hostile}))
    assert literal(hostile, 200) in finding.title and hostile not in finding.title
