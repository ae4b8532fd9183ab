"""Running audits: a plan of what to read, run through the engine, saved into a case when there is one.

The command line and the app both come here. Progress is reported through ``on_progress`` (the app turns
each event into a Textual message); ``should_stop`` is asked at every event and before anything is saved, and
a yes ends the audit with :class:`AuditCancelled`, saving nothing. Sources are always closed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from auditor.application.accounts import register_accounts
from auditor.application.checks import load_checks
from auditor.application.kinds import READ_WHEN_ASKED_WORDS, read_only_when_asked
from auditor.checkapi import Decisions, Source
from auditor.config import Endpoints, Settings, load_settings
from auditor.engine import AuditEvent, CheckFinished, CheckStarted, EventCallback, LoadedCheck, run_audit
from auditor.errors import UsageError
from auditor.model import AuditRun
from auditor.sources import SourceRequest, open_sources

if TYPE_CHECKING:
    from auditor.store import CaseStore

__all__ = [
    "AuditCancelled",
    "AuditPlan",
    "CaseAudit",
    "CheckFinished",
    "CheckStarted",
    "Progress",
    "ProgressCallback",
    "StopCallback",
    "audit",
    "audit_into_case",
    "check_again",
    "run_plan",
]

# What an audit reports while it runs: a check began on an account or device, or ended with its findings.
Progress = CheckStarted | CheckFinished
ProgressCallback = Callable[[Progress], object]
StopCallback = Callable[[], bool]


class AuditCancelled(Exception):
    """The audit was stopped (the app is closing, or the case was locked) before it ended; nothing was saved."""


@dataclass(frozen=True)
class AuditPlan:
    """What an audit reads: the kinds of source, where their servers are, and (for a re-check) which checks."""

    kinds: tuple[str, ...]
    endpoints: Endpoints | None = None  # None: the environment's (AUDITOR_*_URL)
    settings: Settings | None = None  # None: the settings file's
    practice: bool = False
    only_checks: tuple[str, ...] | None = None
    extra_sources: tuple[Source, ...] = ()  # sources the caller opened itself (an iPhone backup and its password)


@dataclass(frozen=True)
class CaseAudit:
    """An audit saved into a case: the run, its id in the case, and the accounts and devices it added."""

    run: AuditRun
    run_id: int
    accounts_added: tuple[tuple[str, str], ...]


def _events(on_progress: ProgressCallback | None, should_stop: StopCallback | None) -> EventCallback:
    def on_event(event: AuditEvent) -> None:
        if should_stop is not None and should_stop():
            raise AuditCancelled()
        if on_progress is not None and isinstance(event, (CheckStarted, CheckFinished)):
            on_progress(event)

    return on_event


def _stop_if_asked(case: CaseStore | None, should_stop: StopCallback | None) -> None:
    if should_stop is not None and should_stop():
        raise AuditCancelled()
    if case is not None and case.closed:
        raise AuditCancelled(f"the case {case.name!r} was locked while the audit ran")


async def run_plan(
    plan: AuditPlan,
    *,
    case: CaseStore | None = None,
    decisions: Decisions | Mapping[str, str] | None = None,
    on_progress: ProgressCallback | None = None,
    should_stop: StopCallback | None = None,
    checks: Mapping[str, LoadedCheck] | None = None,
) -> AuditRun:
    """Open the plan's sources (with the case's accounts and tokens), run every check that applies, close them.

    ``decisions`` are the person's answers the checks apply; by default the case's.
    """
    settings = plan.settings or load_settings()
    request = SourceRequest(
        settings=settings,
        endpoints=plan.endpoints or Endpoints.from_env(),
        case=case,
        practice=plan.practice,
    )
    if decisions is None:
        decisions = case.decisions() if case is not None else {}
    answers = decisions if isinstance(decisions, Decisions) else Decisions(decisions)
    loaded = load_checks() if checks is None else checks
    sources = list(plan.extra_sources)
    try:
        sources += await open_sources(plan.kinds, request)
        return await run_audit(
            loaded,
            sources,
            decisions=answers,
            concurrency=settings.concurrency,
            on_event=_events(on_progress, should_stop),
            only_checks=plan.only_checks,
        )
    finally:
        for source in sources:
            await source.aclose()


async def audit_into_case(
    case: CaseStore,
    plan: AuditPlan,
    *,
    on_progress: ProgressCallback | None = None,
    should_stop: StopCallback | None = None,
) -> CaseAudit:
    """Audit with the case's accounts, tokens and answers; save the run and its findings; register the accounts
    and devices the findings name, so later audits read them too."""
    checks = load_checks()
    run = await run_plan(plan, case=case, on_progress=on_progress, should_stop=should_stop, checks=checks)
    _stop_if_asked(case, should_stop)
    run_id = case.save_run(run)
    added = register_accounts(case, run.findings, {check_id: c.spec.kind for check_id, c in checks.items()})
    return CaseAudit(run, run_id, tuple(added))


async def check_again(
    case: CaseStore,
    plan: AuditPlan,
    check_id: str,
    *,
    on_progress: ProgressCallback | None = None,
    should_stop: StopCallback | None = None,
) -> AuditRun:
    """Run one check again on every account or device of its kind in ``plan``; the case's event log says so.

    The run is not saved as an audit: a re-check of one thing says nothing of the others.
    """
    checks = load_checks()
    check = checks.get(check_id)
    if check is None:
        raise UsageError(f"there is no check {check_id!r}; `auditor checks` lists them")
    kinds = tuple(k for k in plan.kinds if k == check.spec.kind)
    if not kinds:  # nothing would be read, so nothing may be said to have been checked
        if read_only_when_asked(check_id):
            raise UsageError(READ_WHEN_ASKED_WORDS)
        raise UsageError(
            f"nothing this audit reads is checked by {check.spec.title!r}: its account or device is not in it"
        )
    narrowed = dataclasses.replace(plan, kinds=kinds, only_checks=(check_id,))
    run = await run_plan(narrowed, case=case, on_progress=on_progress, should_stop=should_stop, checks=checks)
    _stop_if_asked(case, should_stop)
    case.add_event("recheck", f"Checked again: {check.spec.title}", {"check": check_id})
    return run


async def audit(
    kinds: Sequence[str],
    *,
    settings: Settings | None = None,
    endpoints: Endpoints | None = None,
    case: CaseStore | None = None,
    decisions: Decisions | Mapping[str, str] | None = None,
    practice: bool = False,
    on_progress: ProgressCallback | None = None,
    extra_sources: Sequence[Source] = (),
) -> AuditRun:
    """One audit of ``kinds`` without saving it. A case given lends its accounts and tokens; only the
    ``decisions`` given are applied (:func:`audit_into_case` applies the case's own)."""
    plan = AuditPlan(
        kinds=tuple(kinds),
        endpoints=endpoints,
        settings=settings,
        practice=practice,
        extra_sources=tuple(extra_sources),
    )
    return await run_plan(plan, case=case, decisions=decisions or {}, on_progress=on_progress)
