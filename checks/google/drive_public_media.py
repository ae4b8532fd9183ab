"""Photos and videos in Google Drive that anyone with the link (or anyone at all) can open."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.google import GOOGLE, DriveFile
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


def findable(item: DriveFile) -> bool:
    """Anyone on the internet can find it (an 'anyone' permission that allows discovery), not only open it."""
    return any(p.type == "anyone" and p.allowFileDiscovery is True for p in item.permissions or [])


async def run(ctx: CheckContext) -> list[Finding]:
    reading = await ctx.client(GOOGLE).media_shared_by_link()
    findings = []
    for item in reading.value:
        how = "anyone on the internet can find and open" if findable(item) else "anyone with the link can open"
        name = literal(item.name or "a file without a name", 200)
        findings.append(
            ctx.finding(
                Status.FOUND,
                f"{name}: {how} it",
                subject=item.id,
                detail=f"In your Google Drive: {literal(item.webViewLink or 'no link given', 300)}",
                evidence=item.model_dump(
                    include={"id", "name", "mimeType", "webViewLink", "permissions"}, exclude_none=True
                ),
            )
        )
    return ctx.conclude(findings, reading, clear="No photo or video in your Google Drive is shared by link")
