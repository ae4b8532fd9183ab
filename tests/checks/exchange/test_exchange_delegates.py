"""exchange.delegates — checks/exchange/delegates.py; playbook playbooks/exchange-delegates.yaml.

Delegates who can read and change mail, see everything, or get copies of meetings are found; other delegates
are a question; meeting requests sent only to delegates are a question too.
"""

from __future__ import annotations

from exchange_accounts.readings import ChosenMailbox, by_check, run_check, run_exchange, scenario_with

from auditor.checkapi import Decisions, Reading
from auditor.checkapi.exchange import Delegate, Delegation
from auditor.model import Severity, Status, fingerprint
from auditor.safetext import literal
from auditor.sandbox import Sandbox
from auditor.sandbox.exchange import Delegate as ScenarioDelegate
from auditor.sandbox.exchange import FolderPermissions

CHECK = "exchange.delegates"
EDITOR = Delegate("mark@contoso.example", "Mark", {"inbox": "Editor", "calendar": "None"}, False, False)
REVIEWER = Delegate("pa@contoso.example", "PA", {"calendar": "Reviewer"}, False, False)


def delegation(*delegates: Delegate, deliver: str | None = None, **gaps: tuple[str, ...]) -> ChosenMailbox:
    return ChosenMailbox(delegation=Reading("the delegates", Delegation(delegates, deliver), **gaps))


def test_a_delegate_who_can_read_and_change_mail_is_found_and_another_asked_about() -> None:
    findings = {f.subject: f for f in run_check(CHECK, delegation(EDITOR, REVIEWER))}
    assert (findings["mark@contoso.example"].status, findings["mark@contoso.example"].severity) == (
        Status.FOUND,
        Severity.HIGH,
    )
    assert findings["mark@contoso.example"].title == (
        "Mark (mark@contoso.example) can read, change and delete your mail (Inbox: Editor)"
    )
    assert findings["pa@contoso.example"].status is Status.REVIEW


def test_no_delegates_or_only_confirmed_ones_over_a_whole_reading_are_clear() -> None:
    assert [(f.status, f.title) for f in run_check(CHECK, delegation())] == [
        (Status.CLEAR, "No one is a delegate of your mailbox")
    ]
    mine = Decisions({fingerprint(CHECK, "sam.example@contoso.example", "mark@contoso.example"): "mine"})
    assert [f.status for f in run_check(CHECK, delegation(EDITOR), decisions=mine)] == [Status.CLEAR]


def test_delegates_not_all_read_are_couldnt_check_and_the_strong_one_still_found() -> None:
    assert [f.status for f in run_check(CHECK, delegation(not_read=("GetDelegate: cut off",)))] == [Status.ERROR]
    findings = run_check(CHECK, delegation(EDITOR, unrecognised=("DelegateUser[2].UserId: not understood",)))
    assert {f.status for f in findings} == {Status.FOUND, Status.ERROR}


def test_a_hostile_delegate_name_is_literal() -> None:
    hostile = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202eevil"
    delegate = Delegate("h@contoso.example", hostile, {"calendar": "Author"}, False, False)
    (finding,) = run_check(CHECK, delegation(delegate))
    assert literal(hostile, 120) in finding.title and hostile not in finding.title and hostile not in finding.detail
    assert finding.evidence["name"] == hostile


# --- through exchangelib and the practice EWS server ---------------------------------------------------------


def test_delegates_review_each_and_found_for_strong_powers() -> None:
    delegates = [
        ScenarioDelegate(
            PrimarySmtpAddress="assistant@contoso.example",
            DisplayName="Assistant",
            DelegatePermissions=FolderPermissions(CalendarFolderPermissionLevel="Reviewer"),
        ),
        ScenarioDelegate(
            PrimarySmtpAddress="inbox.editor@contoso.example",
            DelegatePermissions=FolderPermissions(InboxFolderPermissionLevel="Editor"),
        ),
        ScenarioDelegate(PrimarySmtpAddress="meetings@contoso.example", ReceiveCopiesOfMeetingMessages=True),
    ]
    target = "sam.example@contoso.example"
    with Sandbox(scenario_with(delegates=delegates)) as sb:
        first = run_exchange(sb)
        fp = fingerprint("exchange.delegates", target, "assistant@contoso.example")
        strong = fingerprint("exchange.delegates", target, "inbox.editor@contoso.example")
        answered = run_exchange(sb, Decisions({fp: "not-mine", strong: "mine"}))
    found = {f.subject: f for f in by_check(first)["exchange.delegates"]}
    assert found["assistant@contoso.example"].status is Status.REVIEW
    assert "Calendar: Reviewer" in found["assistant@contoso.example"].title
    assert found["inbox.editor@contoso.example"].status is Status.FOUND
    assert "can read, change and delete your mail" in found["inbox.editor@contoso.example"].title
    assert found["meetings@contoso.example"].status is Status.FOUND
    assert found["meetings@contoso.example"].severity is Severity.HIGH
    after = {f.subject: f.status for f in by_check(answered)["exchange.delegates"]}
    assert after == {"assistant@contoso.example": Status.FOUND, "meetings@contoso.example": Status.FOUND}


def test_meeting_requests_sent_only_to_delegates_is_a_question() -> None:
    delegate = ScenarioDelegate(PrimarySmtpAddress="pa@contoso.example", ReceiveCopiesOfMeetingMessages=True)
    with Sandbox(scenario_with(delegates=[delegate], deliver_meeting_requests="DelegatesOnly")) as sb:
        only = run_exchange(sb)
    with Sandbox(scenario_with(delegates=[delegate], deliver_meeting_requests="DelegatesAndMe")) as sb:
        both = run_exchange(sb)
    subjects = {f.subject: f.status for f in by_check(only)["exchange.delegates"]}
    assert subjects == {"deliver-meeting-requests": Status.REVIEW, "pa@contoso.example": Status.FOUND}
    assert {f.subject for f in by_check(both)["exchange.delegates"]} == {"pa@contoso.example"}


def test_the_evidence_names_the_delegate_as_exchange_does_for_removing_and_adding_them_back() -> None:
    """RemoveDelegate needs the delegate's address (or SID); AddDelegate their levels and options as found."""
    pa = ScenarioDelegate(
        PrimarySmtpAddress="pa@contoso.example",
        DisplayName="PA",
        SID="S-1-5-21-7",
        DelegatePermissions=FolderPermissions(CalendarFolderPermissionLevel="Reviewer"),
        ViewPrivateItems=True,
    )
    with Sandbox(scenario_with(delegates=[pa])) as sb:
        [finding] = by_check(run_exchange(sb))[CHECK]
    assert finding.subject == "pa@contoso.example"
    assert {k: finding.evidence[k] for k in ("address", "sid", "view_private_items")} == {
        "address": "pa@contoso.example",
        "sid": "S-1-5-21-7",
        "view_private_items": True,
    }
    assert finding.evidence["permissions"]["calendar"] == "Reviewer"
    assert finding.evidence["permissions"]["inbox"] == "None"
