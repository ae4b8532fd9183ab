"""POP and IMAP: any mail program or app password can copy all the mail."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.google import GOOGLE
from auditor.model import CheckSpec, Finding, Severity
from auditor.safetext import literal

SPEC = CheckSpec(
    id="google.gmail_pop_imap",
    title="Mail programs allowed to download your mail (POP, IMAP)",
    kind="google",
    severity=Severity.MEDIUM,
    reads=("Gmail settings: IMAP and POP",),
    playbooks=("google-mail-access",),
    needs=("google",),
)

POP_WINDOWS = {"allMail": "all of your mail", "fromNowOn": "mail that arrives from now on"}


async def run(ctx: CheckContext) -> list[Finding]:
    client = ctx.client(GOOGLE)
    imap = await client.imap()
    pop = await client.pop()
    findings = []
    if imap.value.imap_on:
        made = ctx.review_or_found(
            "IMAP is on and you don't use a mail program",
            "IMAP is on: mail programs can download all your mail — do you use one?",
            subject="imap",
            detail="With IMAP on, any mail program signed in to your account (or given an app password) can copy "
            "every message. Phones' built-in mail apps use it.",
            evidence=imap.value.model_dump(exclude_none=True),
        )
        if made:
            findings.append(made)
    setting = pop.value
    if setting.pop_on:
        made = ctx.review_or_found(
            "POP download is on and you don't use it",
            "POP download is on — do you use a program that downloads your mail?",
            subject="pop",
            detail=f"POP lets a mail program download copies of {POP_WINDOWS[setting.window]}.",
            evidence=setting.model_dump(exclude_none=True),
        )
        if made:
            findings.append(made)
    elif not setting.pop_off:
        # Left out, Gmail's POP window is accessWindowUnspecified ("Unspecified range"): not "disabled".
        pop = pop.strange(f"pop.accessWindow: {literal(setting.window, 40)} does not say whether POP download is off")
    return ctx.conclude(findings, imap, pop, clear="No mail program access is switched on (IMAP and POP are off)")
