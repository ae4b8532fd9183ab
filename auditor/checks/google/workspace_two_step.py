"""Workspace: the account is not enrolled in 2-Step Verification, so a password alone opens it."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checks.google._workspace import admin_client, not_applicable
from auditor.errors import ProviderError
from auditor.model import CheckSpec, Finding, Severity, Status

SPEC = CheckSpec(
    id="google.workspace_two_step",
    title="2-Step Verification on your Workspace account",
    kind="google",
    severity=Severity.HIGH,
    reads=("Workspace Admin SDK: your directory user (2-Step Verification enrolment)",),
    playbooks=("google-workspace-access",),
    needs=("google",),
)


async def run(ctx: CheckContext) -> list[Finding]:
    client = admin_client(ctx)
    if client is None:
        return not_applicable(ctx)
    user = await client.admin_user(ctx.target)
    enrolled = user.get("isEnrolledIn2Sv")
    if not isinstance(enrolled, bool):
        raise ProviderError("Google's directory answer for this user had no 2-Step Verification status")
    evidence = {k: user.get(k) for k in ("primaryEmail", "isEnrolledIn2Sv", "isEnforcedIn2Sv", "lastLoginTime")}
    if enrolled:
        return [ctx.clear("2-Step Verification is on for your Workspace account", evidence=evidence)]
    return [
        ctx.finding(
            Status.FOUND,
            "2-Step Verification is off: your password alone opens your Workspace account",
            subject="not-enrolled",
            detail="Anyone who knows or guesses your password can sign in from anywhere, with no code or prompt "
            "on your phone."
            + (" Your domain requires it, but you are not enrolled yet." if user.get("isEnforcedIn2Sv") else ""),
            evidence=evidence,
        )
    ]
