"""Workspace: phones and tablets syncing the account's mail, calendar and contacts."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.model import CheckSpec, Finding, Severity
from auditor.safetext import literal

from ._common import admin_client, not_applicable

SPEC = CheckSpec(
    id="google.workspace_mobile_devices",
    title="Phones and tablets syncing your Workspace account",
    kind="google",
    severity=Severity.MEDIUM,
    reads=("Workspace Admin SDK: mobile devices registered to your account (model, system, last sync)",),
    playbooks=("google-workspace-access",),
    needs=("google",),
)


async def run(ctx: CheckContext) -> list[Finding]:
    client = admin_client(ctx)
    if client is None:
        return not_applicable(ctx)
    reading = await client.mobile_devices(ctx.target)
    findings = []
    for device in reading.value:
        model = literal(device.model or "an unknown device", 80)
        system = literal(device.os or "unknown system", 60)
        synced = literal(device.lastSync or "unknown", 40)
        made = ctx.review_or_found(
            f"{model} ({system}) syncs your account, and it isn't yours",
            f"{model} ({system}), last synced {synced} — is this your device?",
            subject=device.resourceId,
            detail="A phone or tablet signed in to your account receives your mail, calendar and contacts as they "
            "arrive.",
            evidence=device.model_dump(
                include={"resourceId", "model", "os", "type", "status", "lastSync", "email"}, exclude_none=True
            ),
        )
        if made:
            findings.append(made)
    return ctx.conclude(findings, reading, clear="No phone or tablet syncs your Workspace account")
