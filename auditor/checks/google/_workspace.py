"""What the Workspace (Admin SDK) checks share: they apply only where the Admin SDK is read."""

from __future__ import annotations

from typing import Any

from auditor.checkapi import CheckContext
from auditor.model import Finding, Severity, Status

NOT_AN_ADMIN = (
    "Read only for Google Workspace administrators. If you administer your Workspace domain, set "
    "google.workspace_admin: true in settings.yaml and sign in again (docs/google.md)."
)


def admin_client(ctx: CheckContext) -> Any | None:
    """The Google client when it reads the Admin SDK; None when these checks do not apply."""
    client = ctx.client("google")
    return client if getattr(client, "workspace_admin", False) else None


def not_applicable(ctx: CheckContext) -> list[Finding]:
    return [
        ctx.finding(
            Status.SKIPPED,
            f"Not applicable: {ctx.spec.title} (Google Workspace administrators only)",
            detail=NOT_AN_ADMIN,
            severity=Severity.INFO,
        )
    ]
