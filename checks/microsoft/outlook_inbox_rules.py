"""Outlook inbox rules that forward or redirect mail, or hide security mail from you."""

from __future__ import annotations

import re
from typing import Any

from auditor.checkapi import CheckContext
from auditor.checkapi.microsoft import GRAPH, MessageRule, MessageRuleActions, MessageRulePredicates
from auditor.model import CheckSpec, Finding, Severity, Status
from auditor.safetext import literal

from ._common import recipients_text

SPEC = CheckSpec(
    id="microsoft.outlook_inbox_rules",
    title="Outlook inbox rules that forward, redirect or hide your mail",
    kind="microsoft",
    severity=Severity.HIGH,
    reads=("Outlook inbox rules (conditions and actions, not messages)",),
    playbooks=("microsoft-mail-forwarding",),
    needs=("graph",),
)

SENDS = (
    ("forwardTo", "forwarded"),
    ("redirectTo", "redirected"),
    ("forwardAsAttachmentTo", "forwarded as an attachment"),
)
SECURITY_WORDS = re.compile(
    r"microsoft|outlook|live\.com|google|apple|icloud|bank|paypal|security|verif|password|sign[- ]?in|login|"
    r"log[- ]?in|code|alert|2-?step|two[- ]?step",
    re.IGNORECASE,
)


def hides(actions: MessageRuleActions) -> list[str]:
    """What the rule does to your copy that keeps you from seeing it."""
    out = []
    if actions.permanentDelete:
        out.append("deletes it permanently")
    elif actions.delete:
        out.append("deletes it")
    if actions.moveToFolder:
        out.append("moves it out of the inbox")
    if actions.markAsRead:
        out.append("marks it read")
    return out


def _words(value: Any) -> str:
    if isinstance(value, dict):
        return " ".join(_words(v) for v in value.values())
    if isinstance(value, list):
        return " ".join(_words(v) for v in value)
    return str(value) if isinstance(value, str) else ""


def describe(conditions: MessageRulePredicates) -> str:
    parts = [
        f"{literal(key, 60)}: {literal(_words(value), 120)}"
        for key, value in conditions.raw().items()
        if value not in (None, [], "")
    ]
    return "; ".join(parts) or "all mail"


def judge(ctx: CheckContext, rule: MessageRule) -> Finding | None:
    actions = rule.actions or MessageRuleActions()
    conditions = rule.conditions or MessageRulePredicates()
    name = literal(rule.displayName or "", 120)
    hidden = hides(actions)
    enabled = rule.isEnabled is not False
    raw = rule.raw()
    # The rule as found, whole enough to be turned off, deleted or made again (auditor/remedy/microsoft.py).
    evidence = {
        k: raw.get(k)
        for k in ("id", "displayName", "sequence", "isEnabled", "isReadOnly", "conditions", "exceptions", "actions")
    }
    evidence["account_type"] = ctx.client(GRAPH).account_type
    subject = str(rule.id or rule.displayName)
    if not enabled:
        # A switched-off rule forwards and hides nothing: turning a rule off is how the tool closes it while
        # keeping it in the mailbox as evidence. The conclusion still names switched-off rules (run()).
        return None
    sends = [(verb, getattr(actions, key)) for key, verb in SENDS if getattr(actions, key)]
    if sends:
        how = "; ".join(f"{verb} to {recipients_text(to)}" for verb, to in sends)
        also = f" and the rule {', '.join(hidden)}" if hidden else ""
        return ctx.finding(
            Status.FOUND,
            f"Your mail is {how}{also} — inbox rule “{name}”",
            subject=subject,
            detail=(
                f"The inbox rule “{name}” acts on mail matching “{describe(conditions)}”: it sends it to "
                "another address"
                + (" and hides your copy, so you would not notice" if hidden else "")
                + ". Whoever reads that address sees this mail, including password resets and alerts."
            ),
            evidence=evidence,
            severity=Severity.CRITICAL if hidden else Severity.HIGH,
        )
    words = _words(conditions.raw())
    if hidden and SECURITY_WORDS.search(words):
        return ctx.review_or_found(
            f"An inbox rule you didn't make hides security mail: “{name}” ({', '.join(hidden)})",
            f"The inbox rule “{name}” hides mail that looks like security alerts ({', '.join(hidden)}) — "
            "did you make it?",
            subject=subject,
            detail=f"It acts on mail matching “{describe(conditions)}”. Someone who gets into an account often "
            "hides the alerts that would warn you.",
            evidence=evidence,
        )
    return None


def would_act(rule: MessageRule) -> bool:
    """A rule that, switched on, would send mail away or hide it."""
    actions = rule.actions or MessageRuleActions()
    return bool(hides(actions)) or any(getattr(actions, key) for key, _ in SENDS)


async def run(ctx: CheckContext) -> list[Finding]:
    rules = await ctx.client(GRAPH).inbox_rules()
    findings = [made for rule in rules.value if (made := judge(ctx, rule))]
    count = len(rules.value)
    counted = "1 rule" if count == 1 else f"{count} rules"
    off = [literal(r.displayName or "", 60) for r in rules.value if r.isEnabled is False and would_act(r)]
    switched_off = f"; switched off: “{'”, “'.join(off)}”" if off else ""
    return ctx.conclude(
        findings, rules, clear=f"No inbox rule forwards mail or hides security mail ({counted} checked{switched_off})"
    )
