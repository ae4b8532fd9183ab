"""Your photos and videos in Google Drive shared with specific people, grouped by person."""

from __future__ import annotations

from typing import Any

from auditor.checkapi import CheckContext
from auditor.checkapi.google import GOOGLE, DriveFile, DrivePermission
from auditor.model import CheckSpec, Finding, Severity
from auditor.safetext import literal

SPEC = CheckSpec(
    id="google.drive_people_media",
    title="Photos and videos in Google Drive shared with other people",
    kind="google",
    severity=Severity.HIGH,
    reads=("Google Drive file metadata: names, types and who can open them (not the files)",),
    playbooks=("google-drive-sharing",),
    needs=("google",),
    timeout=300,
)


UNNAMED = "someone Google did not name"


def people(permission: DrivePermission) -> list[str]:
    """Who a permission lets in besides the owner: a person or group, a whole domain, or someone unnamed."""
    if permission.role == "owner" or permission.type == "anyone":
        return []  # the owner is you; anyone-with-the-link is the link check's
    if permission.emailAddress:
        return [permission.emailAddress]
    if permission.domain:
        return [f"everyone at {permission.domain}"]
    # A permission that lets someone in is never dropped because Google left out who it is.
    return [UNNAMED]


def _brief(item: DriveFile, permission: DrivePermission) -> dict[str, Any]:
    """The file and the permission that lets the person in (its id is what removing that sharing needs)."""
    return {
        "id": item.id,
        "name": item.name or "",
        "mimeType": item.mimeType,
        "webViewLink": item.webViewLink,
        "permission": permission.model_dump(
            include={"id", "type", "role", "emailAddress", "domain", "allowFileDiscovery"}, exclude_none=True
        ),
    }


async def run(ctx: CheckContext) -> list[Finding]:
    reading = await ctx.client(GOOGLE).media_shared_with_people()
    by_person: dict[str, list[dict[str, Any]]] = {}
    unlisted: list[str] = []
    for item in reading.value:
        if item.permissions is None:
            unlisted.append(literal(item.name or item.id, 60))
            continue
        for permission in item.permissions:
            for who in people(permission):
                by_person.setdefault(who, []).append(_brief(item, permission))
    if unlisted:
        names = ", ".join(unlisted[:5]) + (" …" if len(unlisted) > 5 else "")
        reading = reading.missing(f"who can open {len(unlisted)} of your photos or videos ({names})")
    findings = []
    for person, shared in sorted(by_person.items()):
        shown = literal(person, 200)
        names = ", ".join(literal(f["name"], 60) for f in shared[:5]) + (" …" if len(shared) > 5 else "")
        made = ctx.review_or_found(
            f"{shown} can open {len(shared)} of your photos or videos, and you don't want that",
            f"{shown} can open {len(shared)} of your photos or videos — is that all right?",
            subject=person,
            detail=f"Shared with {shown}: {names}",
            evidence={"person": person, "files": shared},
        )
        if made:
            findings.append(made)
    return ctx.conclude(findings, reading, clear="None of your photos or videos in Drive is shared with other people")
