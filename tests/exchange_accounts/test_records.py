"""The EWS readers on Microsoft's published answers (tests/fixtures/ews) and on shapes around them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from auditor.checkapi.exchange import AutomaticReplies, Recipient
from auditor.connectors.ews.records import (
    checked_xml,
    read_automatic_replies,
    read_delegation,
    read_inbox_rules,
    response_in,
    rule_record,
)
from auditor.errors import ProviderError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ews"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def rules_answer(rules: str) -> ET.Element:
    return ET.fromstring(
        f'<GetInboxRulesResponse ResponseClass="Success" xmlns="{M}"><ResponseCode>NoError</ResponseCode>'
        f"<OutlookRuleBlobExists>false</OutlookRuleBlobExists><InboxRules>{rules}</InboxRules>"
        "</GetInboxRulesResponse>"
    )


def rule(body: str) -> str:
    return f'<Rule xmlns="{T}">{body}</Rule>'


NAMED = "<RuleId>r</RuleId><DisplayName>n</DisplayName><Priority>1</Priority><IsEnabled>true</IsEnabled>"


# -- Microsoft's examples -----------------------------------------------------------------------------


def test_the_getinboxrules_reference_example() -> None:
    reading = read_inbox_rules(response_in(fixture("getinboxrules-response.xml"), "GetInboxRules"))
    assert reading.whole and reading.what == "Exchange inbox rules"
    [only] = reading.value
    assert (only.rule_id, only.name, only.enabled) == ("dCsAAABjzvA=", "MoveInterestingToJunk", True)
    assert only.conditions == {"contains_subject_strings": ["Interesting"]}
    assert only.move_to_folder == "AAMkAGYzZjZm" and only.sends_to == []
    assert only.hides == ["moves it out of the inbox"]


def test_the_documented_ex_routed_rules_read_as_people_inside_the_organisation() -> None:
    reading = read_inbox_rules(response_in(fixture("getinboxrules-ex-routed-response.xml"), "GetInboxRules"))
    assert reading.whole
    alfred, important = reading.value
    [sender] = alfred.from_addresses
    assert sender.routing_type == "EX" and sender.address.startswith("/o=First Organization/")
    assert sender.inside and sender.shown() == "Alfred Welker (a person inside your organisation)"
    assert sender.words() == "Alfred Welker"  # never the DN with "Exchange Administrative Group" in it
    assert alfred.stop_processing_rules and alfred.hides == ["moves it out of the inbox"]
    assert important.conditions == {"contains_subject_strings": ["Urgent"]} and important.hides == []


def test_the_getdelegate_reference_example() -> None:
    reading = read_delegation(response_in(fixture("getdelegate-response.xml"), "GetDelegate"))
    assert reading.whole
    [user1] = reading.value.delegates
    assert (user1.address, user1.name, user1.sid) == (
        "User1@example.com",
        "User1",
        "S-1-5-21-1333220396-2200287332-232816053-1116",
    )
    assert user1.permissions == {
        "calendar": "Author",
        "tasks": "None",
        "inbox": "None",
        "contacts": "Reviewer",
        "notes": "None",
        "journal": "None",
    }
    assert not user1.view_private_items and not user1.receive_copies_of_meeting_messages
    assert reading.value.deliver_meeting_requests == "DelegatesAndMe"


def test_the_getuseroofsettings_reference_example() -> None:
    reading = read_automatic_replies(response_in(fixture("getuseroofsettings-response.xml"), "GetUserOofSettings"))
    assert reading.whole
    replies = reading.value
    assert (replies.state, replies.external_audience) == ("Disabled", "All")
    assert replies.start == datetime(2006, 11, 3, 23, tzinfo=timezone.utc)  # no zone in the answer: UTC
    assert replies.end == datetime(2006, 11, 4, 23, tzinfo=timezone.utc)
    assert replies.has_internal_reply and replies.has_external_reply
    assert "out of office" not in str(replies.evidence())  # whether a reply exists, never its words


def test_the_documented_oof_error_is_a_fault_not_an_answer() -> None:
    """Reading another user's settings: a SOAP fault, no GetUserOofSettingsResponse at all."""
    with pytest.raises(ProviderError, match="no GetUserOofSettingsResponse element"):
        read_automatic_replies(response_in(fixture("getuseroofsettings-error-response.xml"), "GetUserOofSettings"))


def test_exchangelibs_getdelegate_test_answer_is_not_well_formed_and_is_refused() -> None:
    """exchangelib's own test answer closes InboxFolderPermissionLevel with ContactsFolderPermissionLevel;
    exchangelib's parser (lxml, recovering) reads it anyway. A recovered answer could be a cut-off one, so it is
    refused."""
    with pytest.raises(ProviderError, match=r"not well-formed XML \(line 19, column 56: mismatched tag\)"):
        checked_xml(fixture("exchangelib-getdelegate-response.xml"))
    mended = fixture("exchangelib-getdelegate-response.xml").replace(
        b"Reviewer</t:ContactsFolderPermissionLevel>", b"Reviewer</t:InboxFolderPermissionLevel>"
    )
    reading = read_delegation(response_in(mended, "GetDelegate"))
    [foo] = reading.value.delegates
    assert (foo.name, foo.permissions["inbox"], foo.view_private_items) == ("Foo Bar", "Reviewer", True)


@pytest.mark.parametrize("cut", [200, 900, -40], ids=["in the header", "inside a rule", "before the envelope closes"])
def test_a_truncated_answer_is_refused_not_read_as_a_shorter_list(cut: int) -> None:
    whole = fixture("getinboxrules-ex-routed-response.xml")
    with pytest.raises(ProviderError, match="not well-formed"):
        response_in(whole[:cut], "GetInboxRules")


def test_control_characters_written_as_references_are_kept_with_what_follows() -> None:
    """Exchange writes control characters as character references, which XML 1.0 forbids; they are data. A
    recovering parser (lxml's) would drop the &lt; and &amp; after them."""
    answer = fixture("getinboxrules-response.xml").replace(
        b"MoveInterestingToJunk", b"&#x1B;[2J&#x7;x&#x202E;&#x1F;&lt;b&#31;&amp;"
    )
    [only] = read_inbox_rules(response_in(answer, "GetInboxRules")).value
    assert only.name == "\x1b[2J\x07x\u202e\x1f<b\x1f&"


def test_the_escape_used_for_control_characters_cannot_be_forged() -> None:
    """Control characters are carried through the strict parser as an escape character and a stand-in; an answer
    holding those characters itself reads as exactly what it holds."""
    escape, stand_in = "\U0010fffd", "\U00100000"
    text = f"{stand_in}&#x1B;{escape}&#x10FFFD;{escape}{stand_in}&#x0;&lt;"
    assert checked_xml(f"<a>{text}</a>".encode()).text == f"{stand_in}\x1b{escape}{escape}{escape}{stand_in}\x00<"
    assert checked_xml(f"<a>{stand_in}{escape}</a>".encode()).text == stand_in + escape


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', "declares a DOCTYPE"),
        (b"<a>&#xD800;</a>", "refers to a character that does not exist"),
        (b"<a>\x1b</a>", "not well-formed XML"),  # a raw control character, not a reference
        (b"", "not well-formed XML"),
    ],
)
def test_answers_the_parser_refuses(body: bytes, words: str) -> None:
    with pytest.raises(ProviderError, match=words):
        checked_xml(body)


# -- inbox rules --------------------------------------------------------------------------------------


def test_a_rule_that_forwards_as_attachment_and_hides_keeps_text_exactly() -> None:
    element = ET.fromstring(
        f"""<t:Rule xmlns:t="{T}"><t:RuleId>AQAAAAAAAAI=</t:RuleId><t:DisplayName>&#x202E;sgnittes</t:DisplayName>
        <t:Priority>2</t:Priority>
        <t:Conditions>
          <t:ContainsSubjectOrBodyStrings><t:String>password</t:String><t:String>sign-in</t:String>
          </t:ContainsSubjectOrBodyStrings>
          <t:FromAddresses><t:Address><t:Name>Security</t:Name><t:EmailAddress>no-reply@bank.example</t:EmailAddress>
          </t:Address></t:FromAddresses>
        </t:Conditions>
        <t:Actions>
          <t:ForwardAsAttachmentToRecipients><t:Address><t:Name>M</t:Name>
            <t:EmailAddress>m@elsewhere.example</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType></t:Address>
          </t:ForwardAsAttachmentToRecipients>
          <t:MoveToFolder><t:FolderId Id="AAMkAD" ChangeKey="AQAAAA=="/></t:MoveToFolder>
          <t:MarkAsRead>true</t:MarkAsRead>
        </t:Actions></t:Rule>"""
    )
    record, problems = rule_record(element)
    assert problems == [] and record is not None
    assert record.name == "\u202esgnittes"  # kept as sent; the renderer shows it literally
    assert record.enabled  # IsEnabled left out: read as on
    assert [(how, r.address) for how, r in record.sends_to] == [("forwards as an attachment", "m@elsewhere.example")]
    assert [r.address for r in record.from_addresses] == ["no-reply@bank.example"]
    assert record.hides == ["moves it out of the inbox", "marks it read"]
    assert record.evidence()["forward_as_attachment_to"] == [
        {"address": "m@elsewhere.example", "name": "M", "routing_type": "SMTP", "mailbox_type": ""}
    ]


def test_a_rule_without_actions_does_nothing_and_is_whole() -> None:
    reading = read_inbox_rules(rules_answer(rule(NAMED)))
    assert reading.whole
    [idle] = reading.value
    assert not idle.has_actions and idle.sends_to == [] and idle.hides == []


def test_an_empty_actions_element_is_named_as_outside_the_reference() -> None:
    reading = read_inbox_rules(rules_answer(rule(NAMED + "<Actions/>")))
    assert reading.unrecognised == ("rule 1 “n”: Actions is empty (the EWS reference says it cannot be)",)


def test_an_empty_conditions_element_means_all_mail_and_is_whole() -> None:
    forward = "<ForwardToRecipients><Address><EmailAddress>x@out.example</EmailAddress></Address></ForwardToRecipients>"
    reading = read_inbox_rules(rules_answer(rule(NAMED + f"<Conditions/><Actions>{forward}</Actions>")))
    assert reading.whole and reading.value[0].conditions == {}


def test_a_malformed_rule_is_named_and_the_forwarding_one_beside_it_still_read() -> None:
    bad = rule(
        NAMED.replace("<Priority>1</Priority>", "<Priority>first</Priority>")
        + "<Actions><Delete>yes</Delete></Actions>"
    )
    forward = rule(
        NAMED.replace(">r<", ">f<").replace(">n<", ">fw<")
        + "<Actions><RedirectToRecipients><Address><EmailAddress>x@out.example</EmailAddress></Address>"
        "</RedirectToRecipients></Actions>"
    )
    reading = read_inbox_rules(rules_answer(bad + "<Surprise/>" + forward))
    assert [r.name for r in reading.value] == ["n", "fw"]
    assert [(how, r.address) for how, r in reading.value[1].sends_to] == [("redirects", "x@out.example")]
    assert reading.unrecognised == (
        "rule 1 “n”: Priority: is not an xs:int",
        "rule 1 “n”: Actions.Delete: is not an xs:boolean (true, false, 1 or 0)",
        "rule 1 “n”: Priority is missing (the EWS reference requires it)",
        "InboxRules entry 2 is <Surprise>, not a Rule",
    )


def test_an_unreadable_recipient_still_counts_as_somewhere_the_rule_sends_to() -> None:
    body = NAMED + (
        "<Actions><ForwardToRecipients><Address><RoutingType></RoutingType><Oops/></Address>"
        "</ForwardToRecipients></Actions>"
    )
    reading = read_inbox_rules(rules_answer(rule(body)))
    [record] = reading.value
    [(how, recipient)] = record.sends_to
    assert how == "forwards" and not recipient.readable
    assert recipient.shown() == "an address Exchange did not give"
    assert not reading.whole
    assert any("<Oops>" in p for p in reading.unrecognised)


def test_an_empty_recipient_list_is_named_because_where_mail_goes_is_unknown() -> None:
    reading = read_inbox_rules(rules_answer(rule(NAMED + "<Actions><ForwardToRecipients/></Actions>")))
    assert reading.value[0].sends_to == []
    assert reading.unrecognised == (
        "rule 1 “n”: Actions.ForwardToRecipients names no one: where this rule sends mail is unknown",
    )


@pytest.mark.parametrize(
    ("address", "inside", "shown"),
    [
        (Recipient("/o=Contoso/ou=Exchange/cn=Recipients/cn=ann", "Ann", "EX"), True, "Ann (a person inside"),
        (Recipient("/o=Contoso/cn=Recipients/cn=x", "", "EX"), True, "someone inside your organisation"),
        (Recipient("ann@contoso.example", "Ann", "EX"), False, "ann@contoso.example"),  # the answer says SMTP
        (Recipient("/o=Contoso/cn=x", "Ext", "EX", "Contact"), False, "Ext (an entry in your organisation's address"),
        (Recipient("/O=Contoso/cn=x", "Ann", ""), True, "Ann (a person inside"),  # a DN whatever RoutingType says
        (Recipient("+15550100", "", "MOBILE"), False, "+15550100 (a phone)"),
        (Recipient("x@out.example", "X"), False, "x@out.example"),
    ],
)
def test_who_a_recipient_is(address: Recipient, inside: bool, shown: str) -> None:
    assert address.inside is inside
    assert address.shown().startswith(shown)


def test_an_answer_that_is_not_a_success_is_refused_naming_the_element() -> None:
    with pytest.raises(ProviderError, match="no GetInboxRulesResponse element"):
        read_inbox_rules(None)
    odd = ET.fromstring(
        f'<GetInboxRulesResponse xmlns="{M}"><ResponseCode>NoError</ResponseCode></GetInboxRulesResponse>'
    )
    with pytest.raises(ProviderError, match=r"GetInboxRulesResponse is not a success \(ResponseClass missing"):
        read_inbox_rules(odd)


# -- delegates ----------------------------------------------------------------------------------------


def delegate_answer(messages: str, delivery: str = "DelegatesAndMe") -> ET.Element:
    return ET.fromstring(
        f'<m:GetDelegateResponse ResponseClass="Success" xmlns:m="{M}" xmlns:t="{T}">'
        f"<m:ResponseCode>NoError</m:ResponseCode><m:ResponseMessages>{messages}</m:ResponseMessages>"
        f"<m:DeliverMeetingRequests>{delivery}</m:DeliverMeetingRequests></m:GetDelegateResponse>"
    )


def ok(user: str) -> str:
    return (
        '<m:DelegateUserResponseMessageType ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
        f"<m:DelegateUser>{user}</m:DelegateUser></m:DelegateUserResponseMessageType>"
    )


def test_a_delegate_exchange_could_not_return_is_not_read_while_the_others_are() -> None:
    failed = (
        '<m:DelegateUserResponseMessageType ResponseClass="Error"><m:MessageText>The delegate has no mailbox.'
        "</m:MessageText><m:ResponseCode>ErrorDelegateMissingConfiguration</m:ResponseCode>"
        "</m:DelegateUserResponseMessageType>"
    )
    mark = "<t:UserId><t:PrimarySmtpAddress>mark@contoso.example</t:PrimarySmtpAddress></t:UserId>"
    reading = read_delegation(delegate_answer(failed + ok(mark)))
    assert [d.address for d in reading.value.delegates] == ["mark@contoso.example"]
    assert reading.not_read == (
        "delegate 1: Exchange could not return it (ErrorDelegateMissingConfiguration: The delegate has no mailbox.)",
    )


def test_odd_delegate_shapes_are_named() -> None:
    bad_level = (
        "<t:UserId><t:DisplayName>Pat</t:DisplayName></t:UserId>"
        "<t:DelegatePermissions><t:InboxFolderPermissionLevel>Owner</t:InboxFolderPermissionLevel>"
        "</t:DelegatePermissions><t:ViewPrivateItems>maybe</t:ViewPrivateItems>"
    )
    no_user = '<m:DelegateUserResponseMessageType ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
    no_user += "</m:DelegateUserResponseMessageType>"
    reading = read_delegation(delegate_answer(ok(bad_level) + no_user + ok(""), delivery="Everyone"))
    pat, nobody = reading.value.delegates
    assert pat.name == "Pat" and pat.permissions["inbox"] == "None" and not pat.view_private_items
    assert nobody.address == nobody.name == nobody.sid == ""
    assert reading.value.deliver_meeting_requests is None
    problems = "\n".join(reading.unrecognised)
    assert "delegate 1 “Pat”: DelegatePermissions.InboxFolderPermissionLevel: Input should be" in problems
    assert "delegate 1 “Pat”: ViewPrivateItems: is not an xs:boolean" in problems
    assert "delegate 2: a successful answer without a DelegateUser" in problems
    assert "delegate 3: UserId names no one" in problems
    assert "DeliverMeetingRequests is not one of" in problems


def test_no_delegates_is_a_whole_empty_reading() -> None:
    empty = ET.fromstring(
        f'<m:GetDelegateResponse ResponseClass="Success" xmlns:m="{M}"><m:ResponseCode>NoError</m:ResponseCode>'
        "<m:DeliverMeetingRequests>DelegatesAndSendInformationToMe</m:DeliverMeetingRequests></m:GetDelegateResponse>"
    )
    reading = read_delegation(empty)
    assert reading.whole and reading.value.delegates == ()


# -- automatic replies --------------------------------------------------------------------------------


def oof_answer(settings: str) -> ET.Element:
    return ET.fromstring(
        f'<GetUserOofSettingsResponse xmlns="{M}"><ResponseMessage ResponseClass="Success">'
        f'<ResponseCode>NoError</ResponseCode></ResponseMessage><OofSettings xmlns="{T}">{settings}</OofSettings>'
        "</GetUserOofSettingsResponse>"
    )


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("<ExternalAudience>All</ExternalAudience>", "OofState is missing"),  # never read as "off"
        ("<OofState>Sideways</OofState><ExternalAudience>All</ExternalAudience>", "OofState: Input should be"),
        ("<OofState>Enabled</OofState><ExternalAudience>Everyone</ExternalAudience>", "ExternalAudience: Input"),
    ],
)
def test_automatic_replies_outside_the_schema_are_refused(body: str, words: str) -> None:
    with pytest.raises(ProviderError, match=f"OofSettings could not be read: .*{words}"):
        read_automatic_replies(oof_answer(body))


def test_a_scheduled_reply_with_an_unreadable_end_is_read_as_running_and_named() -> None:
    body = (
        "<OofState>Scheduled</OofState><ExternalAudience>All</ExternalAudience>"
        "<Duration><StartTime>2025-06-01T00:00:00Z</StartTime><EndTime>next week</EndTime></Duration>"
    )
    reading = read_automatic_replies(oof_answer(body))
    assert reading.value.end is None and not reading.value.ended(datetime.now(timezone.utc))
    assert reading.unrecognised == (
        "OofSettings.Duration.EndTime: is not an xs:dateTime",
        "OofSettings.Duration is missing for a Scheduled reply: when it ends is unknown",
    )


def test_no_oof_settings_element_is_refused() -> None:
    bare = ET.fromstring(
        f'<GetUserOofSettingsResponse xmlns="{M}"><ResponseMessage ResponseClass="Success">'
        "<ResponseCode>NoError</ResponseCode></ResponseMessage></GetUserOofSettingsResponse>"
    )
    with pytest.raises(ProviderError, match="has no OofSettings element"):
        read_automatic_replies(bare)


@pytest.mark.parametrize(("days", "over"), [(-1, True), (1, False), (None, False)])
def test_a_scheduled_reply_is_over_only_when_its_end_has_passed(days: int | None, over: bool) -> None:
    now = datetime.now(timezone.utc)
    end = now + timedelta(days=days) if days is not None else None
    assert AutomaticReplies("Scheduled", "All", None, end, True, True).ended(now) is over
    assert not AutomaticReplies("Enabled", "All", None, end, True, True).ended(now)


# -- the rule as found (what a change sends back) -------------------------------------------------------


def test_a_rule_is_kept_as_found_and_whole_only_when_every_part_was_read() -> None:
    whole, problems = rule_record(ET.fromstring(rule(NAMED + "<Actions><Delete>true</Delete></Actions>")))
    assert whole is not None and not problems and whole.as_found_whole
    assert whole.as_found == {
        "RuleId": "r",
        "DisplayName": "n",
        "Priority": 1,
        "IsEnabled": True,
        "Actions": {"Delete": True},
    }
    unknown = NAMED + "<Conditions><IsFromBoss>true</IsFromBoss></Conditions><Actions><Delete>true</Delete></Actions>"
    partial, problems = rule_record(ET.fromstring(rule(unknown)))
    assert partial is not None and problems
    assert not partial.as_found_whole  # sent back, the rule would lose the condition that was not understood
    unsupported = NAMED + "<IsNotSupported>true</IsNotSupported><Actions><Delete>true</Delete></Actions>"
    marked, problems = rule_record(ET.fromstring(rule(unsupported)))
    assert marked is not None and not problems and not marked.as_found_whole  # "cannot be modified" by EWS


def test_every_rule_says_whether_outlooks_rule_blob_exists() -> None:
    answer = rules_answer(rule(NAMED + "<Actions><Delete>true</Delete></Actions>"))
    assert [r.outlook_rule_blob for r in read_inbox_rules(answer).value] == [False]
    reference = read_inbox_rules(response_in(fixture("getinboxrules-response.xml"), "GetInboxRules"))
    assert [r.outlook_rule_blob for r in reference.value] == [True]  # the reference example says true
