"""Saving a finding into the case's timeline as evidence: its record as observed, with its SHA-256."""

from __future__ import annotations

from typing import Any


class NotSavedYet(Exception):
    """The finding is not in a saved audit yet (the audit is still running)."""


def save_finding_as_evidence(case: Any, fingerprint: str) -> str:
    """Freeze the finding's record in the case's timeline; returns the SHA-256 of what was kept."""
    from auditor.errors import UsageError
    from auditor.timeline import Timeline

    try:
        item = Timeline(case).add_finding_evidence(fingerprint)
    except UsageError:
        raise NotSavedYet("The audit is still running: save this as evidence once it has finished.") from None
    return item.sha256


def saved_evidence(case: Any, fingerprint: str) -> str | None:
    """The SHA-256 of this finding's newest kept evidence, if it was kept."""
    from auditor.timeline import Timeline

    kept = [item for item in Timeline(case).evidence() if item.finding_fingerprint == fingerprint]
    return kept[-1].sha256 if kept else None
