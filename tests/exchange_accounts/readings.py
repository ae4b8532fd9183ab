"""What the Exchange check tests share (here and in tests/checks/exchange/): audits of the practice EWS server
through the real connector, and one check run over readings a test chooses (a client that speaks
:class:`~auditor.checkapi.exchange.ExchangeReads`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from functools import cache

from auditor.audit import audit
from auditor.checkapi import Decisions, Reading, Source
from auditor.checkapi.exchange import AutomaticReplies, Delegation, InboxRule
from auditor.config import Settings
from auditor.engine import LoadedCheck, discover_checks, run_one
from auditor.model import AuditRun, Finding, Status
from auditor.sandbox import Sandbox, load_scenario
from auditor.sandbox.scenario import Scenario

FAST = Settings(request_timeout=1.0, retry_budget=4.0)
TARGET = "sam.example@contoso.example"
OFF = AutomaticReplies("Disabled", "None", None, None, has_internal_reply=False, has_external_reply=False)


def run_exchange(sb: Sandbox, decisions: Decisions | None = None, settings: Settings = FAST) -> AuditRun:
    return asyncio.run(audit(["exchange"], settings=settings, endpoints=sb.endpoints(), decisions=decisions))


def by_check(run: AuditRun) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for finding in run.findings:
        out.setdefault(finding.check, []).append(finding)
    return out


def statuses(run: AuditRun, check: str) -> list[Status]:
    return [f.status for f in by_check(run).get(check, [])]


def scenario_with(**changes: object) -> Scenario:
    """The practice server's clean mailbox with some of its data replaced."""
    scenario = load_scenario("clean")
    data = scenario.sections["exchange"]
    for key, value in changes.items():
        setattr(data, key, value)
    return scenario


@dataclass
class ChosenMailbox:
    """Speaks ExchangeReads with the readings a test chose (whole and empty unless set)."""

    rules: Reading[tuple[InboxRule, ...]] = field(default_factory=lambda: Reading("the inbox rules", ()))
    delegation: Reading[Delegation] = field(
        default_factory=lambda: Reading("the delegates", Delegation(delegates=(), deliver_meeting_requests=None))
    )
    replies: Reading[AutomaticReplies] = field(default_factory=lambda: Reading("the automatic replies", OFF))

    async def inbox_rules(self) -> Reading[tuple[InboxRule, ...]]:
        return self.rules

    async def delegates(self) -> Reading[Delegation]:
        return self.delegation

    async def automatic_replies(self) -> Reading[AutomaticReplies]:
        return self.replies


@cache
def exchange_checks() -> dict[str, LoadedCheck]:
    return {k: v for k, v in discover_checks(include_entry_points=False).items() if k.startswith("exchange.")}


def run_check(check_id: str, client: ChosenMailbox, decisions: Decisions | None = None) -> list[Finding]:
    """One Exchange check over the chosen readings, run as the engine runs it; a traceback fails the test."""
    source = Source("exchange", TARGET, clients={"exchange": client})
    findings = asyncio.run(run_one(exchange_checks()[check_id], source, decisions))
    crashed = [f.detail for f in findings if f.detail.startswith(("unexpected failure", "the check returned"))]
    assert not crashed, crashed
    return findings
