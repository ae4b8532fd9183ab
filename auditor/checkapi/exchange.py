"""What the Exchange (on-premises, EWS) checks may use: the reads they call, the key to ask for them, the records.

``ctx.client(EXCHANGE)`` is an :class:`ExchangeReads`. Each read returns a :class:`~auditor.checkapi.Reading`
whose value is made of the plain records below — never an exchangelib object or an XML element. The connector
builds them from the EWS answer after checking its shape against Microsoft's EWS reference; a record it could
not read completely is left out or kept in part, and the reading names it (``unrecognised``), so no check can
say "Looks clear" over it. Values are kept exactly as the server sent them: showing them literally
(:func:`auditor.safetext.literal`) is the check's job.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Protocol

from auditor.checkapi import ClientKey, Reading
from auditor.safetext import literal

__all__ = [
    "EXCHANGE",
    "AutomaticReplies",
    "Delegate",
    "Delegation",
    "ExchangeReads",
    "InboxRule",
    "Recipient",
]

# MailboxType values that name an entry pointing outside the directory (EWS reference, "MailboxType"): a
# contact in the person's own mailbox, or a one-off address typed in. An EX route to one of them is not proof
# that the mail stays inside the organisation.
NOT_INSIDE_MAILBOX_TYPES = frozenset({"Contact", "OneOff", "PrivateDL"})


@dataclass(frozen=True)
class Recipient:
    """One address in a rule (EmailAddressType): EmailAddress, Name, RoutingType, MailboxType, as sent.

    With RoutingType EX the address is a legacyExchangeDN (``/o=.../ou=.../cn=Recipients/cn=...``): the
    directory name of someone in the organisation, not a place mail leaves to. It is shown by the person's
    display name and never read as words."""

    address: str
    name: str = ""
    routing_type: str = "SMTP"
    mailbox_type: str = ""

    @property
    def directory_name(self) -> bool:
        """The address is a legacyExchangeDN: EX-routed, or plainly one (``/o=...``, no ``@``) whatever the
        RoutingType says — a DN is never an address mail could be sent to outside."""
        if "@" in self.address:
            return False
        return self.routing_type.upper() == "EX" or self.address.lower().startswith("/o=")

    @property
    def inside(self) -> bool:
        """A directory entry of the organisation, unless the answer itself says otherwise (an SMTP address in the
        field, or a contact or one-off entry)."""
        return self.directory_name and self.mailbox_type not in NOT_INSIDE_MAILBOX_TYPES

    @property
    def readable(self) -> bool:
        return bool(self.address or self.name)

    def shown(self, limit: int = 200) -> str:
        """Plain words for the person, the server's text in them made literal (and cut to ``limit``). A directory
        name (DN) is never shown: it says only where the directory keeps someone, and reads like jargon."""
        if self.directory_name:
            if self.inside:
                label, nameless = "a person inside your organisation", "someone inside your organisation"
            else:
                label, nameless = "an entry in your organisation's address book", "an address-book entry"
            return f"{literal(self.name, limit)} ({label})" if self.name else nameless
        if not self.readable:
            return "an address Exchange did not give"
        kind = self.routing_type.upper()
        shown = literal(self.address or self.name, limit)
        if kind in ("SMTP", ""):
            return shown
        return f"{shown} ({'a phone' if kind == 'MOBILE' else f'an address of type {literal(self.routing_type, 20)}'})"

    def words(self) -> str:
        """What may be read for words about the sender: the name of a directory entry (its DN says only where the
        directory keeps them: "/o=.../ou=Exchange Administrative Group/..."), otherwise the address."""
        return self.name if self.directory_name else (self.address or self.name)


@dataclass(frozen=True)
class InboxRule:
    """One inbox rule (EWS RuleType): its conditions and the actions that matter for who sees your mail."""

    rule_id: str
    name: str
    enabled: bool
    conditions: dict[str, list[str]] = field(default_factory=dict)  # text conditions, by the labels in _common
    from_addresses: tuple[Recipient, ...] = ()
    forward_to: tuple[Recipient, ...] = ()
    redirect_to: tuple[Recipient, ...] = ()
    forward_as_attachment_to: tuple[Recipient, ...] = ()
    sms_alert_to: tuple[Recipient, ...] = ()
    delete: bool = False
    permanent_delete: bool = False
    mark_as_read: bool = False
    move_to_folder: str | None = None
    stop_processing_rules: bool = False
    has_actions: bool = True  # False: the rule came without Actions (allowed by the schema) and does nothing
    # The whole rule as Exchange sent it, in EWS's own element names (RuleType), kept so that a change can send it
    # back unchanged but for the one thing changed (SetRuleOperation replaces the whole rule) or recreate it
    # (CreateRuleOperation). ``as_found_whole`` is true only when every part of it was read and understood and
    # Exchange did not mark it IsNotSupported ("cannot be modified with the managed code APIs").
    as_found: dict[str, Any] = field(default_factory=dict)
    as_found_whole: bool = False
    # GetInboxRules' OutlookRuleBlobExists (the same for every rule of one answer; None when not said): Outlook
    # keeps its own copy of the rules, which any change of rules through EWS removes.
    outlook_rule_blob: bool | None = None

    @property
    def sends_to(self) -> list[tuple[str, Recipient]]:
        """(how, recipient) for every address this rule sends mail, or word of it, on to."""
        return (
            [("forwards", r) for r in self.forward_to]
            + [("redirects", r) for r in self.redirect_to]
            + [("forwards as an attachment", r) for r in self.forward_as_attachment_to]
            + [("sends text-message alerts", r) for r in self.sms_alert_to]
        )

    @property
    def hides(self) -> list[str]:
        """What the rule does to your copy that keeps you from seeing it."""
        out = []
        if self.permanent_delete:
            out.append("deletes it permanently")
        elif self.delete:
            out.append("deletes it")
        moved_away = self.move_to_folder is not None and self.move_to_folder.lower() != "inbox"
        if moved_away and not (self.delete or self.permanent_delete):
            out.append("moves it out of the inbox")
        if self.mark_as_read:
            out.append("marks it read")
        return out

    def evidence(self) -> dict[str, Any]:
        record = asdict(self)
        for key in ("from_addresses", "forward_to", "redirect_to", "forward_as_attachment_to", "sms_alert_to"):
            record[key] = [asdict(r) for r in getattr(self, key)]
        return record


@dataclass(frozen=True)
class Delegate:
    """One delegate (EWS DelegateUser): who, their level on each default folder, and what else they get."""

    address: str
    name: str
    permissions: dict[str, str]  # folder -> None, Reviewer, Author, Editor, Custom
    receive_copies_of_meeting_messages: bool
    view_private_items: bool
    sid: str = ""

    def evidence(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Delegation:
    """Every delegate of the mailbox, and where meeting requests go (DeliverMeetingRequests; None if not said)."""

    delegates: tuple[Delegate, ...]
    deliver_meeting_requests: str | None

    def evidence(self) -> dict[str, Any]:
        return {
            "delegates": [d.evidence() for d in self.delegates],
            "deliver_meeting_requests": self.deliver_meeting_requests,
        }


@dataclass(frozen=True)
class AutomaticReplies:
    """Automatic-reply (out of office) settings (EWS UserOofSettings). Whether a reply text exists, never its words."""

    state: str  # Disabled, Enabled, Scheduled
    external_audience: str  # None, Known, All
    start: datetime | None
    end: datetime | None  # timezone-aware; None when not given (or not readable: the reading then says so)
    has_internal_reply: bool
    has_external_reply: bool

    def ended(self, now: datetime) -> bool:
        """A schedule whose end has passed. Without a readable end it is treated as still running."""
        return self.state == "Scheduled" and self.end is not None and self.end <= now

    def evidence(self) -> dict[str, Any]:
        record = asdict(self)
        record["start"] = self.start.isoformat() if self.start else None
        record["end"] = self.end.isoformat() if self.end else None
        return record


class ExchangeReads(Protocol):
    """The reads of one Exchange mailbox that the checks use. Each is made once per audit and shared."""

    async def inbox_rules(self) -> Reading[tuple[InboxRule, ...]]:
        """Every inbox rule (GetInboxRules)."""
        ...

    async def delegates(self) -> Reading[Delegation]:
        """The delegates with their permissions, and where meeting requests go (GetDelegate)."""
        ...

    async def automatic_replies(self) -> Reading[AutomaticReplies]:
        """The automatic-reply settings (GetUserOofSettings)."""
        ...


EXCHANGE: ClientKey[ExchangeReads] = ClientKey("exchange")
