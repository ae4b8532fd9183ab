"""The takedown timeline: content locations, evidence, reports, responses and follow-ups, in the case."""

from auditor.timeline.model import (
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
)
from auditor.timeline.store import Timeline

__all__ = [
    "Channel",
    "ContentLocation",
    "EvidenceItem",
    "FollowUp",
    "LocationKind",
    "LocationStatus",
    "Mismatch",
    "Outcome",
    "Report",
    "Response",
    "Timeline",
    "TimelineEntry",
]
