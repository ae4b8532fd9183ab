"""The EWS types the Exchange checks rest on, as pydantic models written from Microsoft's EWS reference.

Each model's fields are the type's child elements, named as in the schema (``types`` namespace,
http://schemas.microsoft.com/exchange/services/2006/types), each with its documented type: ``xs:boolean``
(true, false, 1, 0 — nothing else), ``xs:int``, the documented enumerations as ``Literal`` values, arrays as
lists of their item element. An element the reference does not list is refused (``extra="forbid"``), so a new
or misplaced element is reported by name instead of being silently skipped.

:func:`element_data` turns an XML element into the plain data a model validates, guided by the model's fields
(which children are arrays, which are nested types, which attributes are kept). :func:`salvage` validates and,
where a field is wrong, leaves that field out and tries again, so the rest of a record can still be judged while
the problem is named.

Reference pages (learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/<page>):
``rule-ruletype``, ``conditions``, ``exceptions``, ``actions-ruleactionstype``, ``address-emailaddresstype``,
``routingtype-emailaddresstype``, ``mailboxtype``, ``delegateuser``, ``userid``, ``delegatepermissions``,
``useroofsettings``, ``oofstate``, ``externalaudience``, ``duration-useroofsettings``.
"""

from __future__ import annotations

import re
import types
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, PlainValidator, StringConstraints, ValidationError, model_validator

from auditor.safetext import literal

TYPES_NS = "http://schemas.microsoft.com/exchange/services/2006/types"
MESSAGES_NS = "http://schemas.microsoft.com/exchange/services/2006/messages"


# -- simple types -------------------------------------------------------------------------------------


def _xs_boolean(value: object) -> bool:
    """xs:boolean: the literals true, false, 1 and 0 (whitespace collapsed), nothing else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
    raise ValueError("is not an xs:boolean (true, false, 1 or 0)")


def _xs_int(value: object) -> int:
    """xs:int: a decimal integer within 32 bits."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d{1,10}\s*", value):
        number = int(value)
    else:
        raise ValueError("is not an xs:int")
    if not -(2**31) <= number < 2**31:
        raise ValueError("is outside xs:int")
    return number


_DATE_TIME = re.compile(r"-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")


def _xs_date_time(value: object) -> datetime:
    """xs:dateTime. Without a zone it is read as UTC (EWS's Duration times are UTC)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and _DATE_TIME.fullmatch(value.strip()):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError("is not an xs:dateTime") from None
    else:
        raise ValueError("is not an xs:dateTime")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _xs_boolean_or_empty(value: object) -> bool | None:
    """An xs:boolean whose element the reference says "can be empty" (IsEnabled): empty is not said."""
    return None if value == "" else _xs_boolean(value)


XsBoolean = Annotated[bool, PlainValidator(_xs_boolean)]
XsBooleanOrEmpty = Annotated[bool | None, PlainValidator(_xs_boolean_or_empty)]
XsInt = Annotated[int, PlainValidator(_xs_int)]
XsDateTime = Annotated[datetime, PlainValidator(_xs_date_time)]
NonEmptyString = Annotated[str, StringConstraints(min_length=1)]  # NonEmptyStringType
ImportanceChoices = Literal["Low", "Normal", "High"]  # ImportanceChoicesType
SensitivityChoices = Literal["Normal", "Personal", "Private", "Confidential"]  # SensitivityChoicesType
FlaggedForActionChoices = Literal[  # FlaggedForActionType
    "Any",
    "Call",
    "DoNotForward",
    "FollowUp",
    "FYI",
    "Forward",
    "NoResponseNecessary",
    "Read",
    "Reply",
    "ReplyToAll",
    "Review",
]
MailboxTypeChoices = Literal[
    "Mailbox", "PublicDL", "PrivateDL", "Contact", "PublicFolder", "Unknown", "OneOff", "GroupMailbox"
]
PermissionLevel = Literal["None", "Editor", "Reviewer", "Author", "Custom"]  # DelegateFolderPermissionLevelType


@dataclass(frozen=True)
class XmlArray:
    """Marks a field as an array type: its element holds one child element named ``item`` per entry."""

    item: str
    model: type[EwsType] | None = None  # the entries' type, or None for text (ArrayOfStringsType's String)


class EwsType(BaseModel):
    """An EWS complex type: child elements as fields; attributes named in ``xml_attributes``."""

    model_config = ConfigDict(extra="forbid")
    xml_attributes: ClassVar[frozenset[str]] = frozenset()


Strings = Annotated[list[str], XmlArray("String")]  # ArrayOfStringsType


# -- addresses and folders ----------------------------------------------------------------------------


class ItemIdType(EwsType):
    """ItemIdType ("ItemId" in the EWS reference): the Id and ChangeKey attributes."""

    xml_attributes = frozenset({"Id", "ChangeKey"})
    Id: NonEmptyString
    ChangeKey: str | None = None


class EmailAddressType(EwsType):
    """EmailAddressType — "Address (EmailAddressType)" in the EWS reference: Name, EmailAddress
    (NonEmptyStringType: an SMTP address, or a legacyExchangeDN when RoutingType is EX), RoutingType
    (NonEmptyStringType, "SMTP is the typical value", default SMTP; "RoutingType (EmailAddressType)"),
    MailboxType ("MailboxType": Mailbox, PublicDL, PrivateDL, Contact, PublicFolder, Unknown, OneOff,
    GroupMailbox) and ItemId, every one optional."""

    Name: str | None = None
    EmailAddress: NonEmptyString | None = None
    RoutingType: NonEmptyString | None = None
    MailboxType: MailboxTypeChoices | None = None
    ItemId: ItemIdType | None = None


Addresses = Annotated[list[EmailAddressType], XmlArray("Address", EmailAddressType)]  # ArrayOfEmailAddressesType


class FolderIdType(EwsType):
    """FolderIdType ("FolderId"): the Id and ChangeKey attributes."""

    xml_attributes = frozenset({"Id", "ChangeKey"})
    Id: NonEmptyString
    ChangeKey: str | None = None


class DistinguishedFolderIdType(EwsType):
    """DistinguishedFolderIdType ("DistinguishedFolderId"): a well-known folder (inbox, deleteditems, ...) by its
    Id attribute, optionally in another Mailbox."""

    xml_attributes = frozenset({"Id", "ChangeKey"})
    Id: NonEmptyString
    ChangeKey: str | None = None
    Mailbox: EmailAddressType | None = None


class AddressListIdType(EwsType):
    """AddressListIdType ("AddressListId"): the Id attribute."""

    xml_attributes = frozenset({"Id"})
    Id: NonEmptyString


class TargetFolderIdType(EwsType):
    """TargetFolderIdType (the folder of "CopyToFolder" and "MoveToFolder"): exactly one of FolderId,
    DistinguishedFolderId and AddressListId."""

    FolderId: FolderIdType | None = None
    DistinguishedFolderId: DistinguishedFolderIdType | None = None
    AddressListId: AddressListIdType | None = None

    @model_validator(mode="after")
    def _one(self) -> TargetFolderIdType:
        given = [f for f in (self.FolderId, self.DistinguishedFolderId, self.AddressListId) if f is not None]
        if len(given) != 1:
            raise ValueError("names no folder, or more than one")
        return self

    @property
    def name(self) -> str:
        chosen = self.DistinguishedFolderId or self.FolderId or self.AddressListId
        return chosen.Id if chosen is not None else ""


# -- inbox rules --------------------------------------------------------------------------------------


class RulePredicateDateRangeType(EwsType):
    """RulePredicateDateRangeType ("WithinDateRange"): StartDateTime and EndDateTime, each optional."""

    StartDateTime: XsDateTime | None = None
    EndDateTime: XsDateTime | None = None


class RulePredicateSizeRangeType(EwsType):
    """RulePredicateSizeRangeType ("WithinSizeRange"): MinimumSize and MaximumSize in kilobytes, each optional."""

    MinimumSize: XsInt | None = None
    MaximumSize: XsInt | None = None


class RulePredicatesType(EwsType):
    """RulePredicatesType — a rule's "Conditions" and "Exceptions" in the EWS reference (both "can be empty":
    no condition means every message). Every element is optional."""

    Categories: Strings | None = None
    ContainsBodyStrings: Strings | None = None
    ContainsHeaderStrings: Strings | None = None
    ContainsRecipientStrings: Strings | None = None
    ContainsSenderStrings: Strings | None = None
    ContainsSubjectOrBodyStrings: Strings | None = None
    ContainsSubjectStrings: Strings | None = None
    FlaggedForAction: FlaggedForActionChoices | None = None
    FromAddresses: Addresses | None = None
    FromConnectedAccounts: Strings | None = None
    HasAttachments: XsBoolean | None = None
    Importance: ImportanceChoices | None = None
    IsApprovalRequest: XsBoolean | None = None
    IsAutomaticForward: XsBoolean | None = None
    IsAutomaticReply: XsBoolean | None = None
    IsEncrypted: XsBoolean | None = None
    IsMeetingRequest: XsBoolean | None = None
    IsMeetingResponse: XsBoolean | None = None
    IsNDR: XsBoolean | None = None
    IsPermissionControlled: XsBoolean | None = None
    IsReadReceipt: XsBoolean | None = None
    IsSigned: XsBoolean | None = None
    IsVoicemail: XsBoolean | None = None
    ItemClasses: Strings | None = None
    MessageClassifications: Strings | None = None
    NotSentToMe: XsBoolean | None = None
    SentCcMe: XsBoolean | None = None
    SentOnlyToMe: XsBoolean | None = None
    SentToAddresses: Addresses | None = None
    SentToMe: XsBoolean | None = None
    SentToOrCcMe: XsBoolean | None = None
    Sensitivity: SensitivityChoices | None = None
    WithinDateRange: RulePredicateDateRangeType | None = None
    WithinSizeRange: RulePredicateSizeRangeType | None = None


class RuleActionsType(EwsType):
    """RuleActionsType — "Actions (RuleActionsType)" in the EWS reference ("can be empty: false"). Every element
    is optional; the recipient arrays "can be empty" by the reference, which leaves nobody to send to."""

    AssignCategories: Strings | None = None
    CopyToFolder: TargetFolderIdType | None = None
    Delete: XsBoolean | None = None
    ForwardAsAttachmentToRecipients: Addresses | None = None
    ForwardToRecipients: Addresses | None = None
    MarkImportance: ImportanceChoices | None = None
    MarkAsRead: XsBoolean | None = None
    MoveToFolder: TargetFolderIdType | None = None
    PermanentDelete: XsBoolean | None = None
    RedirectToRecipients: Addresses | None = None
    SendSMSAlertToRecipients: Addresses | None = None
    ServerReplyWithMessage: ItemIdType | None = None
    StopProcessingRules: XsBoolean | None = None


class RuleType(EwsType):
    """RuleType — "Rule (RuleType)" in the EWS reference: RuleId, DisplayName, Priority, IsEnabled,
    IsNotSupported, IsInError, Conditions, Exceptions, Actions. DisplayName ("can be empty: false") and Priority
    are required by the reference; they are optional here so that a rule missing one is still judged, and the
    reader names what is missing. Actions may be left out (minOccurs=0): such a rule does nothing."""

    RuleId: str | None = None
    DisplayName: str | None = None
    Priority: XsInt | None = None
    IsEnabled: XsBooleanOrEmpty = None  # "can be empty" (the reference's IsEnabled page)
    IsNotSupported: XsBoolean | None = None
    IsInError: XsBoolean | None = None
    Conditions: RulePredicatesType | None = None
    Exceptions: RulePredicatesType | None = None
    Actions: RuleActionsType | None = None


# -- delegates ----------------------------------------------------------------------------------------


class UserIdType(EwsType):
    """UserIdType — "UserId" in the EWS reference: SID, PrimarySmtpAddress, DisplayName, DistinguishedUser
    (Default or Anonymous), ExternalUserIdentity; each optional, the element itself "can be empty: false"."""

    SID: str | None = None
    PrimarySmtpAddress: str | None = None
    DisplayName: str | None = None
    DistinguishedUser: Literal["Default", "Anonymous"] | None = None
    ExternalUserIdentity: str | None = None


class DelegatePermissionsType(EwsType):
    """DelegatePermissionsType — "DelegatePermissions" in the EWS reference: the delegate's level on each of
    the principal's default folders (None, Editor, Reviewer, Author, Custom). A folder left out has none."""

    CalendarFolderPermissionLevel: PermissionLevel | None = None
    TasksFolderPermissionLevel: PermissionLevel | None = None
    InboxFolderPermissionLevel: PermissionLevel | None = None
    ContactsFolderPermissionLevel: PermissionLevel | None = None
    NotesFolderPermissionLevel: PermissionLevel | None = None
    JournalFolderPermissionLevel: PermissionLevel | None = None


class DelegateUserType(EwsType):
    """DelegateUserType — "DelegateUser" in the EWS reference: UserId, DelegatePermissions,
    ReceiveCopiesOfMeetingMessages, ViewPrivateItems."""

    UserId: UserIdType | None = None
    DelegatePermissions: DelegatePermissionsType | None = None
    ReceiveCopiesOfMeetingMessages: XsBoolean | None = None
    ViewPrivateItems: XsBoolean | None = None


DELIVER_MEETING_REQUESTS = ("DelegatesOnly", "DelegatesAndMe", "DelegatesAndSendInformationToMe", "NoForward")


# -- automatic replies --------------------------------------------------------------------------------


class DurationType(EwsType):
    """ "Duration (UserOofSettings)" in the EWS reference: StartTime and EndTime (xs:dateTime), both required."""

    StartTime: XsDateTime
    EndTime: XsDateTime


class ReplyBodyType(EwsType):
    """ReplyBody ("InternalReply", "ExternalReply"): one Message (its words are never kept, only whether any)."""

    Message: str | None = None


class UserOofSettingsType(EwsType):
    """UserOofSettings — the ``OofSettings`` element of a GetUserOofSettings answer ("UserOofSettings",
    "OofState", "ExternalAudience" in the EWS reference): OofState (Disabled, Enabled, Scheduled; required) and
    ExternalAudience (None, Known, All; required), Duration, InternalReply, ExternalReply."""

    OofState: Literal["Disabled", "Enabled", "Scheduled"]
    ExternalAudience: Literal["None", "Known", "All"]
    Duration: DurationType | None = None
    InternalReply: ReplyBodyType | None = None
    ExternalReply: ReplyBodyType | None = None


# -- from XML -----------------------------------------------------------------------------------------

_UNEXPECTED = "unexpected element"


def local_name(tag: object) -> str:
    text = str(tag)
    return text.rsplit("}", 1)[-1]


def _nested(annotation: Any) -> type[EwsType] | None:
    """The EWS type a field holds (through ``X | None``), if it is one."""
    if isinstance(annotation, type) and issubclass(annotation, EwsType):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType):
        for arg in get_args(annotation):
            found = _nested(arg)
            if found is not None:
                return found
    return None


def _array(model: type[EwsType], name: str) -> XmlArray | None:
    """The array marker of a field (through ``X | None``), if it is an array type."""
    field = model.model_fields[name]
    found = [m for m in field.metadata if isinstance(m, XmlArray)]
    stack = [field.annotation]
    while stack and not found:
        annotation = stack.pop()
        found = [m for m in getattr(annotation, "__metadata__", ()) if isinstance(m, XmlArray)]
        if get_origin(annotation) in (Union, types.UnionType):
            stack.extend(get_args(annotation))
    return found[0] if found else None


def _children(element: Any) -> list[Any]:
    """Child elements only: comments and processing instructions are not data."""
    return [child for child in element if isinstance(child.tag, str)]


def _key(child: Any) -> str:
    """A child's field name: its local name in the types namespace; anything else keeps its full name (and so
    is refused as an element the type does not have)."""
    tag = str(child.tag)
    return local_name(tag) if tag.startswith("{" + TYPES_NS + "}") else tag


def _scalar(child: Any) -> Any:
    """A simple value: its text, "" for an empty element (so a NonEmptyString can refuse it)."""
    children = _children(child)
    if children:  # a simple value with elements inside: not the documented shape
        return {_UNEXPECTED: local_name(children[0].tag)}
    return child.text if child.text is not None else ""


def element_data(model: type[EwsType], element: Any, problems: list[str], path: str = "") -> dict[str, Any]:
    """The data ``model`` validates, from ``element`` (an ElementTree or lxml element). Structural problems a
    model cannot see (an element repeated where the schema allows one) are added to ``problems``."""
    data: dict[str, Any] = {}
    for name, value in element.attrib.items():
        if name in model.xml_attributes:
            data[name] = value
    for child in _children(element):
        key = _key(child)
        where = f"{path}{key}"
        if key in model.xml_attributes:
            problems.append(f"{where} is an element where the EWS reference has an attribute")
            continue
        if key not in model.model_fields:
            data.setdefault(key, {_UNEXPECTED: local_name(child.tag)})
            continue
        array = _array(model, key)
        if array is not None:
            items: list[Any] = []
            for index, entry in enumerate(_children(child)):
                if _key(entry) != array.item:
                    items.append({_UNEXPECTED: local_name(entry.tag)})
                elif array.model is not None:
                    items.append(element_data(array.model, entry, problems, f"{where}[{index}]."))
                else:
                    items.append(_scalar(entry) or "")
            if key in data:
                problems.append(f"{where} appears more than once")
                if isinstance(data[key], list):
                    data[key].extend(items)
                continue
            data[key] = items
            continue
        nested = _nested(model.model_fields[key].annotation)
        value = element_data(nested, child, problems, f"{where}.") if nested is not None else _scalar(child)
        if key in data:
            problems.append(f"{where} appears more than once")
            continue
        data[key] = value
    return data


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{local_name(part)}" if out else local_name(part))
    return out


def _order(loc: tuple[int | str, ...]) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, p) if isinstance(p, int) else (1, p) for p in loc)


def _drop(data: Any, loc: tuple[int | str, ...]) -> bool:
    """Leave out the value at ``loc``. An unreadable entry of an address array stays as an empty address: the
    action still sends somewhere, and must not vanish from the record."""
    if not loc:
        return False
    parent = data
    for part in loc[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            return False
    last = loc[-1]
    if isinstance(parent, dict) and last in parent:
        del parent[last]
        return True
    if isinstance(parent, list) and isinstance(last, int) and 0 <= last < len(parent):
        holder = loc[-2] if len(loc) > 1 else None
        if holder in ADDRESS_ARRAYS and parent[last] != {}:
            parent[last] = {}
        else:
            del parent[last]
        return True
    return False


ADDRESS_ARRAYS = frozenset(
    {
        "FromAddresses",
        "SentToAddresses",
        "ForwardAsAttachmentToRecipients",
        "ForwardToRecipients",
        "RedirectToRecipients",
        "SendSMSAlertToRecipients",
    }
)


def describe_error(error: Any) -> str:
    """One validation error in plain words, naming the element. The sent value is never repeated."""
    loc = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        marker = bool(loc) and loc[-1] == _UNEXPECTED
        name = error.get("input") if marker else (local_name(loc[-1]) if loc else "")
        parent = _where(loc[:-1])
        element = f"an element <{literal(name, 60)}> the EWS reference does not list there"
        return f"{parent}: {element}" if parent else element
    where = _where(loc) or "the element"
    if error["type"] == "missing":
        return f"{where} is missing"
    return f"{where}: {str(error['msg']).removeprefix('Value error, ')}"


def salvage(model: type[EwsType], data: dict[str, Any], attempts: int = 50) -> tuple[Any, list[str]]:
    """Validate; on a wrong field, leave it out and validate again (a required field that is missing takes its
    element with it). Returns the model (None when even that fails, e.g. a required top-level field is wrong)
    and a description of every problem."""
    problems: list[str] = []
    dropped: set[tuple[int | str, ...]] = set()
    for _ in range(attempts):
        try:
            return model.model_validate(data), problems
        except ValidationError as exc:
            errors = exc.errors(include_url=False, include_context=False)
        # A field this loop left out is not reported again as missing.
        problems.extend(describe_error(e) for e in errors if tuple(e["loc"]) not in dropped)
        progressed = False
        # Deepest and last first, so leaving out one value does not move another in the same list.
        for error in sorted(errors, key=lambda e: _order(tuple(e["loc"])), reverse=True):
            loc = tuple(error["loc"])
            target = loc[:-1] if error["type"] == "missing" else loc
            if _drop(data, target):
                dropped.add(target)
                progressed = True
        if not progressed:
            return None, problems
    return None, [*problems, "too many problems to read"]
