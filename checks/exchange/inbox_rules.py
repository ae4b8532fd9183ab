"""Exchange inbox rules that forward, redirect or forward as attachment, or hide security mail from you."""

from __future__ import annotations

import re

from auditor.checkapi import CheckContext
from auditor.checkapi.exchange import EXCHANGE, InboxRule, Recipient
from auditor.model import CheckSpec, Finding, Severity, Status
from auditor.safetext import literal

from ._common import describe, recipients_text, sender_words

SPEC = CheckSpec(
    id="exchange.inbox_rules",
    title="Exchange inbox rules that forward, redirect or hide your mail",
    kind="exchange",
    severity=Severity.HIGH,
    reads=("Exchange inbox rules through EWS GetInboxRules (conditions and actions, not messages)",),
    playbooks=("exchange-mail-forwarding",),
    needs=("exchange",),
)

SECURITY_WORDS = re.compile(
    r"microsoft|outlook|exchange|google|apple|icloud|bank|paypal|security|verif|password|sign[- ]?in|login|"
    r"log[- ]?in|code|alert|2-?step|two[- ]?step|mfa|help ?desk|it support",
    re.IGNORECASE,
)


def forwarding(ctx: CheckContext, rule: InboxRule, name: str, subject: str) -> Finding:
    verbs: dict[str, list[Recipient]] = {}
    for verb, recipient in rule.sends_to:
        verbs.setdefault(verb, []).append(recipient)
    how = "; ".join(f"{verb} to {recipients_text(to)}" for verb, to in verbs.items())
    hidden = rule.hides
    also = f" and {', '.join(hidden)}" if hidden else ""
    inside = all(recipient.inside for _, recipient in rule.sends_to)
    who = (
        "They are inside your organisation, but whoever reads that mailbox sees this mail"
        if inside
        else "Whoever reads that address sees this mail"
    )
    return ctx.finding(
        Status.FOUND,
        f"An inbox rule {how}{also} — rule “{name}”",
        subject=subject,
        detail=(
            f"The inbox rule “{name}” acts on mail matching “{describe(rule)}”: it sends it, or word of it, on "
            "to someone else"
            + (" and hides your copy, so you would not notice" if hidden else "")
            + f". {who}, including password resets and alerts."
        ),
        evidence=rule.evidence(),
        severity=Severity.CRITICAL if hidden else Severity.HIGH,
    )


def would_act(rule: InboxRule) -> bool:
    """A rule that, switched on, would send mail away or hide it."""
    return bool(rule.sends_to or rule.hides)


async def run(ctx: CheckContext) -> list[Finding]:
    reading = await ctx.client(EXCHANGE).inbox_rules()
    rules = reading.value
    findings = []
    for rule in rules:
        name = literal(rule.name, 120)
        if not rule.enabled:
            # A switched-off rule forwards and hides nothing: switching a rule off is how the tool closes it while
            # keeping it in the mailbox as evidence. The conclusion still names switched-off rules (below).
            continue
        subject = rule.rule_id or rule.name
        if rule.sends_to:
            findings.append(forwarding(ctx, rule, name, subject))
            continue
        hidden = rule.hides
        if hidden and SECURITY_WORDS.search(sender_words(rule)):
            made = ctx.review_or_found(
                f"An inbox rule you didn't make hides security mail: “{name}” ({', '.join(hidden)})",
                f"The inbox rule “{name}” hides mail that looks like security alerts ({', '.join(hidden)}) — "
                "did you make it?",
                subject=subject,
                detail=f"It acts on mail matching “{describe(rule)}”. Someone who gets into a mailbox often hides "
                "the alerts that would warn you.",
                evidence=rule.evidence(),
            )
            if made:
                findings.append(made)
    counted = "1 rule" if len(rules) == 1 else f"{len(rules)} rules"
    off = [literal(rule.name, 60) for rule in rules if not rule.enabled and would_act(rule)]
    switched_off = f"; switched off: “{'”, “'.join(off)}”" if off else ""
    return ctx.conclude(
        findings, reading, clear=f"No inbox rule forwards mail or hides security mail ({counted} checked{switched_off})"
    )
