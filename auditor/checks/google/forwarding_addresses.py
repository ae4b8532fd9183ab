"""Verified forwarding addresses: addresses Gmail may forward to (by the setting or by a filter)."""

from __future__ import annotations

from auditor.checkapi import CheckContext
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


async def run(ctx: CheckContext) -> list[Finding]:
    addresses = await ctx.client("google").forwarding_addresses()
    findings = []
    for item in addresses:
        address = str(item.get("forwardingEmail") or "")
        shown = literal(address, 200)
        made = ctx.review_or_found(
            f"Gmail may forward to {shown}, which you don't recognise",
            f"Gmail may forward to {shown} — is this address yours?",
            subject=address,
            detail=(
                f"{shown} was added and confirmed as a forwarding address ({literal(item.get('verificationStatus'))}). "
                "Forwarding or a filter can send your mail there at any time."
            ),
            evidence=dict(item),
        )
        if made:
            findings.append(made)
    return findings or [
        ctx.clear("No other forwarding address is set up" if not addresses else "Every forwarding address is yours")
    ]
