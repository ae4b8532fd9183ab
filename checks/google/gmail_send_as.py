"""Send-as aliases: other addresses that can send mail as you from this account."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.google import GOOGLE
from auditor.model import CheckSpec, Finding, Severity
from auditor.safetext import literal

SPEC = CheckSpec(
    id="google.gmail_send_as",
    title="Other addresses set up to send mail as you",
    kind="google",
    severity=Severity.MEDIUM,
    reads=("Gmail settings: send-as aliases",),
    playbooks=("google-mail-access",),
    needs=("google",),
)


async def run(ctx: CheckContext) -> list[Finding]:
    reading = await ctx.client(GOOGLE).send_as()
    findings = []
    for alias in reading.value:
        if alias.isPrimary:
            continue
        address = alias.sendAsEmail
        shown = literal(address, 200)
        made = ctx.review_or_found(
            f"Mail can be sent as {shown} from your account, and it isn't yours",
            f"Mail can be sent as {shown} from your account — is this address yours?",
            subject=address,
            detail="A send-as alias lets this account send mail that appears to come from another address, and "
            "replies may go there.",
            evidence=alias.model_dump(exclude_none=True),
        )
        if made:
            findings.append(made)
    return ctx.conclude(findings, reading, clear="Only your own address can send mail from this account")
