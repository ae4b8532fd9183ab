"""The records of a takedown timeline: where content appeared, what was kept, what was sent, what came back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import Enum
from urllib.parse import urlsplit

from auditor.errors import UsageError


class LocationKind(str, Enum):
    ORIGINAL = "original"
    MIRROR = "mirror"
    IMPERSONATION = "impersonation-profile"
    SEARCH_RESULT = "search-result"


class LocationStatus(str, Enum):
    LIVE = "live"
    REPORTED = "reported"
    REMOVED = "removed"
    REFUSED = "refused"
    REAPPEARED = "reappeared"


class Channel(str, Enum):
    PLATFORM_NCII = "platform-ncii"
    HOSTING_ABUSE = "hosting-abuse"
    CDN_ABUSE = "cdn-abuse"
    SEARCH_DEINDEX = "search-deindex"
    DMCA = "dmca"
    TAKE_IT_DOWN = "take-it-down"
    STOPNCII = "stopncii"
    POLICE = "police"
    IC3 = "ic3"
    NCMEC = "ncmec"

    @property
    def label(self) -> str:
        return _CHANNEL_LABELS[self]

    @property
    def covered_platform(self) -> bool:
        """A removal request to a covered platform starts the TAKE IT DOWN Act's removal window."""
        return self in (Channel.PLATFORM_NCII, Channel.TAKE_IT_DOWN)


_CHANNEL_LABELS = {
    Channel.PLATFORM_NCII: "Platform's intimate-image report form",
    Channel.HOSTING_ABUSE: "Hosting provider abuse report",
    Channel.CDN_ABUSE: "CDN abuse report",
    Channel.SEARCH_DEINDEX: "Search engine removal request",
    Channel.DMCA: "DMCA notice",
    Channel.TAKE_IT_DOWN: "TAKE IT DOWN Act removal request",
    Channel.STOPNCII: "StopNCII case",
    Channel.POLICE: "Police report",
    Channel.IC3: "FBI IC3 complaint",
    Channel.NCMEC: "NCMEC report (Take It Down / CyberTipline)",
}


class Outcome(str, Enum):
    REMOVED = "removed"
    REFUSED = "refused"
    MORE_INFO = "more-info-needed"
    ACKNOWLEDGED = "acknowledged"
    PARTIAL = "partially-removed"

    @property
    def final(self) -> bool:
        """A final answer closes the report's follow-ups; the others leave them open."""
        return self in (Outcome.REMOVED, Outcome.REFUSED)


# How long to wait before chasing a report to a channel outside the TAKE IT DOWN Act's window.
OTHER_FOLLOWUP_HOURS = 7 * 24
# The longest wait a follow-up can be set to (ten years): a typo of extra digits is refused, not stored.
MAX_FOLLOWUP_HOURS = 10 * 366 * 24
# The dates a timeline holds: wide enough for any real record, narrow enough that a follow-up window added
# to one never runs off the calendar.
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class ContentLocation:
    id: int
    url: str
    platform: str
    kind: LocationKind
    first_seen: datetime
    status: LocationStatus
    note: str = ""


@dataclass(frozen=True)
class EvidenceItem:
    """One kept item. ``content`` is loaded only when asked for (it can be a large file)."""

    id: int
    kind: str  # "file" or "finding"
    file_name: str
    media_type: str
    size: int
    sha256: str
    captured_at: datetime
    source_url: str = ""
    note: str = ""
    finding_fingerprint: str | None = None
    location_id: int | None = None
    perceptual_hash: str | None = None
    perceptual_quality: int | None = None
    reupload_of: int | None = None


@dataclass(frozen=True)
class Report:
    id: int
    channel: Channel
    sent_at: datetime
    reference: str = ""
    sent_text: str = ""
    recipient: str = ""
    note: str = ""
    location_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Response:
    id: int
    report_id: int
    received_at: datetime
    outcome: Outcome
    note: str = ""


@dataclass(frozen=True)
class FollowUp:
    id: int
    due_at: datetime
    what: str
    created_at: datetime
    report_id: int | None = None
    location_id: int | None = None
    done_at: datetime | None = None

    def overdue(self, now: datetime) -> bool:
        return self.done_at is None and self.due_at < now


@dataclass(frozen=True)
class Mismatch:
    """An evidence item whose stored bytes no longer match the SHA-256 recorded when it was kept."""

    evidence_id: int
    file_name: str
    recorded_sha256: str
    actual_sha256: str
    recorded_size: int
    actual_size: int


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the joined timeline: takedown records and audit findings on one clock."""

    at: datetime
    kind: str
    summary: str
    ref: dict[str, object] = field(default_factory=dict)


# -- parsing what a person types -------------------------------------------------------------------------


def parse_when(text: str, what: str = "date") -> datetime:
    """An ISO 8601 date or date-time; a time without a zone is taken as UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"{what} {text!r} is not an ISO 8601 date or time, e.g. 2026-11-20 or 2026-11-20T14:30:00+01:00"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    try:
        value = value.astimezone(timezone.utc)
    except OverflowError:  # e.g. 0001-01-01 with a zone east of UTC
        value = EARLIEST - timedelta(days=1)
    if not EARLIEST <= value < LATEST:
        raise UsageError(f"{what} {text!r} is not a date from {EARLIEST.year} to {LATEST.year - 1}")
    return value


def check_followup_hours(hours: int, what: str = "the follow-up time") -> int:
    if not 1 <= hours <= MAX_FOLLOWUP_HOURS:
        raise UsageError(f"{what} must be from 1 to {MAX_FOLLOWUP_HOURS} hours (ten years); it is {hours}")
    return hours


def check_url(text: str) -> str:
    """A web address with a scheme and a host, kept exactly as given (it is evidence)."""
    value = text.strip()
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError as exc:  # e.g. an unclosed [IPv6] bracket
        raise UsageError(f"{text!r} is not a web address: {exc}") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise UsageError(f"{text!r} is not a web address: it needs http:// or https:// and a host name")
    if any(ch.isspace() for ch in value):
        raise UsageError(f"{text!r} is not a web address: it contains spaces")
    return value


def enum_value(kind: type[Enum], text: str, what: str) -> Enum:
    try:
        return kind(text)
    except ValueError:
        choices = ", ".join(str(m.value) for m in kind)
        raise UsageError(f"{what} {text!r} is not one of: {choices}") from None
