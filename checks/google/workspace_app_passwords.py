"""Workspace: app passwords, which sign mail programs in without 2-Step Verification."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.model import CheckSpec, Finding, Severity
from auditor.safetext import literal

from ._common import admin_client, not_applicable, when

SPEC = CheckSpec(
    id="google.workspace_app_passwords",
    title="App passwords on your Workspace account",
    kind="google",
    severity=Severity.HIGH,
    reads=("Workspace Admin SDK: app-specific passwords of your account (names and dates, never the passwords)",),
    playbooks=("google-workspace-access",),
    needs=("google",),
)


async def run(ctx: CheckContext) -> list[Finding]:
    client = admin_client(ctx)
    if client is None:
        return not_applicable(ctx)
    reading = await client.app_passwords(ctx.target)
    findings = []
    for asp in reading.value:
        name = literal(asp.name or "unnamed", 120)
        made_on, used_on = when(asp.creationTime), when(asp.lastTimeUsed)
        made = ctx.review_or_found(
            f"App password “{name}” (made {made_on}, last used {used_on}), and you didn't make it",
            f"App password “{name}” (made {made_on}, last used {used_on}) — did you make it?",
            subject=str(asp.codeId),
            detail="An app password lets a mail program or device into your account without 2-Step Verification, "
            "and keeps working after you change your password until it is deleted.",
            evidence=asp.model_dump(include={"codeId", "name", "creationTime", "lastTimeUsed"}, exclude_none=True),
        )
        if made:
            findings.append(made)
    return ctx.conclude(findings, reading, clear="Your Workspace account has no app passwords")
