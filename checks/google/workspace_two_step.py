"""Workspace: the account is not enrolled in 2-Step Verification, so a password alone opens it."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.model import CheckSpec, Finding, Severity, Status

from ._common import admin_client, not_applicable

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
    reading = await client.admin_user(ctx.target)
    user = reading.value
    evidence = user.model_dump(
        include={"primaryEmail", "isEnrolledIn2Sv", "isEnforcedIn2Sv", "lastLoginTime"}, exclude_none=True
    )
    if user.enrolled_in_2sv or any("isEnrolledIn2Sv" in problem for problem in reading.unrecognised):
        # enrolled (clear over a whole reading), or the enrolment was sent in a shape not understood (couldn't check)
        return ctx.conclude(
            [], reading, clear="2-Step Verification is on for your Workspace account", evidence=evidence
        )
    found = ctx.finding(
        Status.FOUND,
        "2-Step Verification is off: your password alone opens your Workspace account",
        subject="not-enrolled",
        detail="Anyone who knows or guesses your password can sign in from anywhere, with no code or prompt "
        "on your phone." + (" Your domain requires it, but you are not enrolled yet." if user.isEnforcedIn2Sv else ""),
        evidence=evidence,
    )
    return ctx.conclude([found], reading, clear="")
