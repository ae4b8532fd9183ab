"""A change Exchange did not make is never called made: refusals (ErrorAccessDenied, HTTP 401/403), a server that
stays busy (ErrorServerBusy with its back-off, HTTP 503), server errors, timeouts, dropped connections and answers
that are not EWS end in an error; the practice mailbox is unchanged and the check, run again, still finds the
path. Only "busy" answers, which say the server did not take the request, are tried again, after the back-off it
asks for; an answer that may come after the change was made is never sent again."""

from __future__ import annotations

import pytest
from exchange_accounts.readings import scenario_with
from exchange_accounts.writing import RULES, apply, open_paths, planned, with_token, writes

from auditor.connectors.retry import RetryPolicy
from auditor.errors import AuthError, ConnectorError, NetworkError, ProviderError, RateLimitedError
from auditor.model import Status
from auditor.sandbox import FaultRule, Sandbox, load_scenario
from auditor.sandbox.exchange import LiteralAnswer
from auditor.sandbox.scenario import Scenario

EWS = "/EWS/Exchange.asmx"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"


def compromised_with(**answers: LiteralAnswer) -> Scenario:
    scenario = load_scenario("compromised")
    scenario.sections["exchange"].answers = dict(answers)
    return scenario


def waits_recorded() -> tuple[RetryPolicy, list[float]]:
    waits: list[float] = []
    return RetryPolicy(max_retries=3, budget=30.0, sleep=waits.append), waits


@pytest.mark.parametrize(
    ("kind", "error", "words"),
    [
        ("403", AuthError, "refused the change (HTTP 403 Forbidden)"),
        ("401", AuthError, "refused the sign-in"),
        ("500", ProviderError, "whether the inbox rule changed is not known"),
        ("hang", NetworkError, "did not answer within 1 s"),
        ("reset", NetworkError, "connection to Exchange failed"),
        ("malformed", ProviderError, "not valid EWS XML"),
    ],
)
def test_a_refused_or_failed_change_is_an_error_sent_once_and_the_path_stays_found(
    kind: str, error: type[ConnectorError], words: str
) -> None:
    with Sandbox("compromised") as sb:
        disable, _ = planned(sb, RULES)
        retry, waits = waits_recorded()
        writer = with_token(sb, [disable], retry=retry)
        sb.set_faults([FaultRule("ews", EWS, kind, seconds=3)])  # type: ignore[arg-type]
        sb.log.clear()
        with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
            apply(writer, disable)
        tried = [entry.fault for entry in sb.requests]  # every request since: the change's tries
        sb.clear_faults()
        applied = sb.app("ews").applied
        [still] = open_paths(sb, RULES)
    assert tried == [kind]  # sent once, never again
    assert waits == []
    assert applied == []  # the practice mailbox is as it was
    assert (still.status, still.fingerprint) == (Status.FOUND, disable.fingerprint)


def test_server_busy_is_waited_out_as_the_server_asks_then_the_change_is_made_once() -> None:
    """On-premises Exchange throttles with ErrorServerBusy and BackOffMilliseconds (500 on the practice server)."""
    with Sandbox("compromised") as sb:
        disable, _ = planned(sb, RULES)
        retry, waits = waits_recorded()
        writer = with_token(sb, [disable], retry=retry)
        sb.set_faults([FaultRule("ews", EWS, "429", times=1)])
        sb.log.clear()
        apply(writer, disable)
        tried = [(entry.fault, entry.status) for entry in sb.requests]
        [write] = writes(sb)
        applied = sb.app("ews").applied
        assert open_paths(sb, RULES) == []
    assert tried == [("429", 500), (None, 200)]
    assert write.changes == ("SetRuleOperation",)
    assert waits == [0.5]
    assert [a["change"] for a in applied] == ["SetRuleOperation"]


def test_a_server_busy_beyond_the_retry_budget_is_an_error_never_a_change() -> None:
    with Sandbox("compromised") as sb:
        disable, _ = planned(sb, RULES)
        retry, waits = waits_recorded()
        writer = with_token(sb, [disable], retry=retry)
        sb.set_faults([FaultRule("ews", EWS, "429")])
        with pytest.raises(RateLimitedError, match="busy and did not take the change: the inbox rule was not changed"):
            apply(writer, disable)
        sb.clear_faults()
        assert sb.app("ews").applied == []
        assert [f.status for f in open_paths(sb, RULES)] == [Status.FOUND]
    assert waits == [0.5, 0.5, 0.5]  # three tries after the first, each after the server's back-off


def test_http_503_is_tried_again_and_a_lasting_one_is_an_error() -> None:
    with Sandbox("compromised") as sb:
        disable, _ = planned(sb, RULES)
        retry, waits = waits_recorded()
        writer = with_token(sb, [disable], retry=retry)
        sb.set_faults([FaultRule("ews", EWS, "503", times=1)])
        sb.log.clear()
        apply(writer, disable)
        assert [entry.fault for entry in sb.requests] == ["503", None]
        assert len(waits) == 1  # one wait, then the one change
        assert [a["change"] for a in sb.app("ews").applied] == ["SetRuleOperation"]
    with Sandbox("compromised") as sb:
        disable, _ = planned(sb, RULES)
        retry, _ = waits_recorded()
        writer = with_token(sb, [disable], retry=retry)
        sb.set_faults([FaultRule("ews", EWS, "503")])
        with pytest.raises(RateLimitedError, match="was not changed"):
            apply(writer, disable)
        assert sb.app("ews").applied == []


def refused(code: str, text: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
        f'<s:Body><UpdateInboxRulesResponse ResponseClass="Error" xmlns="{M}"><MessageText>{text}</MessageText>'
        f"<ResponseCode>{code}</ResponseCode><DescriptiveLinkKey>0</DescriptiveLinkKey></UpdateInboxRulesResponse>"
        "</s:Body></s:Envelope>"
    )


@pytest.mark.parametrize(
    ("code", "error", "words"),
    [
        ("ErrorAccessDenied", AuthError, "ErrorAccessDenied: this sign-in may not change it"),
        ("ErrorOutlookRuleBlobExists", ProviderError, "ErrorOutlookRuleBlobExists"),
        # exchangelib's maintainer: Exchange answers ErrorItemNotFound when asked to delete a switched-off rule
        # (ecederstrand/exchangelib#1305); the rule stays as it is, and the tool says so.
        ("ErrorItemNotFound", ProviderError, "ErrorItemNotFound"),
        ("ErrorServerBusy", RateLimitedError, "busy"),
    ],
)
def test_an_error_answer_is_the_change_not_made(code: str, error: type[ConnectorError], words: str) -> None:
    answer = LiteralAnswer(xml=refused(code, "Refused."))
    with Sandbox(compromised_with(UpdateInboxRules=answer)) as sb:
        disable, delete = planned(sb, RULES)
        retry, _ = waits_recorded()
        writer = with_token(sb, [disable, delete], retry=retry)
        for change in (disable, delete):
            with pytest.raises(error, match=words):
                apply(writer, change)
        assert sb.app("ews").applied == []


@pytest.mark.parametrize(
    "answer",
    [
        # a Warning is "a request that was not processed", whatever its ResponseCode says
        f'<UpdateInboxRulesResponse ResponseClass="Warning" xmlns="{M}"><ResponseCode>NoError</ResponseCode>'
        "</UpdateInboxRulesResponse>",
        f'<UpdateInboxRulesResponse xmlns="{M}"><ResponseCode>NoError</ResponseCode></UpdateInboxRulesResponse>',
        f'<UpdateInboxRulesResponse ResponseClass="Success" xmlns="{M}"></UpdateInboxRulesResponse>',
        f'<GetInboxRulesResponse ResponseClass="Success" xmlns="{M}"><ResponseCode>NoError</ResponseCode>'
        "</GetInboxRulesResponse>",
        f'<UpdateInboxRulesResponse ResponseClass="Success" xmlns="{M}"><ResponseCode>NoError</ResponseCode>',
    ],
    ids=["warning", "no class", "no code", "another operation", "cut off"],
)
def test_an_answer_that_is_not_a_documented_success_is_never_a_change_made(answer: str) -> None:
    envelope = (
        '<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
        f"<s:Body>{answer}</s:Body></s:Envelope>"
    )
    with Sandbox(compromised_with(UpdateInboxRules=LiteralAnswer(xml=envelope))) as sb:
        disable, _ = planned(sb, RULES)
        writer = with_token(sb, [disable])
        with pytest.raises(ConnectorError):
            apply(writer, disable)


def test_a_rule_gone_since_the_audit_is_rule_not_found_and_not_a_change() -> None:
    from auditor.sandbox.exchange import InboxRule, RuleActions

    rule = InboxRule(RuleId="fw", DisplayName="x", Actions=RuleActions(ForwardToRecipients=["x@evil.example"]))
    with Sandbox(scenario_with(inbox_rules=[rule])) as sb:
        disable, delete = planned(sb, RULES)
        writer = with_token(sb, [disable, delete])
        apply(writer, delete)
        with pytest.raises(ProviderError, match="RuleNotFound on field RuleId"):
            apply(writer, delete)
        with pytest.raises(ProviderError, match="RuleNotFound"):
            apply(writer, disable)
        assert [a["change"] for a in sb.app("ews").applied] == ["DeleteRuleOperation"]
