"""What the Microsoft remedies offer for a finding, from its evidence alone (nothing is sent): only for an open
path, only what Graph can change, each change with the permission its reference page lists."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.model import Finding, Severity, Status
from auditor.remedy import Change, remedies_for
from auditor.remedy.microsoft import FILES_WRITE, MAILBOX_WRITE, REMEDIES, RULE_DELETE, RULE_OFF, SIGN_OUT

TARGET = "kim@contoso.example"
RULE = {
    "id": "AQAAAJ5dZqA=",
    "displayName": "tidy",
    "sequence": 2,
    "isEnabled": True,
    "isReadOnly": False,
    "conditions": {},
    "exceptions": None,
    "actions": {"forwardTo": [{"emailAddress": {"address": "x@evil.example"}}], "delete": True},
    "account_type": "personal",
}


def finding(check: str, evidence: dict[str, Any], status: Status = Status.FOUND, subject: str = "s") -> Finding:
    return Finding(check, TARGET, status, Severity.HIGH, "title", subject=subject, evidence=evidence)


def test_the_microsoft_remedies_are_found_by_kind() -> None:
    assert remedies_for("microsoft") is REMEDIES


@pytest.mark.parametrize("status", [Status.CLEAR, Status.ERROR, Status.MANUAL, Status.SKIPPED])
def test_nothing_is_offered_for_a_finding_that_is_not_an_open_path(status: Status) -> None:
    assert REMEDIES.changes_for(finding("microsoft.outlook_inbox_rules", RULE, status)) == []


def test_an_open_question_is_offered_the_same_changes_as_a_found_path() -> None:
    found = REMEDIES.changes_for(finding("microsoft.outlook_inbox_rules", RULE))
    asked = REMEDIES.changes_for(finding("microsoft.outlook_inbox_rules", RULE, Status.REVIEW))
    assert [c.action for c in asked] == [c.action for c in found] == [RULE_OFF, RULE_DELETE]


def test_a_switched_off_rule_is_offered_deleting_only() -> None:
    changes = REMEDIES.changes_for(finding("microsoft.outlook_inbox_rules", {**RULE, "isEnabled": False}))
    assert [c.action for c in changes] == [RULE_DELETE]


@pytest.mark.parametrize("broken", [{"id": None}, {"id": ""}, {"id": 7}])
def test_a_rule_without_an_id_cannot_be_named_to_graph(broken: dict[str, Any]) -> None:
    assert REMEDIES.changes_for(finding("microsoft.outlook_inbox_rules", {**RULE, **broken})) == []


def test_apps_and_the_account_wide_sign_in_finding_are_left_to_the_playbook() -> None:
    assert REMEDIES.changes_for(finding("microsoft.app_grants", {"grant": {"id": "g"}})) == []
    assert REMEDIES.changes_for(finding("microsoft.auth_methods", {}, subject="no-strong-method")) == []
    assert REMEDIES.changes_for(finding("google.gmail_filters", RULE)) == []


def test_malformed_sharing_evidence_offers_nothing_and_raises_nothing() -> None:
    malformed: tuple[dict[str, Any], ...] = (
        {},
        {"id": "i", "links": "x"},
        {"id": "i", "links": [None, 3, {"id": ""}]},
        {"permissions": [{}]},
    )
    for evidence in malformed:
        assert REMEDIES.changes_for(finding("microsoft.onedrive_public_media", evidence)) == []
        assert REMEDIES.changes_for(finding("microsoft.onedrive_people_media", evidence)) == []


def test_each_permission_says_what_it_also_allows() -> None:
    assert MAILBOX_WRITE.name == "MailboxSettings.ReadWrite" and "forward" in MAILBOX_WRITE.words
    assert FILES_WRITE.name == "Files.ReadWrite" and "your own OneDrive files" in FILES_WRITE.words
    assert SIGN_OUT.name == "User.RevokeSessions.All" and "IT team" in SIGN_OUT.words
    assert not any(p.broad for p in (MAILBOX_WRITE, FILES_WRITE, SIGN_OUT))


def test_a_change_survives_the_case_s_record_of_it() -> None:
    work = REMEDIES.changes_for(finding("microsoft.outlook_inbox_rules", {**RULE, "account_type": "work"}))
    assert [c.action for c in work] == [RULE_OFF, RULE_DELETE]  # signing out is not a way of closing a rule
    for change in [*work, *REMEDIES.changes_for(finding("microsoft.auth_methods", {}, subject="m1"))]:
        assert Change.from_dict(change.to_dict()) == change and not change.guided
