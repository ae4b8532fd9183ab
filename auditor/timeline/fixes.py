"""The paths the person closed through the tool, and those put back: the case's path events, read as records.

A ``fix`` event is one confirmed change (or set of changes) sent for one finding, with the record as it was
found, the provider's answer and what the check said when it ran again; a ``restore`` event puts back what a
fix event removed. :func:`path_states` gives, per finding, the latest word: closed by you, or reopened.

A path is "closed by you" only when the check ran again after the change and no longer found it; a change
that was sent but left the path open, or whose re-check could not complete, closes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auditor.store import CaseStore, PathEventRow

# What a fix event says of the path, in the words the case keeps.
CLOSED = "closed"  # the change was made and the check, run again, no longer finds the path
STILL_OPEN = "still-open"  # the change was made and the check still finds it
NOT_CHECKED = "not-checked"  # the change was made but the check could not complete again: not known to be closed
NOT_CHANGED = "not-changed"  # nothing was changed (refused, failed, or the sign-in did not finish)
OUTCOMES = (CLOSED, STILL_OPEN, NOT_CHECKED, NOT_CHANGED)

# What a restore event says.
PUT_BACK = "put-back"
NOT_PUT_BACK = "not-put-back"

OUTCOME_WORDS = {
    CLOSED: "closed",
    STILL_OPEN: "still open",
    NOT_CHECKED: "changed, but the check could not run again: not known to be closed",
    NOT_CHANGED: "not changed",
    PUT_BACK: "put back",
    NOT_PUT_BACK: "not put back",
}


@dataclass(frozen=True)
class PathEvent:
    """One fix or restore event, as kept in the case."""

    id: int
    at: datetime
    kind: str  # "fix" or "restore"
    summary: str
    fingerprint: str
    check: str
    target: str
    title: str
    outcome: str
    how: str  # the changes in the words the person confirmed
    record: Mapping[str, Any]

    @property
    def restore_of(self) -> int | None:
        value = self.record.get("restore_of")
        return int(value) if isinstance(value, int) else None


@dataclass(frozen=True)
class PathState:
    """The latest word on one finding from the path events: closed by the person, or reopened by a restore."""

    fingerprint: str
    closed: bool
    at: datetime
    how: str
    event_id: int

    @property
    def words(self) -> str:
        when = self.at.strftime("%Y-%m-%d %H:%M UTC")
        if self.closed:
            return f"closed by you at {when}: {self.how}" if self.how else f"closed by you at {when}"
        return f"reopened at {when}: put back by you"


def changes_words(changes: Iterable[Mapping[str, Any]]) -> str:
    """The words of the changes in a record, joined ("Delete the filter …; Remove the link …")."""
    return "; ".join(str(c.get("words", "")) for c in changes if isinstance(c, Mapping) and c.get("words"))


def event_of(row: PathEventRow) -> PathEvent:
    record = row.payload
    changes = record.get("changes") or record.get("restored") or []
    return PathEvent(
        id=row.id,
        at=datetime.fromisoformat(row.at),
        kind=row.kind,
        summary=row.summary,
        fingerprint=str(record.get("fingerprint", "")),
        check=str(record.get("check", "")),
        target=str(record.get("target", "")),
        title=str(record.get("title", "")),
        outcome=str(record.get("outcome", "")),
        how=changes_words(changes if isinstance(changes, list) else []),
        record=record,
    )


def path_events(case: CaseStore) -> list[PathEvent]:
    """Every fix and restore event of the case, oldest first."""
    return [event_of(row) for row in case.path_event_rows()]


def path_states(events: Sequence[PathEvent]) -> dict[str, PathState]:
    """Per fingerprint, the latest closing fix or restore (events oldest first). Fixes that closed nothing and
    restores that put nothing back change nothing."""
    states: dict[str, PathState] = {}
    for event in events:
        if event.kind == "fix" and event.outcome == CLOSED:
            states[event.fingerprint] = PathState(event.fingerprint, True, event.at, event.how, event.id)
        elif event.kind == "restore" and event.outcome == PUT_BACK:
            states[event.fingerprint] = PathState(event.fingerprint, False, event.at, event.how, event.id)
    return states


def restored_events(events: Sequence[PathEvent]) -> set[int]:
    """The fix events whose records were put back."""
    return {e.restore_of for e in events if e.kind == "restore" and e.outcome == PUT_BACK and e.restore_of}
