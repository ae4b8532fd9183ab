"""google.gmail_autoforward — checks/google/gmail_autoforward.py; playbook playbooks/google-mail-forwarding.yaml.

Gmail forwarding every new message to another address is a question ("is this address yours?"), found when
the person says no; clear rests only on Gmail's documented answer that forwarding is off.
"""

from __future__ import annotations

from typing import Any

import pytest
from google_accounts.answering import AnsweringClient, Withheld, fixture, quiet_answers, run_check
from google_accounts.practice import run_google, statuses

from auditor.checkapi import Decisions
from auditor.model import Status, fingerprint
from auditor.safetext import literal
from auditor.sandbox import Sandbox

CHECK = "google.gmail_autoforward"
FORWARDING = fixture("gmail_auto_forwarding.json")  # Google's example: forwarding on, the copy trashed


def answered(auto_forwarding: Any) -> AnsweringClient:
    return AnsweringClient({**quiet_answers(), "autoForwarding": auto_forwarding})


def test_forwarding_to_another_address_is_asked_about_and_found_when_not_theirs() -> None:
    (finding,) = run_check(CHECK, answered(FORWARDING))
    assert finding.status is Status.REVIEW
    assert finding.title == (
        "Your mail is forwarded to gduser1@workspacesamples.dev (your copy is deleted) — is this address yours?"
    )
    not_mine = Decisions({fingerprint(CHECK, "liz@example.com", "gduser1@workspacesamples.dev"): "not-mine"})
    assert [f.status for f in run_check(CHECK, answered(FORWARDING), not_mine)] == [Status.FOUND]


def test_forwarding_off_read_whole_is_clear() -> None:
    (finding,) = run_check(CHECK, answered(fixture("gmail_auto_forwarding_off.json")))
    assert (finding.status, finding.title) == (Status.CLEAR, "Gmail does not forward your mail automatically")


def test_a_partial_reading_is_couldnt_check_and_the_forwarding_still_asked() -> None:
    assert [f.status for f in run_check(CHECK, Withheld(quiet_answers()))] == [Status.ERROR]
    found = run_check(CHECK, Withheld({**quiet_answers(), "autoForwarding": FORWARDING}))
    assert {f.status for f in found} == {Status.REVIEW, Status.ERROR}
    # forwarding on without the address is not understood: asked about, and said to be incomplete
    assert {f.status for f in run_check(CHECK, answered({"enabled": True}))} == {Status.REVIEW, Status.ERROR}


def test_a_hostile_address_is_literal() -> None:
    hostile = "x[bold red]y[/]\x1b]8;;https://evil.example\x07\u202e@evil.example"
    (finding,) = run_check(CHECK, answered({"enabled": True, "emailAddress": hostile}))
    assert literal(hostile, 200) in finding.title and hostile not in finding.title and hostile not in finding.detail
    assert finding.evidence["emailAddress"] == hostile


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ({}, Status.CLEAR),  # documented: enabled left out is false
        ({"enabled": False}, Status.CLEAR),
        ({"enabled": None}, Status.ERROR),
        ({"enabled": "false"}, Status.ERROR),
        ({"enabled": 0}, Status.ERROR),
        ([], Status.ERROR),
        ({"enabled": True, "emailAddress": "x@example.net"}, Status.REVIEW),
    ],
)
def test_auto_forwarding_clear_rests_on_a_documented_answer(answer: Any, status: Status) -> None:
    bodies = {**quiet_answers(), "autoForwarding": answer}
    assert {f.status for f in run_check("google.gmail_autoforward", AnsweringClient(bodies))} == {status}


def test_decisions_mine_and_not_mine() -> None:
    with Sandbox("compromised") as sb:
        fp = fingerprint("google.gmail_autoforward", "ann.example@gmail.com", "keepingtabs@proton.example")
        not_mine = run_google(sb, Decisions({fp: "not-mine"}))
        mine = run_google(sb, Decisions({fp: "mine"}))
    assert statuses(not_mine, "google.gmail_autoforward") == [Status.FOUND]
    assert statuses(mine, "google.gmail_autoforward") == [Status.CLEAR]
