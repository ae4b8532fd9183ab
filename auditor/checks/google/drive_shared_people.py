"""Your photos and videos in Google Drive shared with specific people, grouped by person."""

from __future__ import annotations

from typing import Any

from auditor.engine import CheckContext
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


async def run(ctx: CheckContext) -> list[Finding]:
    files = await ctx.client("google").media_shared_with_people()
    by_person: dict[str, list[dict[str, Any]]] = {}
    for item in files:
        for permission in item.get("permissions", []):
            who = permission.get("emailAddress") or permission.get("domain")
            if permission.get("role") == "owner" or not who:
                continue
            by_person.setdefault(str(who), []).append({k: item.get(k) for k in ("id", "name", "webViewLink")})
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
    return findings or [ctx.clear("None of your photos or videos in Drive is shared with other people")]
