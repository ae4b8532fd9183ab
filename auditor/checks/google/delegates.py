"""Gmail delegates: people who can read, send and delete mail in this account."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.connectors.google.client import DelegationUnavailable
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


async def run(ctx: CheckContext) -> list[Finding]:
    try:
        delegates = await ctx.client("google").delegates()
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
    for delegate in delegates:
        address = str(delegate.get("delegateEmail") or "")
        made = ctx.review_or_found(
            f"{literal(address, 200)} can read and send your mail, and you didn't allow it",
            f"{literal(address, 200)} can read and send your mail — did you allow this?",
            subject=address,
            detail="A delegate can open this mailbox, read and delete messages and send mail as you.",
            evidence=dict(delegate),
        )
        if made:
            findings.append(made)
    return findings or [ctx.clear("Nobody else has delegated access to your Gmail")]


def guided_title() -> str:
    from auditor.manual import manual_definitions

    return manual_definitions()[GUIDED].title
