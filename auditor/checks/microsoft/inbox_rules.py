"""Outlook inbox rules that forward or redirect mail, or hide security mail from you."""

from __future__ import annotations

import re
from typing import Any

from auditor.checkapi import CheckContext
from auditor.checks.microsoft._common import recipients_text
from auditor.model import CheckSpec, Finding, Severity, Status
from auditor.safetext import literal

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


def hides(actions: dict[str, Any]) -> list[str]:
    """What the rule does to your copy that keeps you from seeing it."""
    out = []
    if actions.get("permanentDelete"):
        out.append("deletes it permanently")
    elif actions.get("delete"):
        out.append("deletes it")
    if actions.get("moveToFolder"):
        out.append("moves it out of the inbox")
    if actions.get("markAsRead"):
        out.append("marks it read")
    return out


def _words(value: Any) -> str:
    if isinstance(value, dict):
        return " ".join(_words(v) for v in value.values())
    if isinstance(value, list):
        return " ".join(_words(v) for v in value)
    return str(value) if isinstance(value, str) else ""


def describe(conditions: dict[str, Any]) -> str:
    parts = [
        f"{literal(key, 60)}: {literal(_words(value), 120)}"
        for key, value in conditions.items()
        if value not in (None, [], "")
    ]
    return "; ".join(parts) or "all mail"


async def run(ctx: CheckContext) -> list[Finding]:
    rules = await ctx.client("graph").inbox_rules()
    findings = []
    for rule in rules:
        actions = dict(rule.get("actions") or {})
        conditions = dict(rule.get("conditions") or {})
        name = literal(rule.get("displayName", ""), 120)
        hidden = hides(actions)
        enabled = rule.get("isEnabled", True) is not False
        evidence = {k: rule.get(k) for k in ("id", "displayName", "isEnabled", "conditions", "exceptions", "actions")}
        subject = str(rule.get("id") or rule.get("displayName"))
        sends = [(verb, actions[key]) for key, verb in SENDS if actions.get(key)]
        if sends:
            how = "; ".join(f"{verb} to {recipients_text(list(to))}" for verb, to in sends)
            also = f" and the rule {', '.join(hidden)}" if hidden else ""
            off = " (the rule is switched off now)" if not enabled else ""
            severity = Severity.CRITICAL if hidden and enabled else Severity.HIGH
            findings.append(
                ctx.finding(
                    Status.FOUND,
                    f"Your mail is {how}{also} — inbox rule “{name}”{off}",
                    subject=subject,
                    detail=(
                        f"The inbox rule “{name}” acts on mail matching “{describe(conditions)}”: it sends it to "
                        "another address"
                        + (" and hides your copy, so you would not notice" if hidden else "")
                        + ". Whoever reads that address sees this mail, including password resets and alerts."
                    ),
                    evidence=evidence,
                    severity=severity,
                )
            )
            continue
        senders = _words(conditions.get("fromAddresses")) + " " + _words(conditions.get("senderContains"))
        if hidden and (SECURITY_WORDS.search(_words(conditions)) or SECURITY_WORDS.search(senders)):
            made = ctx.review_or_found(
                f"An inbox rule you didn't make hides security mail: “{name}” ({', '.join(hidden)})",
                f"The inbox rule “{name}” hides mail that looks like security alerts ({', '.join(hidden)}) — "
                "did you make it?",
                subject=subject,
                detail=f"It acts on mail matching “{describe(conditions)}”. Someone who gets into an account often "
                "hides the alerts that would warn you.",
                evidence=evidence,
            )
            if made:
                findings.append(made)
    counted = "1 rule" if len(rules) == 1 else f"{len(rules)} rules"
    return findings or [ctx.clear(f"No inbox rule forwards mail or hides security mail ({counted} checked)")]
