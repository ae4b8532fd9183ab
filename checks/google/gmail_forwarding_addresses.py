"""Forwarding addresses: addresses Gmail may forward to (by the setting or by a filter), confirmed or waiting."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.google import GOOGLE, ForwardingAddress
from auditor.model import CheckSpec, Finding, Severity
from auditor.safetext import literal

SPEC = CheckSpec(
    id="google.gmail_forwarding_addresses",
    title="Addresses Gmail is allowed to forward to",
    kind="google",
    severity=Severity.HIGH,
    reads=("Gmail settings: forwarding addresses",),
    playbooks=("google-mail-forwarding",),
    needs=("google",),
)


def state(item: ForwardingAddress, shown: str) -> str:
    """What the address's verification status means for the person, in plain words."""
    if item.verificationStatus == "accepted":
        return (
            f"{shown} was added and confirmed as a forwarding address. Forwarding or a filter can send your mail "
            "there at any time."
        )
    if item.verificationStatus == "pending":
        return (
            f"{shown} was added as a forwarding address and is waiting for confirmation: Gmail cannot forward mail "
            "to it until someone clicks the confirmation link Gmail sent to that address. Whoever reads that "
            "mailbox can do that at any time, so it is still worth removing."
        )
    return (
        f"{shown} was added as a forwarding address; Gmail did not say whether it has been confirmed. Forwarding "
        "or a filter may be able to send your mail there."
    )


async def run(ctx: CheckContext) -> list[Finding]:
    reading = await ctx.client(GOOGLE).forwarding_addresses()
    findings = []
    for item in reading.value:
        address = item.forwardingEmail
        shown = literal(address, 200)
        waiting = item.verificationStatus == "pending"
        suffix = " (waiting for confirmation)" if waiting else ""
        made = ctx.review_or_found(
            f"Gmail may forward to {shown}{suffix}, which you don't recognise",
            f"Gmail may forward to {shown}{suffix} — is this address yours?",
            subject=address,
            detail=state(item, shown),
            evidence=item.model_dump(by_alias=True, exclude_none=True),
        )
        if made:
            findings.append(made)
    clear = "No other forwarding address is set up" if not reading.value else "Every forwarding address is yours"
    return ctx.conclude(findings, reading, clear=clear)
