"""Putting back what a change removed, when safety needs it (`auditor fix --case NAME --restore EVENT_ID`).

Closing a path can alert the person who set it up; sometimes the safest thing is for it to look as it did.
A fix event keeps the record as it was found and the provider's answer, so the writer can recreate it. The
same rules hold as for a change: the person confirms it (:func:`confirm_restore`), only then is the write
permission asked for, and a restore event says what was put back, when, and whether the check finds the path
again ("reopened").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from auditor.application.fixing import (
    PATH_STATUSES,
    ShowCallback,
    judge_recheck,
    permission_lines,
    recheck_plan,
    writer_request,
)
from auditor.errors import UsageError
from auditor.model import Finding, utcnow
from auditor.remedy import Applied, Change, Permission, permissions_of, remedies_for
from auditor.safetext import literal
from auditor.timeline.fixes import (
    CLOSED,
    NOT_PUT_BACK,
    OUTCOME_WORDS,
    PUT_BACK,
    STILL_OPEN,
    PathEvent,
    event_of,
    path_events,
    restored_events,
)

if TYPE_CHECKING:
    from auditor.application.auditing import AuditPlan
    from auditor.store import CaseStore

__all__ = ["ConfirmedRestore", "RestorePlan", "RestoreResult", "confirm_restore", "plan_restore", "restore_fix"]


@dataclass(frozen=True)
class RestorePlan:
    """What putting back a fix event would do: the changes it made that can be undone, and those that cannot."""

    event: PathEvent
    kind: str
    target: str
    applied: tuple[Applied, ...]  # what will be put back, with the provider's answer when it was removed
    not_restorable: tuple[Change, ...]

    @property
    def permissions(self) -> list[Permission]:
        return permissions_of([a.change for a in self.applied])

    def permission_lines(self) -> list[str]:
        return permission_lines(self.permissions)


@dataclass(frozen=True)
class ConfirmedRestore:
    """The person's yes to putting back everything a :class:`RestorePlan` lists."""

    plan: RestorePlan


@dataclass(frozen=True)
class RestoreResult:
    outcome: str  # put-back or not-put-back
    event_id: int
    at: datetime
    restored: tuple[Applied, ...]
    reason: str
    found_again: bool | None  # the check, run again, finds the path (None: it could not say)
    recheck: tuple[Finding, ...] = ()

    @property
    def put_back(self) -> bool:
        return self.outcome == PUT_BACK

    @property
    def words(self) -> str:
        return OUTCOME_WORDS[self.outcome]


def _applied(entry: object) -> Applied:
    if not isinstance(entry, Mapping):
        raise TypeError("a change kept in the event is not a record")
    answer = entry.get("answer")
    return Applied(
        Change.from_dict(entry),
        at=datetime.fromisoformat(str(entry["applied_at"])),
        answer=dict(answer) if isinstance(answer, Mapping) else {},
    )


def plan_restore(case: CaseStore, event_id: int) -> RestorePlan:
    """What putting back the fix event ``event_id`` would do; refused when there is nothing the tool can put back."""
    row = case.path_event_row(event_id)
    if row is None or row.kind != "fix":
        raise UsageError(
            f"the case {case.name!r} has no change with event id {event_id} (`auditor timeline list` shows them)"
        )
    event = event_of(row)
    if event_id in restored_events(path_events(case)):
        raise UsageError(f"what event {event_id} removed was already put back")
    entries = event.record.get("changes")
    try:
        applied = [_applied(entry) for entry in entries] if isinstance(entries, list) else []
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"event {event_id} does not hold a change this version can put back ({exc})") from None
    if not applied:
        raise UsageError(f"event {event_id} changed nothing, so there is nothing to put back")
    restorable = tuple(a for a in applied if a.change.restorable and not a.change.guided)
    refused = tuple(a.change for a in applied if not (a.change.restorable and not a.change.guided))
    if not restorable:
        notes = "; ".join(dict.fromkeys(c.restore_note for c in refused if c.restore_note))
        raise UsageError(
            "the tool cannot put this back" + (f": {literal(notes, 400)}" if notes else " (it was made by hand)")
        )
    return RestorePlan(event, str(event.record.get("kind", "")), event.target, restorable, refused)


def confirm_restore(plan: RestorePlan) -> ConfirmedRestore:
    """Call only when the person has said yes to putting back everything the plan lists."""
    return ConfirmedRestore(plan)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def restore_fix(
    case: CaseStore,
    confirmed: ConfirmedRestore,
    audit_plan: AuditPlan,
    *,
    show: ShowCallback | None = None,
    extra: Mapping[str, Any] | None = None,
) -> RestoreResult:
    """Open the writer, put back each removed record, run the check again, record the restore event."""
    from auditor.application.auditing import check_again

    plan = confirmed.plan
    restored: list[Applied] = []
    reason = ""
    remedies = remedies_for(plan.kind)
    if remedies is None:
        reason = f"the tool makes no changes to {plan.kind} accounts"
    else:
        changes = [a.change for a in plan.applied]
        request = writer_request(case, plan.kind, plan.target, changes, audit_plan, show, extra)
        try:
            writer = await remedies.open_writer(request)
        except Exception as exc:  # the sign-in refused, cancelled or failed: nothing was sent
            reason = f"the permission to put it back was not given ({_reason(exc)})"
        else:
            try:
                for applied in plan.applied:
                    try:
                        restored.append(await writer.restore(applied))
                    except Exception as exc:
                        reason = f"{literal(applied.change.words, 200)}: {_reason(exc)}"
                        break
            finally:
                try:
                    await writer.aclose()
                except Exception:  # closing the writer's connections cannot undo what was put back
                    pass
    found_again: bool | None = None
    again: tuple[Finding, ...] = ()
    check = plan.event.check
    if restored and check:
        from auditor.timeline import Timeline

        finding = Timeline(case).latest_finding(plan.event.fingerprint)
        if finding is not None:
            try:
                run = await check_again(case, recheck_plan(audit_plan, plan.kind), check)
            except Exception:  # what was put back stays put back; the next audit says whether it shows
                found_again = None
            else:
                verdict, again = judge_recheck(run, finding)
                found_again = {STILL_OPEN: True, CLOSED: False}.get(verdict)
                if found_again is False and _new_paths(case, finding, again):
                    found_again = True  # made again under a new id (Gmail gives a remade filter a new one)
    outcome = PUT_BACK if restored else NOT_PUT_BACK
    at = restored[-1].at if restored else utcnow()
    event_id = _record(case, plan, restored, outcome, reason, found_again, again, at)
    return RestoreResult(outcome, event_id, at, tuple(restored), reason, found_again, again)


def _new_paths(case: CaseStore, finding: Finding, again: Sequence[Finding]) -> list[Finding]:
    """Paths the check finds now on the account that the case's last audit of it did not have."""
    known: set[str] = set()
    for run in reversed(case.runs()):
        same = [f for f in case.findings_of(run.id) if f.check == finding.check and f.target == finding.target]
        if same:
            known = {f.fingerprint for f in same}
            break
    return [f for f in again if f.status in PATH_STATUSES and f.fingerprint not in known]


def _record(
    case: CaseStore,
    plan: RestorePlan,
    restored: Sequence[Applied],
    outcome: str,
    reason: str,
    found_again: bool | None,
    again: Sequence[Finding],
    at: datetime,
) -> int:
    import json

    event = plan.event
    record: dict[str, Any] = {
        "restore_of": event.id,
        "fingerprint": event.fingerprint,
        "check": event.check,
        "kind": plan.kind,
        "target": event.target,
        "title": event.title,
        "by": "you",
        "restored": [
            {
                **a.change.to_dict(),
                "restored_at": a.at.isoformat(),
                "answer": json.loads(json.dumps(dict(a.answer), default=str)),
            }
            for a in restored
        ],
        "reason": reason,
        "outcome": outcome,
        "found_again": found_again,
        "recheck": [{"status": f.status.value, "title": f.title, "fingerprint": f.fingerprint} for f in again],
    }
    when = at.strftime("%Y-%m-%d %H:%M UTC")
    what = f"{event.title} ({event.target})"
    summary = f"Put back by you at {when} (reopened): {what}" if restored else f"Not put back: {what}"
    return case.add_path_event("restore", summary, record, at)
