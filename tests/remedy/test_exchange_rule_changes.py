"""Exchange inbox rules closed through exchangelib against the practice EWS server: each confirmed change is the
one request the server is asked to make (UpdateInboxRules with one SetRuleOperation or DeleteRuleOperation), the
server's mailbox changes so that the check, run again, no longer finds the path, and putting the change back (the
rule switched on again, or recreated as found) makes the path again."""

from __future__ import annotations

import dataclasses

import pytest
from exchange_accounts.readings import scenario_with
from exchange_accounts.writing import (
    ANN,
    RULES,
    SAM,
    TYPES,
    apply,
    of_check,
    open_paths,
    parsed,
    planned,
    restore,
    rule_of,
    rules_as_found,
    run,
    shape,
    with_token,
    without,
    writes,
)

from auditor.errors import ProviderError, UsageError
from auditor.model import Status
from auditor.remedy import WriterRequest
from auditor.remedy.exchange import DELETE_RULE, DISABLE_RULE, PERMISSION, REMEDIES
from auditor.safetext import literal
from auditor.sandbox import Sandbox
from auditor.sandbox.exchange import InboxRule, RuleActions, RulePredicates

FORWARDER = "keepingtabs@proton.example"
MARK_DN = "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=5f2e0c1d-mark.ex"


def test_switching_the_rule_off_is_offered_first_then_deleting_it() -> None:
    with Sandbox("compromised") as sb:
        [finding] = open_paths(sb, RULES)
        changes = REMEDIES.changes_for(finding)
        assert sb.refused == [] and writes(sb) == []  # planning sends nothing
    assert [c.action for c in changes] == [DISABLE_RULE, DELETE_RULE]
    disable, delete = changes
    assert disable.permission == PERMISSION and PERMISSION.broad and "no permission narrower" in PERMISSION.why_broad
    assert disable.words.startswith("Switch off the inbox rule “.”") and FORWARDER in disable.words
    assert "stays in your mailbox, switched off, as evidence" in disable.words
    assert "client-side send rules" in disable.words and "switched off in Outlook" in disable.words
    assert delete.restorable and "recreates the rule as it was found" in delete.restore_note
    for change in changes:
        assert (change.fingerprint, change.target, change.subject) == (finding.fingerprint, ANN, finding.subject)
        assert change.before == finding.evidence  # the record as found, kept for putting it back
    # the exact request shown: the whole rule as found, switched off
    rule = parsed(disable.request).find(f".//{{{TYPES}}}Rule")
    assert rule is not None and rule.findtext(f"{{{TYPES}}}IsEnabled") == "false"
    assert rule.findtext(f"{{{TYPES}}}RuleId") == finding.subject
    assert parsed(delete.request).findtext(f".//{{{TYPES}}}DeleteRuleOperation/{{{TYPES}}}RuleId") == finding.subject


def test_switching_the_rule_off_sends_that_one_request_keeps_the_rest_and_closes_the_path() -> None:
    with Sandbox("compromised") as sb:
        [found] = open_paths(sb, RULES)
        disable, _ = REMEDIES.changes_for(found)
        audited = len(sb.requests)
        writer = with_token(sb, [disable])
        assert len(sb.requests) == audited  # signing in for the change sent nothing
        sb.log.clear()
        applied = apply(writer, disable)
        requests = sb.requests
        sent = writes(sb)
        applied_state = list(sb.app("ews").applied)
        run(writer.aclose())
        again = of_check(sb, RULES)
    # exactly the confirmed change, in one request (no version probe, no second try)
    assert len(requests) == 1
    [write] = sent
    assert (write.operation, write.changes, write.status, write.fault) == (
        "UpdateInboxRules",
        ("SetRuleOperation",),
        200,
        None,
    )
    assert shape(write.element) == shape(parsed(disable.request))
    assert applied_state == [
        {"operation": "UpdateInboxRules", "change": "SetRuleOperation", "rule_id": found.subject, "enabled": False}
    ]
    assert applied.answer == {"operation": "SetRuleOperation", "subject": found.subject}
    # the check, run again, finds no path; the rule is still there, switched off, everything else as found
    assert [f.status for f in again] == [Status.CLEAR]
    assert "switched off: “.”" in again[0].title


def test_the_switched_off_rule_is_the_rule_as_found_but_for_isenabled() -> None:
    forward = InboxRule(
        RuleId="fw-1",
        DisplayName="Copy to Mark",
        Priority=2,
        Conditions=RulePredicates(ContainsSubjectStrings=["invoice"], HasAttachments=True),
        Exceptions=RulePredicates(FromAddresses=["boss@contoso.example"]),
        Actions=RuleActions(
            ForwardToRecipients=[{"Name": "Mark Example", "EmailAddress": MARK_DN, "RoutingType": "EX"}],
            MoveToFolder="Archive 2019",
            MarkAsRead=True,
        ),
    )
    with Sandbox(scenario_with(inbox_rules=[forward])) as sb:
        [found] = open_paths(sb, RULES)
        disable, _ = REMEDIES.changes_for(found)
        applied = apply(with_token(sb, [disable]), disable)
        [state] = rules_as_found(sb)
        sb.log.clear()
        put_back = restore(with_token(sb, [disable]), applied)
        [write] = writes(sb)
        [again] = open_paths(sb, RULES)
    # the folder (named by Exchange's id), the EX-routed colleague and the exception went back as they came
    assert state == {**found.evidence["as_found"], "IsEnabled": False}
    assert state["Actions"]["ForwardToRecipients"][0]["EmailAddress"] == MARK_DN
    # putting it back: the same rule, switched on again, as found
    assert rule_of(write).findtext(f"{{{TYPES}}}IsEnabled") == "true"
    assert put_back.answer == {"restored": "SetRuleOperation", "subject": "fw-1"}
    assert (again.fingerprint, again.evidence["as_found"]) == (found.fingerprint, found.evidence["as_found"])


def test_deleting_the_rule_sends_its_id_only_and_recreating_it_puts_the_rule_back_as_found() -> None:
    with Sandbox("compromised") as sb:
        [found] = open_paths(sb, RULES)
        _, delete = REMEDIES.changes_for(found)
        writer = with_token(sb, [delete])
        sb.log.clear()
        applied = apply(writer, delete)
        [write] = writes(sb)
        gone = of_check(sb, RULES)
        newsletters = [r.RuleId for r in sb.app("ews").rules]
        sb.log.clear()
        back = restore(writer, applied)
        [create] = writes(sb)
        [again] = open_paths(sb, RULES)
    assert (write.operation, write.changes, write.status) == ("UpdateInboxRules", ("DeleteRuleOperation",), 200)
    assert shape(write.element) == shape(parsed(delete.request))
    assert [f.status for f in gone] == [Status.CLEAR]  # the check, run again, finds no forwarding rule
    assert len(newsletters) == 1  # the other rule kept its id
    # recreated: CreateRuleOperation with the rule as found and no RuleId (Exchange gives a new one)
    assert (create.changes, create.status) == (("CreateRuleOperation",), 200)
    assert rule_of(create).find(f"{{{TYPES}}}RuleId") is None
    assert back.answer == {"restored": "CreateRuleOperation", "subject": found.subject}
    assert again.status is Status.FOUND and again.title == found.title
    assert without(again.evidence["as_found"], "RuleId") == without(found.evidence["as_found"], "RuleId")
    assert again.subject != found.subject  # a new id: the recreated rule is a new finding


def test_a_request_other_than_the_one_confirmed_is_never_sent() -> None:
    with Sandbox("compromised") as sb:
        disable, delete = planned(sb, RULES)
        writer = with_token(sb, [disable, delete])
        sb.log.clear()
        tampered = dataclasses.replace(disable, request=delete.request)
        with pytest.raises(ProviderError, match="not the one confirmed"):
            apply(writer, tampered)
        elsewhere = dataclasses.replace(disable, target="someone.else@contoso.example")
        with pytest.raises(UsageError, match="not for the Exchange mailbox"):
            apply(writer, elsewhere)
        with pytest.raises(UsageError, match="another account"):
            run(REMEDIES.open_writer(WriterRequest(ANN, [elsewhere], endpoint=sb.url("ews"), token=sb.token)))
        assert sb.requests == []
        assert len(of_check(sb, RULES)) == 1


def test_a_rule_that_cannot_be_sent_back_unchanged_is_only_offered_for_deleting() -> None:
    """Hostile names hold control characters, which Exchange writes as character references no XML parser takes
    back: a SetRuleOperation would rename the rule, so only deleting it is offered; putting it back recreates it
    with U+FFFD in their place, and says so first."""
    with Sandbox("hostile") as sb:
        [found] = [f for f in open_paths(sb, RULES) if f.evidence.get("forward_to")]
        changes = REMEDIES.changes_for(found)
        assert [c.action for c in changes] == [DELETE_RULE]
        [delete] = changes
        applied = apply(with_token(sb, [delete]), delete)
        assert sb.app("ews").rules == []
        restore(with_token(sb, [delete]), applied)
        [recreated] = sb.app("ews").rules
    name = found.evidence["name"]
    for raw in ("\x1b", "\x07", "\u202e", "\u2066"):
        assert raw in name and raw not in delete.words  # shown literally, kept exactly
    assert literal(name, 120) in delete.words
    assert "“\ufffd”" in delete.restore_note
    assert recreated.DisplayName == "".join("\ufffd" if c in "\x1b\x07" else c for c in name)
    assert "[bold red]Security[/]" in recreated.DisplayName and "\u202e" in recreated.DisplayName


def test_a_hostile_name_xml_can_carry_goes_back_exactly_and_is_shown_literally() -> None:
    name = "[bold red]Security[/] [link=https://evil.example]x[/link] invoice\u202egnp.exe \u2066y\u2069"
    rule = InboxRule(RuleId="h-1", DisplayName=name, Actions=RuleActions(RedirectToRecipients=[f"{name}@evil.example"]))
    with Sandbox(scenario_with(inbox_rules=[rule])) as sb:
        disable, delete = planned(sb, RULES)
        apply(with_token(sb, [disable]), disable)
        [state] = sb.app("ews").rules
    assert state.DisplayName == name and state.IsEnabled is False
    for change in (disable, delete):
        assert "\u202e" not in change.words and "\u2066" not in change.words
        assert literal(name, 120) in change.words
        assert change.before["name"] == name


def test_a_rule_read_in_part_is_only_offered_for_deleting_and_cannot_be_put_back() -> None:
    """A rule with an element the reference does not list: a SetRuleOperation from what was read would drop it."""
    from auditor.sandbox.exchange import LiteralAnswer

    answer = (
        '<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
        '<s:Body><GetInboxRulesResponse ResponseClass="Success" '
        'xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"><ResponseCode>NoError</ResponseCode>'
        "<OutlookRuleBlobExists>false</OutlookRuleBlobExists><InboxRules>"
        f'<Rule xmlns="{TYPES}"><RuleId>odd-1</RuleId><DisplayName>odd</DisplayName><Priority>1</Priority>'
        "<IsEnabled>true</IsEnabled><Conditions><IsFromBoss>true</IsFromBoss></Conditions><Actions>"
        "<ForwardToRecipients><Address><EmailAddress>x@evil.example</EmailAddress></Address></ForwardToRecipients>"
        "</Actions></Rule></InboxRules></GetInboxRulesResponse></s:Body></s:Envelope>"
    )
    scenario = scenario_with(answers={"GetInboxRules": LiteralAnswer(xml=answer)})
    with Sandbox(scenario) as sb:
        findings = of_check(sb, RULES)
    assert {f.status for f in findings} == {Status.FOUND, Status.ERROR}
    [found] = [f for f in findings if f.status is Status.FOUND]
    [delete] = REMEDIES.changes_for(found)
    assert delete.action == DELETE_RULE and not delete.restorable
    assert "cannot recreate this rule exactly" in delete.restore_note
    assert "client-side send rules" in delete.words and "switched off in Outlook" not in delete.words  # blob: false


def test_findings_without_a_path_or_without_exchanges_id_offer_nothing() -> None:
    with Sandbox("clean") as sb:
        [clear] = of_check(sb, RULES)
    assert REMEDIES.changes_for(clear) == []
    with Sandbox("compromised") as sb:
        [found] = open_paths(sb, RULES)
    for evidence in (
        {**found.evidence, "as_found": {}},  # kept before the tool kept rules as found
        {**found.evidence, "rule_id": ""},
        {**found.evidence, "as_found": "not a rule"},
        {**found.evidence, "as_found": {**found.evidence["as_found"], "RuleId": "another"}},
    ):
        assert REMEDIES.changes_for(dataclasses.replace(found, evidence=evidence)) == []
    assert [c.action for c in REMEDIES.changes_for(found)] == [DISABLE_RULE, DELETE_RULE]
    assert SAM != found.target
