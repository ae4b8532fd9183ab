"""An Exchange delegate removed through exchangelib against the practice EWS server: the confirmed change is the one
RemoveDelegate request the server is asked to make, the delegate is gone so the check, run again, finds no one, and
putting it back (AddDelegate with the folder levels and options as found) makes the path again."""

from __future__ import annotations

import dataclasses

from exchange_accounts.readings import scenario_with
from exchange_accounts.writing import (
    ANN,
    DELEGATES,
    TYPES,
    apply,
    of_check,
    open_paths,
    parsed,
    restore,
    run,
    shape,
    with_token,
    writes,
)

from auditor.model import Finding, Severity, Status
from auditor.remedy.exchange import PERMISSION, REMEDIES, REMOVE_DELEGATE
from auditor.safetext import literal
from auditor.sandbox import Sandbox
from auditor.sandbox.exchange import Delegate, FolderPermissions

MARK = "mark.ex@contoso.example"


def test_removing_the_delegate_sends_that_one_request_and_closes_the_path() -> None:
    with Sandbox("compromised") as sb:
        [found] = open_paths(sb, DELEGATES)
        [change] = REMEDIES.changes_for(found)
        writer = with_token(sb, [change])
        sb.log.clear()
        applied = apply(writer, change)
        requests = sb.requests
        [write] = writes(sb)
        state = sb.app("ews").applied
        again = of_check(sb, DELEGATES)
        run(writer.aclose())
    assert change.action == REMOVE_DELEGATE and change.permission == PERMISSION and change.restorable
    assert change.words.startswith("Remove Mark Example (mark.ex@contoso.example) as a delegate of " + ANN)
    assert "calendar: Editor" in change.words and "inbox: Editor" in change.words
    assert change.before == found.evidence and change.subject == MARK
    assert len(requests) == 1
    assert (write.operation, write.changes, write.status) == ("RemoveDelegate", (), 200)
    assert shape(write.element) == shape(parsed(change.request))
    user = write.element.find(f".//{{{TYPES}}}UserId")
    assert user is not None and [child.tag.rsplit("}")[-1] for child in user] == ["PrimarySmtpAddress"]
    assert state == [{"operation": "RemoveDelegate", "delegate": MARK}]
    assert applied.answer == {"operation": "RemoveDelegate", "subject": MARK}
    assert [(f.status, f.title) for f in again] == [(Status.CLEAR, "No one is a delegate of your mailbox")]


def test_the_delegate_put_back_has_the_levels_and_options_as_found() -> None:
    reviewer = Delegate(
        PrimarySmtpAddress="pa@contoso.example",
        DisplayName="P A",
        DelegatePermissions=FolderPermissions(
            CalendarFolderPermissionLevel="Reviewer", InboxFolderPermissionLevel="Custom"
        ),
        ReceiveCopiesOfMeetingMessages=True,
    )
    with Sandbox(scenario_with(delegates=[reviewer])) as sb:
        [found] = open_paths(sb, DELEGATES)
        [change] = REMEDIES.changes_for(found)
        writer = with_token(sb, [change])
        applied = apply(writer, change)
        assert [f.status for f in of_check(sb, DELEGATES)] == [Status.CLEAR]
        sb.log.clear()
        back = restore(writer, applied)
        [write] = writes(sb)
        [again] = open_paths(sb, DELEGATES)
        delivery = sb.app("ews").deliver_meeting_requests
    assert (write.operation, write.status) == ("AddDelegate", 200)
    levels = write.element.find(f".//{{{TYPES}}}DelegatePermissions")
    assert levels is not None
    assert {child.tag.rsplit("}")[-1]: child.text for child in levels} == {
        "CalendarFolderPermissionLevel": "Reviewer",
        "TasksFolderPermissionLevel": "None",
        "InboxFolderPermissionLevel": "Custom",
        "ContactsFolderPermissionLevel": "None",
        "NotesFolderPermissionLevel": "None",
        "JournalFolderPermissionLevel": "None",
    }
    assert (
        write.element.find(".//{http://schemas.microsoft.com/exchange/services/2006/messages}DeliverMeetingRequests")
        is None
    )
    assert delivery == "DelegatesAndSendInformationToMe"  # the mailbox's setting was left as it was
    assert back.answer == {"restored": "AddDelegate", "subject": "pa@contoso.example"}
    assert (again.fingerprint, again.status, again.title) == (found.fingerprint, Status.FOUND, found.title)
    assert again.evidence == found.evidence  # the same person, levels, options and SID


def test_a_delegate_exchange_names_only_by_sid_is_removed_by_sid() -> None:
    finding = Finding(
        check=DELEGATES,
        target=ANN,
        status=Status.REVIEW,
        severity=Severity.MEDIUM,
        title="A delegate",
        subject="S-1-5-21-1",
        evidence={
            "address": "",
            "name": "",
            "permissions": {"calendar": "Author"},
            "receive_copies_of_meeting_messages": False,
            "view_private_items": False,
            "sid": "S-1-5-21-1",
        },
    )
    [change] = REMEDIES.changes_for(finding)
    user = parsed(change.request).find(f".//{{{TYPES}}}UserId")
    assert user is not None and [(c.tag.rsplit("}")[-1], c.text) for c in user] == [("SID", "S-1-5-21-1")]
    assert "the delegate with SID S-1-5-21-1" in change.words


def test_the_meeting_requests_finding_and_unnamed_delegates_offer_no_change() -> None:
    meetings = Finding(
        check=DELEGATES,
        target=ANN,
        status=Status.FOUND,
        severity=Severity.HIGH,
        title="Meeting requests go only to your delegates",
        subject="deliver-meeting-requests",
        evidence={"deliver_meeting_requests": "DelegatesOnly", "delegates": [MARK]},
    )
    assert REMEDIES.changes_for(meetings) == []
    unnamed = dataclasses.replace(meetings, subject="unnamed-delegate-1", evidence={"address": "", "sid": ""})
    assert REMEDIES.changes_for(unnamed) == []
    odd = dataclasses.replace(meetings, subject=MARK, evidence={"address": MARK, "sid": "", "permissions": "x"})
    [change] = REMEDIES.changes_for(odd)
    assert not change.restorable and "cannot add them back" in change.restore_note


def test_a_hostile_delegate_name_is_literal_in_the_words_and_exact_in_the_record() -> None:
    with Sandbox("hostile") as sb:
        [found] = open_paths(sb, DELEGATES)
        [change] = REMEDIES.changes_for(found)
        apply(with_token(sb, [change]), change)
        assert sb.app("ews").delegates == []
    name = found.evidence["name"]
    for raw in ("\x1b", "\x07", "\u202e", "\u200b", "\u2066"):
        assert raw in name and raw not in change.words
    assert literal(name, 120) in change.words and "[bold red]Security[/]" in change.words
    assert change.before["name"] == name
