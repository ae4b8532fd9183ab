"""Workspace: app passwords, which sign mail programs in without 2-Step Verification."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checks.google._workspace import admin_client, not_applicable
from auditor.model import CheckSpec, Finding, Severity
from auditor.safetext import literal

SPEC = CheckSpec(
    id="google.workspace_app_passwords",
    title="App passwords on your Workspace account",
    kind="google",
    severity=Severity.HIGH,
    reads=("Workspace Admin SDK: app-specific passwords of your account (names and dates, never the passwords)",),
    playbooks=("google-workspace-access",),
    needs=("google",),
)


def _when(millis: object) -> str:
    from datetime import datetime, timezone

    try:
        value = int(str(millis))
    except ValueError:
        return "unknown"
    if value <= 0:
        return "never"
    return datetime.fromtimestamp(value / 1000, timezone.utc).strftime("%Y-%m-%d")


async def run(ctx: CheckContext) -> list[Finding]:
    client = admin_client(ctx)
    if client is None:
        return not_applicable(ctx)
    findings = []
    for asp in await client.app_passwords(ctx.target):
        name = literal(asp.get("name") or "unnamed", 120)
        made_on, used_on = _when(asp.get("creationTime")), _when(asp.get("lastTimeUsed"))
        made = ctx.review_or_found(
            f"App password “{name}” (made {made_on}, last used {used_on}), and you didn't make it",
            f"App password “{name}” (made {made_on}, last used {used_on}) — did you make it?",
            subject=str(asp.get("codeId")),
            detail="An app password lets a mail program or device into your account without 2-Step Verification, "
            "and keeps working after you change your password until it is deleted.",
            evidence={k: asp.get(k) for k in ("codeId", "name", "creationTime", "lastTimeUsed")},
        )
        if made:
            findings.append(made)
    return findings or [ctx.clear("Your Workspace account has no app passwords")]
