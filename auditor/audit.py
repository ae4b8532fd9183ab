"""One audit from start to end: load playbooks and checks, open sources, run, close. Headless."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.checkapi import Decisions, Source
from auditor.config import Endpoints, Settings, load_settings
from auditor.engine import EventCallback, LoadedCheck, discover_checks, run_audit
from auditor.model import AuditRun
from auditor.playbooks import builtin_playbooks
from auditor.sources import DEFAULT_KINDS, SourceRequest, open_sources


def load_checks() -> dict[str, LoadedCheck]:
    """Every check, validated against the shipped playbooks."""
    return discover_checks(playbook_ids=builtin_playbooks().keys())


def kinds_to_audit(only: str | None, endpoints: Endpoints) -> list[str]:
    """--only KIND, or this computer plus every provider an environment variable points at."""
    if only:
        return [only]
    kinds = list(DEFAULT_KINDS)
    for kind in ("google", "microsoft", "exchange"):
        if endpoints.for_kind(kind):
            kinds.append(kind)
    return kinds


async def audit(
    kinds: Sequence[str],
    *,
    settings: Settings | None = None,
    endpoints: Endpoints | None = None,
    case: object = None,
    decisions: Decisions | None = None,
    practice: bool = False,
    on_event: EventCallback | None = None,
    extra_sources: Sequence[Source] = (),
) -> AuditRun:
    request = SourceRequest(
        settings=settings or load_settings(),
        endpoints=endpoints or Endpoints.from_env(),
        case=case,
        practice=practice,
    )
    checks = load_checks()
    sources = list(extra_sources) + await open_sources(kinds, request)
    try:
        return await run_audit(
            checks,
            sources,
            decisions=decisions,
            concurrency=request.settings.concurrency,
            on_event=on_event,
        )
    finally:
        for source in sources:
            await source.aclose()
