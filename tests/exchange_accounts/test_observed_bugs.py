"""Bugs seen on real Exchange answers, each through the whole audit (exchangelib against the practice server).

- An EX-routed address (a legacyExchangeDN such as ``/o=First Organization/ou=Exchange Administrative Group
  (FYDIBOHF23SPDLT)/cn=Recipients/cn=...``, RoutingType EX) was shown instead of the person's name, and the word
  "Exchange" in it made an ordinary rule look like one hiding security mail.
- A rule without Actions (RuleType allows it: Actions minOccurs=0) made the whole mailbox unreadable.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from auditor.audit import audit
from auditor.config import Settings
from auditor.model import AuditRun, Finding, Severity, Status
from auditor.sandbox import Sandbox, load_scenario
from auditor.sandbox.exchange import InboxRule, LiteralAnswer, RuleActions, RulePredicates
from auditor.sandbox.scenario import Scenario

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ews"
FAST = Settings(request_timeout=2.0, retry_budget=4.0)
MARK_DN = "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=5f2e0c1d-mark.ex"


def clean_with(**changes: object) -> Scenario:
    scenario = load_scenario("clean")
    data = scenario.sections["exchange"]
    for key, value in changes.items():
        setattr(data, key, value)
    return scenario


def rule_findings(scenario: Scenario) -> list[Finding]:
    with Sandbox(scenario) as sb:
        run: AuditRun = asyncio.run(audit(["exchange"], settings=FAST, endpoints=sb.endpoints()))
    return [f for f in run.findings if f.check == "exchange.inbox_rules"]


def test_the_documented_ex_routed_rules_are_ordinary_rules_shown_by_name() -> None:
    """Microsoft's own GetInboxRules answer ("Manage Inbox rules by using EWS"): a rule moving Alfred Welker's
    mail to a folder, and one marking Hope Gross's urgent mail important. Neither hides security mail."""
    answer = LiteralAnswer(xml=(FIXTURES / "getinboxrules-ex-routed-response.xml").read_text(encoding="utf-8"))
    findings = rule_findings(clean_with(answers={"GetInboxRules": answer}))
    assert [(f.status, f.title) for f in findings] == [
        (Status.CLEAR, "No inbox rule forwards mail or hides security mail (2 rules checked)")
    ]
    for finding in findings:
        assert "/o=" not in finding.title + finding.detail


def test_a_rule_forwarding_to_an_ex_routed_colleague_names_them_and_says_they_are_inside() -> None:
    rule = InboxRule(
        RuleId="fw-ex",
        DisplayName="Copy to Mark",
        Actions=RuleActions(
            ForwardToRecipients=[{"Name": "Mark Example", "EmailAddress": MARK_DN, "RoutingType": "EX"}],
            Delete=True,
        ),
    )
    [finding] = rule_findings(clean_with(inbox_rules=[rule]))
    assert (finding.status, finding.severity) == (Status.FOUND, Severity.CRITICAL)
    assert "forwards to Mark Example (a person inside your organisation)" in finding.title
    assert "/o=" not in finding.title and "/o=" not in finding.detail
    assert finding.evidence["forward_to"][0]["address"] == MARK_DN  # the evidence keeps the exact record


def test_a_rule_hiding_mail_from_an_ex_routed_sender_is_judged_by_the_name_not_the_dn() -> None:
    """The DN says "Exchange Administrative Group": that is not a security word about the sender."""
    rule = InboxRule(
        DisplayName="Quiet Mark",
        Conditions=RulePredicates(
            FromAddresses=[{"Name": "Mark Example", "EmailAddress": MARK_DN, "RoutingType": "EX"}]
        ),
        Actions=RuleActions(Delete=True),
    )
    [finding] = rule_findings(clean_with(inbox_rules=[rule]))
    assert finding.status is Status.CLEAR


def test_a_rule_without_actions_does_nothing_and_the_others_are_still_judged() -> None:
    idle = InboxRule(RuleId="idle", DisplayName="Left over", Actions=None)
    forward = InboxRule(
        RuleId="fw",
        DisplayName="Copy",
        Conditions=RulePredicates(ContainsSubjectStrings=["invoice"]),
        Actions=RuleActions(ForwardToRecipients=["x@elsewhere.example"]),
    )
    findings = rule_findings(clean_with(inbox_rules=[idle, forward]))
    assert [(f.status, f.subject) for f in findings] == [(Status.FOUND, "fw")]
    assert "forwards to x@elsewhere.example" in findings[0].title
    only_idle = rule_findings(clean_with(inbox_rules=[idle]))
    assert [f.status for f in only_idle] == [Status.CLEAR]
