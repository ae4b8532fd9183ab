"""Saving a finding into the case as evidence: the raw record, its SHA-256 and when it was saved."""

from __future__ import annotations

import hashlib
from typing import Any

from auditor.model import Finding, utcnow


def save_finding_as_evidence(case: Any, finding: Finding) -> str:
    """Record ``finding`` in the case; returns the SHA-256 of the saved record."""
    record = finding.evidence_json()
    digest = hashlib.sha256(record.encode("utf-8", "surrogatepass")).hexdigest()
    case.add_event(
        "evidence",
        f"Saved as evidence: {finding.title}",
        {
            "fingerprint": finding.fingerprint,
            "check": finding.check,
            "target": finding.target,
            "saved_at": utcnow().isoformat(),
            "sha256": digest,
            "record": record,
        },
    )
    return digest


def saved_evidence(case: Any, fingerprint: str) -> str | None:
    """The SHA-256 of this finding's saved evidence, if it was saved (newest first)."""
    before: int | None = None
    while True:
        page = case.events(limit=200, before_id=before)
        for event in page:
            payload = event.get("payload") or {}
            if event["kind"] == "evidence" and payload.get("fingerprint") == fingerprint:
                return str(payload.get("sha256", ""))
        if len(page) < 200:
            return None
        before = min(e["id"] for e in page)
