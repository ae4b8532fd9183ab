"""Advocate sessions kept in the encrypted case: the consent given, and only what it allows.

A session row always holds the consent choices (so anyone opening the case later can see what the person
agreed to). Concerns, devices and accounts, the people with access, and notes are written only when the
matching consent was given; a refused note is an error, never written quietly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from auditor.errors import UsageError
from auditor.guided.source import GUIDED_KINDS
from auditor.model import utcnow
from auditor.session.intake import Access, Concern, Consent, Intake, Item
from auditor.store import CaseStore, SessionRow

NOTE_KINDS = ("note", "safety-plan")


@dataclass(frozen=True)
class Session:
    id: int
    started_at: datetime
    intake: Intake


@dataclass(frozen=True)
class Note:
    id: int
    at: datetime
    kind: str
    text: str


def start_session(case: CaseStore, intake: Intake) -> Session:
    """Record a new session: the consent and what it allows. Guided accounts join the case's accounts."""
    kept = intake.kept()
    started = utcnow()
    with case.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO sessions (started_at, consent, concerns) VALUES (?, ?, ?)",
            (
                started.isoformat(),
                kept.consent.model_dump_json(),
                json.dumps([c.value for c in kept.concerns]),
            ),
        )
        session_id = int(cursor.lastrowid or 0)
        for item in kept.items:
            conn.execute(
                "INSERT INTO session_items (session_id, kind, label, access) VALUES (?, ?, ?, ?)",
                (session_id, item.kind, item.label, json.dumps([a.model_dump(mode="json") for a in item.access])),
            )
        conn.execute(
            "INSERT INTO events (at, kind, summary, payload) VALUES (?, 'session', ?, ?)",
            (started.isoformat(), "Advocate session started", json.dumps({"session_id": session_id})),
        )
    # Guided kinds need no connection, so recording them is safe: later audits ask their questions per
    # account. Connected kinds are left for `auditor account add`, which warns before connecting.
    for item in kept.items:
        if item.kind in GUIDED_KINDS:
            case.add_account(item.kind, item.label)
    return Session(session_id, started, kept)


def latest_session(case: CaseStore) -> Session | None:
    row = case.latest_session_row()
    return _session(case, row) if row is not None else None


def sessions(case: CaseStore) -> list[Session]:
    return [_session(case, r) for r in case.session_rows()]


def _session(case: CaseStore, row: SessionRow) -> Session:
    items = tuple(
        Item(kind=r.kind, label=r.label, access=tuple(Access.model_validate(a) for a in json.loads(r.access)))
        for r in case.session_item_rows(row.id)
    )
    intake = Intake(
        consent=Consent.model_validate_json(row.consent),
        concerns=tuple(Concern(c) for c in json.loads(row.concerns)),
        items=items,
    )
    return Session(int(row.id), datetime.fromisoformat(row.started_at), intake)


def require_session(case: CaseStore) -> Session:
    session = latest_session(case)
    if session is None:
        raise UsageError(f"the case {case.name!r} has no session yet: start one with `auditor session start`")
    return session


NOTES_REFUSED = "the person did not agree to notes being kept in this session; nothing was written"


def refuse_note_without_consent(case: CaseStore, text: str) -> None:
    """A note typed with something else (a guided answer, a profile) is refused when the session refused notes.

    Without any session, the person typing it is the one who decides, so it is allowed.
    """
    session = latest_session(case)
    if text.strip() and session is not None and not session.intake.consent.notes:
        raise UsageError(NOTES_REFUSED + " (give it again without the note)")


def add_note(case: CaseStore, text: str, kind: str = "note") -> Note:
    """Keep a note in the latest session — only if the person agreed to notes being kept."""
    if kind not in NOTE_KINDS:
        raise UsageError(f"{kind!r} is not a kind of note; use one of {', '.join(NOTE_KINDS)}")
    if not text.strip():
        raise UsageError("the note is empty")
    session = require_session(case)
    if not session.intake.consent.notes:
        raise UsageError(NOTES_REFUSED)
    at = utcnow()
    with case.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO session_notes (session_id, at, kind, text) VALUES (?, ?, ?, ?)",
            (session.id, at.isoformat(), kind, text),
        )
    return Note(int(cursor.lastrowid or 0), at, kind, text)


def notes(case: CaseStore, session: Session | None = None) -> list[Note]:
    session = session or latest_session(case)
    if session is None:
        return []
    return [Note(int(r.id), datetime.fromisoformat(r.at), r.kind, r.text) for r in case.session_note_rows(session.id)]
