"""exchange.inbox_rules — checks/exchange/inbox_rules.py; playbook playbooks/exchange-mail-forwarding.yaml.

Inbox rules that send mail (or word of it) elsewhere are found; rules that hide mail looking like security
alerts are a question. EX-routed colleagues are named, never shown as directory names (legacyExchangeDN).
"""

from __future__ import annotations

from pathlib import Path

from exchange_accounts.readings import (
    ChosenMailbox,
    by_check,
    run_check,
    run_exchange,
    scenario_with,
    statuses,
)

from auditor.checkapi import Decisions, Reading
from auditor.checkapi.exchange import InboxRule, Recipient
from auditor.config import Settings
from auditor.model import AuditRun, Finding, Severity, Status, fingerprint
from auditor.safetext import literal
from auditor.sandbox import Sandbox
from auditor.sandbox.exchange import InboxRule as ScenarioRule
from auditor.sandbox.exchange import LiteralAnswer, RuleActions, RulePredicates
from auditor.sandbox.scenario import Scenario

CHECK = "exchange.inbox_rules"
EVIL = Recipient("x@evil.example")
FORWARD_AND_DELETE = InboxRule("r1", "tidy", True, forward_to=(EVIL,), delete=True)
SHOP = InboxRule("r2", "shop", True, conditions={"contains_sender_strings": ["deals"]}, move_to_folder="Deals")


def rules(*found: InboxRule, **gaps: tuple[str, ...]) -> ChosenMailbox:
    return ChosenMailbox(rules=Reading("the inbox rules", found, **gaps))


def test_a_rule_forwarding_and_deleting_is_found_critical() -> None:
    (finding,) = run_check(CHECK, rules(FORWARD_AND_DELETE, SHOP))
    assert (finding.status, finding.severity) == (Status.FOUND, Severity.CRITICAL)
    assert finding.title == "An inbox rule forwards to x@evil.example and deletes it — rule “tidy”"


def test_ordinary_rules_over_a_whole_reading_are_clear() -> None:
    (finding,) = run_check(CHECK, rules(SHOP))
    assert (finding.status, finding.title) == (
        Status.CLEAR,
        "No inbox rule forwards mail or hides security mail (1 rule checked)",
    )


def test_rules_not_all_read_are_couldnt_check_and_the_forwarding_one_still_found() -> None:
    assert [f.status for f in run_check(CHECK, rules(SHOP, not_read=("GetInboxRules: cut off",)))] == [Status.ERROR]
    findings = run_check(CHECK, rules(FORWARD_AND_DELETE, unrecognised=("Rule[2].Actions: not understood",)))
    assert {f.status for f in findings} == {Status.FOUND, Status.ERROR}


def test_a_hostile_rule_name_and_address_are_literal() -> None:
    hostile = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202eevil"
    rule = InboxRule("r3", hostile, True, redirect_to=(Recipient(f"{hostile}@evil.example"),))
    (finding,) = run_check(CHECK, rules(rule))
    assert literal(hostile, 120) in finding.title and hostile not in finding.title
    assert hostile not in finding.detail
    assert finding.evidence["name"] == hostile


def test_a_rule_hiding_security_mail_is_asked_about() -> None:
    rule = InboxRule("r4", "x", True, conditions={"contains_subject_strings": ["Security alert"]}, delete=True)
    (finding,) = run_check(CHECK, rules(rule))
    assert finding.status is Status.REVIEW and "deletes it" in finding.title
    not_mine = Decisions({fingerprint(CHECK, "sam.example@contoso.example", "r4"): "not-mine"})
    assert [f.status for f in run_check(CHECK, rules(rule), not_mine)] == [Status.FOUND]


# --- through exchangelib and the practice EWS server ---------------------------------------------------------


def test_rule_forwarding_as_attachment_without_hiding_is_high() -> None:
    rule = ScenarioRule(
        DisplayName="Copy",
        Actions=RuleActions(ForwardAsAttachmentToRecipients=["x@elsewhere.example", "y@elsewhere.example"]),
    )
    with Sandbox(scenario_with(inbox_rules=[rule])) as sb:
        run = run_exchange(sb)
    [finding] = by_check(run)["exchange.inbox_rules"]
    assert (finding.status, finding.severity) == (Status.FOUND, Severity.HIGH)
    assert "forwards as an attachment to x@elsewhere.example, y@elsewhere.example" in finding.title


def test_rule_sending_text_message_alerts_to_a_phone_is_found() -> None:
    """SendSMSAlertToRecipients (RuleActionsType): word of each matching message goes to a phone."""
    rule = ScenarioRule(
        RuleId="sms",
        DisplayName="Ping",
        Actions=RuleActions(SendSMSAlertToRecipients=[{"EmailAddress": "+15550100", "RoutingType": "MOBILE"}]),
    )
    with Sandbox(scenario_with(inbox_rules=[rule])) as sb:
        run = run_exchange(sb)
    [finding] = by_check(run)["exchange.inbox_rules"]
    assert (finding.status, finding.severity) == (Status.FOUND, Severity.HIGH)
    assert "sends text-message alerts to +15550100 (a phone)" in finding.title


def test_rule_hiding_security_mail_is_review_then_found_or_gone() -> None:
    rule = ScenarioRule(
        RuleId="hide-1",
        DisplayName="tidy",
        Conditions=RulePredicates(ContainsSubjectStrings=["Security alert"]),
        Actions=RuleActions(PermanentDelete=True),
    )
    harmless = ScenarioRule(DisplayName="shop", Actions=RuleActions(Delete=True))
    scenario = scenario_with(inbox_rules=[rule, harmless])
    target = "sam.example@contoso.example"
    fp = fingerprint("exchange.inbox_rules", target, "hide-1")
    with Sandbox(scenario) as sb:
        first = run_exchange(sb)
        not_mine = run_exchange(sb, Decisions({fp: "not-mine"}))
        mine = run_exchange(sb, Decisions({fp: "mine"}))
    [review] = by_check(first)["exchange.inbox_rules"]
    assert review.status is Status.REVIEW and "deletes it permanently" in review.title
    assert statuses(not_mine, "exchange.inbox_rules") == [Status.FOUND]
    assert statuses(mine, "exchange.inbox_rules") == [Status.CLEAR]


# Bugs seen on real Exchange answers, each through the whole audit (exchangelib against the practice server):
# an EX-routed address (a legacyExchangeDN such as "/o=First Organization/ou=Exchange Administrative Group
# (FYDIBOHF23SPDLT)/cn=Recipients/cn=...", RoutingType EX) was shown instead of the person's name, and the word
# "Exchange" in it made an ordinary rule look like one hiding security mail; a rule without Actions (RuleType
# allows it: Actions minOccurs=0) made the whole mailbox unreadable.

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ews"
MARK_DN = "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=5f2e0c1d-mark.ex"


def rule_findings(scenario: Scenario) -> list[Finding]:
    with Sandbox(scenario) as sb:
        run: AuditRun = run_exchange(sb, settings=Settings(request_timeout=2.0, retry_budget=4.0))
    return [f for f in run.findings if f.check == "exchange.inbox_rules"]


def test_the_documented_ex_routed_rules_are_ordinary_rules_shown_by_name() -> None:
    """Microsoft's own GetInboxRules answer ("Manage Inbox rules by using EWS"): a rule moving Alfred Welker's
    mail to a folder, and one marking Hope Gross's urgent mail important. Neither hides security mail."""
    answer = LiteralAnswer(xml=(FIXTURES / "getinboxrules-ex-routed-response.xml").read_text(encoding="utf-8"))
    findings = rule_findings(scenario_with(answers={"GetInboxRules": answer}))
    assert [(f.status, f.title) for f in findings] == [
        (Status.CLEAR, "No inbox rule forwards mail or hides security mail (2 rules checked)")
    ]
    for finding in findings:
        assert "/o=" not in finding.title + finding.detail


def test_a_rule_forwarding_to_an_ex_routed_colleague_names_them_and_says_they_are_inside() -> None:
    rule = ScenarioRule(
        RuleId="fw-ex",
        DisplayName="Copy to Mark",
        Actions=RuleActions(
            ForwardToRecipients=[{"Name": "Mark Example", "EmailAddress": MARK_DN, "RoutingType": "EX"}],
            Delete=True,
        ),
    )
    [finding] = rule_findings(scenario_with(inbox_rules=[rule]))
    assert (finding.status, finding.severity) == (Status.FOUND, Severity.CRITICAL)
    assert "forwards to Mark Example (a person inside your organisation)" in finding.title
    assert "/o=" not in finding.title and "/o=" not in finding.detail
    assert finding.evidence["forward_to"][0]["address"] == MARK_DN  # the evidence keeps the exact record


def test_a_rule_hiding_mail_from_an_ex_routed_sender_is_judged_by_the_name_not_the_dn() -> None:
    """The DN says "Exchange Administrative Group": that is not a security word about the sender."""
    rule = ScenarioRule(
        DisplayName="Quiet Mark",
        Conditions=RulePredicates(
            FromAddresses=[{"Name": "Mark Example", "EmailAddress": MARK_DN, "RoutingType": "EX"}]
        ),
        Actions=RuleActions(Delete=True),
    )
    [finding] = rule_findings(scenario_with(inbox_rules=[rule]))
    assert finding.status is Status.CLEAR


def test_a_rule_without_actions_does_nothing_and_the_others_are_still_judged() -> None:
    idle = ScenarioRule(RuleId="idle", DisplayName="Left over", Actions=None)
    forward = ScenarioRule(
        RuleId="fw",
        DisplayName="Copy",
        Conditions=RulePredicates(ContainsSubjectStrings=["invoice"]),
        Actions=RuleActions(ForwardToRecipients=["x@elsewhere.example"]),
    )
    findings = rule_findings(scenario_with(inbox_rules=[idle, forward]))
    assert [(f.status, f.subject) for f in findings] == [(Status.FOUND, "fw")]
    assert "forwards to x@elsewhere.example" in findings[0].title
    only_idle = rule_findings(scenario_with(inbox_rules=[idle]))
    assert [f.status for f in only_idle] == [Status.CLEAR]


# What closing a rule needs (auditor/remedy/exchange.py): a switched-off rule forwards and hides nothing, so it is
# not a finding (switching a rule off is how the tool closes it and keeps it as evidence), but the conclusion names
# it; and the evidence keeps the whole rule as Exchange sent it, with its RuleId, to send it back unchanged.


def test_a_switched_off_forwarding_rule_is_not_a_finding_but_is_named_in_the_conclusion() -> None:
    off = InboxRule("r5", "[bold]old[/]\u202e", False, forward_to=(EVIL,), delete=True)
    (finding,) = run_check(CHECK, rules(off, SHOP))
    assert finding.status is Status.CLEAR
    assert finding.title == (
        f"No inbox rule forwards mail or hides security mail (2 rules checked; switched off: “{literal(off.name, 60)}”)"
    )
    assert "\u202e" not in finding.title
    # switched on again, it is found again
    (again,) = run_check(CHECK, rules(InboxRule("r5", "old", True, forward_to=(EVIL,), delete=True)))
    assert (again.status, again.severity) == (Status.FOUND, Severity.CRITICAL)


def test_a_switched_off_rule_among_a_partial_reading_is_still_couldnt_check() -> None:
    off = InboxRule("r5", "old", False, forward_to=(EVIL,))
    assert [f.status for f in run_check(CHECK, rules(off, not_read=("GetInboxRules: cut off",)))] == [Status.ERROR]


def test_the_evidence_keeps_the_whole_rule_as_exchange_sent_it_with_its_id() -> None:
    rule = ScenarioRule(
        RuleId="fw-1",
        DisplayName="Copy",
        Priority=3,
        Conditions=RulePredicates(ContainsSubjectStrings=["invoice"], HasAttachments=True),
        Exceptions=RulePredicates(FromAddresses=["boss@contoso.example"]),
        Actions=RuleActions(ForwardToRecipients=["x@elsewhere.example"], MoveToFolder="junkemail"),
    )
    [finding] = rule_findings(scenario_with(inbox_rules=[rule]))
    assert finding.subject == "fw-1" and finding.evidence["rule_id"] == "fw-1"
    as_found = finding.evidence["as_found"]
    assert finding.evidence["as_found_whole"] is True
    assert (as_found["RuleId"], as_found["DisplayName"], as_found["Priority"], as_found["IsEnabled"]) == (
        "fw-1",
        "Copy",
        3,
        True,
    )
    assert as_found["Conditions"] == {"ContainsSubjectStrings": ["invoice"], "HasAttachments": True}
    assert as_found["Exceptions"]["FromAddresses"][0]["EmailAddress"] == "boss@contoso.example"
    assert as_found["Actions"]["MoveToFolder"]["FolderId"]["Id"]  # the folder as Exchange names it
    assert finding.evidence["outlook_rule_blob"] is True  # the practice server says Outlook's blob exists
