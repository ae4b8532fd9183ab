"""Closing several findings alike at once: "all anyone-with-the-link links on these N photos", as a listed set.

The checks report one finding per item (one photo shared by link, one person a file is shared with), so fifty
photos shared by link are fifty findings. :func:`plan_set` finds, for the finding the person opened, the case's
other open findings of the same check on the same account whose changes are all of the same action (every
"remove the anyone link" on that account's photos). The flow offers them as a choice the person opts into —
never chosen by default — listed one by one (each item's name and the exact request) before the one
confirmation.

When the person chooses the set:

1. :func:`keep_set_evidence` — each other finding's record is kept in the timeline (one evidence item each), before
   anything is changed; the opened finding's was kept when it was planned (:func:`fixing.freeze_evidence`).
2. :func:`confirm_set` — the person's yes to the whole list: a :class:`ConfirmedSet` made of :class:`Confirmed`
   objects that only :func:`fixing.confirm` makes. :func:`apply_set` takes nothing else.
3. :func:`apply_set` — the write permission is asked for once, for the whole set; each change is sent once, in the
   order listed; a change that fails stops the rest (they are "not changed"); the check runs again once for the
   account; and each finding gets its own timeline event (closed / still open / not checked / not changed), so
   each can be put back on its own as any other fix (:mod:`auditor.application.restoring`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from auditor.application.fixing import (
    NOT_CHANGED,
    NOT_CHECKED,
    PATH_STATUSES,
    Confirmed,
    FixPlan,
    FixResult,
    ShowCallback,
    _reason,
    confirm,
    freeze_evidence,
    judge_recheck,
    plan_fix,
    recheck_plan,
    record_fix,
    writer_request,
)
from auditor.errors import UsageError
from auditor.model import AuditRun, Finding, utcnow
from auditor.remedy import Applied, Change, Permission, permissions_of, remedies_for
from auditor.safetext import literal
from auditor.timeline.fixes import path_events, path_states

if TYPE_CHECKING:
    from auditor.application.auditing import AuditPlan
    from auditor.store import CaseStore
    from auditor.timeline import EvidenceItem

__all__ = [
    "ConfirmedSet",
    "FixSet",
    "SetResult",
    "apply_set",
    "confirm_set",
    "keep_set_evidence",
    "plan_set",
]

# How the others are named, per check: (one, many, the choice with {n} and {items}). The words of each change,
# listed one by one, say exactly what it does; these only name the choice.
LINKS = "All anyone-with-the-link links on these {n} other {items}"
SET_WORDS: dict[str, tuple[str, str, str]] = {
    "google.drive_public_media": ("photo or video", "photos and videos", LINKS),
    "microsoft.onedrive_public_media": ("photo or video", "photos and videos", LINKS),
    "google.drive_people_media": ("person", "people", "Stop sharing with these {n} other {items} too"),
    "microsoft.onedrive_people_media": ("person", "people", "Stop sharing with these {n} other {items} too"),
}
DEFAULT_WORDS = ("finding like it", "findings like it", "The same change for these {n} other {items}")
# An answer after which a finding is the person's own, not a path: never offered with the others.
MINE = "mine"


@dataclass(frozen=True)
class FixSet:
    """The opened finding's plan and the other findings like it on the same account. Nothing has been sent."""

    plan: FixPlan
    others: tuple[FixPlan, ...]
    action: str

    @property
    def count(self) -> int:
        return len(self.others)

    @property
    def changes(self) -> tuple[Change, ...]:
        """The others' changes, in the order they are listed and sent (after the opened finding's own), each request
        once: photos shared through one folder are all closed by the folder's one change."""
        return _distinct((change for other in self.others for change in other.changes), self.plan.changes)

    @property
    def permissions(self) -> list[Permission]:
        return permissions_of((*self.plan.changes, *self.changes))

    def _names(self) -> tuple[str, str, str]:
        return SET_WORDS.get(self.plan.finding.check, DEFAULT_WORDS)

    @property
    def words(self) -> str:
        """The choice, as the person sees it: "All anyone-with-the-link links on these 3 other photos and videos"."""
        one, many, choice = self._names()
        if self.count == 1:
            said = choice.replace("these {n} other", "this other").format(items=one)
        else:
            said = choice.format(n=self.count, items=many)
        changes = len(self.changes)  # beyond the opened finding's own, each request once
        if changes == sum(len(other.changes) for other in self.others):
            return said
        if changes == 0:  # all shared through the folder the opened one is shared through
            said += " (closed by the same change as this one: they are shared through one folder)"
        else:
            said += f" ({changes} more change{'' if changes == 1 else 's'}: several are shared through one folder)"
        return said

    @property
    def offer(self) -> str:
        """The question's lead: "There are 3 more photos and videos on this account closed the same way"."""
        one, many, _ = self._names()
        be, noun = ("is", one) if self.count == 1 else ("are", many)
        return f"There {be} {self.count} more {noun} on {literal(self.plan.finding.target, 120)} closed the same way"


@dataclass(frozen=True)
class ConfirmedSet:
    """The person's yes to the whole listed set: the opened finding's :class:`Confirmed` first, then each other's.
    Made only by :func:`confirm_set`, from :class:`Confirmed` objects only :func:`confirm` makes."""

    members: tuple[Confirmed, ...]

    @property
    def changes(self) -> tuple[Change, ...]:
        """Every member's changes, each request once (what the writer is opened for and sends)."""
        return _distinct(change for member in self.members for change in member.changes)

    @property
    def permissions(self) -> list[Permission]:
        return permissions_of(self.changes)


@dataclass(frozen=True)
class SetResult:
    """One :class:`FixResult` per finding of the set (each with its own timeline event), in the order sent."""

    results: tuple[FixResult, ...]
    reason: str
    recheck: tuple[Finding, ...]  # what the check said again on the account (all of its findings there)
    run: AuditRun | None = None

    @property
    def closed(self) -> bool:
        return bool(self.results) and all(r.closed for r in self.results)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)


def _same(change: Change) -> tuple[str, str, str, str]:
    return (change.kind, change.target, change.action, change.request)


def _distinct(changes: Iterable[Change], already: Iterable[Change] = ()) -> tuple[Change, ...]:
    """``changes`` without those whose request is already among ``already`` or earlier in ``changes``."""
    seen = {_same(change) for change in already}
    out = []
    for change in changes:
        if _same(change) not in seen:
            seen.add(_same(change))
            out.append(change)
    return tuple(out)


def _latest_of(case: CaseStore, check: str, target: str) -> list[Finding]:
    """The findings of ``check`` on ``target`` in the latest run that ran it there."""
    for run in reversed(case.runs()):
        same = [f for f in case.findings_of(run.id) if f.check == check and f.target == target]
        if same:
            return same
    return []


def plan_set(case: CaseStore, plan: FixPlan, audit_plan: AuditPlan | None = None) -> FixSet | None:
    """The other open findings like ``plan``'s, or None when there are none (or the plan is not one of a kind).

    Like it: the same check, the same account, in the latest audit that ran the check there; found or "Is this
    yours?" (not one the person said is theirs); not closed by the person since; and every change of the same
    single action as the plan's (a plan whose changes are different ways of closing it, or made by hand, has no
    others offered). Each other is planned with ``audit_plan`` as the finding's own plan was.
    """
    if plan.guided or not plan.changes or not plan.permissions:
        return None
    actions = {change.action for change in plan.changes}
    if len(actions) != 1:
        return None
    [action] = actions
    if remedies_for(plan.kind) is None:
        return None
    finding = plan.finding
    states = path_states(path_events(case))
    answers = case.decision_records()
    seen = {finding.fingerprint}
    others: list[FixPlan] = []
    for other in sorted(_latest_of(case, finding.check, finding.target), key=lambda f: f.sort_key):
        if other.fingerprint in seen or other.status not in PATH_STATUSES:
            continue
        seen.add(other.fingerprint)
        state = states.get(other.fingerprint)
        if state is not None and state.closed and state.at >= other.observed_at:
            continue  # closed by the person since that audit
        if answers.get(other.fingerprint, ("", ""))[0] == MINE:
            continue
        try:
            # Each other is planned as if opened itself, so whatever planning leaves out applies to it too.
            other_plan = plan_fix(case, other.fingerprint, audit_plan)
        except UsageError:
            continue
        changes = other_plan.changes
        if not changes or other_plan.alternatives:
            continue
        if any(c.action != action or c.kind != plan.kind or c.target != finding.target or c.guided for c in changes):
            continue
        others.append(other_plan)
    if not others:
        return None
    return FixSet(plan, tuple(others), action)


def keep_set_evidence(case: CaseStore, fix_set: FixSet) -> tuple[EvidenceItem, ...]:
    """Each other finding's record kept in the timeline, with its SHA-256, before anything is changed."""
    return tuple(freeze_evidence(case, other) for other in fix_set.others)


def confirm_set(own: Confirmed, fix_set: FixSet, evidence: Sequence[EvidenceItem]) -> ConfirmedSet:
    """The person's yes to the whole listed set (the opened finding's changes and every other's), after each
    finding's evidence was kept. Call it only when a person has confirmed the list as shown."""
    if own.plan != fix_set.plan:
        raise UsageError("the set listed is not this finding's; nothing is changed")
    if len(evidence) != len(fix_set.others):
        raise UsageError("keep each finding's record as evidence first; nothing is changed")
    members = [own]
    for other, kept in zip(fix_set.others, evidence, strict=True):
        members.append(confirm(other, other.changes, kept))  # checks the evidence is this finding's
    return ConfirmedSet(tuple(members))


async def apply_set(
    case: CaseStore,
    confirmed: ConfirmedSet,
    audit_plan: AuditPlan,
    *,
    show: ShowCallback | None = None,
    extra: Mapping[str, Any] | None = None,
) -> SetResult:
    """Ask for the write permission once, send each confirmed change once (a failure stops the rest), run the check
    again once for the account, and record one timeline event per finding. Never raises for a change the provider
    refused: that finding and the ones after it are "not changed"."""
    from auditor.application.auditing import check_again

    members = confirmed.members
    first = members[0].plan
    kind, target, check = first.kind, first.finding.target, first.finding.check
    applied: list[list[Applied]] = [[] for _ in members]
    sent_once: dict[tuple[str, str, str, str], Applied] = {}  # a request several findings share is sent once
    failed_at: int | None = None  # the finding whose change reached the provider and failed
    reason = ""
    remedies = remedies_for(kind)
    if remedies is None:
        reason = f"the tool makes no changes to {kind} accounts"
    else:
        request = writer_request(case, kind, target, confirmed.changes, audit_plan, show, extra)
        try:
            writer = await remedies.open_writer(request)
        except Exception as exc:  # the sign-in refused, cancelled or failed: nothing was sent
            reason = f"the permission to make the changes was not given ({_reason(exc)})"
        else:
            try:
                for index, member in enumerate(members):
                    for change in member.changes:
                        earlier = sent_once.get(_same(change))
                        if earlier is not None:  # already sent for another finding of the set: it closed this too
                            applied[index].append(Applied(change, at=earlier.at, answer=earlier.answer))
                            continue
                        try:
                            applied[index].append(await writer.apply(change))
                            sent_once[_same(change)] = applied[index][-1]
                        except Exception as exc:  # the provider refused or failed: say so, send nothing more
                            reason = f"{literal(change.words, 200)}: {_reason(exc)}"
                            failed_at = index
                            break
                    if failed_at is not None:
                        break
            finally:
                try:
                    await writer.aclose()
                except Exception:  # closing the writer's connections cannot undo or redo a change
                    pass
    run: AuditRun | None = None
    recheck_failed = ""
    if any(applied) or failed_at is not None:
        try:
            run = await check_again(case, recheck_plan(audit_plan, kind), check)
        except Exception as exc:  # what was changed stands; whether it closed the paths is not known
            recheck_failed = f"checking again failed: {_reason(exc)}"
    together = {
        "size": len(members),
        "opened": first.finding.fingerprint,
        "fingerprints": [member.plan.finding.fingerprint for member in members],
    }
    results = []
    for index, member in enumerate(members):
        finding = member.plan.finding
        done = applied[index]
        sent = [a.change for a in done]
        not_sent = tuple(c for c in member.changes if c not in sent)
        touched = bool(done) or index == failed_at  # something for this finding reached the provider
        if failed_at is not None and index > failed_at:
            why = f"not sent: an earlier change of the set failed ({reason})"
        elif failed_at is None and done:
            why = ""
        else:
            why = reason
        verdict: str | None = None
        again: tuple[Finding, ...] = ()
        if touched:
            if run is None:
                verdict = NOT_CHECKED
                why = why or recheck_failed
            else:
                verdict, again = judge_recheck(run, finding)
        outcome = (verdict or NOT_CHECKED) if done else NOT_CHANGED
        at = done[-1].at if done else utcnow()
        event_id = record_fix(
            case, member, done, not_sent, outcome, why, again, at, audit_plan.practice, together=together
        )
        results.append(FixResult(outcome, event_id, at, tuple(done), not_sent, why, again, run, verdict))
    recheck = () if run is None else tuple(f for f in run.findings if f.check == check and f.target == target)
    return SetResult(tuple(results), reason or recheck_failed, recheck, run)
