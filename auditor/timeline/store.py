"""The takedown timeline of one case, kept inside its encrypted database.

Every write is one transaction on the case (all of it is committed, or none of it) and leaves a line in the
case's event log. Evidence bytes live in the database as BLOBs, never as files beside it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from auditor.errors import UsageError
from auditor.model import Finding, Status, utcnow
from auditor.store import CaseStore, ContentLocationRow, EvidenceRow, ReportRow
from auditor.timeline import perceptual
from auditor.timeline.files import media_type, read_evidence_file
from auditor.timeline.fixes import PathEvent, PathState, path_events, path_states
from auditor.timeline.model import (
    OTHER_FOLLOWUP_HOURS,
    Channel,
    ContentLocation,
    EvidenceItem,
    FollowUp,
    LocationKind,
    LocationStatus,
    Mismatch,
    Outcome,
    Report,
    Response,
    TimelineEntry,
    check_followup_hours,
    check_url,
)

# What a check reports when it did not look: it cannot close an access path it found before.
_NOT_LOOKED = (Status.ERROR, Status.SKIPPED, Status.MANUAL)


def _iso(value: datetime) -> str:
    return value.isoformat()


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _event(conn: Any, kind: str, summary: str, payload: dict[str, Any], at: datetime | None = None) -> None:
    conn.execute(
        "INSERT INTO events (at, kind, summary, payload) VALUES (?, ?, ?, ?)",
        (_iso(at or utcnow()), kind, summary, json.dumps(payload)),
    )


class Timeline:
    """The takedown records of an open case: locations, evidence, reports, responses and follow-ups."""

    def __init__(self, case: CaseStore, followup_hours: int = 48) -> None:
        self.case = case
        self.followup_hours = check_followup_hours(followup_hours, "followup_hours in the settings")

    # -- content locations --------------------------------------------------------------------------

    def add_location(
        self,
        url: str,
        platform: str,
        kind: LocationKind = LocationKind.ORIGINAL,
        first_seen: datetime | None = None,
        note: str = "",
    ) -> ContentLocation:
        url = check_url(url)
        if not platform.strip():
            raise UsageError("the platform name is empty")
        seen = first_seen or utcnow()
        with self.case.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO content_locations (url, platform, kind, first_seen, status, note, added_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (url, platform, kind.value, _iso(seen), LocationStatus.LIVE.value, note, _iso(utcnow())),
            )
            location_id = int(cursor.lastrowid or 0)
            _event(conn, "content", "Content seen online", {"location_id": location_id}, seen)
        return self.location(location_id)

    def locations(self) -> list[ContentLocation]:
        return [self._location(r) for r in self.case.content_location_rows()]

    def location(self, location_id: int) -> ContentLocation:
        row = self.case.content_location_row(location_id)
        if row is None:
            raise UsageError(f"the case has no content location {location_id} (`auditor timeline list` shows them)")
        return self._location(row)

    @staticmethod
    def _location(r: ContentLocationRow) -> ContentLocation:
        return ContentLocation(
            id=r.id,
            url=r.url,
            platform=r.platform,
            kind=LocationKind(r.kind),
            first_seen=datetime.fromisoformat(r.first_seen),
            status=LocationStatus(r.status),
            note=r.note,
        )

    def set_location_status(self, location_id: int, status: LocationStatus, at: datetime | None = None) -> None:
        self.location(location_id)
        with self.case.transaction() as conn:
            conn.execute("UPDATE content_locations SET status = ? WHERE id = ?", (status.value, location_id))
            _event(conn, "content", f"Content {status.value}", {"location_id": location_id}, at)

    # -- evidence -----------------------------------------------------------------------------------

    def add_evidence_file(
        self,
        path: Path,
        source_url: str = "",
        note: str = "",
        location_id: int | None = None,
        captured_at: datetime | None = None,
    ) -> EvidenceItem:
        """Copy a file into the case unchanged. The original is only read."""
        if source_url:
            source_url = check_url(source_url)
        if location_id is not None:
            self.location(location_id)
        content = read_evidence_file(Path(path))
        return self._add_evidence(
            content,
            kind="file",
            file_name=Path(path).name,
            media=media_type(Path(path).name, content),
            source_url=source_url,
            note=note,
            location_id=location_id,
            captured_at=captured_at,
        )

    def add_finding_evidence(self, fingerprint: str, note: str = "") -> EvidenceItem:
        """Freeze a finding's record, as last observed, with its SHA-256 — before anything is changed."""
        finding = self.latest_finding(fingerprint)
        if finding is None:
            raise UsageError(f"the case has no finding with id {fingerprint} (`auditor audit --case` shows ids)")
        content = finding.evidence_json().encode("utf-8")
        return self._add_evidence(
            content,
            kind="finding",
            file_name=f"finding-{finding.fingerprint}.json",
            media="application/json",
            note=note or finding.title,
            finding_fingerprint=finding.fingerprint,
            captured_at=finding.observed_at,
        )

    def latest_finding(self, fingerprint: str) -> Finding | None:
        for run in reversed(self.case.runs()):
            for finding in self.case.findings_of(run.id):
                if finding.fingerprint == fingerprint:
                    return finding
        return None

    def _add_evidence(
        self,
        content: bytes,
        kind: str,
        file_name: str,
        media: str,
        source_url: str = "",
        note: str = "",
        location_id: int | None = None,
        finding_fingerprint: str | None = None,
        captured_at: datetime | None = None,
    ) -> EvidenceItem:
        digest = hashlib.sha256(content).hexdigest()
        pdq = perceptual.pdq_of(content, media)
        reupload_of = self._earlier_match(pdq) if pdq else None
        with self.case.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO evidence (kind, file_name, media_type, size, sha256, captured_at, source_url, note, "
                "finding_fingerprint, location_id, perceptual_hash, perceptual_quality, reupload_of, content) "
                "VALUES (" + ", ".join("?" * 14) + ")",
                (
                    kind,
                    file_name,
                    media,
                    len(content),
                    digest,
                    _iso(captured_at or utcnow()),
                    source_url,
                    note,
                    finding_fingerprint,
                    location_id,
                    pdq.hex if pdq else None,
                    pdq.quality if pdq else None,
                    reupload_of,
                    content,
                ),
            )
            evidence_id = int(cursor.lastrowid or 0)
            payload: dict[str, Any] = {"evidence_id": evidence_id, "sha256": digest}
            if reupload_of is not None:
                payload["reupload_of"] = reupload_of
            _event(conn, "evidence", "Evidence kept" + (" (a reupload)" if reupload_of else ""), payload)
        return self.evidence_item(evidence_id)

    def _earlier_match(self, pdq: perceptual.PerceptualHash) -> int | None:
        for row in self.case.perceptual_hash_rows():
            if perceptual.is_match(pdq, row.perceptual_hash, row.perceptual_quality):
                return int(row.reupload_of or row.evidence_id)
        return None

    def evidence(self) -> list[EvidenceItem]:
        return [self._evidence(r) for r in self.case.evidence_rows()]

    def evidence_item(self, evidence_id: int) -> EvidenceItem:
        row = self.case.evidence_row(evidence_id)
        if row is None:
            raise UsageError(f"the case has no evidence item {evidence_id}")
        return self._evidence(row)

    def evidence_content(self, evidence_id: int) -> bytes:
        content = self.case.evidence_content(evidence_id)
        if content is None:
            raise UsageError(f"the case has no evidence item {evidence_id}")
        return content

    @staticmethod
    def _evidence(r: EvidenceRow) -> EvidenceItem:
        return EvidenceItem(
            id=r.id,
            kind=r.kind,
            file_name=r.file_name,
            media_type=r.media_type,
            size=r.size,
            sha256=r.sha256,
            captured_at=datetime.fromisoformat(r.captured_at),
            source_url=r.source_url,
            note=r.note,
            finding_fingerprint=r.finding_fingerprint,
            location_id=r.location_id,
            perceptual_hash=r.perceptual_hash,
            perceptual_quality=r.perceptual_quality,
            reupload_of=r.reupload_of,
        )

    def verify(self) -> list[Mismatch]:
        """Re-hash every kept item; what no longer matches its recorded SHA-256 or size."""
        mismatches = []
        for item in self.evidence():
            content = self.evidence_content(item.id)
            actual = hashlib.sha256(content).hexdigest()
            if actual != item.sha256 or len(content) != item.size:
                mismatches.append(Mismatch(item.id, item.file_name, item.sha256, actual, item.size, len(content)))
        return mismatches

    # -- reports, responses, follow-ups -------------------------------------------------------------

    def add_report(
        self,
        channel: Channel,
        location_ids: Iterable[int],
        sent_at: datetime | None = None,
        reference: str = "",
        sent_text: str = "",
        recipient: str = "",
        note: str = "",
        follow_up_hours: int | None = None,
    ) -> Report:
        """Record a report that was sent, mark its locations reported and set its follow-up.

        A report to a covered platform is due back within the TAKE IT DOWN Act's removal window
        (``followup_hours``, 48 by default); other channels are chased after a week unless told otherwise.
        """
        ids = tuple(dict.fromkeys(location_ids))
        for location_id in ids:
            self.location(location_id)
        sent = sent_at or utcnow()
        hours = follow_up_hours or (self.followup_hours if channel.covered_platform else OTHER_FOLLOWUP_HOURS)
        check_followup_hours(hours)
        with self.case.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO reports (channel, sent_at, reference, sent_text, recipient, note) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (channel.value, _iso(sent), reference, sent_text, recipient, note),
            )
            report_id = int(cursor.lastrowid or 0)
            conn.executemany(
                "INSERT INTO report_locations (report_id, location_id) VALUES (?, ?)",
                [(report_id, location_id) for location_id in ids],
            )
            conn.executemany(
                "UPDATE content_locations SET status = ? WHERE id = ? AND status IN (?, ?)",
                [
                    (LocationStatus.REPORTED.value, i, LocationStatus.LIVE.value, LocationStatus.REAPPEARED.value)
                    for i in ids
                ],
            )
            what = f"Expect an answer to: {channel.label}" + (f" (reference {reference})" if reference else "")
            conn.execute(
                "INSERT INTO followups (report_id, due_at, what, created_at) VALUES (?, ?, ?, ?)",
                (report_id, _iso(sent + timedelta(hours=hours)), what, _iso(utcnow())),
            )
            _event(conn, "report", f"Reported: {channel.label}", {"report_id": report_id}, sent)
        return self.report(report_id)

    def reports(self) -> list[Report]:
        return [self._report(r) for r in self.case.report_rows()]

    def report(self, report_id: int) -> Report:
        row = self.case.report_row(report_id)
        if row is None:
            raise UsageError(f"the case has no report {report_id} (`auditor timeline list` shows them)")
        return self._report(row)

    @staticmethod
    def _report(r: ReportRow) -> Report:
        return Report(
            id=r.id,
            channel=Channel(r.channel),
            sent_at=datetime.fromisoformat(r.sent_at),
            reference=r.reference,
            sent_text=r.sent_text,
            recipient=r.recipient,
            note=r.note,
            location_ids=r.location_ids,
        )

    def add_response(
        self, report_id: int, outcome: Outcome, received_at: datetime | None = None, note: str = ""
    ) -> Response:
        """Record an answer; removed/refused update the content and close the report's follow-ups."""
        report = self.report(report_id)
        received = received_at or utcnow()
        with self.case.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO responses (report_id, received_at, outcome, note) VALUES (?, ?, ?, ?)",
                (report_id, _iso(received), outcome.value, note),
            )
            response_id = int(cursor.lastrowid or 0)
            new_status = {
                Outcome.REMOVED: LocationStatus.REMOVED,
                Outcome.REFUSED: LocationStatus.REFUSED,
            }.get(outcome)
            if new_status is not None:
                conn.executemany(
                    "UPDATE content_locations SET status = ? WHERE id = ?",
                    [(new_status.value, i) for i in report.location_ids],
                )
            if outcome.final:
                conn.execute(
                    "UPDATE followups SET done_at = ? WHERE report_id = ? AND done_at IS NULL",
                    (_iso(received), report_id),
                )
            _event(conn, "response", f"Answer: {outcome.value}", {"report_id": report_id}, received)
        return next(r for r in self.responses(report_id) if r.id == response_id)

    def responses(self, report_id: int | None = None) -> list[Response]:
        return [
            Response(r.id, r.report_id, datetime.fromisoformat(r.received_at), Outcome(r.outcome), r.note)
            for r in self.case.response_rows(report_id)
        ]

    def add_followup(
        self, due_at: datetime, what: str, report_id: int | None = None, location_id: int | None = None
    ) -> FollowUp:
        if not what.strip():
            raise UsageError("say what the follow-up is for")
        if report_id is not None:
            self.report(report_id)
        if location_id is not None:
            self.location(location_id)
        with self.case.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO followups (report_id, location_id, due_at, what, created_at) VALUES (?, ?, ?, ?, ?)",
                (report_id, location_id, _iso(due_at), what, _iso(utcnow())),
            )
            followup_id = int(cursor.lastrowid or 0)
        return next(f for f in self.followups() if f.id == followup_id)

    def complete_followup(self, followup_id: int, at: datetime | None = None) -> None:
        if not self.case.has_followup(followup_id):
            raise UsageError(f"the case has no follow-up {followup_id}")
        with self.case.transaction() as conn:
            conn.execute("UPDATE followups SET done_at = ? WHERE id = ?", (_iso(at or utcnow()), followup_id))

    def followups(self, open_only: bool = False) -> list[FollowUp]:
        return [
            FollowUp(
                id=r.id,
                due_at=datetime.fromisoformat(r.due_at),
                what=r.what,
                created_at=datetime.fromisoformat(r.created_at),
                report_id=r.report_id,
                location_id=r.location_id,
                done_at=_dt(r.done_at),
            )
            for r in self.case.followup_rows(open_only)
        ]

    def overdue(self, now: datetime | None = None) -> list[FollowUp]:
        """Open follow-ups past their due time, the longest overdue first."""
        moment = now or utcnow()
        return [f for f in self.followups(open_only=True) if f.overdue(moment)]

    # -- the joined timeline ------------------------------------------------------------------------

    def entries(self, include_findings: bool = True) -> list[TimelineEntry]:
        """Everything on one clock, oldest first: takedown records and the audit's access paths."""
        out: list[TimelineEntry] = []
        for loc in self.locations():
            out.append(
                TimelineEntry(
                    loc.first_seen,
                    "content",
                    f"Content seen on {loc.platform} ({loc.kind.value}): {loc.url} — now {loc.status.value}",
                    {"location_id": loc.id},
                )
            )
        for item in self.evidence():
            words = f"Evidence kept: {item.file_name}, SHA-256 {item.sha256}"
            if item.reupload_of:
                words += f" — the same picture as evidence {item.reupload_of} (a reupload)"
            out.append(TimelineEntry(item.captured_at, "evidence", words, {"evidence_id": item.id}))
        for report in self.reports():
            ref = f" (reference {report.reference})" if report.reference else ""
            out.append(TimelineEntry(report.sent_at, "report", f"{report.channel.label} sent{ref}", {"id": report.id}))
        for response in self.responses():
            out.append(
                TimelineEntry(
                    response.received_at,
                    "response",
                    f"Answer to report {response.report_id}: {response.outcome.value}",
                    {"report_id": response.report_id},
                )
            )
        for followup in self.followups():
            state = f"done {followup.done_at.date().isoformat()}" if followup.done_at else "open"
            out.append(TimelineEntry(followup.due_at, "follow-up", f"Follow-up due: {followup.what} ({state})", {}))
        if include_findings:
            out.extend(self.finding_entries())
            out.extend(self.change_entries())
        out.sort(key=lambda e: (e.at, e.kind))
        return out

    # -- changes made through the tool --------------------------------------------------------------

    def path_events(self) -> list[PathEvent]:
        """Every change the person made through the tool (or tried to) and every record put back, oldest first."""
        return path_events(self.case)

    def path_states(self) -> dict[str, PathState]:
        """Per finding, the latest word of those events: closed by you, or reopened by a restore."""
        return path_states(self.path_events())

    def change_entries(self) -> list[TimelineEntry]:
        """One entry per change and restore: what was done, when, and (for a change) its event id, which
        `auditor fix --restore` takes."""
        out = []
        for event in self.path_events():
            # The id first: listings cut long lines, and the id is what a restore is asked for by.
            words = f"[event {event.id}] {event.summary}" + (f" — {event.how}" if event.how else "")
            reason = str(event.record.get("reason") or "")
            if reason and event.outcome in ("not-changed", "not-put-back"):
                words += f" ({reason})"
            kind = "change" if event.kind == "fix" else "restore"
            out.append(TimelineEntry(event.at, kind, words, {"event_id": event.id, "fingerprint": event.fingerprint}))
        return out

    def finding_entries(self) -> list[TimelineEntry]:
        """Access paths found, confirmed and closed, derived from the stored audit runs and decisions."""
        out, _, _ = self._access_paths()
        titles = {e.ref.get("fingerprint"): e.summary.split(": ", 1)[-1] for e in out}
        for decision in self.case.decision_rows():
            fp = decision.fingerprint
            if decision.answer not in ("mine", "not-mine") or fp not in titles:
                continue
            words = "Confirmed as an access path" if decision.answer == "not-mine" else "Confirmed as the person's own"
            out.append(
                TimelineEntry(
                    datetime.fromisoformat(decision.decided_at),
                    "access-path",
                    f"{words}: {titles[fp]}",
                    {"fingerprint": fp},
                )
            )
        return out

    def not_checked(self) -> list[Finding]:
        """Checks that could not complete the last time they ran on an account ("couldn't check").

        What they look at is unknown — never to be read as clear in a report.
        """
        latest: dict[tuple[str, str], list[Finding]] = {}
        for run in self.case.runs():
            in_run: dict[tuple[str, str], list[Finding]] = {}
            for f in self.case.findings_of(run.id):
                in_run.setdefault((f.check, f.target), []).append(f)
            latest.update(in_run)
        return [f for findings in latest.values() for f in findings if f.status is Status.ERROR]

    def findings_summary(self) -> tuple[list[Finding], list[Finding]]:
        """(access paths still open — or not checked again since —, access paths closed since first found)."""
        _, still_open, closed = self._access_paths()
        return still_open, closed

    def _access_paths(self) -> tuple[list[TimelineEntry], list[Finding], list[Finding]]:
        """Walk the stored runs in order: (found/closed entries, paths open at the end, paths closed).

        A path is closed only by a later run in which its check completed on the same account without it.
        A run that did not run that check, or in which the check failed, was skipped or waits for a look by
        hand, leaves it open: a check that did not look proves nothing.
        """
        entries: list[TimelineEntry] = []
        open_now: dict[str, Finding] = {}
        closed: dict[str, Finding] = {}
        for run in self.case.runs():
            at = datetime.fromisoformat(run.finished_at or run.started_at)
            findings = self.case.findings_of(run.id)
            completed: dict[tuple[str, str], bool] = {}
            for f in findings:
                key = (f.check, f.target)
                completed[key] = completed.get(key, True) and f.status not in _NOT_LOOKED
            current = {f.fingerprint: f for f in findings if f.status in (Status.FOUND, Status.REVIEW)}
            for fp, finding in current.items():
                if fp not in open_now:
                    closed.pop(fp, None)
                    entries.append(
                        TimelineEntry(
                            finding.observed_at,
                            "access-path",
                            f"Access path found: {finding.title} ({finding.target})",
                            {"fingerprint": fp},
                        )
                    )
            for fp, finding in open_now.items():
                if fp in current:
                    continue
                if not completed.get((finding.check, finding.target), False):
                    current[fp] = finding  # not looked at again: still open
                    continue
                closed[fp] = finding
                entries.append(
                    TimelineEntry(
                        at,
                        "access-path",
                        f"Access path closed: {finding.title} ({finding.target})",
                        {"fingerprint": fp},
                    )
                )
            open_now = current
        # A path the person closed through the tool, not seen again since: closed, though no full audit has run.
        for fp, state in self.path_states().items():
            still = open_now.get(fp)
            if still is not None and state.closed and state.at >= still.observed_at:
                closed[fp] = open_now.pop(fp)
        return entries, list(open_now.values()), list(closed.values())
