"""Photos and videos in Google Drive that anyone with the link (or anyone at all) can open."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.model import CheckSpec, Finding, Severity, Status
from auditor.safetext import literal

SPEC = CheckSpec(
    id="google.drive_public_media",
    title="Photos and videos in Google Drive shared with anyone who has the link",
    kind="google",
    severity=Severity.CRITICAL,
    reads=("Google Drive file metadata: names, types, links and who can open them (not the files)",),
    playbooks=("google-drive-sharing",),
    needs=("google",),
    timeout=300,
)


async def run(ctx: CheckContext) -> list[Finding]:
    files = await ctx.client("google").media_shared_by_link()
    findings = []
    for item in files:
        public = any(p.get("type") == "anyone" and p.get("allowFileDiscovery") for p in item.get("permissions", []))
        how = "anyone on the internet can find and open" if public else "anyone with the link can open"
        name = literal(item.get("name", ""), 200)
        findings.append(
            ctx.finding(
                Status.FOUND,
                f"{name}: {how} it",
                subject=str(item.get("id")),
                detail=f"In your Google Drive: {literal(item.get('webViewLink'), 300)}",
                evidence={k: item.get(k) for k in ("id", "name", "mimeType", "webViewLink", "permissions")},
            )
        )
    return findings or [ctx.clear("No photo or video in your Google Drive is shared by link")]
