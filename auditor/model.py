"""The typed, serialisable records every other part of the tool passes around."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Status(str, Enum):
    """What a check concluded. The order of the members is the order findings are shown in."""

    FOUND = "found"
    REVIEW = "review"
    ERROR = "error"
    MANUAL = "manual"
    CLEAR = "clear"
    SKIPPED = "skipped"

    @property
    def label(self) -> str:
        """The words shown to the person (never the colour alone)."""
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    Status.FOUND: "Found",
    Status.REVIEW: "Is this yours?",
    Status.CLEAR: "Looks clear",
    Status.MANUAL: "Check by hand",
    Status.ERROR: "Couldn't check",
    Status.SKIPPED: "Not applicable",
}


class Severity(str, Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 is the most severe."""
        return list(Severity).index(self)


KINDS = ("device", "google", "microsoft", "exchange", "android", "ios", "apple", "social", "carrier")

_CHECK_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_PLAYBOOK_ID = re.compile(r"^[a-z][a-z0-9-]*$")


class CheckSpec(BaseModel):
    """Declarative metadata of one check, validated when the check is loaded."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(description="stable dotted ID, e.g. google.gmail.autoforward")
    title: str = Field(min_length=3, description="what the check looks for, in plain words")
    kind: str = Field(description="the kind of source it audits: device, google, microsoft, ...")
    severity: Severity = Field(description="severity of what it finds, unless a finding says otherwise")
    reads: tuple[str, ...] = Field(min_length=1, description="what it reads, for `auditor checks`")
    playbooks: tuple[str, ...] = Field(min_length=1, description="playbook IDs that remediate its findings")
    needs: tuple[str, ...] = Field(default=(), description="context clients the check uses")
    timeout: float = Field(default=60.0, gt=0, le=600)
    automated: bool = Field(default=True, description="False for guided manual checks")

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _CHECK_ID.match(value):
            raise ValueError(f"check ID {value!r} must be dotted lowercase words, e.g. device.processes")
        return value

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in KINDS:
            raise ValueError(f"kind {value!r} is not one of {', '.join(KINDS)}")
        return value

    @field_validator("playbooks")
    @classmethod
    def _playbook_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pid in value:
            if not _PLAYBOOK_ID.match(pid):
                raise ValueError(f"playbook ID {pid!r} must be lowercase words joined by '-'")
        return value


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def fingerprint(check: str, target: str, subject: str) -> str:
    """Stable identity of a finding across re-audits: the same path on the same account."""
    raw = "\x1f".join((check, target, subject)).encode("utf-8", "surrogatepass")
    return hashlib.sha256(raw).hexdigest()[:20]


@dataclass(frozen=True)
class Finding:
    """One result of one check on one account or device."""

    check: str
    target: str
    status: Status
    severity: Severity
    title: str
    detail: str = ""
    subject: str = ""
    evidence: Mapping[str, Any] = field(default_factory=dict)
    playbooks: Sequence[str] = ()
    observed_at: datetime = field(default_factory=utcnow)
    fingerprint: str = ""

    def __post_init__(self) -> None:
        if not self.fingerprint:
            object.__setattr__(self, "fingerprint", fingerprint(self.check, self.target, self.subject))
        object.__setattr__(self, "playbooks", tuple(self.playbooks))

    @property
    def sort_key(self) -> tuple[int, int, str, str]:
        return (list(Status).index(self.status), self.severity.rank, self.target, self.title)

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "status": self.status.value,
            "severity": self.severity.value,
            "title": self.title,
            "detail": self.detail,
            "target": self.target,
            "subject": self.subject,
            "evidence": _jsonable(self.evidence),
            "playbooks": list(self.playbooks),
            "observed_at": self.observed_at.isoformat(),
            "fingerprint": self.fingerprint,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        return cls(
            check=data["check"],
            target=data["target"],
            status=Status(data["status"]),
            severity=Severity(data["severity"]),
            title=data["title"],
            detail=data.get("detail", ""),
            subject=data.get("subject", ""),
            evidence=dict(data.get("evidence") or {}),
            playbooks=tuple(data.get("playbooks") or ()),
            observed_at=datetime.fromisoformat(data["observed_at"]),
            fingerprint=data.get("fingerprint", ""),
        )

    def evidence_json(self) -> str:
        """The evidence record as canonical JSON (what gets hashed when it is saved as evidence)."""
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


@dataclass
class AuditRun:
    """Every finding of one audit, and what the command line exits with."""

    started_at: datetime
    finished_at: datetime | None = None
    findings: list[Finding] = field(default_factory=list)
    practice: bool = False

    @property
    def exit_code(self) -> int:
        """0 every automated check clear; 1 found or needs review; 3 nothing found but incomplete."""
        statuses = {f.status for f in self.findings}
        if statuses & {Status.FOUND, Status.REVIEW}:
            return 1
        if Status.ERROR in statuses:
            return 3
        return 0

    def counts(self) -> dict[Status, int]:
        out = dict.fromkeys(Status, 0)
        for f in self.findings:
            out[f.status] += 1
        return out

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: f.sort_key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "practice": self.practice,
            "exit_code": self.exit_code,
            "counts": {s.value: n for s, n in self.counts().items()},
            "findings": [f.to_dict() for f in self.sorted_findings()],
        }
