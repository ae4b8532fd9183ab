"""Gmail automatic forwarding: every new message copied to another address."""

from __future__ import annotations

from auditor.checkapi import CheckContext
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


async def run(ctx: CheckContext) -> list[Finding]:
    setting = await ctx.client("google").auto_forwarding()
    if not setting.get("enabled"):
        return [ctx.clear("Gmail does not forward your mail automatically")]
    address = str(setting.get("emailAddress") or "")
    shown = literal(address, 200)
    what_happens = {
        "trash": " (your copy is deleted)",
        "archive": " (your copy is archived)",
        "markRead": " (your copy is marked read)",
    }.get(str(setting.get("disposition")), "")
    made = ctx.review_or_found(
        f"Your mail is forwarded to {shown}{what_happens}",
        f"Your mail is forwarded to {shown}{what_happens} — is this address yours?",
        subject=address,
        detail=(
            f"Gmail sends a copy of every new message to {shown}. If that is not an address you control, "
            "whoever reads it sees your mail — including password resets and security alerts."
        ),
        evidence={"emailAddress": address, "disposition": setting.get("disposition"), "enabled": True},
    )
    return [made] if made else [ctx.clear(f"Your mail is forwarded to {shown}, which you said is yours")]
