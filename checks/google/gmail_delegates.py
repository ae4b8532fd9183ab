"""Gmail delegates: people who can read, send and delete mail in this account."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.google import GOOGLE, DelegationUnavailable
from auditor.checkapi.google import guided_title as guided_check_title
from auditor.model import CheckSpec, Finding, Severity, Status
from auditor.safetext import literal

SPEC = CheckSpec(
    id="google.gmail_delegates",
    title="People with delegated access to your Gmail",
    kind="google",
    severity=Severity.HIGH,
    reads=("Gmail settings: delegates (readable only with Workspace domain-wide delegation)",),
    playbooks=("google-mail-access",),
    needs=("google",),
)

# Without domain-wide delegation Gmail does not list delegates; the guided check asks the person to look, and
# records the answer (a finding of this check could not be answered).
GUIDED = "google.manual_delegation"

WAITING = {
    "pending": " Gmail sent them an invitation that has not been accepted yet: once accepted, they get in.",
    "rejected": " They turned the invitation down, so they cannot get in unless it is sent again.",
    "expired": " The invitation expired unanswered, so they cannot get in unless it is sent again.",
}


async def run(ctx: CheckContext) -> list[Finding]:
    try:
        reading = await ctx.client(GOOGLE).delegates()
    except DelegationUnavailable:
        return [
            ctx.finding(
                Status.SKIPPED,
                "Gmail delegates are looked at by hand for this account",
                detail="Google lets only a Workspace service account with domain-wide delegation list delegates. "
                f"The guided check “{guided_title()}” says where to look, and keeps your answer.",
                evidence={"guided_check": GUIDED},
                severity=Severity.INFO,
            )
        ]
    findings = []
    for delegate in reading.value:
        address = delegate.delegateEmail
        shown = literal(address, 200)
        made = ctx.review_or_found(
            f"{shown} can read and send your mail, and you didn't allow it",
            f"{shown} can read and send your mail — did you allow this?",
            subject=address,
            detail="A delegate can open this mailbox, read and delete messages and send mail as you."
            + WAITING.get(delegate.verificationStatus or "", ""),
            evidence=delegate.model_dump(exclude_none=True),
        )
        if made:
            findings.append(made)
    return ctx.conclude(findings, reading, clear="Nobody else has delegated access to your Gmail")


def guided_title() -> str:
    return guided_check_title(GUIDED)
