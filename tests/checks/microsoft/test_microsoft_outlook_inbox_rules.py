"""microsoft.outlook_inbox_rules — checks/microsoft/outlook_inbox_rules.py;
playbook playbooks/microsoft-mail-forwarding.yaml.

Outlook inbox rules (Microsoft Graph) that forward or redirect mail are found, critical when they also hide
your copy; rules hiding mail that looks like security alerts are a question.
"""

from __future__ import annotations

from pathlib import Path

from microsoft_accounts.conftest import by_check, run_microsoft, scenario_from
from microsoft_accounts.readings import ChosenGraph, rules, run_check

from auditor.checkapi import Decisions
from auditor.model import Severity, Status
from auditor.safetext import literal
from auditor.sandbox import Sandbox

CHECK = "microsoft.outlook_inbox_rules"
TO_EVIL = [{"emailAddress": {"address": "x@evil.example"}}]
FORWARD_AND_DELETE = {"id": "r1", "displayName": "tidy", "actions": {"forwardTo": TO_EVIL, "delete": True}}
REPORTS = {"id": "r2", "displayName": "Reports", "actions": {"moveToFolder": "AAMkADReports="}}


def test_a_rule_forwarding_and_deleting_is_found_critical() -> None:
    (finding,) = run_check(CHECK, ChosenGraph(rules=rules(FORWARD_AND_DELETE, REPORTS)))
    assert (finding.status, finding.severity) == (Status.FOUND, Severity.CRITICAL)
    assert finding.title == "Your mail is forwarded to x@evil.example and the rule deletes it — inbox rule “tidy”"


def test_ordinary_rules_over_a_whole_reading_are_clear() -> None:
    (finding,) = run_check(CHECK, ChosenGraph(rules=rules(REPORTS)))
    assert (finding.status, finding.title) == (
        Status.CLEAR,
        "No inbox rule forwards mail or hides security mail (1 rule checked)",
    )


def test_a_switched_off_rule_forwards_nothing_and_the_conclusion_names_it() -> None:
    # Turning a rule off is how the tool closes it while keeping it in the mailbox as evidence.
    hostile = "tidy\x1b[31m\u202e"
    off = {**FORWARD_AND_DELETE, "isEnabled": False, "displayName": hostile}
    (finding,) = run_check(CHECK, ChosenGraph(rules=rules(off, REPORTS)))
    assert (finding.status, finding.title) == (
        Status.CLEAR,
        f"No inbox rule forwards mail or hides security mail (2 rules checked; switched off: “{literal(hostile, 60)}”)",
    )
    assert hostile not in finding.title
    assert [f.status for f in run_check(CHECK, ChosenGraph(rules=rules({**off, "isEnabled": True})))] == [Status.FOUND]


def test_rules_not_all_read_are_couldnt_check_and_the_forwarding_one_still_found() -> None:
    assert [f.status for f in run_check(CHECK, ChosenGraph(rules=rules(REPORTS, not_read=("page 2",))))] == [
        Status.ERROR
    ]
    partial = rules(FORWARD_AND_DELETE, unrecognised=("value[1].actions: not an object",))
    assert {f.status for f in run_check(CHECK, ChosenGraph(rules=partial))} == {Status.FOUND, Status.ERROR}


def test_a_hostile_rule_name_and_address_are_literal() -> None:
    hostile = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202eevil"
    rule = {"id": "r3", "displayName": hostile, "actions": {"redirectTo": [{"emailAddress": {"address": hostile}}]}}
    (finding,) = run_check(CHECK, ChosenGraph(rules=rules(rule)))
    assert literal(hostile, 120) in finding.title and hostile not in finding.title and hostile not in finding.detail
    assert finding.evidence["displayName"] == hostile


def test_a_rule_hiding_security_mail_is_asked_about() -> None:
    rule = {"id": "r4", "displayName": "x", "conditions": {"subjectContains": ["sign-in"]}, "actions": {"delete": True}}
    (finding,) = run_check(CHECK, ChosenGraph(rules=rules(rule)))
    assert finding.status is Status.REVIEW
    assert [
        f.status for f in run_check(CHECK, ChosenGraph(rules=rules(rule)), Decisions({finding.fingerprint: "not-mine"}))
    ] == [Status.FOUND]


# --- through httpx and the practice Graph -------------------------------------------------------------------


def test_rules_hiding_security_mail_are_review_then_found_when_not_mine(tmp_path: Path) -> None:
    text = """name: hide
microsoft:
  user: {userPrincipalName: sam@outlook.example}
  inbox_rules:
    - displayName: tidy
      conditions: {fromAddresses: [account-security-noreply@accountprotection.microsoft.com]}
      actions: {delete: true}
    - displayName: codes
      conditions: {subjectContains: [verification code]}
      actions: {markAsRead: true, moveToFolder: AAMkADArchive=}
    - displayName: shop
      conditions: {senderContains: [shop.example]}
      actions: {delete: true}
"""
    with Sandbox(scenario_from(tmp_path, text)) as sb:
        first = run_microsoft(sb)
        rules = by_check(first)["microsoft.outlook_inbox_rules"]
        assert [(f.status, f.evidence["displayName"]) for f in rules] == [
            (Status.REVIEW, "tidy"),
            (Status.REVIEW, "codes"),
        ]
        second = run_microsoft(sb, Decisions({rules[0].fingerprint: "not-mine", rules[1].fingerprint: "mine"}))
    assert [(f.status, f.evidence["displayName"]) for f in by_check(second)["microsoft.outlook_inbox_rules"]] == [
        (Status.FOUND, "tidy")
    ]


RULES = """name: each-way-of-hiding
microsoft:
  user: {userPrincipalName: sam@outlook.example}
  inbox_rules:
    - {displayName: r-delete, actions: {forwardTo: [a@proton.example], delete: true}}
    - {displayName: r-purge, actions: {forwardTo: [b@proton.example], permanentDelete: true}}
    - {displayName: r-read, actions: {redirectTo: [c@proton.example], markAsRead: true}}
    - {displayName: r-move, actions: {forwardAsAttachmentTo: [d@proton.example], moveToFolder: AAMkADArchive=}}
    - {displayName: r-plain, actions: {forwardTo: [e@proton.example]}}
    - {displayName: r-off, isEnabled: false, actions: {forwardTo: [f@proton.example], delete: true}}
"""


def test_rule_severity_for_each_way_of_hiding(tmp_path: Path) -> None:
    with Sandbox(scenario_from(tmp_path, RULES)) as sb:
        run = run_microsoft(sb)
    rules = {f.evidence["displayName"]: f for f in by_check(run)["microsoft.outlook_inbox_rules"]}
    assert {name: (f.status, f.severity) for name, f in rules.items()} == {
        "r-delete": (Status.FOUND, Severity.CRITICAL),
        "r-purge": (Status.FOUND, Severity.CRITICAL),
        "r-read": (Status.FOUND, Severity.CRITICAL),
        "r-move": (Status.FOUND, Severity.CRITICAL),
        "r-plain": (Status.FOUND, Severity.HIGH),  # sends a copy, hides nothing
        # r-off: switched off, it forwards nothing (turning a rule off is how the tool closes it, keeping it)
    }
    assert "deletes it permanently" in rules["r-purge"].title and "b@proton.example" in rules["r-purge"].title
    assert "moves it out of the inbox" in rules["r-move"].title and "as an attachment" in rules["r-move"].title
    assert "redirected to c@proton.example" in rules["r-read"].title
