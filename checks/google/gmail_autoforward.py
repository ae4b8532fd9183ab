"""Gmail automatic forwarding: every new message copied to another address."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.google import GOOGLE
from auditor.model import CheckSpec, Finding, Severity
from auditor.safetext import literal

SPEC = CheckSpec(
    id="google.gmail_autoforward",
    title="Gmail forwarding all your mail to another address",
    kind="google",
    severity=Severity.CRITICAL,
    reads=("Gmail settings: automatic forwarding",),
    playbooks=("google-mail-forwarding",),
    needs=("google",),
)

WHAT_HAPPENS = {
    "trash": " (your copy is deleted)",
    "archive": " (your copy is archived)",
    "markRead": " (your copy is marked read)",
}


async def run(ctx: CheckContext) -> list[Finding]:
    reading = await ctx.client(GOOGLE).auto_forwarding()
    setting = reading.value
    if not setting.forwarding:
        return ctx.conclude([], reading, clear="Gmail does not forward your mail automatically")
    address = setting.emailAddress or ""
    if not address:
        reading = reading.strange("autoForwarding.emailAddress: missing while forwarding is on")
    shown = literal(address, 200) if address else "an address Gmail did not name"
    what_happens = WHAT_HAPPENS.get(setting.disposition or "", "")
    made = ctx.review_or_found(
        f"Your mail is forwarded to {shown}{what_happens}",
        f"Your mail is forwarded to {shown}{what_happens} — is this address yours?",
        subject=address,
        detail=(
            f"Gmail sends a copy of every new message to {shown}. If that is not an address you control, "
            "whoever reads it sees your mail — including password resets and security alerts."
        ),
        evidence={"emailAddress": address, "disposition": setting.disposition, "enabled": True},
    )
    # "mine": forwarding to the person's own address is no way in (said clear, over a whole reading only)
    mine = f"Your mail is forwarded to {shown}, which you said is yours"
    return ctx.conclude([made] if made else [], reading, clear=mine)
