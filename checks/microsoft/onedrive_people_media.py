"""Your photos and videos in OneDrive shared with specific people, grouped by person."""

from __future__ import annotations

from typing import Any

from auditor.checkapi import CheckContext
from auditor.checkapi.microsoft import GRAPH, Permission, SharedItem, is_anyone_link
from auditor.model import CheckSpec, Finding, Severity
from auditor.safetext import literal

SPEC = CheckSpec(
    id="microsoft.onedrive_people_media",
    title="Photos and videos in OneDrive shared with other people",
    kind="microsoft",
    severity=Severity.HIGH,
    reads=("OneDrive file metadata: names, types and who can open them (not the files)",),
    playbooks=("microsoft-onedrive-sharing",),
    needs=("graph",),
    timeout=300,
)
ORGANISATION = "everyone in your organisation"
UNNAMED = "someone Microsoft did not name"


def people(permission: Permission) -> list[str]:
    """Who a permission lets in: a person given access, the people a link is for, or the organisation."""
    if "owner" in (permission.roles or []):
        return []
    scope = permission.link.scope if permission.link else None
    if scope == "organization":
        return [ORGANISATION]
    if scope == "existingAccess":
        return []  # a link that lets in only those who already have access
    granted = [
        *(permission.grantedToIdentitiesV2 or permission.grantedToIdentities or []),
        *[g for g in (permission.grantedToV2 or permission.grantedTo,) if g is not None],
    ]
    out = [name for identity in granted if (name := identity.name())]
    if is_anyone_link(permission):
        # The anyone-with-the-link check reports the link; people it names (a link without a scope may be
        # for them) are asked about here too.
        return list(dict.fromkeys(out))
    invited = permission.invitation.email if permission.invitation else None
    if invited and not out:
        out.append(invited)
    # A permission that lets someone in is never dropped because Microsoft left out who it is.
    return list(dict.fromkeys(out)) or [UNNAMED]


def grant(entry: SharedItem, permission: Permission) -> dict[str, Any]:
    """One permission that lets the person in, with the ids removing it is sent with (auditor/remedy/microsoft.py)."""
    link = permission.link
    person = permission.grantedToV2 or permission.grantedTo
    email = (permission.invitation.email if permission.invitation else None) or (
        person.user.email if person is not None and person.user is not None else None
    )
    return {
        "item": entry.item.id,
        "path": entry.path,
        "root": entry.item.root is not None,
        "id": permission.id,
        "roles": permission.roles,
        "link": None if link is None else {"type": link.type, "scope": link.scope, "webUrl": link.webUrl},
        "email": email,
    }


async def run(ctx: CheckContext) -> list[Finding]:
    sharing = await ctx.client(GRAPH).drive_sharing()
    by_person: dict[str, dict[str, dict[str, Any]]] = {}
    grants: dict[str, list[dict[str, Any]]] = {}
    for entry in sharing.value:
        for permission in entry.permissions:
            for person in people(permission):
                files = by_person.setdefault(person, {})
                grants.setdefault(person, []).append(grant(entry, permission))
                for m in entry.media:
                    # One photo shared with one person twice (a link and an invitation) is one photo.
                    files.setdefault(m.id, {"id": m.id, "name": m.name, "shared_as": entry.path})
    findings = []
    for person, by_id in sorted(by_person.items()):
        media = list(by_id.values())
        shown = literal(person, 200)
        names = ", ".join(literal(m["name"] or "", 60) for m in media[:5]) + (" …" if len(media) > 5 else "")
        count = "one of your photos or videos" if len(media) == 1 else f"{len(media)} of your photos or videos"
        made = ctx.review_or_found(
            f"{shown} can open {count}, and you don't want that",
            f"{shown} can open {count} — is that all right?",
            subject=person,
            detail=f"Shared in your OneDrive with {shown}: {names}",
            evidence={
                "person": person,
                "files": media,
                "permissions": grants[person],
                "account_type": ctx.client(GRAPH).account_type,
            },
        )
        if made:
            findings.append(made)
    return ctx.conclude(
        findings, sharing, clear="None of your photos or videos in OneDrive is shared with other people"
    )
