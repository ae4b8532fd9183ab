"""Microsoft's published UpdateInboxRules, RemoveDelegate and AddDelegate examples (tests/fixtures/ews, from the
operation pages of the EWS reference): the requests the tool builds are shaped as they are; the practice server
accepts the published requests as they are, applies them and answers in the published shape; and the published
answers, served verbatim, are read by the writer as what they say — a success, or the change not made."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest
from exchange_accounts.readings import scenario_with
from exchange_accounts.writing import RULES, TYPES, apply, ews_url, planned, restore, shape, with_token, writes

from auditor.connectors.ews.records import rule_record
from auditor.connectors.ews.writer import (
    add_delegate_request,
    create_rule_request,
    delete_rule_request,
    remove_delegate_request,
    set_rule_request,
)
from auditor.errors import ProviderError
from auditor.sandbox import Sandbox, load_scenario
from auditor.sandbox.exchange import Delegate, InboxRule, LiteralAnswer, RuleActions
from auditor.sandbox.scenario import Scenario

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ews"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"


def published(name: str) -> ET.Element:
    """The operation (or answer) element inside the published envelope's Body."""
    body = ET.parse(FIXTURES / name).getroot().find(f"{{{SOAP}}}Body")
    assert body is not None
    return body[0]


def child(element: ET.Element, path: str) -> ET.Element:
    found = element.find(path)
    assert found is not None, path
    return found


def as_found_of(request: str) -> dict[str, object]:
    record, problems = rule_record(child(published(request), f".//{{{TYPES}}}Rule"))
    assert record is not None and not problems
    return record.as_found


# -- the requests the tool builds are the published ones ------------------------------------------------


def test_switching_a_rule_is_the_published_set_rule_request() -> None:
    reference = published("updateinboxrules-set-request.xml")
    built = set_rule_request("user@contoso.example", as_found_of("updateinboxrules-set-request.xml"), enabled=True)
    assert shape(child(built, f"{{{M}}}Operations")) == shape(child(reference, f"{{{M}}}Operations"))
    assert shape(child(built, f"{{{M}}}RemoveOutlookRuleBlob")) == shape(
        child(reference, f"{{{M}}}RemoveOutlookRuleBlob")
    )
    assert child(built, f"{{{M}}}MailboxSmtpAddress").text == "user@contoso.example"  # the mailbox, named


def test_deleting_and_recreating_a_rule_are_the_published_requests() -> None:
    reference = published("updateinboxrules-delete-request.xml")
    built = delete_rule_request("user@contoso.example", "Nh8AAAAwW/U=")
    assert shape(child(built, f"{{{M}}}Operations")) == shape(child(reference, f"{{{M}}}Operations"))
    created = published("updateinboxrules-create-request.xml")
    rebuilt = create_rule_request("user@contoso.example", as_found_of("updateinboxrules-create-request.xml"))
    assert shape(child(rebuilt, f"{{{M}}}Operations")) == shape(child(created, f"{{{M}}}Operations"))


def test_removing_a_delegate_by_address_or_sid_is_the_published_request() -> None:
    reference = published("removedelegate-request.xml")
    by_address, by_sid = list(child(reference, f"{{{M}}}UserIds"))
    built = remove_delegate_request("user1@example.com", "user2@example.com")
    assert shape(child(built, f"{{{M}}}Mailbox")) == shape(child(reference, f"{{{M}}}Mailbox"))
    assert [shape(u) for u in child(built, f"{{{M}}}UserIds")] == [shape(by_address)]
    sid = remove_delegate_request("user1@example.com", "", "S-1-5-21-1333220396-2200287332-232816053-1118")
    assert [shape(u) for u in child(sid, f"{{{M}}}UserIds")] == [shape(by_sid)]


def test_adding_a_delegate_back_is_the_published_request_with_every_folder_named() -> None:
    reference = published("adddelegate-request.xml")
    delegate = {
        "address": "user1@example.com",
        "sid": "",
        "permissions": {"calendar": "Author", "contacts": "Reviewer", "inbox": "None"},
        "receive_copies_of_meeting_messages": False,
        "view_private_items": False,
    }
    built = add_delegate_request("user2@example.com", delegate)
    assert shape(child(built, f"{{{M}}}Mailbox")) == shape(child(reference, f"{{{M}}}Mailbox"))
    ours, theirs = child(built, f".//{{{TYPES}}}DelegateUser"), child(reference, f".//{{{TYPES}}}DelegateUser")
    levels = {c.tag: c.text for c in child(ours, f"{{{TYPES}}}DelegatePermissions")}
    documented = {c.tag: c.text for c in child(theirs, f"{{{TYPES}}}DelegatePermissions")}
    assert {k: v for k, v in levels.items() if v != "None"} == documented  # the others are None, said outright
    assert [shape(c) for c in ours if "Permissions" not in c.tag] == [
        shape(c) for c in theirs if "Permissions" not in c.tag
    ]
    # DeliverMeetingRequests is left out: the mailbox's setting stays as it is
    assert built.find(f"{{{M}}}DeliverMeetingRequests") is None


# -- the practice server takes the published requests as they are -------------------------------------------


def post(sb: Sandbox, name: str) -> ET.Element:
    response = httpx.post(
        ews_url(sb),
        content=(FIXTURES / name).read_bytes(),
        headers={"Authorization": f"Bearer {sb.token}", "Content-Type": "text/xml; charset=utf-8"},
        trust_env=False,
        timeout=30,
    )
    assert response.status_code == 200, response.text
    body = ET.fromstring(response.content).find(f"{{{SOAP}}}Body")
    assert body is not None
    return body[0]


def mailbox(address: str, **changes: object) -> Scenario:
    scenario = load_scenario("clean")
    data = scenario.sections["exchange"]
    data.mailbox = address
    for key, value in changes.items():
        setattr(data, key, value)
    return scenario


def test_the_published_rule_requests_are_applied_and_answered_as_published() -> None:
    junk = InboxRule(RuleId="Nh8AAAAwW/U=", DisplayName="Junk", Actions=RuleActions(Delete=True))
    with Sandbox(mailbox("user@contoso.example", inbox_rules=[junk])) as sb:
        deleted = post(sb, "updateinboxrules-delete-request.xml")
        assert sb.app("ews").rules == []
        created = post(sb, "updateinboxrules-create-request.xml")
        [rule] = sb.app("ews").rules
        logged = writes(sb)
    assert shape(deleted) == shape(published("updateinboxrules-delete-response.xml"))
    assert shape(created) == shape(published("updateinboxrules-create-response.xml"))
    assert (rule.DisplayName, rule.Priority, rule.IsEnabled) == ("MoveInterestingToJunk", 1, True)
    assert rule.Conditions.ContainsSubjectStrings == ["Interesting"]
    assert rule.Actions is not None and rule.Actions.MoveToFolder == "junkemail"
    assert [(w.operation, w.changes) for w in logged] == [
        ("UpdateInboxRules", ("DeleteRuleOperation",)),
        ("UpdateInboxRules", ("CreateRuleOperation",)),
    ]


def test_the_published_set_rule_request_names_a_folder_this_mailbox_lacks_and_changes_nothing() -> None:
    """Its FolderId ("shortened for readability" on the page) is no folder of the practice mailbox: Exchange's
    answer is a validation error naming the field, and the rule stays as it was."""
    rule = InboxRule(RuleId="Nh8AAAAwW/w=", DisplayName="This is Junk", Actions=RuleActions(Delete=True))
    with Sandbox(mailbox("user@contoso.example", inbox_rules=[rule])) as sb:
        answer = post(sb, "updateinboxrules-set-request.xml")
        [kept] = sb.app("ews").rules
    assert answer.get("ResponseClass") == "Error"
    assert answer.findtext(f"{{{M}}}ResponseCode") == "ErrorInboxRulesValidationError"
    error = child(answer, f".//{{{TYPES}}}Error")
    assert (error.findtext(f"{{{TYPES}}}FieldURI"), error.findtext(f"{{{TYPES}}}ErrorCode")) == (
        "Action:MoveToFolder",
        "FolderDoesNotExist",
    )
    assert kept == rule.model_copy(update={"Priority": 1})


def test_the_published_delegate_requests_are_applied_and_answered_as_published() -> None:
    by_sid = Delegate(PrimarySmtpAddress="user3@example.com", SID="S-1-5-21-1333220396-2200287332-232816053-1118")
    scenario = mailbox("user1@example.com", delegates=[Delegate(PrimarySmtpAddress="user2@example.com"), by_sid])
    with Sandbox(scenario) as sb:
        removed = post(sb, "removedelegate-request.xml")
        remaining = list(sb.app("ews").delegates)
        again = post(sb, "removedelegate-request.xml")
    assert shape(removed) == shape(published("removedelegate-response.xml"))
    assert remaining == []
    [first, _] = list(child(again, f"{{{M}}}ResponseMessages"))
    [documented] = list(child(published("removedelegate-error-response.xml"), f"{{{M}}}ResponseMessages"))
    assert shape(first) == shape(documented)
    with Sandbox(mailbox("user2@example.com")) as sb:
        added = post(sb, "adddelegate-request.xml")
        [delegate] = sb.app("ews").delegates
        delivery = sb.app("ews").deliver_meeting_requests
        twice = post(sb, "adddelegate-request.xml")
    documented = child(published("adddelegate-response.xml"), f".//{{{M}}}DelegateUser")
    ours = child(added, f".//{{{M}}}DelegateUser")
    assert [c.tag for c in ours] == [c.tag for c in documented]
    assert [c.tag for c in child(ours, f"{{{TYPES}}}UserId")] == [
        c.tag for c in child(documented, f"{{{TYPES}}}UserId")
    ]
    assert delegate.DelegatePermissions.CalendarFolderPermissionLevel == "Author"
    assert delegate.DelegatePermissions.ContactsFolderPermissionLevel == "Reviewer"
    assert delegate.DelegatePermissions.InboxFolderPermissionLevel == "None"
    assert delivery == "DelegatesAndMe"
    assert shape(twice) == shape(published("adddelegate-error-response.xml"))


# -- the published answers, served verbatim, read as what they say ---------------------------------------------


def serving(operation: str, name: str) -> Scenario:
    scenario = load_scenario("compromised")
    xml = (FIXTURES / name).read_text(encoding="utf-8")
    scenario.sections["exchange"].answers = {operation: LiteralAnswer(xml=xml)}
    return scenario


def test_the_published_success_answer_is_a_change_made() -> None:
    with Sandbox(serving("UpdateInboxRules", "updateinboxrules-set-response.xml")) as sb:
        disable, _ = planned(sb, RULES)
        applied = apply(with_token(sb, [disable]), disable)
    assert applied.answer["operation"] == "SetRuleOperation"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("removedelegate-error-response.xml", "ErrorNotDelegate: The user is not a delegate for the mailbox."),
        # the published success removes two delegates: two answers to a change of one is not this change
        ("removedelegate-response.xml", "answered 2 times to one change"),
    ],
)
def test_a_published_remove_delegate_answer_that_is_not_this_change_made_is_an_error(name: str, words: str) -> None:
    with Sandbox(serving("RemoveDelegate", name)) as sb:
        [change] = planned(sb, "exchange.delegates")
        with pytest.raises(ProviderError, match=words):
            apply(with_token(sb, [change]), change)
        assert sb.app("ews").delegates != []


def test_the_published_add_delegate_answers_are_a_delegate_put_back_or_not() -> None:
    scenario = serving("AddDelegate", "adddelegate-error-response.xml")
    with Sandbox(scenario) as sb:
        [change] = planned(sb, "exchange.delegates")
        writer = with_token(sb, [change])
        applied = apply(writer, change)
        with pytest.raises(ProviderError, match="ErrorDelegateAlreadyExists"):
            restore(writer, applied)
    with Sandbox(serving("AddDelegate", "adddelegate-response.xml")) as sb:
        [change] = planned(sb, "exchange.delegates")
        writer = with_token(sb, [change])
        back = restore(writer, apply(writer, change))
    assert back.answer["restored"] == "AddDelegate"


def test_every_built_request_is_accepted_by_the_practice_servers_schema() -> None:
    """Whatever the tool builds from a scenario rule parses back into the same rule on the practice server."""
    rule = InboxRule(RuleId="r-1", DisplayName="x", Actions=RuleActions(ForwardToRecipients=["x@evil.example"]))
    with Sandbox(scenario_with(inbox_rules=[rule])) as sb:
        disable, delete = planned(sb, RULES)
        writer = with_token(sb, [disable, delete])
        restore(writer, apply(writer, disable))
        restore(writer, apply(writer, delete))
        assert [w.status for w in writes(sb)] == [200, 200, 200, 200]
        assert [a["change"] for a in sb.app("ews").applied] == [
            "SetRuleOperation",
            "SetRuleOperation",
            "DeleteRuleOperation",
            "CreateRuleOperation",
        ]
