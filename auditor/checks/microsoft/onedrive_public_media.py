"""Photos and videos in OneDrive that anyone with a link can open."""

from __future__ import annotations

from auditor.checkapi import CheckContext
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


async def run(ctx: CheckContext) -> list[Finding]:
    shared = await ctx.client("graph").shared_media()
    findings = []
    for entry in shared:
        links = [p for p in entry.permissions if (p.get("link") or {}).get("scope") == "anonymous"]
        if not links:
            continue
        urls = [str(p["link"].get("webUrl") or "") for p in links]
        can_edit = any("write" in (p.get("roles") or []) for p in links)
        media_names = [str(m.get("name", "")) for m in entry.media]
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
        if can_edit:
            title += " (and change or delete it)"
        findings.append(
            ctx.finding(
                Status.FOUND,
                title,
                subject=str(entry.item.get("id")),
                detail=detail,
                evidence={
                    "id": entry.item.get("id"),
                    "path": entry.path,
                    "webUrl": entry.item.get("webUrl"),
                    "links": [
                        {"webUrl": u, "roles": p.get("roles"), "type": p["link"].get("type")}
                        for u, p in zip(urls, links, strict=True)
                    ],
                    "media": media_names,
                },
            )
        )
    return findings or [ctx.clear("No photo or video in your OneDrive is shared by an anyone-with-the-link link")]
