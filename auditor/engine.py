"""Discovers checks, runs them concurrently with per-check timeouts, and isolates their failures.

A check is a module (built in under :mod:`auditor.checks`, or registered by another distribution
under the ``auditor.checks`` entry-point group) with a ``SPEC`` (:class:`~auditor.model.CheckSpec`) and a
``run(context)`` function, plain or ``async``, returning findings. Nothing a check does can make the audit
claim more than it checked: an exception, a timeout, a missing client or an empty answer becomes an
``error`` finding that carries the reason.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from types import ModuleType
from typing import Any

from pydantic import ValidationError

from auditor.checkapi import CheckContext, Decisions, LoadedCheck, Source
from auditor.errors import AuditorError, CheckLoadError
from auditor.model import AuditRun, CheckSpec, Finding, Status, utcnow

ENTRY_POINT_GROUP = "auditor.checks"
BUILTIN_PACKAGE = "auditor.checks"

# --- discovery -------------------------------------------------------------------------------------


def _load_module_check(module: Any, origin: str) -> LoadedCheck:
    spec = getattr(module, "SPEC", None)
    run = getattr(module, "run", None)
    if isinstance(spec, Mapping):
        try:
            spec = CheckSpec.model_validate(spec)
        except ValidationError as exc:
            raise CheckLoadError(f"{origin}: invalid check metadata: {exc}") from None
    if not isinstance(spec, CheckSpec):
        raise CheckLoadError(f"{origin}: has no SPEC (a CheckSpec describing the check)")
    if not callable(run):
        raise CheckLoadError(f"{origin}: has no run(context) function")
    params = inspect.signature(run).parameters
    if len(params) != 1:
        raise CheckLoadError(f"{origin}: run must take exactly one argument, the context")
    return LoadedCheck(spec=spec, run=run, origin=origin)


def _builtin_modules() -> Iterable[tuple[str, ModuleType]]:
    package = importlib.import_module(BUILTIN_PACKAGE)
    for info in pkgutil.walk_packages(package.__path__, prefix=BUILTIN_PACKAGE + "."):
        leaf = info.name.rsplit(".", 1)[-1]
        if leaf.startswith("_") or info.ispkg:
            continue
        yield info.name, importlib.import_module(info.name)


def discover_checks(
    *,
    playbook_ids: Iterable[str] | None = None,
    include_entry_points: bool = True,
    extra: Iterable[LoadedCheck] = (),
) -> dict[str, LoadedCheck]:
    """Every check, keyed by ID. Two checks with one ID is an error, never an override.

    ``extra`` are checks the caller loaded itself (the guided checks, which the application layer loads), so
    the engine imports no loader that imports it back.
    """
    found: dict[str, LoadedCheck] = {}

    def add(loaded: LoadedCheck) -> None:
        other = found.get(loaded.spec.id)
        if other is not None:
            raise CheckLoadError(
                f"check ID {loaded.spec.id!r} is defined twice: by {other.origin} and by {loaded.origin}"
            )
        found[loaded.spec.id] = loaded

    for name, module in _builtin_modules():
        add(_load_module_check(module, name))
    for loaded in extra:
        add(loaded)
    if include_entry_points:
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
            origin = f"entry point {ep.name} ({ep.value})"
            try:
                obj = ep.load()
            except Exception as exc:  # a broken plug-in is reported, never silently dropped
                raise CheckLoadError(f"{origin}: could not be imported: {exc}") from exc
            add(_load_module_check(obj, origin))
    if playbook_ids is not None:
        known = set(playbook_ids)
        for loaded in found.values():
            missing = [p for p in loaded.spec.playbooks if p not in known]
            if missing:
                raise CheckLoadError(
                    f"{loaded.origin}: check {loaded.spec.id} names unknown playbook(s) {', '.join(missing)}"
                )
    return found


# --- running ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckStarted:
    check: str
    target: str


@dataclass(frozen=True)
class CheckFinished:
    check: str
    target: str
    findings: tuple[Finding, ...]
    seconds: float


@dataclass(frozen=True)
class AuditFinished:
    run: AuditRun


AuditEvent = CheckStarted | CheckFinished | AuditFinished
EventCallback = Callable[[AuditEvent], Any]


def error_finding(spec: CheckSpec, target: str, reason: str) -> Finding:
    return Finding(
        check=spec.id,
        target=target,
        status=Status.ERROR,
        severity=spec.severity,
        title=f"Couldn't check: {spec.title}",
        detail=reason,
        evidence={"reason": reason},
        playbooks=spec.playbooks,
    )


def _validate_result(spec: CheckSpec, target: str, result: Any) -> list[Finding]:
    if not isinstance(result, (list, tuple)):
        return [error_finding(spec, target, f"the check returned {type(result).__name__}, not findings")]
    if not result:
        return [error_finding(spec, target, "the check returned no result at all")]
    bad = [r for r in result if not isinstance(r, Finding)]
    if bad:
        return [error_finding(spec, target, f"the check returned {type(bad[0]).__name__}, not a finding")]
    return list(result)


async def run_one(
    check: LoadedCheck, source: Source, decisions: Decisions | None = None, timeout: float | None = None
) -> list[Finding]:
    """Run one check on one source; never raises except on cancellation."""
    spec = check.spec
    if source.error:
        return [error_finding(spec, source.target, source.error)]
    ctx = CheckContext(spec=spec, source=source, decisions=decisions or Decisions())
    limit = timeout if timeout is not None else spec.timeout
    try:
        if inspect.iscoroutinefunction(check.run):
            result = await asyncio.wait_for(check.run(ctx), limit)  # type: ignore[arg-type,unused-ignore]
        else:
            result = await asyncio.wait_for(asyncio.to_thread(check.run, ctx), limit)
    except asyncio.TimeoutError:
        return [error_finding(spec, source.target, f"the check did not finish within {limit:g} s")]
    except AuditorError as exc:
        return [error_finding(spec, source.target, str(exc))]
    except Exception as exc:
        return [error_finding(spec, source.target, f"unexpected failure: {type(exc).__name__}: {exc}")]
    return _validate_result(spec, source.target, result)


async def run_audit(
    checks: Mapping[str, LoadedCheck] | Iterable[LoadedCheck],
    sources: Sequence[Source],
    *,
    decisions: Decisions | None = None,
    concurrency: int = 8,
    on_event: EventCallback | None = None,
    only_checks: Iterable[str] | None = None,
    timeout: float | None = None,
) -> AuditRun:
    """Run every check that applies to each source, at most ``concurrency`` at once."""
    pool = list(checks.values()) if isinstance(checks, Mapping) else list(checks)
    wanted = set(only_checks) if only_checks is not None else None
    plan = [
        (check, source)
        for source in sources
        for check in pool
        if check.spec.kind == source.kind and (wanted is None or check.spec.id in wanted)
    ]
    run = AuditRun(started_at=utcnow(), practice=any(s.practice for s in sources))
    gate = asyncio.Semaphore(max(1, concurrency))

    async def emit(event: AuditEvent) -> None:
        if on_event is not None:
            result = on_event(event)
            if inspect.isawaitable(result):
                await result

    async def one(check: LoadedCheck, source: Source) -> None:
        async with gate:
            await emit(CheckStarted(check.spec.id, source.target))
            began = time.perf_counter()
            findings = await run_one(check, source, decisions, timeout)
            run.findings.extend(findings)
            await emit(CheckFinished(check.spec.id, source.target, tuple(findings), time.perf_counter() - began))

    await asyncio.gather(*(one(c, s) for c, s in plan))
    run.finished_at = utcnow()
    await emit(AuditFinished(run))
    return run
