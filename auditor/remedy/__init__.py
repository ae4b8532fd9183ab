"""Closing an access path: one exact change per finding, confirmed by the person, with what it removed kept.

The tool is read-only until the person confirms one change. This package holds what every provider's
remedies share; the flow around it (safety note, evidence frozen first, confirmation, the narrow write
permission asked for only then, the change sent, the check run again, the timeline event) is
:mod:`auditor.application.fixing`, the same from the command line and the app.

A provider's remedies live in ``auditor/remedy/<kind>.py`` and export ``REMEDIES``, an object speaking
:class:`Remedies`:

- ``changes_for(finding)`` — pure: the changes that would close the finding, built from its evidence record
  (what was found, with the provider's ids). Nothing is sent. An empty list means the tool cannot close this
  one for the person (the playbook's steps by hand remain).
- ``by_hand(change, request)`` — why this change cannot be made from here (e.g. Gmail's forwarding settings
  without a Workspace service account), said when the change is planned instead of after a confirmation;
  None when it can be.
- ``open_writer(request)`` — asks for the narrowest write permission the changes need (incremental
  consent: the case's read-only sign-in is left as it was; the write permission lives in memory for this
  sitting and is never stored) and returns a :class:`Writer`.
- A writer's ``apply(change)`` sends exactly that change and nothing else; ``restore(applied)`` puts back
  what the change removed, when safety needs it.

Guided paths (this computer, a phone) have no writer: their change is ``guided`` — the playbook says how,
the person says "done", and the check runs again.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from auditor.model import Finding, utcnow

__all__ = [
    "REMEDY_MODULES",
    "Applied",
    "Change",
    "Permission",
    "Remedies",
    "Writer",
    "WriterRequest",
    "permissions_of",
    "remedies_for",
]


@dataclass(frozen=True)
class Permission:
    """A write permission a change needs, as the provider names it and in plain words.

    ``broad`` is set where the provider has no narrow permission for the change (Google Drive: removing a
    sharing permission from a file this tool did not create needs the full Drive scope); ``why_broad`` is
    then said to the person before they are asked.
    """

    name: str
    words: str
    broad: bool = False
    why_broad: str = ""


@dataclass(frozen=True)
class Change:
    """One change that closes (part of) one finding's access path.

    ``words`` is what the person confirms ("Turn off automatic forwarding to x@example.net");
    ``request`` is the exact request that will be sent, for the record; ``before`` is the record as it
    was found, kept in the timeline so it can be recreated.
    """

    fingerprint: str
    kind: str
    target: str
    action: str
    subject: str
    words: str
    request: str
    before: Mapping[str, Any]
    permission: Permission | None = None  # None for a guided change (the person makes it by hand)
    restorable: bool = True
    restore_note: str = ""

    @property
    def guided(self) -> bool:
        return self.permission is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "kind": self.kind,
            "target": self.target,
            "action": self.action,
            "subject": self.subject,
            "words": self.words,
            "request": self.request,
            "before": dict(self.before),
            "permission": None
            if self.permission is None
            else {
                "name": self.permission.name,
                "words": self.permission.words,
                "broad": self.permission.broad,
                "why_broad": self.permission.why_broad,
            },
            "restorable": self.restorable,
            "restore_note": self.restore_note,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Change:
        raw = data.get("permission")
        permission = None if not raw else Permission(raw["name"], raw["words"], raw["broad"], raw["why_broad"])
        return cls(
            fingerprint=data["fingerprint"],
            kind=data["kind"],
            target=data["target"],
            action=data["action"],
            subject=data["subject"],
            words=data["words"],
            request=data["request"],
            before=dict(data["before"]),
            permission=permission,
            restorable=bool(data.get("restorable", True)),
            restore_note=str(data.get("restore_note", "")),
        )


@dataclass(frozen=True)
class Applied:
    """A change the provider accepted: when, and what it answered (e.g. the id of a recreated record)."""

    change: Change
    at: datetime = field(default_factory=utcnow)
    answer: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WriterRequest:
    """What a writer may use: the account, the changes it will be asked to send (so it asks for exactly
    their permissions), the case (for its stored sign-in settings), the settings, the endpoint override
    (practice servers and tests), and how to show the person what the sign-in needs them to do."""

    target: str
    changes: Sequence[Change]
    case: Any = None
    settings: Any = None
    endpoint: str | None = None
    token: str | None = None
    show: Any = None
    extra: Mapping[str, Any] = field(default_factory=dict)


class Writer(Protocol):
    async def apply(self, change: Change) -> Applied: ...

    async def restore(self, applied: Applied) -> Applied: ...

    async def aclose(self) -> None: ...


class Remedies(Protocol):
    kind: str

    def changes_for(self, finding: Finding) -> list[Change]: ...

    def by_hand(self, change: Change, request: WriterRequest) -> str | None:
        """Why the tool cannot make ``change`` here (said at planning, before anything is confirmed), or None."""
        ...

    async def open_writer(self, request: WriterRequest) -> Writer: ...


# kind -> module exporting REMEDIES; imported only when a change is planned for that kind.
REMEDY_MODULES: dict[str, str] = {
    "google": "auditor.remedy.google",
    "microsoft": "auditor.remedy.microsoft",
    "exchange": "auditor.remedy.exchange",
    "device": "auditor.remedy.guided",
    "android": "auditor.remedy.guided",
    "ios": "auditor.remedy.guided",
}


def remedies_for(kind: str) -> Remedies | None:
    """The remedies of a kind, or None where the tool changes nothing for that kind (guided checks only)."""
    module = REMEDY_MODULES.get(kind)
    if module is None:
        return None
    loaded: Remedies = importlib.import_module(module).REMEDIES
    return loaded


def permissions_of(changes: Sequence[Change]) -> list[Permission]:
    """The distinct permissions a set of changes needs, in order of first use."""
    seen: dict[str, Permission] = {}
    for change in changes:
        if change.permission is not None and change.permission.name not in seen:
            seen[change.permission.name] = change.permission
    return list(seen.values())
