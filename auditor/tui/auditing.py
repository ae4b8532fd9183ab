"""Running audits for the app: the whole audit, or just some checks again (plain Python, no Textual).

Both go through the engine exactly as `auditor audit` does; the app calls them from a worker thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from auditor.config import Endpoints, load_settings
from auditor.engine import EventCallback, run_audit
from auditor.model import AuditRun
from auditor.sources import SourceRequest, available_kinds, open_sources

SANDBOX_KINDS = ("google", "microsoft", "exchange")


@dataclass
class AuditPlan:
    """What an audit reads: the kinds of source, and the endpoints (the practice servers, or the environment)."""

    kinds: list[str]
    endpoints: Endpoints | None = None
    practice: bool = False
    only_checks: Sequence[str] | None = field(default=None)


def case_kinds(accounts: Iterable[dict[str, object]], include_device: bool = True) -> list[str]:
    """This computer, plus every kind of account or device added to the case that this build can read."""
    wanted = (["device"] if include_device else []) + [str(a["kind"]) for a in accounts]
    usable = set(available_kinds())
    return [k for k in dict.fromkeys(wanted) if k in usable]


def practice_kinds(endpoints: Endpoints, include_device: bool = True) -> list[str]:
    usable = set(available_kinds())
    kinds = [k for k in SANDBOX_KINDS if endpoints.for_kind(k) and k in usable]
    return (["device"] if include_device else []) + kinds


def check_kind(check_id: str) -> str:
    from auditor.audit import load_checks

    return load_checks()[check_id].spec.kind


async def run_plan(plan: AuditPlan, case: object = None, on_event: EventCallback | None = None) -> AuditRun:
    from auditor.audit import load_checks

    settings = load_settings()
    request = SourceRequest(
        settings=settings, endpoints=plan.endpoints or Endpoints.from_env(), case=case, practice=plan.practice
    )
    decisions = case.decisions() if case is not None and hasattr(case, "decisions") else None
    checks = load_checks()
    sources = await open_sources(plan.kinds, request)
    try:
        return await run_audit(
            checks,
            sources,
            decisions=decisions,
            concurrency=settings.concurrency,
            on_event=on_event,
            only_checks=plan.only_checks,
        )
    finally:
        for source in sources:
            await source.aclose()
