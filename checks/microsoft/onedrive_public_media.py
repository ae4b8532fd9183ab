"""Photos and videos in OneDrive that anyone with a link can open."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.microsoft import GRAPH, SharedItem, is_anyone_link
from auditor.model import CheckSpec, Finding, Severity, Status
from auditor.safetext import literal

SPEC = CheckSpec(
    id="microsoft.onedrive_public_media",
    title="Photos and videos in OneDrive shared with anyone who has the link",
    kind="microsoft",
    severity=Severity.CRITICAL,
    reads=("OneDrive file metadata: names, types, sharing links (not the files)",),
    playbooks=("microsoft-onedrive-sharing",),
    needs=("graph",),
    timeout=300,
)


def judge(ctx: CheckContext, entry: SharedItem) -> Finding | None:
    """One finding for an item, however many anyone-links it has."""
    links = [p for p in entry.permissions if is_anyone_link(p)]
    if not links:
        return None
    urls = [(p.link.webUrl if p.link else None) or "" for p in links]
    can_edit = any("write" in (p.roles or []) for p in links)
    scopeless = any(p.link is not None and not p.link.scope for p in links)
    media_names = [m.name or "" for m in entry.media]
    path = literal(entry.path, 200)
    shown_links = ", ".join(literal(u, 200) for u in urls)
    if entry.is_folder:
        names = ", ".join(literal(n, 60) for n in media_names[:5]) + (" …" if len(media_names) > 5 else "")
        count = "its photo or video" if len(media_names) == 1 else f"its {len(media_names)} photos or videos"
        title = f"Folder {path}: anyone with the link can open {count}"
        detail = f"Photos and videos inside: {names}. Link: {shown_links}"
    else:
        title = f"{path}: anyone with the link can open it"
        detail = f"In your OneDrive. Link: {shown_links}"
    if scopeless:
        # Personal OneDrive's links carry no scope; nothing in the answer says this one is limited to anyone.
        detail += ". Microsoft did not say who the link is for; a link like this opens for anyone who has it."
    if can_edit:
        title += " (and change or delete it)"
    return ctx.finding(
        Status.FOUND,
        title,
        subject=entry.item.id,
        detail=detail,
        # The ids (item, each link's permission) are what removing a link is sent with (auditor/remedy/microsoft.py).
        evidence={
            "id": entry.item.id,
            "path": entry.path,
            "webUrl": entry.item.webUrl,
            "root": entry.item.root is not None,
            "account_type": ctx.client(GRAPH).account_type,
            "links": [
                {
                    "id": p.id,
                    "webUrl": u,
                    "roles": p.roles,
                    "type": p.link.type if p.link else None,
                    "scope": p.link.scope if p.link else None,
                    "expirationDateTime": p.expirationDateTime,
                    "hasPassword": p.hasPassword,
                }
                for u, p in zip(urls, links, strict=True)
            ],
            "media": media_names,
        },
    )


async def run(ctx: CheckContext) -> list[Finding]:
    sharing = await ctx.client(GRAPH).drive_sharing()
    findings = [made for entry in sharing.value if (made := judge(ctx, entry))]
    return ctx.conclude(
        findings, sharing, clear="No photo or video in your OneDrive is shared by an anyone-with-the-link link"
    )
