"""What the Exchange checks read, as plain typed records (no exchangelib objects reach a check).

Each ``*_from`` function turns one exchangelib object into a record and keeps only the metadata that shows
an access path: never a message body. Values are kept exactly as the server sent them; showing them
literally is the renderer's job.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

CONDITION_TEXT_FIELDS = (
    "contains_subject_strings",
    "contains_subject_or_body_strings",
    "contains_body_strings",
    "contains_sender_strings",
    "contains_header_strings",
    "contains_recipient_strings",
    "categories",
)
FOLDER_LEVELS = ("calendar", "tasks", "inbox", "contacts", "notes", "journal")


@dataclass(frozen=True)
class Recipient:
    address: str
    name: str = ""

    def shown(self) -> str:
        return self.address or self.name


@dataclass(frozen=True)
class InboxRule:
    rule_id: str
    name: str
    enabled: bool
    conditions: dict[str, list[str]] = field(default_factory=dict)
    from_addresses: tuple[str, ...] = ()
    forward_to: tuple[Recipient, ...] = ()
    redirect_to: tuple[Recipient, ...] = ()
    forward_as_attachment_to: tuple[Recipient, ...] = ()
    delete: bool = False
    permanent_delete: bool = False
    mark_as_read: bool = False
    move_to_folder: str | None = None
    stop_processing_rules: bool = False

    @property
    def sends_to(self) -> list[tuple[str, Recipient]]:
        """(how, recipient) for every address this rule sends mail on to."""
        return (
            [("forwards", r) for r in self.forward_to]
            + [("redirects", r) for r in self.redirect_to]
            + [("forwards as an attachment", r) for r in self.forward_as_attachment_to]
        )

    @property
    def hides(self) -> list[str]:
        """What the rule does to your copy that keeps you from seeing it."""
        out = []
        if self.permanent_delete:
            out.append("deletes it permanently")
        elif self.delete:
            out.append("deletes it")
        if self.move_to_folder and not (self.delete or self.permanent_delete):
            out.append("moves it out of the inbox")
        if self.mark_as_read:
            out.append("marks it read")
        return out

    def evidence(self) -> dict[str, Any]:
        record = asdict(self)
        for key in ("forward_to", "redirect_to", "forward_as_attachment_to"):
            record[key] = [asdict(r) for r in getattr(self, key)]
        record["from_addresses"] = list(self.from_addresses)
        return record


@dataclass(frozen=True)
class Delegate:
    address: str
    name: str
    permissions: dict[str, str]  # folder -> None, Reviewer, Author, Editor, Custom
    receive_copies_of_meeting_messages: bool
    view_private_items: bool

    def evidence(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AutomaticReplies:
    state: str  # Disabled, Enabled, Scheduled
    external_audience: str  # None, Known, All
    start: str | None
    end: str | None
    has_internal_reply: bool
    has_external_reply: bool

    def evidence(self) -> dict[str, Any]:
        return asdict(self)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _recipients(values: Any) -> tuple[Recipient, ...]:
    out = []
    for value in values or ():
        out.append(Recipient(address=_text(getattr(value, "email_address", None)), name=_text(value.name)))
    return tuple(out)


def rule_from(rule: Any) -> InboxRule:
    conditions = rule.conditions
    actions = rule.actions
    texts: dict[str, list[str]] = {}
    senders: tuple[str, ...] = ()
    if conditions is not None:
        for name in CONDITION_TEXT_FIELDS:
            values = getattr(conditions, name, None)
            if values:
                texts[name] = [_text(v) for v in values]
        senders = tuple(r.shown() for r in _recipients(conditions.from_addresses))
    move = getattr(actions, "move_to_folder", None)
    folder_id = getattr(getattr(move, "folder_id", None), "id", None) if move is not None else None
    return InboxRule(
        rule_id=_text(rule.id),
        name=_text(rule.display_name),
        enabled=rule.is_enabled is not False,
        conditions=texts,
        from_addresses=senders,
        forward_to=_recipients(actions.forward_to_recipients),
        redirect_to=_recipients(actions.redirect_to_recipients),
        forward_as_attachment_to=_recipients(actions.forward_as_attachment_to_recipients),
        delete=bool(actions.delete),
        permanent_delete=bool(actions.permanent_delete),
        mark_as_read=bool(actions.mark_as_read),
        move_to_folder=_text(folder_id) or ("folder" if move is not None else None),
        stop_processing_rules=bool(actions.stop_processing_rules),
    )


def delegate_from(delegate: Any) -> Delegate:
    user = delegate.user_id
    perms = delegate.delegate_permissions
    levels = {
        folder: _text(getattr(perms, f"{folder}_folder_permission_level", None) or "None") if perms else "None"
        for folder in FOLDER_LEVELS
    }
    return Delegate(
        address=_text(user.primary_smtp_address if user else ""),
        name=_text(user.display_name if user else ""),
        permissions=levels,
        receive_copies_of_meeting_messages=bool(delegate.receive_copies_of_meeting_messages),
        view_private_items=bool(delegate.view_private_items),
    )


def automatic_replies_from(settings: Any) -> AutomaticReplies:
    if settings is None:
        raise ValueError("no automatic-reply settings in the answer")
    return AutomaticReplies(
        state=_text(settings.state),
        external_audience=_text(settings.external_audience or "None"),
        start=settings.start.isoformat() if settings.start else None,
        end=settings.end.isoformat() if settings.end else None,
        has_internal_reply=bool(_text(settings.internal_reply).strip()),
        has_external_reply=bool(_text(settings.external_reply).strip()),
    )
