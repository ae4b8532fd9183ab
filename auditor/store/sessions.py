"""Reading the advocate-session tables of a case: sessions, their devices and accounts, and their notes.

:mod:`auditor.session.store` turns these rows into sessions. The rows keep the database's own types (times as
ISO 8601 text, consent and concerns as the JSON they were written as).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

_SESSION_COLUMNS = "id, started_at, consent, concerns"


class SessionRow(NamedTuple):
    id: int
    started_at: str
    consent: str  # JSON
    concerns: str  # JSON list


class SessionItemRow(NamedTuple):
    """A device or account named in a session, and who has or had access to it."""

    kind: str
    label: str
    access: str  # JSON list


class SessionNoteRow(NamedTuple):
    id: int
    at: str
    kind: str
    text: str


class SessionTables:
    """The reads of the session tables; :class:`auditor.store.CaseStore` has them."""

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError  # CaseStore's own

    def session_rows(self) -> list[SessionRow]:
        """Every session, oldest first."""
        return [SessionRow(*r) for r in self._query(f"SELECT {_SESSION_COLUMNS} FROM sessions ORDER BY id")]

    def latest_session_row(self) -> SessionRow | None:
        rows = self._query(f"SELECT {_SESSION_COLUMNS} FROM sessions ORDER BY id DESC LIMIT 1")
        return SessionRow(*rows[0]) if rows else None

    def session_item_rows(self, session_id: int) -> list[SessionItemRow]:
        """The devices and accounts of one session, in the order they were named."""
        rows = self._query(
            "SELECT kind, label, access FROM session_items WHERE session_id = ? ORDER BY id", (session_id,)
        )
        return [SessionItemRow(*r) for r in rows]

    def session_note_rows(self, session_id: int) -> list[SessionNoteRow]:
        """The notes kept in one session, in the order they were written."""
        rows = self._query(
            "SELECT id, at, kind, text FROM session_notes WHERE session_id = ? ORDER BY id", (session_id,)
        )
        return [SessionNoteRow(*r) for r in rows]
