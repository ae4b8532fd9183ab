"""Photos and videos in Google Drive that anyone with the link (or anyone at all) can open, and the folders of them
shared that way.

A folder shared by link is the classic "anyone with the link" album: it is reported once, with how many photos and
videos are directly in it (its sub-folders are not opened). A photo inside it carries the folder's permission as an
inherited one, which Drive does not let anyone remove on the photo itself ("You cannot remove or reduce an
inherited permission on a child item. Changes must be made on the originating parent"): its evidence names the
folder the link comes from (``shared_through``), so closing it stops sharing that folder.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from auditor.checkapi import CheckContext
from auditor.checkapi.google import DRIVE_FOLDER, GOOGLE, DriveFile, DrivePermission
from auditor.model import CheckSpec, Finding, Severity, Status
from auditor.safetext import literal

SPEC = CheckSpec(
    id="google.drive_public_media",
    title="Photos and videos in Google Drive shared with anyone who has the link",
    kind="google",
    severity=Severity.CRITICAL,
    reads=(
        "Google Drive file metadata: names, types, links and who can open them (not the files)",
        "Google Drive folders shared by link, and how many photos and videos are in each (not the files)",
    ),
    playbooks=("google-drive-sharing",),
    needs=("google",),
    timeout=300,
)
EVIDENCE = {"id", "name", "mimeType", "webViewLink", "permissions"}


def findable(item: DriveFile) -> bool:
    """Anyone on the internet can find it (an 'anyone' permission that allows discovery), not only open it."""
    return any(p.type == "anyone" and p.allowFileDiscovery is True for p in item.permissions or [])


def _anyone(item: DriveFile) -> list[DrivePermission]:
    return [p for p in item.permissions or [] if p.type == "anyone"]


def shared_through(item: DriveFile, folders: Mapping[str, DriveFile]) -> DriveFile | None:
    """The folder whose own anyone-permission ``item`` inherits: the one named by ``inheritedFrom`` (shared drives
    only), else the nearest folder above it, among the folders shared by link that were read, holding that
    permission as its own. None when the item's anyone-permission is its own, or its source was not read."""
    inherited = [p for p in _anyone(item) if p.inherited]
    if not inherited:
        return None
    wanted = {p.id for p in inherited}
    named = [d.inheritedFrom for p in inherited for d in p.permissionDetails or [] if d.inheritedFrom]
    queue = [*named, *item.parents]
    seen: set[str] = set()
    while queue:
        folder = folders.get(queue.pop(0))
        if folder is None or folder.id in seen:
            continue
        seen.add(folder.id)
        own = [p for p in _anyone(folder) if p.id in wanted and not p.inherited]
        if own:
            return folder
        queue.extend(folder.parents)
    return None


def _through(folder: DriveFile, item: DriveFile) -> dict[str, object]:
    wanted = {p.id for p in _anyone(item) if p.inherited}
    return {
        **folder.model_dump(include={"id", "name", "mimeType", "webViewLink"}, exclude_none=True),
        "permissions": [p.model_dump(exclude_none=True) for p in _anyone(folder) if p.id in wanted and not p.inherited],
    }


def _evidence(item: DriveFile, folders: Mapping[str, DriveFile]) -> tuple[dict[str, object], str]:
    """The item's record, and what the detail adds about the folder its link comes from."""
    evidence: dict[str, object] = item.model_dump(include=EVIDENCE, exclude_none=True)
    if not any(p.inherited for p in _anyone(item)):
        return evidence, ""
    source = shared_through(item, folders)
    if source is None:
        evidence["shared_through"] = None
        return evidence, " It is shared through a folder above it that the tool could not identify."
    evidence["shared_through"] = _through(source, item)
    name = literal(source.name or "a folder without a name", 200)
    return evidence, f" It is shared through the folder “{name}”: stopping that folder's link closes it."


def _how(item: DriveFile) -> str:
    return "anyone on the internet can find and open" if findable(item) else "anyone with the link can open"


def _counted(count: int) -> str:
    return "1 photo or video" if count == 1 else f"{count} photos and videos"


async def run(ctx: CheckContext) -> list[Finding]:
    google = ctx.client(GOOGLE)
    # side by side: the folders' listings do not wait for the last page of the photos' listing
    reading, folders = await asyncio.gather(google.media_shared_by_link(), google.folders_shared_by_link())
    by_id = {shared.folder.id: shared.folder for shared in folders.value}
    findings = []
    for shared in folders.value:
        folder = shared.folder
        if not shared.media:  # none directly in it, or not counted (a gap of the reading)
            continue
        name = literal(folder.name or "a folder without a name", 200)
        evidence, through = _evidence(folder, by_id)
        evidence["media_count"] = shared.media
        findings.append(
            ctx.finding(
                Status.FOUND,
                f"Folder “{name}” with {_counted(shared.media)}: {_how(folder)} it",
                subject=folder.id,
                detail=f"In your Google Drive: {literal(folder.webViewLink or 'no link given', 300)} Whoever opens "
                "it sees every photo and video in it (its sub-folders were not opened)." + through,
                evidence=evidence,
            )
        )
    for item in reading.value:
        if item.mimeType == DRIVE_FOLDER:
            continue  # the media query names images and videos; a folder here is reported above, if at all
        name = literal(item.name or "a file without a name", 200)
        evidence, through = _evidence(item, by_id)
        findings.append(
            ctx.finding(
                Status.FOUND,
                f"{name}: {_how(item)} it",
                subject=item.id,
                detail=f"In your Google Drive: {literal(item.webViewLink or 'no link given', 300)}{through}",
                evidence=evidence,
            )
        )
    return ctx.conclude(findings, reading, folders, clear="No photo or video in your Google Drive is shared by link")
