"""What the Exchange checks share: naming recipients literally, and describing a rule's conditions."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.connectors.ews.records import InboxRule, Recipient
from auditor.safetext import literal

CONDITION_LABELS = {
    "contains_subject_strings": "subject contains",
    "contains_subject_or_body_strings": "subject or body contains",
    "contains_body_strings": "body contains",
    "contains_sender_strings": "sender contains",
    "contains_header_strings": "header contains",
    "contains_recipient_strings": "recipient contains",
    "categories": "category",
}


def recipients_text(recipients: Sequence[Recipient]) -> str:
    return ", ".join(literal(r.shown(), 200) for r in recipients) or "an unnamed recipient"


def describe(rule: InboxRule) -> str:
    parts = [
        f"{CONDITION_LABELS.get(key, key)}: {literal(', '.join(values), 120)}"
        for key, values in rule.conditions.items()
    ]
    if rule.from_addresses:
        parts.append(f"from: {literal(', '.join(rule.from_addresses), 120)}")
    return "; ".join(parts) or "all mail"
