"""Closing an access path: the same steps from the command line and the app.

1. :func:`plan_fix` — the finding, its playbook's safety note (said first), the exact changes that would close
   it (``remedies_for(kind).changes_for(finding)``: nothing is sent), the permissions they need (a broad one
   said first), and the forwarding warning when the account's mail may be forwarded.
2. :func:`freeze_evidence` — the finding's record is kept in the timeline, with its SHA-256, before anything.
3. :func:`confirm` — called only after the person said yes to exactly these changes (one, or the listed set
   they chose). :func:`apply_fix` takes nothing else: there is no way to send a change without it.
4. :func:`apply_fix` — only now is the writer opened (the narrow write permission asked for, kept in memory
   for this sitting and never stored), the changes sent one by one, the check run again for that account,
   and one timeline event recorded: "closed by you at T", the change, the record as found, the provider's
   answer, and whether the path is closed. A change that failed says "not changed" with the reason and
   leaves the finding open; a change whose re-check could not complete is never called closed.

Guided changes (this computer, a phone) go the same way without a permission: the person makes the change by
hand, their "done" is what is recorded, and the check runs again. Putting back what a change removed is
:mod:`auditor.application.restoring`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from auditor.errors import UsageError
from auditor.model import AuditRun, Finding, Status, utcnow
from auditor.remedy import Applied, Change, Permission, WriterRequest, permissions_of, remedies_for
from auditor.safetext import literal
from auditor.timeline.fixes import (
    CLOSED,
    NOT_CHANGED,
    NOT_CHECKED,
    OUTCOME_WORDS,
    STILL_OPEN,
    PathEvent,
    path_events,
    path_states,
    restored_events,
)

if TYPE_CHECKING:
    from auditor.application.auditing import AuditPlan
    from auditor.store import CaseStore
    from auditor.timeline import EvidenceItem

__all__ = [
    "CLOSED",
    "NOT_CHANGED",
    "NOT_CHECKED",
    "STILL_OPEN",
    "Applied",
    "Change",
    "Confirmed",
    "FixPlan",
    "FixResult",
    "Permission",
    "apply_fix",
    "confirm",
    "freeze_evidence",
    "judge_recheck",
    "permission_lines",
    "plan_fix",
    "plan_notes",
]

# The statuses that mean the path is there (found) or may be (the person has not said it is theirs).
PATH_STATUSES = (Status.FOUND, Status.REVIEW)
# A check that ended in one of these did not look everywhere: what it says proves nothing closed.
NOT_LOOKED = (Status.ERROR, Status.SKIPPED, Status.MANUAL)
# The playbooks of the checks that read mail forwarding end so; a check naming one reads forwarding.
FORWARDING_PLAYBOOK_SUFFIX = "-mail-forwarding"
# Guided answers after which forwarding is known not to be there.
SETTLED_ANSWERS = ("mine", "looks-fine")
PROVIDER_NAMES = {"google": "Google", "microsoft": "Microsoft", "exchange": "your Exchange server"}
# Guided forwarding questions whose whole subject automated checks read: once those completed on the account
# (found or clear, not "couldn't check"), the question is answered by them. Gmail's forwarding settings and
# filters are all in its API; Outlook's and Exchange's mailbox-level forwarding is not (DESIGN: "Mailbox-level
# forwarding is not in Graph"), so their questions stand until the person answers them.
ANSWERED_BY_CHECKS = {"google.manual_forwarding": ("google.gmail_autoforward", "google.gmail_filters")}

ShowCallback = Callable[[str], object]


@dataclass(frozen=True)
class FixPlan:
    """What closing one finding would do. Nothing has been sent, and nothing is until :func:`confirm`."""

    finding: Finding
    kind: str
    safety: tuple[str, ...]  # the playbook's safety note, said before anything else
    playbook: str | None  # the playbook the note and the steps come from
    changes: tuple[Change, ...]  # empty: the tool cannot make this change; the playbook's steps by hand remain
    forwarding: tuple[Finding, ...] = ()  # forwarding found, or not yet answered, on the same account
    # Changes the tool cannot make from here, each with why and what to do by hand (said at planning).
    by_hand: tuple[tuple[Change, str], ...] = ()
    # Changes already made by the person since the audit that found this: left out until an audit finds the
    # path again (each with the event that made it).
    already_made: tuple[tuple[Change, int], ...] = ()

    @property
    def guided(self) -> bool:
        """The person makes the change by hand (this computer, a phone): no permission, nothing sent."""
        return bool(self.changes) and all(change.guided for change in self.changes)

    @property
    def permissions(self) -> list[Permission]:
        return permissions_of(self.changes)

    @property
    def broad(self) -> list[Permission]:
        return [p for p in self.permissions if p.broad]

    @property
    def several(self) -> bool:
        """Several changes: listed one by one, then the person chooses."""
        return len(self.changes) > 1

    @property
    def alternatives(self) -> bool:
        """Several changes that are different ways of closing the path (turn a rule off, or delete it): the person
        chooses one. Several of the same kind (one sharing link per photo) are a set, which may be chosen whole."""
        return self.several and len({change.action for change in self.changes}) > 1

    @property
    def forwarding_warning(self) -> str | None:
        """Said before any write permission is asked for, when the account's mail may be forwarded."""
        if not self.forwarding or not self.permissions:
            return None
        what = "; ".join(literal(f.title, 160) for f in self.forwarding[:3])
        more = f" and {len(self.forwarding) - 3} more" if len(self.forwarding) > 3 else ""
        provider = PROVIDER_NAMES.get(self.kind, "the provider")
        return (
            f"Your mail on {literal(self.finding.target, 120)} may be forwarded to someone else ({what}{more}). "
            f"Giving this tool permission to change the account may make {provider} e-mail you a security alert "
            "about the new permission — and a forwarded copy of that alert would tell the other person you are "
            "making changes. If that could put you at risk, stop here: turn the forwarding off by hand first, or "
            "plan with an advocate."
        )


@dataclass(frozen=True)
class Confirmed:
    """The changes the person said yes to, for one plan, after its evidence was kept. Made by :func:`confirm`."""

    plan: FixPlan
    changes: tuple[Change, ...]
    evidence: EvidenceItem

    @property
    def permissions(self) -> list[Permission]:
        """What the chosen changes need, and nothing more."""
        return permissions_of(self.changes)


@dataclass(frozen=True)
class FixResult:
    """What happened: the outcome (closed, still open, not checked, not changed), the event that records it."""

    outcome: str
    event_id: int
    at: datetime
    applied: tuple[Applied, ...]
    not_sent: tuple[Change, ...]
    reason: str
    recheck: tuple[Finding, ...]  # what the check said again on this account
    run: AuditRun | None = None
    verdict: str | None = None  # what the check said when it ran again (None: it did not run): closed, ...

    @property
    def gone_anyway(self) -> bool:
        """Not changed as far as the provider said, yet the check no longer finds the path (a change can reach the
        provider before the error): not recorded as closed; the next audit shows what is there."""
        return self.outcome == NOT_CHANGED and self.verdict == CLOSED

    @property
    def closed(self) -> bool:
        return self.outcome == CLOSED

    @property
    def words(self) -> str:
        return OUTCOME_WORDS[self.outcome]


def _kind(finding: Finding) -> str:
    return finding.check.split(".", 1)[0]


def plan_fix(case: CaseStore, fingerprint: str, audit_plan: AuditPlan | None = None) -> FixPlan:
    """The plan for closing the case's finding ``fingerprint`` (as the case's latest audit saw it).

    Refused (UsageError) when the case has no such finding, when it is not an access path (found, or "Is
    this yours?"), when it was closed by the person since that audit, or when every change that closes it was
    already made since that audit. Changes already made since that audit are left out (``already_made``); with
    ``audit_plan`` (where changes would be sent), changes the tool cannot make from there are moved to
    ``by_hand`` with the reason, so the person hears it before confirming anything.
    """
    from auditor.playbooks import builtin_playbooks
    from auditor.timeline import Timeline

    finding = Timeline(case).latest_finding(fingerprint)
    if finding is None:
        raise UsageError(
            f"the case {case.name!r} has no finding with id {fingerprint} (`auditor audit --case` shows ids)"
        )
    if finding.status not in PATH_STATUSES:
        raise UsageError(
            f"there is no access path to close: the case's last audit says {finding.status.label!r} for "
            f"{literal(finding.title, 200)}"
        )
    events = path_events(case)
    state = path_states(events).get(fingerprint)
    if state is not None and state.closed and state.at >= finding.observed_at:
        raise UsageError(f"this path was {state.words}; the next audit says whether it is still closed")
    kind = _kind(finding)
    remedies = remedies_for(kind)
    planned = tuple(remedies.changes_for(finding)) if remedies is not None else ()
    made = made_since(events, finding)
    already_made = tuple((c, made[_change_key(c)]) for c in planned if _change_key(c) in made)
    changes = tuple(c for c in planned if _change_key(c) not in made)
    if planned and not changes:
        events_made = ", ".join(str(n) for n in sorted({n for _, n in already_made}))
        raise UsageError(
            f"every change that closes this path was already made by you (event {events_made}); the next audit says "
            "whether it is still open"
        )
    by_hand: tuple[tuple[Change, str], ...] = ()
    if audit_plan is not None and remedies is not None and changes:
        reasons = [
            (c, remedies.by_hand(c, writer_request(case, kind, finding.target, [c], audit_plan, None))) for c in changes
        ]
        by_hand = tuple((c, why) for c, why in reasons if why)
        changes = tuple(c for c, why in reasons if not why)
    playbooks = builtin_playbooks().for_finding(finding)
    playbook = playbooks[0] if playbooks else None
    plan = FixPlan(
        finding=finding,
        kind=kind,
        safety=tuple(playbook.safety) if playbook else (),
        playbook=playbook.id if playbook else None,
        changes=changes,
        by_hand=by_hand,
        already_made=already_made,
    )
    if plan.permissions:
        plan = dataclasses.replace(plan, forwarding=tuple(forwarding_findings(case, finding)))
    return plan


def _change_key(change: Change | Mapping[str, Any]) -> tuple[str, str, str]:
    """What one change does to what: the same key for a change planned now and one recorded in an event."""
    if isinstance(change, Change):
        return (change.action, change.subject, change.request)
    return (str(change.get("action", "")), str(change.get("subject", "")), str(change.get("request", "")))


def made_since(events: Sequence[PathEvent], finding: Finding) -> dict[tuple[str, str, str], int]:
    """The changes the provider accepted for ``finding`` since the audit that found it (not put back since),
    each with the event that made it."""
    restored = restored_events(events)
    made: dict[tuple[str, str, str], int] = {}
    for event in events:
        if event.kind != "fix" or event.fingerprint != finding.fingerprint or event.id in restored:
            continue
        if event.at < finding.observed_at or event.record.get("guided"):
            continue  # before the audit that found the path again; a guided "done" is checked, not a change
        changes = event.record.get("changes")
        for change in changes if isinstance(changes, list) else []:
            if isinstance(change, Mapping):
                made[_change_key(change)] = event.id
    return made


def forwarding_findings(case: CaseStore, finding: Finding) -> list[Finding]:
    """Forwarding found, or not answered, on the finding's account, in each check's latest run there.

    A forwarding check's finding counts when it is found or "Is this yours?", when the check could not
    complete ("couldn't check": forwarding may be there), or when it is a guided question not yet answered
    "looks fine". The account is matched by its address, whatever the provider (a Microsoft 365 mailbox and
    the same mailbox on Exchange).
    """
    from auditor.playbooks import builtin_playbooks

    library = builtin_playbooks()
    account = finding.target.casefold()
    latest: dict[tuple[str, str], list[Finding]] = {}
    for run in case.runs():
        in_run: dict[tuple[str, str], list[Finding]] = {}
        for f in case.findings_of(run.id):
            if f.target.casefold() == account:
                in_run.setdefault((f.check, f.target), []).append(f)
        latest.update(in_run)
    answers = case.decision_records()
    completed = {check for (check, _), findings in latest.items() if all(f.status not in NOT_LOOKED for f in findings)}
    out = []
    for findings in latest.values():
        for f in findings:
            forwarding = any(p.endswith(FORWARDING_PLAYBOOK_SUFFIX) and p in library for p in f.playbooks)
            if not forwarding or answers.get(f.fingerprint, ("", ""))[0] in SETTLED_ANSWERS:
                continue
            readers = ANSWERED_BY_CHECKS.get(f.check)
            if f.status is Status.MANUAL and readers and all(check in completed for check in readers):
                continue  # the automated checks read what the question asks, to the end
            if f.status in (Status.FOUND, Status.REVIEW, Status.ERROR, Status.MANUAL):
                out.append(f)
    return sorted(out, key=lambda f: f.sort_key)


def plan_notes(plan: FixPlan) -> list[str]:
    """What the plan leaves out, in plain words: changes already made since the audit, and changes the tool
    cannot make from here with why and what to do by hand. Said before any change is offered."""
    out = [
        f"Already made by you (event {event_id}), not offered again until an audit finds it: "
        f"{literal(change.words, 300)}"
        for change, event_id in plan.already_made
    ]
    out += [
        f"The tool cannot make this change from here: {literal(change.words, 300)}. {why}"
        for change, why in plan.by_hand
    ]
    return out


def permission_lines(permissions: Sequence[Permission]) -> list[str]:
    """The permissions in plain words, a broad one first and said to be broad, with why."""
    out = []
    for p in sorted(permissions, key=lambda p: not p.broad):
        if p.broad:
            why = f" {p.why_broad}" if p.why_broad else ""
            out.append(f"A BROAD permission: {p.words} ({p.name}).{why}")
        else:
            out.append(f"{p.words} ({p.name})")
    return out


def freeze_evidence(case: CaseStore, plan: FixPlan) -> EvidenceItem:
    """Keep the finding's record in the case's timeline, with its SHA-256, before anything is changed."""
    from auditor.timeline import Timeline

    return Timeline(case).add_finding_evidence(
        plan.finding.fingerprint, note=f"Kept before closing: {plan.finding.title}"
    )


def confirm(plan: FixPlan, chosen: Sequence[Change], evidence: EvidenceItem) -> Confirmed:
    """The person's yes to exactly ``chosen`` (one change, or the listed set they chose), after the evidence.

    Call it only when a person has confirmed these changes; it checks they are the plan's own and that the
    evidence kept is this finding's.
    """
    picked: tuple[Change, ...] = ()
    for change in chosen:  # a Change holds a mapping, so it is compared, not hashed
        if change not in picked:
            picked = (*picked, change)
    if not picked:
        raise UsageError("no change was chosen; nothing is changed")
    strangers = [c for c in picked if c not in plan.changes]
    if strangers:
        raise UsageError("a change that is not among this finding's changes cannot be confirmed")
    if evidence.finding_fingerprint != plan.finding.fingerprint:
        raise UsageError("the evidence kept is not this finding's: keep the finding's record first")
    return Confirmed(plan, picked, evidence)


def writer_request(
    case: CaseStore | None,
    kind: str,
    target: str,
    changes: Sequence[Change],
    audit_plan: AuditPlan,
    show: ShowCallback | None,
    extra: Mapping[str, Any] | None = None,
) -> WriterRequest:
    """What the provider's writer may use: the audit plan's endpoint and token (practice servers, tests), and
    what the caller adds (``extra``: e.g. how the app asks for a password)."""
    from auditor.config import Endpoints, load_settings

    endpoints = audit_plan.endpoints or Endpoints.from_env()
    return WriterRequest(
        target=target,
        changes=tuple(changes),
        case=case,
        settings=audit_plan.settings or load_settings(),
        endpoint=endpoints.for_kind(kind),
        token=endpoints.token,
        show=show,
        extra={"practice": audit_plan.practice, **(extra or {})},
    )


def recheck_plan(audit_plan: AuditPlan, kind: str) -> AuditPlan:
    """The audit plan with the finding's kind in it, so its check can run again on that account."""
    if kind in audit_plan.kinds:
        return audit_plan
    return dataclasses.replace(audit_plan, kinds=(*audit_plan.kinds, kind))


def judge_recheck(run: AuditRun, finding: Finding) -> tuple[str, tuple[Finding, ...]]:
    """Closed only when the check ran again on the same account, completed, and no longer found the path."""
    again = tuple(f for f in run.findings if f.check == finding.check and f.target == finding.target)
    if not again:
        return NOT_CHECKED, again
    if any(f.fingerprint == finding.fingerprint and f.status in PATH_STATUSES for f in again):
        return STILL_OPEN, again
    if any(f.status in NOT_LOOKED for f in again):
        return NOT_CHECKED, again
    return CLOSED, again


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def apply_fix(
    case: CaseStore,
    confirmed: Confirmed,
    audit_plan: AuditPlan,
    *,
    show: ShowCallback | None = None,
    extra: Mapping[str, Any] | None = None,
) -> FixResult:
    """Open the writer (asking for the write permission), send each confirmed change, run the check again, and
    record the timeline event. Never raises for a change the provider refused: that is "not changed"."""
    from auditor.application.auditing import check_again

    plan = confirmed.plan
    finding = plan.finding
    applied: list[Applied] = []
    reason = ""
    sent_and_failed = False  # a change reached the provider and failed: it may or may not have been made
    remedies = remedies_for(plan.kind)
    if remedies is None:
        reason = f"the tool makes no changes to {plan.kind} accounts"
    else:
        request = writer_request(case, plan.kind, finding.target, confirmed.changes, audit_plan, show, extra)
        try:
            writer = await remedies.open_writer(request)
        except Exception as exc:  # the sign-in refused, cancelled or failed: nothing was sent
            reason = f"the permission to make the change was not given ({_reason(exc)})"
        else:
            try:
                for change in confirmed.changes:
                    try:
                        applied.append(await writer.apply(change))
                    except Exception as exc:  # the provider refused or failed: say so, send nothing more
                        reason = f"{literal(change.words, 200)}: {_reason(exc)}"
                        sent_and_failed = True
                        break
            finally:
                try:
                    await writer.aclose()
                except Exception:  # closing the writer's connections cannot undo or redo a change
                    pass
    sent = [a.change for a in applied]
    not_sent = tuple(c for c in confirmed.changes if c not in sent)
    outcome, run, verdict = NOT_CHANGED, None, None
    again: tuple[Finding, ...] = ()
    if applied or sent_and_failed:
        # After a change, and after one that failed on the way (a timeout can come after the provider made it),
        # the check says what is there now. Only a change the provider confirmed can close the path.
        try:
            run = await check_again(case, recheck_plan(audit_plan, plan.kind), finding.check)
        except Exception as exc:  # what was changed stands; whether it closed the path is not known
            verdict = NOT_CHECKED
            reason = reason or f"checking again failed: {_reason(exc)}"
        else:
            verdict, again = judge_recheck(run, finding)
        if applied:
            outcome = verdict
    at = applied[-1].at if applied else utcnow()
    event_id = record_fix(case, confirmed, applied, not_sent, outcome, reason, again, at, audit_plan.practice)
    return FixResult(outcome, event_id, at, tuple(applied), not_sent, reason, again, run, verdict)


def _fix_summary(finding: Finding, outcome: str, at: datetime, guided: bool) -> str:
    when = at.strftime("%Y-%m-%d %H:%M UTC")
    what = f"{finding.title} ({finding.target})"
    if outcome == NOT_CHANGED:
        return f"Not changed: {what}"
    done = "Done by hand" if guided else "Changed"
    if outcome == CLOSED:
        return f"Closed by you at {when}: {what}"
    if outcome == STILL_OPEN:
        return f"{done} by you at {when}, still open: {what}"
    return f"{done} by you at {when}, not checked again: {what}"


def record_fix(
    case: CaseStore,
    confirmed: Confirmed,
    applied: Sequence[Applied],
    not_sent: Sequence[Change],
    outcome: str,
    reason: str,
    again: Sequence[Finding],
    at: datetime,
    practice: bool = False,
    together: Mapping[str, Any] | None = None,
) -> int:
    """The timeline event of one fix: what was changed, the record as found, the answer, the outcome. ``together``:
    the listed set this finding was closed with (:mod:`auditor.application.fixing_sets`), said in the record."""
    plan = confirmed.plan
    finding = plan.finding
    record: dict[str, Any] = {
        "fingerprint": finding.fingerprint,
        "check": finding.check,
        "kind": plan.kind,
        "target": finding.target,
        "title": finding.title,
        "by": "you",
        "guided": plan.guided,
        "practice": practice,
        "evidence_id": confirmed.evidence.id,
        "evidence_sha256": confirmed.evidence.sha256,
        "changes": [
            {**a.change.to_dict(), "applied_at": a.at.isoformat(), "answer": _plain(a.answer)} for a in applied
        ],
        "not_changed": [c.to_dict() for c in not_sent],
        "reason": reason,
        "outcome": outcome,
        "recheck": [{"status": f.status.value, "title": f.title, "fingerprint": f.fingerprint} for f in again],
    }
    if together:
        record["together"] = dict(together)
    return case.add_path_event("fix", _fix_summary(finding, outcome, at, plan.guided), record, at)


def _plain(answer: Mapping[str, Any]) -> dict[str, Any]:
    import json

    plain: dict[str, Any] = json.loads(json.dumps(dict(answer), default=str))
    return plain
