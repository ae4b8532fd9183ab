"""Machine-readable exports: one JSON document, and a Timesketch CSV of the timeline."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

from auditor.safetext import literal

# Timesketch's CSV importer needs message, datetime (ISO 8601) and timestamp_desc.
TIMESKETCH_COLUMNS = ("message", "datetime", "timestamp_desc", "timestamp", "kind")

_DESCRIPTIONS = {
    "content": "Content first seen",
    "evidence": "Evidence captured",
    "report": "Report sent",
    "response": "Answer received",
    "follow-up": "Follow-up due",
    "access-path": "Audit",
}


def to_json(data: dict[str, Any]) -> bytes:
    """Exact values, written as ASCII: bidi and control characters stay escapes, even printed to a terminal."""
    return (json.dumps(data, indent=2, ensure_ascii=True) + "\n").encode("ascii")


def to_timesketch_csv(data: dict[str, Any]) -> bytes:
    """One row per timeline entry. Messages are made literal: no control or bidi characters reach a viewer."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TIMESKETCH_COLUMNS)
    for entry in data["timeline"]:
        at = datetime.fromisoformat(entry["at"])
        writer.writerow(
            (
                literal(entry["summary"], None),
                at.isoformat(),
                _DESCRIPTIONS.get(entry["kind"], entry["kind"]),
                int(at.timestamp() * 1_000_000),
                entry["kind"],
            )
        )
    return buffer.getvalue().encode("utf-8")
