"""Plain-text views of the timeline for the terminal. Every stored string goes through literal()."""

from __future__ import annotations

from datetime import datetime

from auditor.safetext import literal
from auditor.timeline.model import EvidenceItem, FollowUp
from auditor.timeline.store import Timeline


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _span(hours: float) -> str:
    if hours >= 48:
        return f"{hours / 24:.0f} days"
    return f"{hours:.0f} h" if hours >= 1 else f"{hours * 60:.0f} min"


def followup_line(f: FollowUp, now: datetime) -> str:
    ref = f" [report {f.report_id}]" if f.report_id else ""
    if f.overdue(now):
        late = (now - f.due_at).total_seconds() / 3600
        return f"OVERDUE by {_span(late)}: {literal(f.what)}{ref} (was due {_when(f.due_at)}) — follow-up {f.id}"
    left = (f.due_at - now).total_seconds() / 3600
    return f"due in {_span(left)}: {literal(f.what)}{ref} ({_when(f.due_at)}) — follow-up {f.id}"


def evidence_line(item: EvidenceItem) -> str:
    line = f"{item.id:>3}  {item.sha256}  {item.size:>10} B  {literal(item.file_name, 80)}"
    if item.reupload_of:
        line += f"  (reupload of {item.reupload_of})"
    return line


def listing(timeline: Timeline, now: datetime) -> str:
    """Overdue follow-ups first, marked in words; then what is due, the content, reports and the history."""
    out: list[str] = []
    overdue = timeline.overdue(now)
    upcoming = [f for f in timeline.followups(open_only=True) if not f.overdue(now)]
    if overdue:
        out.append(f"OVERDUE ({len(overdue)})")
        out += ["  " + followup_line(f, now) for f in overdue]
        out.append("")
    if upcoming:
        out.append("Follow-ups due")
        out += ["  " + followup_line(f, now) for f in upcoming]
        out.append("")
    locations = timeline.locations()
    out.append("Where the content is" if locations else "No content locations yet: `auditor timeline add` records one.")
    for loc in locations:
        out.append(
            f"  {loc.id:>3}  {loc.status.value.upper():<10} {literal(loc.platform, 40)} ({loc.kind.value}), "
            f"seen {_when(loc.first_seen)}"
        )
        out.append(f"       {literal(loc.url, 300)}")
        if loc.note:
            out.append(f"       note: {literal(loc.note)}")
    reports = timeline.reports()
    if reports:
        out.append("")
        out.append("Reports sent")
    for report in reports:
        ref = f", reference {literal(report.reference, 80)}" if report.reference else ""
        places = ", ".join(str(i) for i in report.location_ids) or "none"
        out.append(f"  {report.id:>3}  {_when(report.sent_at)}  {report.channel.label}{ref} — content {places}")
        if report.recipient:
            out.append(f"       to: {literal(report.recipient, 200)}")
        for response in timeline.responses(report.id):
            note = f" — {literal(response.note)}" if response.note else ""
            out.append(f"       answer {_when(response.received_at)}: {response.outcome.value}{note}")
    entries = timeline.entries()
    if entries:
        out.append("")
        out.append("History (oldest first)")
        out += [f"  {_when(e.at)}  {literal(e.summary, 400)}" for e in entries]
    return "\n".join(out)
