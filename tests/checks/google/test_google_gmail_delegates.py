"""google.gmail_delegates — checks/google/gmail_delegates.py; playbook playbooks/google-mail-access.yaml.

Delegates are listed only with Workspace domain-wide delegation; each is a question. Without it the check is
skipped and the guided check google.manual_delegation (checks/google/guided.yaml) asks the person to look.
"""

from __future__ import annotations

from typing import Any

from google_accounts.answering import AnsweringClient, Withheld, fixture, quiet_answers, run_check
from google_accounts.practice import by_check, run_google, statuses

from auditor.model import Status
from auditor.safetext import literal
from auditor.sandbox import Sandbox, load_scenario

CHECK = "google.gmail_delegates"


def answered(body: Any) -> AnsweringClient:
    return AnsweringClient({**quiet_answers(), "delegates": body})


def test_a_delegate_is_asked_about() -> None:
    (finding,) = run_check(CHECK, answered(fixture("gmail_delegates.json")))
    assert (finding.status, finding.subject) == (Status.REVIEW, "gduser2@workspacesamples.dev")
    assert finding.title == "gduser2@workspacesamples.dev can read and send your mail — did you allow this?"


def test_no_delegates_read_whole_is_clear_and_unreadable_delegates_are_skipped_for_the_guided_look() -> None:
    (finding,) = run_check(CHECK, answered({}))
    assert (finding.status, finding.title) == (Status.CLEAR, "Nobody else has delegated access to your Gmail")
    bodies = quiet_answers()
    del bodies["delegates"]  # no domain-wide delegation: Gmail refuses to list them
    (skipped,) = run_check(CHECK, AnsweringClient(bodies))
    assert skipped.status is Status.SKIPPED and skipped.evidence == {"guided_check": "google.manual_delegation"}


def test_a_partial_reading_is_couldnt_check() -> None:
    assert [f.status for f in run_check(CHECK, Withheld(quiet_answers()))] == [Status.ERROR]
    body = {"delegates": [{"delegateEmail": "mark@example.net"}, {"delegateEmail": ["not", "text"]}]}
    assert {f.status for f in run_check(CHECK, answered(body))} == {Status.REVIEW, Status.ERROR}


def test_a_hostile_delegate_address_is_literal() -> None:
    hostile = "x[bold red]y[/]\x1b]8;;https://evil.example\x07\u202e@evil.example"
    (finding,) = run_check(
        CHECK, answered({"delegates": [{"delegateEmail": hostile, "verificationStatus": "pending"}]})
    )
    assert literal(hostile, 200) in finding.title and hostile not in finding.title
    assert "invitation that has not been accepted" in finding.detail


def test_delegates_are_read_with_domain_wide_delegation() -> None:
    scenario = load_scenario("compromised")
    data = scenario.sections["google"]
    data.domain_wide_delegation = True
    from auditor.sandbox.google import Delegate

    data.delegates = [Delegate(delegateEmail="mark.ex@gmail.example")]
    with Sandbox(scenario) as sb:
        run = run_google(sb)
    delegates = by_check(run)["google.gmail_delegates"]
    assert [(f.status, f.subject) for f in delegates] == [(Status.REVIEW, "mark.ex@gmail.example")]


def test_with_domain_wide_delegation_the_guided_look_stays_asked() -> None:
    """Delegates read through the API do not replace the by-hand look, which stays a question until answered."""
    scenario = load_scenario("clean")
    scenario.sections["google"].domain_wide_delegation = True
    with Sandbox(scenario) as sb:
        run = run_google(sb)
    assert statuses(run, "google.gmail_delegates") == [Status.CLEAR]
    assert statuses(run, "google.manual_delegation") == [Status.MANUAL]
