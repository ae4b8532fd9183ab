"""What the Exchange checks read, as plain typed records (no exchangelib objects reach a check).

Inbox rules are read straight from the ``t:Rule`` elements of the GetInboxRules answer (building
exchangelib's objects for hundreds of rules costs more than the request); delegates and automatic replies
from exchangelib's objects. Only the metadata that shows an access path is kept: never a message body.
Values are kept exactly as the server sent them; showing them literally is the renderer's job.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

TYPES_NS = "http://schemas.microsoft.com/exchange/services/2006/types"
CONDITION_TEXT_FIELDS = {
    "contains_subject_strings": "ContainsSubjectStrings",
    "contains_subject_or_body_strings": "ContainsSubjectOrBodyStrings",
    "contains_body_strings": "ContainsBodyStrings",
    "contains_sender_strings": "ContainsSenderStrings",
    "contains_header_strings": "ContainsHeaderStrings",
    "contains_recipient_strings": "ContainsRecipientStrings",
    "categories": "Categories",
}
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


def _t(name: str) -> str:
    return f"{{{TYPES_NS}}}{name}"


def _flag(element: Any, name: str) -> bool:
    node = element.find(_t(name))
    return node is not None and (node.text or "").strip().lower() == "true"


def _addresses(element: Any) -> tuple[Recipient, ...]:
    if element is None:
        return ()
    out = []
    for node in element.findall(_t("Address")):
        out.append(Recipient(address=_text(node.findtext(_t("EmailAddress"))), name=_text(node.findtext(_t("Name")))))
    return tuple(out)


def _folder(element: Any) -> str | None:
    """The folder a MoveToFolder action names: a distinguished name (deleteditems, ...) or a folder id."""
    if element is None:
        return None
    for tag in ("DistinguishedFolderId", "FolderId"):
        node = element.find(_t(tag))
        if node is not None:
            return _text(node.get("Id")) or tag
    return "folder"


def rule_from_xml(rule: Any) -> InboxRule:
    """One ``t:Rule`` element of a GetInboxRules answer (RuleType in the EWS types schema)."""
    conditions = rule.find(_t("Conditions"))
    actions = rule.find(_t("Actions"))
    if actions is None:
        raise ValueError("an inbox rule without Actions")
    texts: dict[str, list[str]] = {}
    senders: tuple[str, ...] = ()
    if conditions is not None:
        for name, tag in CONDITION_TEXT_FIELDS.items():
            node = conditions.find(_t(tag))
            if node is not None:
                values = [_text(v.text) for v in node.findall(_t("String"))]
                if values:
                    texts[name] = values
        senders = tuple(r.shown() for r in _addresses(conditions.find(_t("FromAddresses"))))
    enabled = rule.find(_t("IsEnabled"))
    return InboxRule(
        rule_id=_text(rule.findtext(_t("RuleId"))),
        name=_text(rule.findtext(_t("DisplayName"))),
        enabled=enabled is None or (enabled.text or "").strip().lower() != "false",
        conditions=texts,
        from_addresses=senders,
        forward_to=_addresses(actions.find(_t("ForwardToRecipients"))),
        redirect_to=_addresses(actions.find(_t("RedirectToRecipients"))),
        forward_as_attachment_to=_addresses(actions.find(_t("ForwardAsAttachmentToRecipients"))),
        delete=_flag(actions, "Delete"),
        permanent_delete=_flag(actions, "PermanentDelete"),
        mark_as_read=_flag(actions, "MarkAsRead"),
        move_to_folder=_folder(actions.find(_t("MoveToFolder"))),
        stop_processing_rules=_flag(actions, "StopProcessingRules"),
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


OOF_STATES = ("Disabled", "Enabled", "Scheduled")
OOF_AUDIENCES = ("None", "Known", "All")


def automatic_replies_from(settings: Any) -> AutomaticReplies:
    """Refuses a state or audience outside the schema's: read as "off" or "colleagues only", a reply that is
    on for everyone would pass as clear."""
    if settings is None:
        raise ValueError("no automatic-reply settings in the answer")
    state = _text(settings.state)
    audience = _text(settings.external_audience or "None")
    if state not in OOF_STATES:
        raise ValueError("automatic replies without a known OofState")
    if audience not in OOF_AUDIENCES:
        raise ValueError("automatic replies without a known ExternalAudience")
    return AutomaticReplies(
        state=state,
        external_audience=audience,
        start=settings.start.isoformat() if settings.start else None,
        end=settings.end.isoformat() if settings.end else None,
        has_internal_reply=bool(_text(settings.internal_reply).strip()),
        has_external_reply=bool(_text(settings.external_reply).strip()),
    )
