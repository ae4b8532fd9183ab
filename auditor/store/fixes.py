"""The case's record of the changes the person made through the tool: each change confirmed and sent (or not
sent), and each record put back on request.

They live in the case's event log (kind ``fix`` or ``restore``), one event each, with what the timeline needs
to say "closed by you at T" and to recreate what was removed: the change, the record as it was found, the
provider's answer and whether the path was closed. The rows keep the database's own types (times as ISO 8601
text, the record as the JSON it was written as); :mod:`auditor.timeline.fixes` reads them as typed records.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Literal, NamedTuple

from auditor.model import utcnow

FIX_EVENT = "fix"
RESTORE_EVENT = "restore"
PathEventKind = Literal["fix", "restore"]


class PathEventRow(NamedTuple):
    """One change made (or tried) through the tool, or one record put back."""

    id: int
    at: str
    kind: str  # "fix" or "restore"
    summary: str
    payload: dict[str, Any]


class FixTables:
    """The writes and reads of the path events; :class:`auditor.store.CaseStore` has them."""

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError  # CaseStore's own

    def transaction(self) -> AbstractContextManager[Any]:
        raise NotImplementedError  # CaseStore's own

    def add_path_event(
        self, kind: PathEventKind, summary: str, record: Mapping[str, Any], at: datetime | None = None
    ) -> int:
        """Keep one change (``fix``) or one restore (``restore``) in the event log, in one transaction; its id."""
        if kind not in (FIX_EVENT, RESTORE_EVENT):
            raise ValueError(f"a path event is {FIX_EVENT!r} or {RESTORE_EVENT!r}, not {kind!r}")
        payload = json.dumps(dict(record), ensure_ascii=False, default=str)
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO events (at, kind, summary, payload) VALUES (?, ?, ?, ?)",
                ((at or utcnow()).isoformat(), kind, summary, payload),
            )
        return int(cursor.lastrowid or 0)

    def path_event_rows(self) -> list[PathEventRow]:
        """Every change and restore, oldest first."""
        rows = self._query(
            "SELECT id, at, kind, summary, payload FROM events WHERE kind IN (?, ?) ORDER BY at, id",
            (FIX_EVENT, RESTORE_EVENT),
        )
        return list(_rows(rows))

    def path_event_row(self, event_id: int) -> PathEventRow | None:
        rows = self._query(
            "SELECT id, at, kind, summary, payload FROM events WHERE id = ? AND kind IN (?, ?)",
            (event_id, FIX_EVENT, RESTORE_EVENT),
        )
        return next(_rows(rows), None)


def _rows(rows: Sequence[tuple[Any, ...]]) -> Iterator[PathEventRow]:
    for r in rows:
        payload = json.loads(r[4])
        yield PathEventRow(int(r[0]), str(r[1]), str(r[2]), str(r[3]), payload if isinstance(payload, dict) else {})
