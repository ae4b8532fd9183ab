"""google.workspace_logins — checks/google/workspace_logins.py; playbook playbooks/google-workspace-access.yaml.

Sign-ins of the last 30 days (Workspace Admin SDK login audit): what Google itself flags is found, changes to
how the account is protected and each place signed in from are questions.
"""

from __future__ import annotations

from typing import Any

from google_accounts.answering import AnsweringClient, Withheld, fixture, quiet_answers, run_check
from google_accounts.practice import ADMIN, ANN, by_check, run_google, with_workspace

from auditor.checkapi import Decisions
from auditor.model import Status, fingerprint
from auditor.safetext import literal
from auditor.sandbox import Sandbox
from auditor.sandbox.google import LoginEvent, Workspace, WorkspaceUser

CHECK = "google.workspace_logins"
ACTIVITIES = fixture("reports_login_activities.json")  # Google's example: a sign-in flagged suspicious


def logins(*pages: Any) -> AnsweringClient:
    return AnsweringClient({**quiet_answers(), "logins": list(pages)})


def test_a_sign_in_google_flagged_is_found() -> None:
    (finding,) = run_check(CHECK, logins(ACTIVITIES))
    assert finding.status is Status.FOUND
    assert finding.title == "Google flagged a suspicious sign-in from 203.0.113.77 (1×, last 2026-11-21T02:14:00.000Z)"


def test_no_sign_ins_read_whole_is_clear() -> None:
    (finding,) = run_check(CHECK, AnsweringClient(quiet_answers()))
    assert (finding.status, finding.title) == (Status.CLEAR, "No suspicious or unfamiliar sign-ins in the last 30 days")


def test_a_listing_not_read_to_its_end_is_couldnt_check() -> None:
    unfinished = {**ACTIVITIES, "nextPageToken": "no-such-page"}
    assert {f.status for f in run_check(CHECK, logins(unfinished))} == {Status.FOUND, Status.ERROR}
    assert [f.status for f in run_check(CHECK, Withheld(quiet_answers()))] == [Status.ERROR]


def test_a_hostile_address_is_literal() -> None:
    hostile = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202e"
    activity = {**ACTIVITIES["items"][0], "ipAddress": hostile}
    (finding,) = run_check(CHECK, logins({"items": [activity]}))
    assert literal(hostile, 60) in finding.title and hostile not in finding.title


# --- through googleapiclient and the practice Admin SDK -------------------------------------------------------


def test_sign_ins_by_place_and_decisions() -> None:
    data = Workspace(
        users=[WorkspaceUser(primaryEmail=ANN, isEnrolledIn2Sv=True)],
        logins=[
            LoginEvent(time="2026-11-20T08:00:00.000Z", ipAddress="198.51.100.4"),
            LoginEvent(time="2026-11-21T08:00:00.000Z", ipAddress="198.51.100.4"),
            LoginEvent(time="2026-11-22T03:00:00.000Z", ipAddress="203.0.113.9"),
            LoginEvent(time="2026-11-22T03:01:00.000Z", ipAddress="203.0.113.9", event="login_failure"),
            LoginEvent(time="2026-11-22T03:02:00.000Z", ipAddress="192.0.2.1", user="someone.else@example.org"),
        ],
    )
    with Sandbox(with_workspace(data, "clean")) as sb:
        first = by_check(run_google(sb, settings=ADMIN))["google.workspace_logins"]
        home = fingerprint("google.workspace_logins", ANN, "login:198.51.100.4")
        stranger = fingerprint("google.workspace_logins", ANN, "login:203.0.113.9")
        second = by_check(run_google(sb, settings=ADMIN, decisions=Decisions({home: "mine", stranger: "not-mine"})))
    assert sorted((f.status, f.subject) for f in first) == [
        (Status.REVIEW, "login:198.51.100.4"),
        (Status.REVIEW, "login:203.0.113.9"),
        (Status.REVIEW, "login_failure:203.0.113.9"),
    ]
    assert "198.51.100.4 (2×" in next(f.title for f in first if f.subject == "login:198.51.100.4")
    after = {f.subject: f.status for f in second["google.workspace_logins"]}
    assert after == {"login:203.0.113.9": Status.FOUND, "login_failure:203.0.113.9": Status.REVIEW}


def test_changes_to_protection_and_recovery_are_asked_about_and_a_leak_is_found() -> None:
    data = Workspace(
        users=[WorkspaceUser(primaryEmail=ANN, isEnrolledIn2Sv=True)],
        logins=[
            LoginEvent(time="2026-11-22T03:00:00.000Z", ipAddress="203.0.113.9", event="recovery_phone_edit"),
            LoginEvent(time="2026-11-22T03:01:00.000Z", ipAddress="203.0.113.9", event="2sv_disable"),
            LoginEvent(time="2026-11-22T04:00:00.000Z", ipAddress="0.0.0.0", event="account_disabled_password_leak"),
        ],
    )
    with Sandbox(with_workspace(data, "clean")) as sb:
        found = by_check(run_google(sb, settings=ADMIN))["google.workspace_logins"]
    assert sorted((f.status, f.subject) for f in found) == [
        (Status.FOUND, "account_disabled_password_leak:0.0.0.0"),
        (Status.REVIEW, "2sv_disable:203.0.113.9"),
        (Status.REVIEW, "recovery_phone_edit:203.0.113.9"),
    ]
    phone = next(f for f in found if f.subject.startswith("recovery_phone_edit"))
    assert phone.title.startswith("The recovery phone was changed from 203.0.113.9 (1×")
