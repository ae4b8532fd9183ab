"""What the Workspace (Admin SDK) checks share: they apply only where the Admin SDK is read."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.google import GOOGLE, GoogleReads
from auditor.model import Finding, Severity, Status

NOT_AN_ADMIN = (
    "Read only for Google Workspace administrators. If you administer your Workspace domain, set "
    "google.workspace_admin: true in settings.yaml and sign in again (docs/google.md)."
)


def admin_client(ctx: CheckContext) -> GoogleReads | None:
    """The Google client when it reads the Admin SDK; None when these checks do not apply."""
    client = ctx.client(GOOGLE)
    return client if getattr(client, "workspace_admin", False) is True else None


def not_applicable(ctx: CheckContext) -> list[Finding]:
    return [
        ctx.finding(
            Status.SKIPPED,
            f"Not applicable: {ctx.spec.title} (Google Workspace administrators only)",
            detail=NOT_AN_ADMIN,
            severity=Severity.INFO,
        )
    ]


def when(millis: str | None) -> str:
    """A Unix time in milliseconds (the Admin SDK's int64, carried as a string) as a date; "never" for 0."""
    from datetime import datetime, timezone

    try:
        value = int(str(millis))
    except ValueError:
        return "unknown"
    if value <= 0:
        return "never"
    try:
        return datetime.fromtimestamp(value / 1000, timezone.utc).strftime("%Y-%m-%d")
    except (OverflowError, OSError, ValueError):
        return "unknown"
