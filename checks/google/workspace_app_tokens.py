"""Workspace: third-party apps holding OAuth access to the account, with what they can reach."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.model import CheckSpec, Finding, Severity
from auditor.safetext import literal

from ._common import admin_client, not_applicable

SPEC = CheckSpec(
    id="google.workspace_app_tokens",
    title="Apps with access to your Workspace account",
    kind="google",
    severity=Severity.HIGH,
    reads=("Workspace Admin SDK: OAuth tokens issued to third-party apps for your account",),
    playbooks=("google-workspace-access",),
    needs=("google",),
)

SCOPE_PREFIX = "https://www.googleapis.com/auth/"


def short_scope(scope: str) -> str:
    return scope[len(SCOPE_PREFIX) :] if scope.startswith(SCOPE_PREFIX) else scope


async def run(ctx: CheckContext) -> list[Finding]:
    client = admin_client(ctx)
    if client is None:
        return not_applicable(ctx)
    reading = await client.app_tokens(ctx.target)
    findings = []
    for token in reading.value:
        app = literal(token.displayText or token.clientId or "an unnamed app", 120)
        scopes = token.scopes
        shown = ", ".join(literal(short_scope(s), 120) for s in scopes[:8]) + (" …" if len(scopes) > 8 else "")
        made = ctx.review_or_found(
            f"The app {app} can reach your account ({shown}), and you didn't add it",
            f"The app {app} can reach your account ({shown}) — did you add it?",
            subject=token.clientId,
            detail=f"{app} holds a token for your account with these permissions: {shown or 'none listed'}. "
            "It keeps working after a password change until the access is removed.",
            evidence=token.model_dump(
                include={"clientId", "displayText", "scopes", "nativeApp", "anonymous"}, exclude_none=True
            ),
        )
        if made:
            findings.append(made)
    return ctx.conclude(findings, reading, clear="No third-party app holds access to your Workspace account")
