"""Helpers shared by the iPhone checks (the leading underscore keeps this out of check discovery)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from auditor.checkapi import CheckContext
from auditor.checkapi.ios import IPHONE, FileRead, IOSApp, Part, Profile
from auditor.model import Finding, Status
from auditor.safetext import literal

NOT_IN_BACKUP = (
    "A backup does not record this, so this check does not apply to it. Connect the phone itself over USB "
    "(auditor audit --only ios) to check it."
)


def files(records: tuple[FileRead, ...]) -> list[dict[str, str]]:
    """The backup files a record was read from, with their SHA-256 (what the evidence rests on)."""
    return [f.as_evidence() for f in records]


def read_from(records: Iterable[IOSApp | Profile]) -> dict[str, Any]:
    """For a conclusion over many records: the backup files they came from, each once, with SHA-256."""
    seen: dict[str, FileRead] = {}
    for record in records:
        for file in record.files:
            seen.setdefault(file.path, file)
    return {"files": files(tuple(seen.values()))} if seen else {}


def app_evidence(app: IOSApp) -> dict[str, Any]:
    evidence: dict[str, Any] = {"bundle_id": app.bundle_id, "read_from": list(app.read_from)}
    for key, value in (("name", app.name), ("version", app.version), ("type", app.kind), ("signer", app.signer)):
        if value:
            evidence[key] = value
    if app.files:
        evidence["files"] = files(app.files)
    return evidence


def profile_evidence(profile: Profile) -> dict[str, Any]:
    evidence: dict[str, Any] = {"identifier": profile.identifier}
    for key, value in (
        ("name", profile.name),
        ("organisation", profile.organisation),
        ("description", profile.description),
        ("uuid", profile.uuid),
        ("installed", profile.installed),
    ):
        if value:
            evidence[key] = value
    if profile.payload_types:
        evidence["payload_types"] = list(profile.payload_types)
    if profile.removal_disallowed is not None:
        evidence["removal_disallowed"] = profile.removal_disallowed
    if profile.active is not None:
        evidence["active"] = profile.active
    if profile.files:
        evidence["files"] = files(profile.files)
    return evidence


def app_name(app: IOSApp) -> str:
    """“Name” (bundle ID), or the bundle ID alone, shown literally."""
    bundle = literal(app.bundle_id, 120)
    return f"“{literal(app.name, 80)}” ({bundle})" if app.name else bundle


def not_applicable(ctx: CheckContext, part: Part) -> list[Finding] | None:
    """A "not applicable" finding when this source (a backup) holds nothing about ``part``; else None."""
    if ctx.client(IPHONE).holds(part):
        return None
    return [
        ctx.finding(
            Status.SKIPPED,
            f"Not in a backup: {ctx.spec.title}",
            subject=f"not-applicable:{part.value}",
            detail=NOT_IN_BACKUP,
        )
    ]
