"""google.gmail_pop_imap — checks/google/gmail_pop_imap.py; playbook playbooks/google-mail-access.yaml.

IMAP or POP switched on is a question (mail programs can download the mail); clear only when Gmail says both
are off — a POP window Gmail leaves unspecified is not "off".
"""

from __future__ import annotations

from typing import Any

import pytest
from google_accounts.answering import AnsweringClient, Withheld, fixture, quiet_answers, run_check

from auditor.model import Status
from auditor.safetext import literal

CHECK = "google.gmail_pop_imap"


def test_imap_and_pop_on_are_asked_about() -> None:
    client = AnsweringClient({**quiet_answers(), "imap": fixture("gmail_imap.json"), "pop": fixture("gmail_pop.json")})
    assert sorted((f.status, f.subject) for f in run_check(CHECK, client)) == [
        (Status.REVIEW, "imap"),
        (Status.REVIEW, "pop"),
    ]


def test_both_off_read_whole_is_clear() -> None:
    (finding,) = run_check(CHECK, AnsweringClient(quiet_answers()))
    assert (finding.status, finding.title) == (
        Status.CLEAR,
        "No mail program access is switched on (IMAP and POP are off)",
    )


def test_a_partial_reading_is_couldnt_check() -> None:
    assert {f.status for f in run_check(CHECK, Withheld(quiet_answers()))} == {Status.ERROR}


def test_a_pop_window_outside_the_documented_values_is_literal() -> None:
    hostile = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202e"
    findings = run_check(CHECK, AnsweringClient({**quiet_answers(), "pop": {"accessWindow": hostile}}))
    assert [f.status for f in findings] == [Status.ERROR]
    assert hostile not in findings[0].detail and literal(hostile, 40)[:10] in findings[0].detail


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ({}, Status.ERROR),  # accessWindowUnspecified
        ({"accessWindow": "accessWindowUnspecified"}, Status.ERROR),
        ({"accessWindow": "disabled"}, Status.CLEAR),
        ({"accessWindow": None}, Status.ERROR),
        ({"accessWindow": "sometimes"}, Status.ERROR),
        ({"accessWindow": "allMail"}, Status.REVIEW),
    ],
)
def test_pop_is_clear_only_when_gmail_says_disabled(answer: dict[str, Any], status: Status) -> None:
    bodies = {**quiet_answers(), "pop": answer}
    assert {f.status for f in run_check("google.gmail_pop_imap", AnsweringClient(bodies))} == {status}
