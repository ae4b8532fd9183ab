"""google.gmail_filters — checks/google/gmail_filters.py; playbook playbooks/google-mail-forwarding.yaml.

Filters that forward mail are found (critical when they also hide it); filters that hide mail looking like
security alerts are a question. What a filter matches is said in plain words, what someone typed literally.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from google_accounts.answering import AnsweringClient, Withheld, fixture, quiet_answers, run_check
from google_accounts.practice import EVERY_GMAIL_PATH, KIM, by_check, run_google, scenario_from

from auditor.checkapi import Decisions
from auditor.checkapi.google import GmailFilter
from auditor.model import Severity, Status, fingerprint
from auditor.sandbox import Sandbox

CHECK = "google.gmail_filters"
FORWARD_AND_TRASH = {
    "id": "f1",
    "criteria": {"from": "bank.example"},
    "action": {"forward": "x@evil.example", "addLabelIds": ["TRASH"]},
}


def answered(body: Any) -> AnsweringClient:
    return AnsweringClient({**quiet_answers(), "filters": body})


def test_a_filter_forwarding_and_deleting_is_found_critical() -> None:
    (finding,) = run_check(CHECK, answered({"filter": [FORWARD_AND_TRASH]}))
    assert (finding.status, finding.severity) == (Status.FOUND, Severity.CRITICAL)
    assert finding.title == "A filter forwards mail from bank.example to x@evil.example and deletes it"


def test_googles_example_filter_read_whole_is_clear() -> None:
    # Google's example filter marks mail important and skips the inbox: it forwards nothing, hides no alert.
    (finding,) = run_check(CHECK, answered(fixture("gmail_filters.json")))
    assert (finding.status, finding.title) == (
        Status.CLEAR,
        "No filter forwards or hides security mail (1 filters checked)",
    )


def test_a_partial_reading_is_couldnt_check_and_the_forwarding_filter_still_found() -> None:
    assert [f.status for f in run_check(CHECK, Withheld(quiet_answers()))] == [Status.ERROR]
    findings = run_check(CHECK, Withheld({**quiet_answers(), "filters": {"filter": [FORWARD_AND_TRASH]}}))
    assert {f.status for f in findings} == {Status.FOUND, Status.ERROR}


# --- bug: filter criteria said "hasAttachment: True" ---------------------------------------------------------


HOSTILE = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202eevil"


def test_filter_criteria_are_said_in_plain_words_and_shown_literally() -> None:
    record = {
        "id": "f1",
        "criteria": {
            "from": f"boss{HOSTILE}@example.org",
            "to": "me",
            "subject": "invoice",
            "query": "has:drive",
            "negatedQuery": "label:work",
            "hasAttachment": True,
            "excludeChats": True,
            "size": 5 * 1024 * 1024,
            "sizeComparison": "larger",
        },
        "action": {"forward": "x@evil.example", "addLabelIds": ["TRASH"]},
    }
    client = AnsweringClient({**quiet_answers(), "filters": {"filter": [record]}})
    (finding,) = run_check("google.gmail_filters", client)
    title = finding.title
    assert finding.status is Status.FOUND and finding.severity is Severity.CRITICAL
    assert title.startswith("A filter forwards mail from boss[bold red]x[/]\\x1b]8;;https://evil.example\\x07<U+202E>")
    for words in (
        "to me",
        "with “invoice” in the subject",
        "matching the search “has:drive”",
        "not matching the search “label:work”",
        "with an attachment",
        "larger than 5 MB",
        "leaving out chats",
        "to x@evil.example and deletes it",
    ):
        assert words in title, words
    assert "hasAttachment" not in title and "True" not in title
    assert "\x1b" not in title and "\u202e" not in title and "\x07" not in title


@pytest.mark.parametrize(
    ("criteria", "words"),
    [
        ({}, "all your mail"),
        ({"size": 2048, "sizeComparison": "smaller"}, "mail smaller than 2 KB"),
        ({"size": 100}, "mail of size 100 bytes"),
        ({"hasAttachment": False, "from": "a@b.example"}, "mail from a@b.example"),
    ],
)
def test_filter_criteria_words(criteria: dict[str, Any], words: str) -> None:
    from auditor.checks.google.gmail_filters import describe

    assert describe(GmailFilter.model_validate({"criteria": criteria}).criteria) == words


def test_a_forwarding_filter_among_malformed_ones_is_still_reported() -> None:
    good = {"id": "good", "criteria": {"from": "bank.example"}, "action": {"forward": "x@evil.example"}}
    bad = [
        {"id": "b1", "action": {"forward": 12}},
        "not a filter",
        {"id": "b3", "criteria": {"hasAttachment": "yes"}, "action": {"addLabelIds": "TRASH"}},
        {"id": None},
    ]
    body = {"filter": [bad[0], bad[1], good, bad[2], bad[3]]}
    findings = run_check("google.gmail_filters", AnsweringClient({**quiet_answers(), "filters": body}))
    assert [(f.status, f.subject) for f in findings if f.status is Status.FOUND] == [(Status.FOUND, "good")]
    (gap,) = [f for f in findings if f.status is Status.ERROR]
    for named in (
        "filter[0].action.forward: not a string",
        "filter[1]: not an object",
        "filter[3].criteria.hasAttachment: not true or false",
        "filter[3].action.addLabelIds: not a list",
        "filter[4].id: null",
    ):
        assert named in gap.detail, named


def test_filter_severity_for_each_way_of_hiding(tmp_path: Path) -> None:
    with Sandbox(scenario_from(tmp_path, EVERY_GMAIL_PATH)) as sb:
        first = run_google(sb)
        alerts, codes = (fingerprint("google.gmail_filters", KIM, f) for f in ("f-alerts", "f-codes"))
        second = run_google(sb, Decisions({alerts: "not-mine", codes: "mine"}))
    filters = {f.subject: f for f in by_check(first)["google.gmail_filters"]}
    assert {s: (f.status, f.severity) for s, f in filters.items()} == {
        "f-trash": (Status.FOUND, Severity.CRITICAL),
        "f-skip": (Status.FOUND, Severity.CRITICAL),
        "f-read": (Status.FOUND, Severity.CRITICAL),
        "f-plain": (Status.FOUND, Severity.HIGH),  # forwards, hides nothing
        "f-alerts": (Status.REVIEW, Severity.HIGH),  # deletes Google's security mail
        "f-codes": (Status.REVIEW, Severity.HIGH),  # marks verification codes read and skips the inbox
    }  # f-shop deletes shop mail: not a way in, not reported
    assert "deletes it" in filters["f-trash"].title and "x1@proton.example" in filters["f-trash"].title
    assert "skips the inbox" in filters["f-skip"].title
    assert "marks it read" in filters["f-read"].title
    assert "(skips the inbox, marks it read)" in filters["f-codes"].title
    after = {f.subject: f.status for f in by_check(second)["google.gmail_filters"]}
    assert after["f-alerts"] is Status.FOUND and "f-codes" not in after
