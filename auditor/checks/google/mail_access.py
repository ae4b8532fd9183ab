"""POP and IMAP: any mail program or app password can copy all the mail."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.model import CheckSpec, Finding, Severity

SPEC = CheckSpec(
    id="google.gmail_pop_imap",
    title="Mail programs allowed to download your mail (POP, IMAP)",
    kind="google",
    severity=Severity.MEDIUM,
    reads=("Gmail settings: IMAP and POP",),
    playbooks=("google-mail-access",),
    needs=("google",),
)


async def run(ctx: CheckContext) -> list[Finding]:
    client = ctx.client("google")
    imap = await client.imap()
    pop = await client.pop()
    findings = []
    if imap.get("enabled"):
        made = ctx.review_or_found(
            "IMAP is on and you don't use a mail program",
            "IMAP is on: mail programs can download all your mail — do you use one?",
            subject="imap",
            detail="With IMAP on, any mail program signed in to your account (or given an app password) can copy "
            "every message. Phones' built-in mail apps use it.",
            evidence=dict(imap),
        )
        if made:
            findings.append(made)
    if pop.get("accessWindow") not in (None, "disabled"):
        made = ctx.review_or_found(
            "POP download is on and you don't use it",
            "POP download is on — do you use a program that downloads your mail?",
            subject="pop",
            detail="POP lets a mail program download copies of your mail (all of it, or everything from now on).",
            evidence=dict(pop),
        )
        if made:
            findings.append(made)
    return findings or [ctx.clear("No mail program access is switched on (IMAP and POP are off)")]
