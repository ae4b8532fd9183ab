"""What the Exchange checks share: naming recipients literally, and describing a rule's conditions."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.checkapi.exchange import InboxRule, Recipient
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
    """Each recipient in plain words: an EX-routed colleague by name (never the directory DN), others by
    address; every piece of the server's text made literal."""
    return ", ".join(r.shown() for r in recipients) or "an unnamed recipient"


def describe(rule: InboxRule) -> str:
    parts = [
        f"{CONDITION_LABELS.get(key, key)}: {literal(', '.join(values), 120)}"
        for key, values in rule.conditions.items()
    ]
    if rule.from_addresses:
        parts.append(f"from: {recipients_text(rule.from_addresses)}")
    return "; ".join(parts) or "all mail"


def sender_words(rule: InboxRule) -> str:
    """The words a rule matches mail on, for the security-mail test: its text conditions and the senders it
    names — an EX-routed sender by display name, since the DN ("/o=.../ou=Exchange Administrative Group/...")
    says only where the directory keeps them."""
    texts = [" ".join(values) for values in rule.conditions.values()]
    return " ".join([*texts, *(r.words() for r in rule.from_addresses)])
