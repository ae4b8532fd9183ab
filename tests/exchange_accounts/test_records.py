"""The GetInboxRules parser on answers shaped like Exchange's own (EWS reference, "GetInboxRules operation")."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from auditor.checks.exchange.automatic_replies import ended
from auditor.connectors.ews.records import AutomaticReplies, rule_from_xml

T = "http://schemas.microsoft.com/exchange/services/2006/types"

MOVE_TO_JUNK = f"""
<Rule xmlns="{T}">
  <RuleId>AQAAAAAAAAE=</RuleId>
  <DisplayName>MoveInterestingToJunk</DisplayName>
  <Priority>1</Priority>
  <IsEnabled>true</IsEnabled>
  <Conditions><ContainsSubjectStrings><String>Interesting</String></ContainsSubjectStrings></Conditions>
  <Exceptions />
  <Actions><MoveToFolder><DistinguishedFolderId Id="junkemail" /></MoveToFolder></Actions>
</Rule>"""

FORWARD_AND_HIDE = f"""
<t:Rule xmlns:t="{T}">
  <t:RuleId>AQAAAAAAAAI=</t:RuleId>
  <t:DisplayName>&#x202E;sgnittes</t:DisplayName>
  <t:Priority>2</t:Priority>
  <t:Conditions>
    <t:ContainsSubjectOrBodyStrings><t:String>password</t:String><t:String>sign-in</t:String></t:ContainsSubjectOrBodyStrings>
    <t:FromAddresses><t:Address><t:Name>Security</t:Name><t:EmailAddress>no-reply@bank.example</t:EmailAddress>
      </t:Address></t:FromAddresses>
  </t:Conditions>
  <t:Actions>
    <t:ForwardAsAttachmentToRecipients><t:Address><t:Name>M</t:Name><t:EmailAddress>m@elsewhere.example</t:EmailAddress>
      <t:RoutingType>SMTP</t:RoutingType></t:Address></t:ForwardAsAttachmentToRecipients>
    <t:MoveToFolder><t:FolderId Id="AAMkAD" ChangeKey="AQAAAA=="/></t:MoveToFolder>
    <t:MarkAsRead>true</t:MarkAsRead>
  </t:Actions>
</t:Rule>"""


def test_a_rule_that_moves_mail_to_junk() -> None:
    rule = rule_from_xml(ET.fromstring(MOVE_TO_JUNK))
    assert (rule.rule_id, rule.name, rule.enabled) == ("AQAAAAAAAAE=", "MoveInterestingToJunk", True)
    assert rule.conditions == {"contains_subject_strings": ["Interesting"]}
    assert rule.move_to_folder == "junkemail" and rule.sends_to == []
    assert rule.hides == ["moves it out of the inbox"]


def test_a_rule_that_forwards_as_attachment_and_hides_keeps_text_exactly() -> None:
    rule = rule_from_xml(ET.fromstring(FORWARD_AND_HIDE))
    assert rule.name == "\u202esgnittes"  # kept as sent; the renderer shows it literally
    assert rule.enabled  # IsEnabled left out: Exchange's default is enabled
    assert [(how, r.address) for how, r in rule.sends_to] == [("forwards as an attachment", "m@elsewhere.example")]
    assert rule.from_addresses == ("no-reply@bank.example",)
    assert rule.hides == ["moves it out of the inbox", "marks it read"]
    assert rule.evidence()["forward_as_attachment_to"] == [{"address": "m@elsewhere.example", "name": "M"}]


def test_a_rule_without_actions_is_refused() -> None:
    with pytest.raises(ValueError, match="without Actions"):
        rule_from_xml(ET.fromstring(f'<Rule xmlns="{T}"><DisplayName>x</DisplayName></Rule>'))


@pytest.mark.parametrize(
    ("end", "over"),
    [("2020-01-01T00:00:00+00:00", True), ("2999-01-01T00:00:00+00:00", False), ("not a date", False), (None, False)],
)
def test_a_scheduled_reply_is_over_only_when_its_end_has_passed(end: str | None, over: bool) -> None:
    from datetime import datetime, timezone

    replies = AutomaticReplies("Scheduled", "All", None, end, True, True)
    assert ended(replies, datetime.now(timezone.utc)) is over


def oof_settings(body: str) -> object:
    from exchangelib.settings import OofSettings
    from exchangelib.util import to_xml

    return OofSettings.from_xml(to_xml(f'<OofSettings xmlns="{T}">{body}</OofSettings>'.encode()).getroot(), None)


@pytest.mark.parametrize(
    "body",
    [
        "<ExternalAudience>All</ExternalAudience>",  # no OofState: never read as "off"
        "<OofState>Sideways</OofState><ExternalAudience>All</ExternalAudience>",
        "<OofState>Enabled</OofState><ExternalAudience>Everyone</ExternalAudience>",  # never "colleagues only"
    ],
)
def test_automatic_replies_outside_the_schema_are_refused(body: str) -> None:
    from auditor.connectors.ews.records import automatic_replies_from

    with pytest.raises(ValueError, match="without a known"):
        automatic_replies_from(oof_settings(body))


def test_automatic_replies_on_for_everyone_are_read() -> None:
    from auditor.connectors.ews.records import automatic_replies_from

    replies = automatic_replies_from(
        oof_settings("<OofState>Enabled</OofState><ExternalAudience>All</ExternalAudience>")
    )
    assert (replies.state, replies.external_audience) == ("Enabled", "All")
