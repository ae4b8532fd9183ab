"""Reading the takedown tables of a case: content locations, evidence, reports, responses and follow-ups.

:class:`auditor.timeline.Timeline` turns these rows into its records. The rows keep the database's own types
(times as ISO 8601 text, kinds and statuses as their stored words), so the store needs nothing from the
timeline above it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

_LOCATION_COLUMNS = "id, url, platform, kind, first_seen, status, note"
_EVIDENCE_COLUMNS = (
    "id, kind, file_name, media_type, size, sha256, captured_at, source_url, note, finding_fingerprint, "
    "location_id, perceptual_hash, perceptual_quality, reupload_of"
)
_REPORT_COLUMNS = "id, channel, sent_at, reference, sent_text, recipient, note"
_RESPONSE_COLUMNS = "id, report_id, received_at, outcome, note"
_FOLLOWUP_COLUMNS = "id, due_at, what, created_at, report_id, location_id, done_at"


class ContentLocationRow(NamedTuple):
    """Where the content was seen online."""

    id: int
    url: str
    platform: str
    kind: str
    first_seen: str
    status: str
    note: str


class EvidenceRow(NamedTuple):
    """One kept item, without its bytes (:meth:`TakedownTables.evidence_content` reads those)."""

    id: int
    kind: str
    file_name: str
    media_type: str
    size: int
    sha256: str
    captured_at: str
    source_url: str
    note: str
    finding_fingerprint: str | None
    location_id: int | None
    perceptual_hash: str | None
    perceptual_quality: int | None
    reupload_of: int | None


class PerceptualHashRow(NamedTuple):
    """An evidence item's perceptual hash, for finding a reupload of the same picture."""

    evidence_id: int
    perceptual_hash: str
    perceptual_quality: int  # written with the hash, so present whenever the hash is
    reupload_of: int | None


class ReportRow(NamedTuple):
    """A report that was sent, with the content locations it was about."""

    id: int
    channel: str
    sent_at: str
    reference: str
    sent_text: str
    recipient: str
    note: str
    location_ids: tuple[int, ...]


class ResponseRow(NamedTuple):
    id: int
    report_id: int
    received_at: str
    outcome: str
    note: str


class FollowUpRow(NamedTuple):
    id: int
    due_at: str
    what: str
    created_at: str
    report_id: int | None
    location_id: int | None
    done_at: str | None


class TakedownTables:
    """The reads of the takedown tables; :class:`auditor.store.CaseStore` has them."""

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError  # CaseStore's own

    # -- content locations --------------------------------------------------------------------------

    def content_location_rows(self) -> list[ContentLocationRow]:
        """Every content location, in the order they were added."""
        return [
            ContentLocationRow(*r)
            for r in self._query(f"SELECT {_LOCATION_COLUMNS} FROM content_locations ORDER BY id")
        ]

    def content_location_row(self, location_id: int) -> ContentLocationRow | None:
        rows = self._query(f"SELECT {_LOCATION_COLUMNS} FROM content_locations WHERE id = ?", (location_id,))
        return ContentLocationRow(*rows[0]) if rows else None

    # -- evidence -----------------------------------------------------------------------------------

    def evidence_rows(self) -> list[EvidenceRow]:
        """Every kept item (without its bytes), in the order they were kept."""
        return [EvidenceRow(*r) for r in self._query(f"SELECT {_EVIDENCE_COLUMNS} FROM evidence ORDER BY id")]

    def evidence_row(self, evidence_id: int) -> EvidenceRow | None:
        rows = self._query(f"SELECT {_EVIDENCE_COLUMNS} FROM evidence WHERE id = ?", (evidence_id,))
        return EvidenceRow(*rows[0]) if rows else None

    def evidence_content(self, evidence_id: int) -> bytes | None:
        """The kept bytes of one item, exactly as they were stored; None when there is no such item."""
        rows = self._query("SELECT content FROM evidence WHERE id = ?", (evidence_id,))
        return bytes(rows[0][0]) if rows else None

    def perceptual_hash_rows(self) -> list[PerceptualHashRow]:
        """The items that have a perceptual hash, oldest first (an earlier match is the original)."""
        rows = self._query(
            "SELECT id, perceptual_hash, perceptual_quality, reupload_of FROM evidence "
            "WHERE perceptual_hash IS NOT NULL ORDER BY id"
        )
        return [PerceptualHashRow(*r) for r in rows]

    # -- reports, responses, follow-ups -------------------------------------------------------------

    def report_rows(self) -> list[ReportRow]:
        """Every report sent, in the order they were sent."""
        rows = self._query(f"SELECT {_REPORT_COLUMNS} FROM reports ORDER BY sent_at, id")
        return [self._report_row(r) for r in rows]

    def report_row(self, report_id: int) -> ReportRow | None:
        rows = self._query(f"SELECT {_REPORT_COLUMNS} FROM reports WHERE id = ?", (report_id,))
        return self._report_row(rows[0]) if rows else None

    def _report_row(self, r: tuple[Any, ...]) -> ReportRow:
        linked = self._query(
            "SELECT location_id FROM report_locations WHERE report_id = ? ORDER BY location_id", (r[0],)
        )
        report_id, channel, sent_at, reference, sent_text, recipient, note = r
        location_ids = tuple(int(row[0]) for row in linked)
        return ReportRow(report_id, channel, sent_at, reference, sent_text, recipient, note, location_ids)

    def response_rows(self, report_id: int | None = None) -> list[ResponseRow]:
        """The answers received, in the order they came: to one report, or to all of them."""
        sql = f"SELECT {_RESPONSE_COLUMNS} FROM responses"
        if report_id is None:
            rows = self._query(sql + " ORDER BY received_at, id")
        else:
            rows = self._query(sql + " WHERE report_id = ? ORDER BY received_at, id", (report_id,))
        return [ResponseRow(*r) for r in rows]

    def followup_rows(self, open_only: bool = False) -> list[FollowUpRow]:
        """The follow-ups, soonest due first; with ``open_only``, those not done yet."""
        sql = f"SELECT {_FOLLOWUP_COLUMNS} FROM followups"
        if open_only:
            sql += " WHERE done_at IS NULL"
        return [FollowUpRow(*r) for r in self._query(sql + " ORDER BY due_at, id")]

    def has_followup(self, followup_id: int) -> bool:
        return bool(self._query("SELECT 1 FROM followups WHERE id = ?", (followup_id,)))
