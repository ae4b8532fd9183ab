"""Gmail filters that forward mail, or hide security mail from you."""

from __future__ import annotations

import re

from auditor.checkapi import CheckContext
from auditor.checkapi.google import GOOGLE, FilterAction, FilterCriteria
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


def hides(action: FilterAction) -> list[str]:
    """What the filter does to your copy that keeps you from seeing it."""
    added = set(action.addLabelIds)
    removed = set(action.removeLabelIds)
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


def size_words(size: int) -> str:
    """A message size (bytes) as a person says it."""
    for unit, step in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= step:
            amount = f"{size / step:.1f}".rstrip("0").rstrip(".")
            return f"{amount} {unit}"
    return f"{size} bytes"


def describe(criteria: FilterCriteria) -> str:
    """The mail a filter matches, in plain words; what someone typed into it is shown literally."""
    parts = []
    if criteria.from_:
        parts.append(f"from {literal(criteria.from_, 120)}")
    if criteria.to:
        parts.append(f"to {literal(criteria.to, 120)}")
    if criteria.subject:
        parts.append(f"with “{literal(criteria.subject, 120)}” in the subject")
    if criteria.query:
        parts.append(f"matching the search “{literal(criteria.query, 120)}”")
    if criteria.negatedQuery:
        parts.append(f"not matching the search “{literal(criteria.negatedQuery, 120)}”")
    if criteria.hasAttachment:
        parts.append("with an attachment")
    if criteria.size:  # 0 is the proto3 default: no size given
        comparison = {"larger": "larger than", "smaller": "smaller than"}.get(criteria.sizeComparison or "")
        size = size_words(criteria.size)
        parts.append(f"{comparison} {size}" if comparison else f"of size {size}")
    if criteria.excludeChats:
        parts.append("leaving out chats")
    return "mail " + ", ".join(parts) if parts else "all your mail"


def security_like(criteria: FilterCriteria) -> bool:
    """The filter picks mail that looks like sign-in and security alerts (by what it matches, not what it leaves
    out)."""
    text = " ".join(v for v in (criteria.from_, criteria.to, criteria.subject, criteria.query) if v)
    return bool(SECURITY_WORDS.search(text))


async def run(ctx: CheckContext) -> list[Finding]:
    reading = await ctx.client(GOOGLE).filters()
    findings = []
    for item in reading.value:
        hidden = hides(item.action)
        matches = describe(item.criteria)
        subject = item.id or matches
        evidence = item.model_dump(by_alias=True, exclude_none=True)
        forward = item.action.forward
        if forward:
            to = literal(forward, 200)
            hiding = f" and {', '.join(hidden)}" if hidden else ""
            findings.append(
                ctx.finding(
                    Status.FOUND,
                    f"A filter forwards {matches} to {to}{hiding}",
                    subject=subject,
                    detail=(
                        "Mail that matches this filter is sent to another address"
                        + (" and hidden from you, so you would not notice" if hidden else "")
                        + "."
                    ),
                    evidence=evidence,
                    severity=Severity.CRITICAL if hidden else Severity.HIGH,
                )
            )
        elif hidden and security_like(item.criteria):
            made = ctx.review_or_found(
                f"A filter you didn't make hides security mail: {matches} ({', '.join(hidden)})",
                f"A filter hides mail that looks like security alerts: {matches} ({', '.join(hidden)}) — "
                "did you make it?",
                subject=subject,
                detail="Someone who gets into an account often hides the alerts that would warn you.",
                evidence=evidence,
            )
            if made:
                findings.append(made)
    count = len(reading.value)
    return ctx.conclude(findings, reading, clear=f"No filter forwards or hides security mail ({count} filters checked)")
