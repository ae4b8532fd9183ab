"""From an EWS answer to the readings the Exchange checks judge: pure functions of the XML, nothing fetched.

Each reader takes the operation's response element (``GetInboxRulesResponse``, ``GetDelegateResponse``,
``GetUserOofSettingsResponse``: an ElementTree or lxml element), checks it against the EWS types in
:mod:`auditor.connectors.ews.schema`, and returns a :class:`~auditor.checkapi.Reading` of the plain records in
:mod:`auditor.checkapi.exchange`:

- an answer that is not the documented shape at all (no response element, a response that is not a success,
  no OofSettings, an OofState outside the schema) raises :class:`~auditor.errors.ProviderError` naming the element;
- a record that is wrong in part is judged from what could be read, and the reading names it
  (``unrecognised``); one that cannot be read at all is left out and named; a delegate Exchange could not
  return is named in ``not_read``. The other records are judged as usual.

Only the metadata that shows an access path is kept: never a message body or a reply's words.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from auditor.checkapi import Reading
from auditor.checkapi.exchange import AutomaticReplies, Delegate, Delegation, InboxRule, Recipient
from auditor.connectors.ews.schema import (
    DELIVER_MEETING_REQUESTS,
    MESSAGES_NS,
    TYPES_NS,
    DelegateUserType,
    EmailAddressType,
    RuleType,
    UserOofSettingsType,
    element_data,
    local_name,
    salvage,
)
from auditor.errors import ProviderError
from auditor.safetext import literal

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
RULES = "Exchange inbox rules"
DELEGATES = "Exchange delegates"
REPLIES = "Exchange automatic replies"

# RulePredicatesType's text conditions -> the record's names for them (also the evidence's keys).
CONDITION_TEXT_FIELDS = {
    "contains_subject_strings": "ContainsSubjectStrings",
    "contains_subject_or_body_strings": "ContainsSubjectOrBodyStrings",
    "contains_body_strings": "ContainsBodyStrings",
    "contains_sender_strings": "ContainsSenderStrings",
    "contains_header_strings": "ContainsHeaderStrings",
    "contains_recipient_strings": "ContainsRecipientStrings",
    "categories": "Categories",
}
SENDING_ACTIONS = {
    "forward_to": "ForwardToRecipients",
    "redirect_to": "RedirectToRecipients",
    "forward_as_attachment_to": "ForwardAsAttachmentToRecipients",
    "sms_alert_to": "SendSMSAlertToRecipients",
}
FOLDER_LEVELS = {
    "calendar": "CalendarFolderPermissionLevel",
    "tasks": "TasksFolderPermissionLevel",
    "inbox": "InboxFolderPermissionLevel",
    "contacts": "ContactsFolderPermissionLevel",
    "notes": "NotesFolderPermissionLevel",
    "journal": "JournalFolderPermissionLevel",
}


def _m(name: str) -> str:
    return f"{{{MESSAGES_NS}}}{name}"


def _t(name: str) -> str:
    return f"{{{TYPES_NS}}}{name}"


def _elements(parent: Any) -> list[Any]:
    return [child for child in parent if isinstance(child.tag, str)]


# -- the envelope -------------------------------------------------------------------------------------

# Exchange writes control characters in rule names and the like as character references (&#x1B;), which
# XML 1.0 does not allow, so a strict parser refuses them; lxml's recovering parser (exchangelib's) keeps them
# but then silently drops the entity references that follow in the same text (&#x1F;&lt; reads as "\x1f"), and
# reads a cut-off answer as a shorter, whole one. So each such reference is written as an escape character
# followed by a stand-in (the escape character itself, where the answer holds it, is doubled), the answer is
# parsed strictly, and the escapes are turned back. Nothing the answer can hold collides with them.
_ESCAPE = "\U0010fffd"  # a private-use character: never part of a name (XML names stop before plane 16)
_ESCAPE_REF = b"&#x10FFFD;"
_NOT_XML = (*range(0x9), 0xB, 0xC, *range(0xE, 0x20), 0xFFFE, 0xFFFF)
_STAND_INS = {code: chr(0x100000 + index) for index, code in enumerate(_NOT_XML)}
_BACK = {stand_in: chr(code) for code, stand_in in _STAND_INS.items()} | {_ESCAPE: _ESCAPE}
_ESCAPED = re.compile(re.escape(_ESCAPE) + "(.)", re.DOTALL)
_CHAR_REF = re.compile(rb"&#(?:x([0-9A-Fa-f]{1,8})|([0-9]{1,10}));")
_UNTOUCHED = re.compile(rb"(<!\[CDATA\[.*?\]\]>|<!--.*?-->)", re.DOTALL)  # no reference is read in these


def _code(found: re.Match[bytes]) -> int:
    hexadecimal, decimal = found.groups()
    return int(hexadecimal, 16) if hexadecimal else int(decimal)


def _xml_char(code: int) -> bool:
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF


def _swap(found: re.Match[bytes]) -> bytes:
    code = _code(found)
    if code == ord(_ESCAPE):
        return _ESCAPE_REF * 2
    if code in _STAND_INS:
        return _ESCAPE_REF + f"&#x{ord(_STAND_INS[code]):X};".encode()
    if _xml_char(code):
        return found.group()
    raise ProviderError(f"Exchange's answer refers to a character that does not exist (&#x{code:X};)")


def _unescape(text: str) -> str:
    return _ESCAPED.sub(lambda found: _BACK.get(found.group(1), found.group()), text)


def checked_xml(content: bytes) -> Any:
    """The root element of an answer (ElementTree), refusing XML that is not well-formed and any DOCTYPE (no
    entity of the answer's own is ever expanded); control characters written as references are kept."""
    import xml.etree.ElementTree as ET

    if b"<!DOCTYPE" in content:
        raise ProviderError("Exchange's answer declares a DOCTYPE, which EWS answers never do")
    parts = _UNTOUCHED.split(content)
    needs_escapes = any(not _xml_char(_code(found)) for part in parts[::2] for found in _CHAR_REF.finditer(part))
    if needs_escapes:
        doubled = [part.replace(_ESCAPE.encode(), _ESCAPE.encode() * 2) for part in parts]
        content = b"".join(part if index % 2 else _CHAR_REF.sub(_swap, part) for index, part in enumerate(doubled))
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        line, column = exc.position
        reason = str(exc).split(":", 1)[0]
        raise ProviderError(
            f"Exchange's answer is not well-formed XML (line {line}, column {column}: {reason})"
        ) from None
    if needs_escapes:
        for element in root.iter():
            if element.text:
                element.text = _unescape(element.text)
            if element.tail:
                element.tail = _unescape(element.tail)
            for name, value in element.attrib.items():
                element.attrib[name] = _unescape(value)
    return root


def response_in(content: bytes, operation: str) -> Any:
    """The ``<operation>Response`` element of a SOAP answer (for answers read without exchangelib)."""
    body = checked_xml(content).find(f"{{{SOAP_NS}}}Body")
    if body is None:
        raise ProviderError("Exchange's answer has no SOAP Body element")
    return body.find(_m(f"{operation}Response"))


def _require_success(answer: Any, name: str) -> None:
    if answer is None:
        raise ProviderError(f"Exchange's answer has no {name} element")
    response_class = answer.get("ResponseClass")
    code = (answer.findtext(_m("ResponseCode")) or "").strip()
    if response_class != "Success" or code != "NoError":
        raise ProviderError(
            f"Exchange's {name} is not a success (ResponseClass {literal(response_class or 'missing', 40)}, "
            f"ResponseCode {literal(code or 'missing', 60)})"
        )


# -- inbox rules --------------------------------------------------------------------------------------


def _recipient(address: EmailAddressType) -> Recipient:
    return Recipient(
        address=address.EmailAddress or "",
        name=address.Name or "",
        routing_type=address.RoutingType or "SMTP",
        mailbox_type=address.MailboxType or "",
    )


def _recipients(addresses: list[EmailAddressType] | None) -> tuple[Recipient, ...]:
    return tuple(_recipient(a) for a in addresses or ())


def _rule_label(index: int, rule: Any) -> str:
    name = rule.findtext(_t("DisplayName")) if rule is not None else None
    return f"rule {index + 1} “{literal(name, 60)}”" if name else f"rule {index + 1}"


def rule_record(element: Any) -> tuple[InboxRule | None, list[str]]:
    """One ``t:Rule`` element (RuleType): the record (None if it cannot be read at all) and what was wrong."""
    problems: list[str] = []
    model, more = salvage(RuleType, element_data(RuleType, element, problems))
    problems += more
    if model is None:
        return None, problems
    rule: RuleType = model
    if not rule.DisplayName:
        problems.append("DisplayName is missing (the EWS reference requires it)")
    if rule.Priority is None:
        problems.append("Priority is missing (the EWS reference requires it)")
    conditions = rule.Conditions
    texts: dict[str, list[str]] = {}
    if conditions is not None:
        for name, tag in CONDITION_TEXT_FIELDS.items():
            values = getattr(conditions, tag)
            if values:
                texts[name] = list(values)
    actions = rule.Actions
    sending: dict[str, tuple[Recipient, ...]] = {}
    sent_actions = element.find(_t("Actions"))
    if sent_actions is not None and not _elements(sent_actions):
        problems.append("Actions is empty (the EWS reference says it cannot be)")
    if actions is not None:
        for name, tag in SENDING_ACTIONS.items():
            recipients = getattr(actions, tag)
            if recipients is not None and not recipients:
                problems.append(f"Actions.{tag} names no one: where this rule sends mail is unknown")
            sending[name] = _recipients(recipients)
            if any(not r.readable for r in sending[name]):
                problems.append(f"Actions.{tag} has an address without EmailAddress or Name")
    record = InboxRule(
        rule_id=rule.RuleId or "",
        name=rule.DisplayName or "",
        # IsEnabled left out is read as on: a rule that may run is judged as running.
        enabled=rule.IsEnabled is not False,
        conditions=texts,
        from_addresses=_recipients(conditions.FromAddresses if conditions else None),
        forward_to=sending.get("forward_to", ()),
        redirect_to=sending.get("redirect_to", ()),
        forward_as_attachment_to=sending.get("forward_as_attachment_to", ()),
        sms_alert_to=sending.get("sms_alert_to", ()),
        delete=bool(actions and actions.Delete),
        permanent_delete=bool(actions and actions.PermanentDelete),
        mark_as_read=bool(actions and actions.MarkAsRead),
        move_to_folder=actions.MoveToFolder.name if actions and actions.MoveToFolder else None,
        stop_processing_rules=bool(actions and actions.StopProcessingRules),
        has_actions=actions is not None,
        as_found=rule.model_dump(mode="json", exclude_none=True),
        as_found_whole=not problems and bool(rule.RuleId) and rule.IsNotSupported is not True,
    )
    return record, problems


def read_inbox_rules(answer: Any) -> Reading[tuple[InboxRule, ...]]:
    """A GetInboxRulesResponse: every rule in ``InboxRules`` (left out when there are none)."""
    _require_success(answer, "GetInboxRulesResponse")
    container = answer.find(_m("InboxRules"))
    blob = (answer.findtext(_m("OutlookRuleBlobExists")) or "").strip()
    outlook_rule_blob = {"true": True, "1": True, "false": False, "0": False}.get(blob)
    rules: list[InboxRule] = []
    strange: list[str] = []
    for index, element in enumerate(_elements(container) if container is not None else []):
        if element.tag != _t("Rule"):
            strange.append(f"InboxRules entry {index + 1} is <{literal(local_name(element.tag), 60)}>, not a Rule")
            continue
        record, problems = rule_record(element)
        label = _rule_label(index, element)
        if record is None:
            problems.append("the rule could not be read, so it was not judged")
        else:
            rules.append(replace(record, outlook_rule_blob=outlook_rule_blob))
        strange.extend(f"{label}: {p}" for p in problems)
    return Reading(RULES, tuple(rules), unrecognised=tuple(strange))


# -- delegates ----------------------------------------------------------------------------------------


def delegate_record(element: Any) -> tuple[Delegate | None, list[str]]:
    """One ``t:DelegateUser`` element (DelegateUserType)."""
    problems: list[str] = []
    model, more = salvage(DelegateUserType, element_data(DelegateUserType, element, problems))
    problems += more
    if model is None:
        return None, problems
    user: DelegateUserType = model
    who = user.UserId
    if who is None or not (who.PrimarySmtpAddress or who.DisplayName or who.SID):
        problems.append("UserId names no one (no PrimarySmtpAddress, DisplayName or SID)")
    permissions = user.DelegatePermissions
    levels = {
        folder: (getattr(permissions, tag) if permissions is not None else None) or "None"
        for folder, tag in FOLDER_LEVELS.items()
    }
    return (
        Delegate(
            address=(who.PrimarySmtpAddress or "") if who else "",
            name=(who.DisplayName or "") if who else "",
            permissions=levels,
            receive_copies_of_meeting_messages=bool(user.ReceiveCopiesOfMeetingMessages),
            view_private_items=bool(user.ViewPrivateItems),
            sid=(who.SID or "") if who else "",
        ),
        problems,
    )


def read_delegation(answer: Any) -> Reading[Delegation]:
    """A GetDelegateResponse: one DelegateUserResponseMessageType per delegate, and DeliverMeetingRequests."""
    _require_success(answer, "GetDelegateResponse")
    delegates: list[Delegate] = []
    missing: list[str] = []
    strange: list[str] = []
    messages = answer.find(_m("ResponseMessages"))
    for index, message in enumerate(_elements(messages) if messages is not None else []):
        label = f"delegate {index + 1}"
        if message.tag != _m("DelegateUserResponseMessageType"):
            strange.append(f"ResponseMessages entry {index + 1} is <{literal(local_name(message.tag), 60)}>")
            continue
        code = (message.findtext(_m("ResponseCode")) or "").strip()
        if message.get("ResponseClass") != "Success" or code != "NoError":
            text = (message.findtext(_m("MessageText")) or "").strip()
            missing.append(
                f"{label}: Exchange could not return it ({literal(code or 'no ResponseCode', 60)}"
                + (f": {literal(text, 120)}" if text else "")
                + ")"
            )
            continue
        element = message.find(_m("DelegateUser"))
        if element is None:
            strange.append(f"{label}: a successful answer without a DelegateUser")
            continue
        record, problems = delegate_record(element)
        if record is None:
            problems.append("the delegate could not be read, so it was not judged")
        else:
            delegates.append(record)
            if record.address or record.name:
                label = f"delegate {index + 1} “{literal(record.address or record.name, 80)}”"
        strange.extend(f"{label}: {p}" for p in problems)
    delivery = answer.findtext(_m("DeliverMeetingRequests"))
    if delivery is not None:
        delivery = delivery.strip()
        if delivery not in DELIVER_MEETING_REQUESTS:
            strange.append(f"DeliverMeetingRequests is not one of {', '.join(DELIVER_MEETING_REQUESTS)}")
            delivery = None
    return Reading(DELEGATES, Delegation(tuple(delegates), delivery), tuple(missing), tuple(strange))


# -- automatic replies --------------------------------------------------------------------------------


def read_automatic_replies(answer: Any) -> Reading[AutomaticReplies]:
    """A GetUserOofSettingsResponse. OofState and ExternalAudience outside the schema make the whole answer
    unreadable: read as "off" or "colleagues only", replies that are on for everyone would pass as clear."""
    if answer is None:
        raise ProviderError("Exchange's answer has no GetUserOofSettingsResponse element")
    message = answer.find(_m("ResponseMessage"))
    _require_success(message, "GetUserOofSettingsResponse ResponseMessage")
    element = answer.find(_t("OofSettings"))
    if element is None:
        raise ProviderError("Exchange's GetUserOofSettingsResponse has no OofSettings element")
    problems: list[str] = []
    model, more = salvage(UserOofSettingsType, element_data(UserOofSettingsType, element, problems))
    problems += more
    if model is None:
        raise ProviderError("Exchange's OofSettings could not be read: " + "; ".join(problems))
    settings: UserOofSettingsType = model
    duration = settings.Duration
    if settings.OofState == "Scheduled" and duration is None:
        problems.append("Duration is missing for a Scheduled reply: when it ends is unknown")

    def written(reply: Any) -> bool:
        return bool(reply is not None and (reply.Message or "").strip())

    return Reading(
        REPLIES,
        AutomaticReplies(
            state=settings.OofState,
            external_audience=settings.ExternalAudience,
            start=duration.StartTime if duration else None,
            end=duration.EndTime if duration else None,
            has_internal_reply=written(settings.InternalReply),
            has_external_reply=written(settings.ExternalReply),
        ),
        unrecognised=tuple(f"OofSettings.{p}" for p in problems),
    )
