"""Gmail filters that forward mail, or hide security mail from you."""

from __future__ import annotations

import re
from typing import Any

from auditor.checkapi import CheckContext
from auditor.model import CheckSpec, Finding, Severity, Status
from auditor.safetext import literal

SPEC = CheckSpec(
    id="google.gmail_filters",
    title="Gmail filters that forward or hide your mail",
    kind="google",
    severity=Severity.HIGH,
    reads=("Gmail settings: filters",),
    playbooks=("google-mail-forwarding",),
    needs=("google",),
)

SECURITY_WORDS = re.compile(
    r"google|apple|microsoft|outlook|bank|paypal|security|verif|password|sign[- ]?in|login|code|alert|2-?step",
    re.IGNORECASE,
)


def hides(action: dict[str, Any]) -> list[str]:
    """What the filter does to your copy that keeps you from seeing it."""
    added = set(action.get("addLabelIds") or [])
    removed = set(action.get("removeLabelIds") or [])
    out = []
    if "TRASH" in added:
        out.append("deletes it")
    if "INBOX" in removed:
        out.append("skips the inbox")
    if "UNREAD" in removed:
        out.append("marks it read")
    if "SPAM" in added:
        out.append("sends it to spam")
    return out


def describe(criteria: dict[str, Any]) -> str:
    parts = [f"{key}: {literal(value, 120)}" for key, value in criteria.items() if value not in (None, "", False)]
    return "; ".join(parts) or "all mail"


async def run(ctx: CheckContext) -> list[Finding]:
    filters = await ctx.client("google").filters()
    findings = []
    for item in filters:
        criteria = dict(item.get("criteria") or {})
        action = dict(item.get("action") or {})
        hidden = hides(action)
        evidence = {"id": item.get("id"), "criteria": criteria, "action": action}
        matches = describe(criteria)
        forward = action.get("forward")
        if forward:
            to = literal(forward, 200)
            hiding = f" and {', '.join(hidden)}" if hidden else ""
            findings.append(
                ctx.finding(
                    Status.FOUND,
                    f"A filter forwards mail matching “{matches}” to {to}{hiding}",
                    subject=str(item.get("id") or matches),
                    detail=(
                        "Mail that matches this filter is sent to another address"
                        + (" and hidden from you, so you would not notice" if hidden else "")
                        + "."
                    ),
                    evidence=evidence,
                    severity=Severity.CRITICAL if hidden else Severity.HIGH,
                )
            )
        elif hidden and SECURITY_WORDS.search(" ".join(str(v) for v in criteria.values())):
            made = ctx.review_or_found(
                f"A filter you didn't make hides security mail: “{matches}” ({', '.join(hidden)})",
                f"A filter hides mail that looks like security alerts: “{matches}” ({', '.join(hidden)}) — "
                "did you make it?",
                subject=str(item.get("id") or matches),
                detail="Someone who gets into an account often hides the alerts that would warn you.",
                evidence=evidence,
            )
            if made:
                findings.append(made)
    return findings or [ctx.clear(f"No filter forwards or hides security mail ({len(filters)} filters checked)")]
