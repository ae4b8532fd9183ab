"""google.gmail_forwarding_addresses — checks/google/gmail_forwarding_addresses.py;
playbook playbooks/google-mail-forwarding.yaml.

Each address Gmail may forward to is a question; one waiting for confirmation is said to be waiting.
"""

from __future__ import annotations

from typing import Any

from google_accounts.answering import AnsweringClient, Withheld, fixture, quiet_answers, run_check

from auditor.checkapi.google import ForwardingAddress
from auditor.model import Status
from auditor.safetext import literal

CHECK = "google.gmail_forwarding_addresses"


def answered(body: Any) -> AnsweringClient:
    return AnsweringClient({**quiet_answers(), "forwardingAddresses": body})


def test_each_forwarding_address_is_asked_about() -> None:
    findings = run_check(CHECK, answered(fixture("gmail_forwarding_addresses.json")))
    assert [(f.status, f.subject) for f in findings] == [
        (Status.REVIEW, "gduser1@workspacesamples.dev"),
        (Status.REVIEW, "gduser2@workspacesamples.dev"),
    ]


def test_none_read_whole_is_clear() -> None:
    (finding,) = run_check(CHECK, answered({}))  # proto3: an empty list is left out
    assert (finding.status, finding.title) == (Status.CLEAR, "No other forwarding address is set up")


def test_a_partial_reading_is_couldnt_check() -> None:
    assert [f.status for f in run_check(CHECK, Withheld(quiet_answers()))] == [Status.ERROR]
    malformed = {"forwardingAddresses": [{"forwardingEmail": "x@evil.example"}, {"forwardingEmail": 7}]}
    assert {f.status for f in run_check(CHECK, answered(malformed))} == {Status.REVIEW, Status.ERROR}


def test_a_hostile_address_is_literal() -> None:
    hostile = "x[bold red]y[/]\x1b]8;;https://evil.example\x07\u202e@evil.example"
    (finding,) = run_check(CHECK, answered({"forwardingAddresses": [{"forwardingEmail": hostile}]}))
    assert literal(hostile, 200) in finding.title and hostile not in finding.title and hostile not in finding.detail


# --- bug: a forwarding address waiting for confirmation was called confirmed --------------------------------


def test_a_pending_forwarding_address_is_said_to_be_waiting_for_confirmation() -> None:
    bodies = {
        **quiet_answers(),
        "forwardingAddresses": {
            "forwardingAddresses": [{"forwardingEmail": "x@evil.example", "verificationStatus": "pending"}]
        },
    }
    (finding,) = run_check("google.gmail_forwarding_addresses", AnsweringClient(bodies))
    assert finding.status is Status.REVIEW
    assert "waiting for confirmation" in finding.title
    assert "confirmed" not in finding.detail.replace("confirmation", "")
    assert "cannot forward mail to it until someone clicks the confirmation link" in finding.detail
    assert "still worth removing" in finding.detail


def test_a_confirmed_forwarding_address_is_said_to_be_usable() -> None:
    from auditor.checks.google.gmail_forwarding_addresses import state

    accepted = state(ForwardingAddress(forwardingEmail="a@b.example", verificationStatus="accepted"), "a@b.example")
    unknown = state(ForwardingAddress(forwardingEmail="a@b.example"), "a@b.example")
    assert "confirmed" in accepted and "at any time" in accepted
    assert "did not say whether it has been confirmed" in unknown
