"""Your photos and videos in Google Drive shared with specific people, grouped by person."""

from __future__ import annotations

from typing import Any

from auditor.checkapi import CheckContext
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


def people(permission: dict[str, Any]) -> list[str]:
    """Who a permission lets in besides the owner: a person or group, a whole domain, or someone unnamed."""
    if permission.get("role") == "owner" or permission.get("type") == "anyone":
        return []  # the owner is you; anyone-with-the-link is the link check's
    if permission.get("emailAddress"):
        return [str(permission["emailAddress"])]
    if permission.get("domain"):
        return [f"everyone at {permission['domain']}"]
    # A permission that lets someone in is never dropped because Google left out who it is.
    return [UNNAMED]


async def run(ctx: CheckContext) -> list[Finding]:
    files = await ctx.client("google").media_shared_with_people()
    by_person: dict[str, list[dict[str, Any]]] = {}
    unread: list[dict[str, Any]] = []
    for item in files:
        permissions = item.get("permissions")
        if not isinstance(permissions, list):
            unread.append({k: item.get(k) for k in ("id", "name", "webViewLink")})
            continue
        for permission in permissions:
            for who in people(permission if isinstance(permission, dict) else {}):
                by_person.setdefault(who, []).append({k: item.get(k) for k in ("id", "name", "webViewLink")})
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
    if unread:
        names = ", ".join(literal(f["name"], 60) for f in unread[:5]) + (" …" if len(unread) > 5 else "")
        findings.append(
            ctx.not_read(
                f"Couldn't see who can open {len(unread)} of your photos or videos",
                f"Google Drive did not list who can open: {names}",
                key="permissions",
            )
        )
    return findings or [ctx.clear("None of your photos or videos in Drive is shared with other people")]
