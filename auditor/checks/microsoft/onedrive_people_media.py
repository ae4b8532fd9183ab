"""Your photos and videos in OneDrive shared with specific people, grouped by person."""

from __future__ import annotations

from typing import Any

from auditor.checkapi import CheckContext
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
# Graph's identitySet / sharePointIdentitySet: a person, a group, a site's user or group, an app or a device.
IDENTITY_KEYS = ("user", "siteUser", "group", "siteGroup", "application", "device")


def people(permission: dict[str, Any]) -> list[str]:
    """Who a permission lets in: a person given access, the people a link is for, or the organisation."""
    if "owner" in (permission.get("roles") or []):
        return []
    link = permission.get("link") or {}
    if link.get("scope") == "anonymous":
        return []  # the anyone-with-the-link check reports these
    if link.get("scope") == "organization":
        return [ORGANISATION]
    identities = permission.get("grantedToIdentitiesV2") or permission.get("grantedToIdentities") or []
    granted = permission.get("grantedToV2") or permission.get("grantedTo")
    if link.get("scope") == "existingAccess":
        return []  # a link that lets in only those who already have access
    out = [name for identity in [*identities, *([granted] if granted else [])] if (name := identity_name(identity))]
    invited = (permission.get("invitation") or {}).get("email")
    if invited and not out:
        out.append(str(invited))
    # A permission that lets someone in is never dropped because Microsoft left out who it is.
    return list(dict.fromkeys(out)) or [UNNAMED]


def identity_name(identity: Any) -> str:
    """The first name an identitySet gives: its person, else its group, site user, app or device."""
    for key in IDENTITY_KEYS:
        who = identity.get(key) if isinstance(identity, dict) else None
        if isinstance(who, dict) and (name := who.get("email") or who.get("loginName") or who.get("displayName")):
            return str(name)
    return ""


async def run(ctx: CheckContext) -> list[Finding]:
    shared = await ctx.client("graph").shared_media()
    by_person: dict[str, list[dict[str, Any]]] = {}
    for entry in shared:
        for permission in entry.permissions:
            for person in people(permission):
                by_person.setdefault(person, []).extend(
                    {"id": m.get("id"), "name": m.get("name"), "shared_as": entry.path} for m in entry.media
                )
    findings = []
    for person, media in sorted(by_person.items()):
        shown = literal(person, 200)
        names = ", ".join(literal(m["name"], 60) for m in media[:5]) + (" …" if len(media) > 5 else "")
        count = "one of your photos or videos" if len(media) == 1 else f"{len(media)} of your photos or videos"
        made = ctx.review_or_found(
            f"{shown} can open {count}, and you don't want that",
            f"{shown} can open {count} — is that all right?",
            subject=person,
            detail=f"Shared in your OneDrive with {shown}: {names}",
            evidence={"person": person, "files": media},
        )
        if made:
            findings.append(made)
    return findings or [ctx.clear("None of your photos or videos in OneDrive is shared with other people")]
