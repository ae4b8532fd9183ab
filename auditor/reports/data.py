"""What an export contains: only the parts the person chose, as plain data every format renders from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from auditor import __version__
from auditor.errors import CaseError
from auditor.model import Finding, utcnow
from auditor.timeline.fixes import PathState
from auditor.timeline.store import Timeline


@dataclass(frozen=True)
class Choices:
    """What goes into an export. Everything the person did not choose stays in the encrypted case."""

    findings: bool = True
    evidence: bool = True
    notes: bool = True
    access_map: bool = True


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "title": f.title,
        "status": f.status.value,
        "severity": f.severity.value,
        "target": f.target,
        "check": f.check,
        "observed_at": f.observed_at.isoformat(),
        "fingerprint": f.fingerprint,
    }


def _closed_by_you(state: PathState | None) -> dict[str, Any]:
    """When and how the person closed the path through the tool (nothing when an audit found it gone)."""
    if state is None or not state.closed:
        return {}
    return {"closed_by_you": {"at": state.at.isoformat(), "how": state.how, "event": state.event_id}}


def _reopened(state: PathState | None) -> dict[str, Any]:
    """When a path the person had closed was put back on their request."""
    if state is None or state.closed:
        return {}
    return {"reopened": {"at": state.at.isoformat(), "how": "put back by you", "event": state.event_id}}


def _note(value: str, choices: Choices) -> dict[str, str]:
    return {"note": value} if choices.notes and value else {}


def indicator_set(now: datetime) -> dict[str, Any]:
    """How old the stalkerware indicator set is and where it came from, or that its record could not be read.

    The device and phone checks match against this set: a reader judges their "Looks clear" by its age."""
    from auditor.errors import AuditorError
    from auditor.iocs import current_meta, describe_age

    try:
        meta = current_meta()
        summary = describe_age(meta, now)
        dated = meta.dated.isoformat()
    except (AuditorError, ValueError) as exc:  # no record, a damaged one, or a date that is not a date
        return {
            "read": False,
            "summary": (
                "The stalkerware indicator set's record could not be read, so its age and source are not known "
                f"({exc})."
            ),
        }
    return {
        "read": True,
        "summary": summary,
        "source": meta.source,
        "dated": dated,
        "age_days": max(meta.age(now).days, 0),
        "shipped_with_auditor": meta.bundled,
        **({"commit": meta.commit} if meta.commit else {}),
        **({"attribution": f"{meta.attribution} (CC-BY 4.0)"} if meta.attribution else {}),
    }


def build(timeline: Timeline, choices: Choices, now: datetime | None = None) -> dict[str, Any]:
    """The export as one JSON-ready dictionary. Refuses if any evidence no longer matches its SHA-256."""
    mismatches = timeline.verify()
    if mismatches:
        ids = ", ".join(str(m.evidence_id) for m in mismatches)
        raise CaseError(
            f"evidence {ids} no longer matches the SHA-256 recorded when it was kept; nothing was exported "
            "(`auditor evidence verify` shows the details)"
        )
    moment = now or utcnow()
    data: dict[str, Any] = {
        "case": timeline.case.name,
        "generated_at": moment.isoformat(),
        "generated_by": f"auditor {__version__}",
        "included": {
            "findings": choices.findings,
            "evidence_manifest": choices.evidence,
            "notes": choices.notes,
        },
        "indicator_set": indicator_set(moment),
    }
    if choices.findings:
        open_paths, closed = timeline.findings_summary()
        states = timeline.path_states()
        data["access_paths"] = {
            "audits_stored": len(timeline.case.runs()),
            "open": [{**_finding(f), **_reopened(states.get(f.fingerprint))} for f in open_paths],
            "closed": [{**_finding(f), **_closed_by_you(states.get(f.fingerprint))} for f in closed],
            # A check that could not complete proves nothing: listed, so no one reads its silence as clear.
            "could_not_check": [_finding(f) for f in timeline.not_checked()],
        }
    data["content_locations"] = [
        {
            "id": loc.id,
            "url": loc.url,
            "platform": loc.platform,
            "kind": loc.kind.value,
            "first_seen": loc.first_seen.isoformat(),
            "status": loc.status.value,
            **_note(loc.note, choices),
        }
        for loc in timeline.locations()
    ]
    data["reports"] = [
        {
            "id": r.id,
            "channel": r.channel.value,
            "channel_label": r.channel.label,
            "sent_at": r.sent_at.isoformat(),
            "reference": r.reference,
            "recipient": r.recipient,
            "content_locations": list(r.location_ids),
            **({"sent_text": r.sent_text} if choices.notes and r.sent_text else {}),
            **_note(r.note, choices),
            "responses": [
                {"received_at": a.received_at.isoformat(), "outcome": a.outcome.value, **_note(a.note, choices)}
                for a in timeline.responses(r.id)
            ],
        }
        for r in timeline.reports()
    ]
    data["follow_ups"] = [
        {
            "id": f.id,
            "due_at": f.due_at.isoformat(),
            "what": f.what,
            "report": f.report_id,
            "done_at": f.done_at.isoformat() if f.done_at else None,
            "overdue": f.overdue(moment),
        }
        for f in timeline.followups()
    ]
    # A finding kept as evidence is a finding: left out with the findings, its title (the default note) too.
    evidence = [e for e in timeline.evidence() if choices.findings or e.kind != "finding"]
    shown_evidence = {e.id for e in evidence} if choices.evidence else set()
    if choices.evidence:
        data["evidence_manifest"] = [
            {
                "id": e.id,
                "kind": e.kind,
                "file_name": e.file_name,
                "media_type": e.media_type,
                "size": e.size,
                "sha256": e.sha256,
                "captured_at": e.captured_at.isoformat(),
                "source_url": e.source_url,
                "finding": e.finding_fingerprint,
                "reupload_of": e.reupload_of,
                **_note(e.note, choices),
            }
            for e in evidence
        ]
        data["evidence_verified_at"] = moment.isoformat()
    data["timeline"] = [
        {"at": e.at.isoformat(), "kind": e.kind, "summary": e.summary}
        for e in timeline.entries(include_findings=choices.findings)
        if e.kind != "evidence" or e.ref.get("evidence_id") in shown_evidence
    ]
    return data
