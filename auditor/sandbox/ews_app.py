"""Exchange Web Services for the sandbox: SOAP 1.1 over ``POST /EWS/Exchange.asmx``.

Answers GetInboxRules, GetDelegate and GetUserOofSettings, plus what a client needs around them
(ConvertId, which exchangelib sends unauthenticated to learn the auth scheme and which names the mailbox an
id belongs to; ResolveNames; GetFolder for well-known folders, with or without a Mailbox), written from
Microsoft's EWS reference ("GetInboxRules operation", "GetDelegate operation", "GetUserOofSettings
operation", MS-OXWSRULES, MS-OXWSDLGM).

It accepts exactly the changes the tool makes once the person has confirmed one (``auditor fix``), shaped as
the reference documents them, and applies them to its copy of the mailbox, so the next read shows the change:
UpdateInboxRules with SetRuleOperation, DeleteRuleOperation or CreateRuleOperation ("UpdateInboxRules
operation"; errors as RuleOperationErrors with the reference's ErrorCode values, e.g. RuleNotFound,
CreateWithRuleId, InvalidFolderId; ErrorOutlookRuleBlobExists when RemoveOutlookRuleBlob is not true while
Outlook's rule blob exists), RemoveDelegate and AddDelegate ("RemoveDelegate operation", "AddDelegate
operation": one DelegateUserResponseMessageType per delegate, ErrorNotDelegate and ErrorDelegateAlreadyExists
inside an answer that is itself a Success). A request with an element the reference does not list is refused
with ErrorSchemaValidation, as Exchange validates requests against its schema. Each accepted write is recorded
in the request log (``accepts_write``) and, once applied, in :attr:`EwsApp.applied`. Every other operation would
change the mailbox or is not imitated: the server around this app refuses it with a SOAP fault.

Auth: ``Authorization: Bearer <sandbox token>`` (Exchange's OAuth), or the scenario's ``basic_auth`` user and
password over NTLM (what on-premises Exchange offers; :mod:`auditor.sandbox.ntlm`) or HTTP Basic; anything else
gets 401 with ``WWW-Authenticate`` naming the schemes. Throttling (the
``429`` fault) is answered as on-premises Exchange does: HTTP 500 with an ErrorServerBusy fault carrying
BackOffMilliseconds.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from auditor.sandbox.base import SandboxRequest, SandboxResponse
from auditor.sandbox.exchange import (
    Delegate,
    ExchangeData,
    FolderPermissions,
    InboxRule,
    Recipient,
    RuleActions,
    RulePredicates,
)
from auditor.sandbox.hostile import hostile_text
from auditor.sandbox.ntlm import NtlmAcceptor

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
M_NS = "http://schemas.microsoft.com/exchange/services/2006/messages"
T_NS = "http://schemas.microsoft.com/exchange/services/2006/types"
E_NS = "http://schemas.microsoft.com/exchange/services/2006/errors"
EWS_PATH = "/EWS/Exchange.asmx"

# Operations that only read. The request element of GetUserOofSettings is named ...Request.
READ_OPERATIONS = {"GetInboxRules", "GetDelegate", "GetUserOofSettings", "ResolveNames", "ConvertId", "GetFolder"}
# The changes the tool makes, each after the person confirmed it; nothing else that writes is accepted.
WRITE_OPERATIONS = {"UpdateInboxRules", "RemoveDelegate", "AddDelegate"}
RULE_OPERATIONS = ("CreateRuleOperation", "SetRuleOperation", "DeleteRuleOperation")
FOLDER_ACTIONS = {"CopyToFolder", "MoveToFolder"}
ADDRESS_FIELDS = {
    "FromAddresses",
    "SentToAddresses",
    "ForwardAsAttachmentToRecipients",
    "ForwardToRecipients",
    "RedirectToRecipients",
    "SendSMSAlertToRecipients",
}
ADDRESS_PARTS = ("Name", "EmailAddress", "RoutingType", "MailboxType")
WELL_KNOWN_FOLDERS = {
    "inbox": "Inbox",
    "deleteditems": "Deleted Items",
    "junkemail": "Junk Email",
    "sentitems": "Sent Items",
    "drafts": "Drafts",
    "archive": "Archive",
    "msgfolderroot": "Top of Information Store",
    "root": "",
}
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def esc(value: object) -> str:
    """XML-escape text. Characters XML 1.0 cannot carry become character references, as Exchange writes them."""
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return _INVALID_XML.sub(lambda m: f"&#x{ord(m.group()):X};", text)


def _id(*parts: object, length: int = 40) -> str:
    raw = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest() * 2
    return base64.b64encode(raw).decode()[:length] + "="


class SoapRequest:
    """The operation element of a SOAP request body, and the version the client asked for."""

    def __init__(self, body: bytes) -> None:
        root = ET.fromstring(body)
        soap_body = root.find(f"{{{SOAP_NS}}}Body")
        if soap_body is None or len(soap_body) == 0:
            raise ValueError("no SOAP body")
        self.element = soap_body[0]
        local = self.element.tag.rsplit("}", 1)[-1]
        self.operation = local.removesuffix("Request") if local == "GetUserOofSettingsRequest" else local
        version = root.find(f"{{{SOAP_NS}}}Header/{{{T_NS}}}RequestServerVersion")
        self.version = version.get("Version", "Exchange2016") if version is not None else "Exchange2016"


def _ntlm_token(header: str) -> bytes | None:
    """The NTLM message in an ``Authorization: NTLM <base64>`` header, or None."""
    if header[:5].lower() != "ntlm ":
        return None
    try:
        token = base64.b64decode(header[5:].strip(), validate=True)
    except ValueError:
        return None
    return token if token.startswith(b"NTLMSSP\x00") else None


def parse_operation(body: bytes) -> SoapRequest | None:
    try:
        return SoapRequest(body)
    except (ET.ParseError, ValueError):
        return None


class Invalid(Exception):
    """A request outside the documented schema: answered with a SOAP fault carrying ``code``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class RuleError(Exception):
    """One rule operation Exchange would refuse: an Error of RuleOperationErrors ("Error" in the reference)."""

    def __init__(self, field: str, code: str, message: str, value: str = "") -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.message = message
        self.value = value


def _local(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _xs_boolean(text: str | None, where: str) -> bool:
    value = (text or "").strip()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise Invalid("ErrorSchemaValidation", f"The request failed schema validation: {where} is not an xs:boolean.")


def _bool_fields(model: type[BaseModel]) -> set[str]:
    return {name for name, field in model.model_fields.items() if field.annotation in (bool, bool | None)}


class EwsApp:
    name = "ews"
    tls = False

    def __init__(self, data: ExchangeData, *, token: str) -> None:
        self.data = data
        self.token = token
        self.ntlm = NtlmAcceptor()
        self.hostile = data.generate.hostile
        self.build = [int(p) for p in data.server_build.split(".")]
        self._operations: dict[str, Callable[[SoapRequest], str]] = {
            "GetInboxRules": self.get_inbox_rules,
            "GetDelegate": self.get_delegate,
            "GetUserOofSettings": self.get_oof,
            "ResolveNames": self.resolve_names,
            "ConvertId": self.convert_id,
            "GetFolder": self.get_folder,
        }
        self._folder_names: dict[str, str] = {}
        self._lock = threading.RLock()  # handlers run under it; reads take it again
        # The app's own copy of the mailbox, which accepted changes alter (the scenario is never changed).
        self.rules = self._rules()
        self.delegates = [delegate.model_copy(deep=True) for delegate in data.delegates]
        self.deliver_meeting_requests: str = data.deliver_meeting_requests
        self.outlook_rule_blob = bool(self.rules)  # as GetInboxRules has always said: rules exist, so the blob does
        self.directory = {d.PrimarySmtpAddress.lower(): d.model_copy(deep=True) for d in data.delegates}
        self.applied: list[dict[str, Any]] = []  # each accepted change, once applied
        self._created = 0
        self._served: dict[str, int] = {}
        self._operations.update(
            {
                "UpdateInboxRules": self.update_inbox_rules,
                "RemoveDelegate": self.remove_delegate,
                "AddDelegate": self.add_delegate,
            }
        )

    # -- the server contract ------------------------------------------------------------------------

    def is_read(self, request: SandboxRequest) -> bool:
        if request.method != "POST":
            return request.method == "GET"  # GET on the endpoint reads nothing (IIS answers it)
        parsed = parse_operation(request.body)
        return parsed is None or parsed.operation in READ_OPERATIONS

    def accepts_write(self, request: SandboxRequest) -> dict[str, object] | None:
        """One of the tool's own changes: what the request log keeps of it (the operation and the whole SOAP
        request, whose auth travels in headers the log redacts). Anything else that writes: None (refused)."""
        parsed = parse_operation(request.body) if request.method == "POST" else None
        if parsed is None or parsed.operation not in WRITE_OPERATIONS:
            return None
        inner = [_local(op) for op in parsed.element.iter() if _local(op) in RULE_OPERATIONS]
        return {"operation": parsed.operation, "changes": inner, "body": request.body.decode("utf-8", "replace")}

    def error(self, status: int, message: str) -> SandboxResponse:
        if status == 401:
            return self._unauthorized()
        if status == 429:
            # Exchange on-premises throttles with HTTP 500 and an ErrorServerBusy fault carrying
            # BackOffMilliseconds (EWS throttling policies), not with HTTP 429.
            return self._fault("ErrorServerBusy", "The server cannot service this request right now. Try again later.")
        codes = {403: "ErrorAccessDenied", 503: "ErrorServerBusy"}
        return self._fault(codes.get(status, "ErrorInternalServerError"), message, status=status)

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        if request.path.rstrip("/").lower() != EWS_PATH.lower():
            return SandboxResponse(
                404, b"<html><body>404 - File or directory not found.</body></html>", {"Content-Type": "text/html"}
            )
        challenge = self._ntlm_challenge(request)
        if challenge is not None:
            return challenge
        if not self._authorized(request):
            return self._unauthorized()
        if request.method == "GET":
            return SandboxResponse(
                200, b"<html><body>You have created a service.</body></html>", {"Content-Type": "text/html"}
            )
        parsed = parse_operation(request.body)
        if parsed is None:
            return self._fault("ErrorSchemaValidation", "The request failed schema validation.", status=500)
        literal = self._literal(parsed.operation)
        if literal is not None:
            return literal
        operation = self._operations.get(parsed.operation)
        if operation is None:  # only reachable when called directly: the server refuses it first
            return self._fault("ErrorInvalidRequest", f"The operation {parsed.operation} is not supported.")
        try:
            with self._lock:
                body = operation(parsed)
        except Invalid as exc:
            return self._fault(exc.code, exc.message)
        return SandboxResponse.xml(self._envelope(parsed.version, body))

    def _literal(self, operation: str) -> SandboxResponse | None:
        """The scenario's verbatim answer for this operation (a published example), while it has uses left."""
        answer = self.data.answers.get(operation)
        if answer is None:
            return None
        served = self._served.get(operation, 0)
        if answer.times is not None and served >= answer.times:
            return None
        self._served[operation] = served + 1
        return SandboxResponse.xml(answer.xml, status=answer.status)

    # -- auth ---------------------------------------------------------------------------------------

    def _authorized(self, request: SandboxRequest) -> bool:
        if request.bearer is not None:
            return request.bearer == self.token
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("basic ") and self.data.basic_auth is not None:
            try:
                user, _, password = base64.b64decode(auth[6:].strip()).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                return False
            expected = self.data.basic_auth
            return user.lower() == expected.username.lower() and password == expected.password
        if auth[:5].lower() == "ntlm " and self.data.basic_auth is not None:
            token = _ntlm_token(auth)
            expected = self.data.basic_auth
            return token is not None and self.ntlm.authenticate(token, expected.username, expected.password)
        return False

    def _ntlm_challenge(self, request: SandboxRequest) -> SandboxResponse | None:
        """The second leg of NTLM: a NEGOTIATE message is answered with 401 and a CHALLENGE."""
        token = _ntlm_token(request.headers.get("authorization", ""))
        if token is None or self.data.basic_auth is None or token[8:12] != b"\x01\x00\x00\x00":
            return None
        try:
            challenge = self.ntlm.challenge(token)
        except ValueError:
            return self._unauthorized()
        header = "NTLM " + base64.b64encode(challenge).decode("ascii")
        return SandboxResponse(401, b"", {"WWW-Authenticate": header, "Content-Type": "text/html"})

    def _unauthorized(self) -> SandboxResponse:
        schemes = "Bearer"
        if self.data.basic_auth is not None:
            schemes = 'NTLM, Basic realm="127.0.0.1", Bearer'
        return SandboxResponse(401, b"", {"WWW-Authenticate": schemes, "Content-Type": "text/html"})

    # -- SOAP framing -------------------------------------------------------------------------------

    def _envelope(self, version: str, body: str) -> str:
        major, minor, build_major, build_minor = self.build
        return (
            '<?xml version="1.0" encoding="utf-8"?>'
            f'<s:Envelope xmlns:s="{SOAP_NS}"><s:Header>'
            f'<h:ServerVersionInfo MajorVersion="{major}" MinorVersion="{minor}" MajorBuildNumber="{build_major}" '
            f'MinorBuildNumber="{build_minor}" Version="{esc(version)}" xmlns:h="{T_NS}" xmlns="{T_NS}" '
            'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
            "</s:Header>"
            '<s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xmlns:xsd="http://www.w3.org/2001/XMLSchema">{body}</s:Body></s:Envelope>'
        )

    def _fault(self, code: str, message: str, status: int = 500) -> SandboxResponse:
        extra = ""
        if code == "ErrorServerBusy":
            extra = f'<t:MessageXml xmlns:t="{T_NS}"><t:Value Name="BackOffMilliseconds">500</t:Value></t:MessageXml>'
        text = (
            '<?xml version="1.0" encoding="utf-8"?>'
            f'<s:Envelope xmlns:s="{SOAP_NS}"><s:Body><s:Fault>'
            f'<faultcode xmlns:a="{T_NS}">a:{code}</faultcode>'
            f'<faultstring xml:lang="en-US">{esc(message)}</faultstring>'
            f'<detail><e:ResponseCode xmlns:e="{E_NS}">{code}</e:ResponseCode>'
            f'<e:Message xmlns:e="{E_NS}">{esc(message)}</e:Message>{extra}</detail>'
            "</s:Fault></s:Body></s:Envelope>"
        )
        return SandboxResponse.xml(text, status=status)

    def _text(self, value: str, field: str) -> str:
        return hostile_text(field) if self.hostile else value

    # -- inbox rules --------------------------------------------------------------------------------

    def _rules(self) -> list[InboxRule]:
        """The scenario's rules, each with its RuleId and Priority fixed now (ids made up from the rule's place), so
        they stay the same when another rule is deleted or created."""
        rules = list(self.data.inbox_rules)
        for index in range(self.data.generate.inbox_rules):
            rules.append(
                InboxRule(
                    DisplayName=f"Newsletters {index:04d}",
                    Conditions=RulePredicates(ContainsSenderStrings=[f"news{index}@shop.example"]),
                    Actions=RuleActions(MoveToFolder="Newsletters", MarkAsRead=index % 2 == 0),
                )
            )
        return [
            rule.model_copy(
                deep=True,
                update={
                    "RuleId": rule.RuleId or _id("rule", self.data.mailbox, index, length=12),
                    "Priority": rule.Priority if rule.Priority is not None else index + 1,
                },
            )
            for index, rule in enumerate(rules)
        ]

    def _address(self, value: Recipient, field: str) -> str:
        """An EmailAddressType. EX-routed addresses carry a legacyExchangeDN, as Exchange writes rules that name
        people of the organisation (EWS "Manage Inbox rules" example, RoutingType EX)."""
        if isinstance(value, str):
            name, address, routing, kind = value, value, "SMTP", "OneOff"
        else:
            address = value.get("EmailAddress", "")
            name = value.get("Name", address)
            routing = value.get("RoutingType", "SMTP")
            kind = value.get("MailboxType", "Mailbox" if routing == "EX" else "OneOff")
        name = self._text(name, field)
        return (
            f"<t:Address><t:Name>{esc(name)}</t:Name><t:EmailAddress>{esc(address)}</t:EmailAddress>"
            f"<t:RoutingType>{esc(routing)}</t:RoutingType><t:MailboxType>{esc(kind)}</t:MailboxType></t:Address>"
        )

    def _folder(self, name: str) -> str:
        folder_id = _id("folder", self.data.mailbox, name.lower())
        self._folder_names.setdefault(folder_id, name)  # a rule sent back names the folder by this id
        return f'<t:FolderId Id="{folder_id}" ChangeKey="AQAAAA=="/>'

    def _predicates(self, tag: str, predicates: RulePredicates) -> str:
        parts = []
        for field, value in predicates.model_dump(exclude_none=True).items():
            if isinstance(value, bool):
                parts.append(f"<t:{field}>{str(value).lower()}</t:{field}>")
            elif field in ("FromAddresses", "SentToAddresses"):
                inner = "".join(self._address(r, f"{tag}.{field}") for r in getattr(predicates, field))
                parts.append(f"<t:{field}>{inner}</t:{field}>")
            elif isinstance(value, list):
                strings = [self._text(s, f"{tag}.{field}") if field.startswith("Contains") else s for s in value]
                parts.append(
                    f"<t:{field}>" + "".join(f"<t:String>{esc(s)}</t:String>" for s in strings) + f"</t:{field}>"
                )
            else:
                parts.append(f"<t:{field}>{esc(value)}</t:{field}>")
        return f"<t:{tag}>{''.join(parts)}</t:{tag}>" if parts else f"<t:{tag}/>"

    def _actions(self, actions: RuleActions | None) -> str:
        if actions is None:
            return ""
        parts = []
        for field, value in actions.model_dump(exclude_none=True).items():
            if isinstance(value, bool):
                parts.append(f"<t:{field}>{str(value).lower()}</t:{field}>")
            elif field in FOLDER_ACTIONS:
                parts.append(f"<t:{field}>{self._folder(value)}</t:{field}>")
            elif field.endswith("Recipients"):
                inner = "".join(self._address(r, f"Actions.{field}.Name") for r in getattr(actions, field))
                parts.append(f"<t:{field}>{inner}</t:{field}>")
            elif isinstance(value, list):
                parts.append(
                    f"<t:{field}>" + "".join(f"<t:String>{esc(s)}</t:String>" for s in value) + f"</t:{field}>"
                )
            else:
                parts.append(f"<t:{field}>{esc(value)}</t:{field}>")
        return f"<t:Actions>{''.join(parts)}</t:Actions>" if parts else ""  # the schema allows no empty Actions

    def _rule(self, rule: InboxRule, index: int) -> str:
        parts = [
            f"<t:RuleId>{esc(rule.RuleId or _id('rule', self.data.mailbox, index, length=12))}</t:RuleId>",
            f"<t:DisplayName>{esc(self._text(rule.DisplayName, 'DisplayName'))}</t:DisplayName>",
            f"<t:Priority>{rule.Priority if rule.Priority is not None else index + 1}</t:Priority>",
            f"<t:IsEnabled>{str(rule.IsEnabled).lower()}</t:IsEnabled>",
        ]
        if rule.IsNotSupported is not None:
            parts.append(f"<t:IsNotSupported>{str(rule.IsNotSupported).lower()}</t:IsNotSupported>")
        if rule.IsInError is not None:
            parts.append(f"<t:IsInError>{str(rule.IsInError).lower()}</t:IsInError>")
        parts.append(self._predicates("Conditions", rule.Conditions))
        parts.append(self._predicates("Exceptions", rule.Exceptions or RulePredicates()))
        parts.append(self._actions(rule.Actions))
        return "<t:Rule>" + "".join(parts) + "</t:Rule>"

    def _mailbox_of(self, request: SoapRequest, path: str) -> str | None:
        node = request.element.find(path)
        return node.text.strip() if node is not None and node.text else None

    def get_inbox_rules(self, request: SoapRequest) -> str:
        mailbox = self._mailbox_of(request, f"{{{M_NS}}}MailboxSmtpAddress")
        if mailbox and mailbox.lower() != self.data.mailbox.lower():
            return self._error_response(
                "GetInboxRulesResponse",
                "ErrorMailRecipientNotFound",
                "The SMTP address has no mailbox associated with it.",
            )
        with self._lock:
            current, blob = list(self.rules), self.outlook_rule_blob
        rules = "".join(self._rule(rule, index) for index, rule in enumerate(current))
        return (
            f'<GetInboxRulesResponse ResponseClass="Success" xmlns="{M_NS}" xmlns:t="{T_NS}">'
            "<ResponseCode>NoError</ResponseCode>"
            f"<OutlookRuleBlobExists>{'true' if blob else 'false'}</OutlookRuleBlobExists>"
            + (f"<InboxRules>{rules}</InboxRules>" if current else "")
            + "</GetInboxRulesResponse>"
        )

    def _error_response(self, tag: str, code: str, message: str) -> str:
        return (
            f'<m:{tag} ResponseClass="Error" xmlns:m="{M_NS}"><m:MessageText>{esc(message)}</m:MessageText>'
            f"<m:ResponseCode>{code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></m:{tag}>"
        )

    # -- delegates ----------------------------------------------------------------------------------

    def get_delegate(self, request: SoapRequest) -> str:
        include = request.element.get("IncludePermissions", "false").lower() == "true"
        mailbox = self._mailbox_of(request, f"{{{M_NS}}}Mailbox/{{{T_NS}}}EmailAddress")
        if mailbox and mailbox.lower() != self.data.mailbox.lower():
            return self._error_response(
                "GetDelegateResponse", "ErrorNonExistentMailbox", "The specified mailbox does not exist."
            )
        wanted = [(node.text or "").strip().lower() for node in request.element.iter(f"{{{T_NS}}}PrimarySmtpAddress")]
        with self._lock:
            delegates, delivery = list(self.delegates), self.deliver_meeting_requests
        messages = []
        for delegate in delegates:
            if wanted and delegate.PrimarySmtpAddress.lower() not in wanted:
                continue
            messages.append(
                '<m:DelegateUserResponseMessageType ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
                f"<m:DelegateUser>{self._delegate_user(delegate, include)}</m:DelegateUser>"
                "</m:DelegateUserResponseMessageType>"
            )
        known = {d.PrimarySmtpAddress.lower() for d in delegates}
        for address in wanted:
            if address not in known:
                messages.append(
                    '<m:DelegateUserResponseMessageType ResponseClass="Error">'
                    f"<m:MessageText>{esc(address)} is not a delegate of this mailbox.</m:MessageText>"
                    "<m:ResponseCode>ErrorNotDelegate</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>"
                    "</m:DelegateUserResponseMessageType>"
                )
        inner = f"<m:ResponseMessages>{''.join(messages)}</m:ResponseMessages>" if messages else ""
        return (
            f'<m:GetDelegateResponse ResponseClass="Success" xmlns:m="{M_NS}" xmlns:t="{T_NS}">'
            f"<m:ResponseCode>NoError</m:ResponseCode>{inner}"
            f"<m:DeliverMeetingRequests>{delivery}</m:DeliverMeetingRequests>"
            "</m:GetDelegateResponse>"
        )

    @staticmethod
    def _sid(delegate: Delegate) -> str:
        if delegate.SID:
            return delegate.SID
        raw = hashlib.sha256(delegate.PrimarySmtpAddress.lower().encode()).digest()
        return "S-1-5-21-" + "-".join(str(int.from_bytes(raw[i : i + 4], "big")) for i in (0, 4, 8, 12))

    def _delegate_user(self, delegate: Delegate, include: bool) -> str:
        sid = self._sid(delegate)
        name = self._text(delegate.DisplayName or delegate.PrimarySmtpAddress.split("@")[0], "DelegateUser.DisplayName")
        out = (
            f"<t:UserId><t:SID>{sid}</t:SID>"
            f"<t:PrimarySmtpAddress>{esc(delegate.PrimarySmtpAddress)}</t:PrimarySmtpAddress>"
            f"<t:DisplayName>{esc(name)}</t:DisplayName></t:UserId>"
        )
        if include:
            levels = "".join(f"<t:{k}>{v}</t:{k}>" for k, v in delegate.DelegatePermissions.model_dump().items())
            out += f"<t:DelegatePermissions>{levels}</t:DelegatePermissions>"
        out += (
            f"<t:ReceiveCopiesOfMeetingMessages>{str(delegate.ReceiveCopiesOfMeetingMessages).lower()}"
            f"</t:ReceiveCopiesOfMeetingMessages><t:ViewPrivateItems>{str(delegate.ViewPrivateItems).lower()}"
            "</t:ViewPrivateItems>"
        )
        return out

    # -- automatic replies --------------------------------------------------------------------------

    def get_oof(self, request: SoapRequest) -> str:
        address = self._mailbox_of(request, f"{{{T_NS}}}Mailbox/{{{T_NS}}}Address")
        if address and address.lower() != self.data.mailbox.lower():
            return (
                f'<GetUserOofSettingsResponse xmlns="{M_NS}"><ResponseMessage ResponseClass="Error">'
                "<MessageText>The SMTP address has no mailbox associated with it.</MessageText>"
                "<ResponseCode>ErrorMailRecipientNotFound</ResponseCode><DescriptiveLinkKey>0</DescriptiveLinkKey>"
                "</ResponseMessage></GetUserOofSettingsResponse>"
            )
        oof = self.data.oof
        internal = self._text(oof.InternalReply, "InternalReply")
        external = self._text(oof.ExternalReply, "ExternalReply")
        return (
            f'<GetUserOofSettingsResponse xmlns="{M_NS}">'
            '<ResponseMessage ResponseClass="Success"><ResponseCode>NoError</ResponseCode></ResponseMessage>'
            f'<OofSettings xmlns="{T_NS}"><OofState>{oof.OofState}</OofState>'
            f"<ExternalAudience>{oof.ExternalAudience}</ExternalAudience>"
            f"<Duration><StartTime>{esc(oof.StartTime)}</StartTime><EndTime>{esc(oof.EndTime)}</EndTime></Duration>"
            f"<InternalReply><Message>{esc(internal)}</Message></InternalReply>"
            f"<ExternalReply><Message>{esc(external)}</Message></ExternalReply></OofSettings>"
            "<AllowExternalOof>All</AllowExternalOof></GetUserOofSettingsResponse>"
        )

    # -- around the reads ---------------------------------------------------------------------------

    def resolve_names(self, request: SoapRequest) -> str:
        entry = (self._mailbox_of(request, f"{{{M_NS}}}UnresolvedEntry") or "").lower()
        me = self.data.mailbox
        if entry and (entry in me.lower() or entry in self.data.display_name.lower()):
            message = (
                '<m:ResolveNamesResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
                '<m:ResolutionSet TotalItemsInView="1" IncludesLastItemInRange="true"><t:Resolution><t:Mailbox>'
                f"<t:Name>{esc(self._text(self.data.display_name, 'Name'))}</t:Name>"
                f"<t:EmailAddress>{esc(me)}</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType>"
                "<t:MailboxType>Mailbox</t:MailboxType></t:Mailbox></t:Resolution></m:ResolutionSet>"
                "</m:ResolveNamesResponseMessage>"
            )
        else:
            message = (
                '<m:ResolveNamesResponseMessage ResponseClass="Error"><m:MessageText>No results were found.'
                "</m:MessageText><m:ResponseCode>ErrorNameResolutionNoResults</m:ResponseCode>"
                "<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></m:ResolveNamesResponseMessage>"
            )
        return (
            f'<m:ResolveNamesResponse xmlns:m="{M_NS}" xmlns:t="{T_NS}"><m:ResponseMessages>{message}'
            "</m:ResponseMessages></m:ResolveNamesResponse>"
        )

    def convert_id(self, request: SoapRequest) -> str:
        """An id this mailbox issued converts to itself, and the answer names its mailbox (as Exchange does,
        whatever Mailbox the request gave): the way a client learns whose mailbox a token opens. Anything else
        (exchangelib's DUMMY probe) is malformed."""
        own = {_id("folder", self.data.mailbox, name) for name in WELL_KNOWN_FOLDERS}
        messages = []
        for node in request.element.iter(f"{{{T_NS}}}AlternateId"):
            source_id = node.get("Id", "")
            if source_id in own:
                target = request.element.get("DestinationFormat", "EwsId")
                messages.append(
                    '<m:ConvertIdResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
                    f'<m:AlternateId xsi:type="t:AlternateIdType" Format="{esc(target)}" Id="{esc(source_id)}" '
                    f'Mailbox="{esc(self.data.mailbox)}"/></m:ConvertIdResponseMessage>'
                )
            else:
                messages.append(
                    '<m:ConvertIdResponseMessage ResponseClass="Error"><m:MessageText>Id is malformed.'
                    "</m:MessageText><m:ResponseCode>ErrorInvalidIdMalformed</m:ResponseCode>"
                    "<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></m:ConvertIdResponseMessage>"
                )
        if not messages:
            messages.append(
                '<m:ConvertIdResponseMessage ResponseClass="Error"><m:MessageText>Id is malformed.</m:MessageText>'
                "<m:ResponseCode>ErrorInvalidIdMalformed</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>"
                "</m:ConvertIdResponseMessage>"
            )
        return (
            f'<m:ConvertIdResponse xmlns:m="{M_NS}" xmlns:t="{T_NS}"><m:ResponseMessages>{"".join(messages)}'
            "</m:ResponseMessages></m:ConvertIdResponse>"
        )

    def get_folder(self, request: SoapRequest) -> str:
        messages = []
        for node in request.element.iter(f"{{{T_NS}}}DistinguishedFolderId"):
            folder = node.get("Id", "")
            if folder in WELL_KNOWN_FOLDERS:
                messages.append(
                    '<m:GetFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
                    f"<m:Folders><t:Folder>{self._folder(folder)}"
                    f"<t:DisplayName>{esc(WELL_KNOWN_FOLDERS[folder])}</t:DisplayName><t:TotalCount>0</t:TotalCount>"
                    "<t:ChildFolderCount>0</t:ChildFolderCount><t:UnreadCount>0</t:UnreadCount></t:Folder>"
                    "</m:Folders></m:GetFolderResponseMessage>"
                )
            else:
                messages.append(
                    '<m:GetFolderResponseMessage ResponseClass="Error"><m:MessageText>The specified folder could '
                    "not be found in the store.</m:MessageText><m:ResponseCode>ErrorFolderNotFound</m:ResponseCode>"
                    "<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></m:GetFolderResponseMessage>"
                )
        return (
            f'<m:GetFolderResponse xmlns:m="{M_NS}" xmlns:t="{T_NS}"><m:ResponseMessages>{"".join(messages)}'
            "</m:ResponseMessages></m:GetFolderResponse>"
        )

    # -- the changes the tool makes -----------------------------------------------------------------

    def _record(self, operation: str, **what: object) -> None:
        self.applied.append({"operation": operation, **what})

    def _parse_address(self, element: ET.Element, where: str) -> dict[str, str]:
        """An EmailAddressType (``t:Address``) of a rule sent back: its parts by name."""
        address: dict[str, str] = {}
        for part in element:
            name = _local(part)
            if name not in ADDRESS_PARTS and name != "ItemId":
                raise Invalid("ErrorSchemaValidation", f"The request failed schema validation: {where}.{name}.")
            if name in ADDRESS_PARTS:
                address[name] = (part.text or "").strip()
        return address

    def _parse_folder(self, element: ET.Element, where: str) -> str:
        """A TargetFolderIdType: a FolderId this server issued, or a DistinguishedFolderId."""
        children = list(element)
        if len(children) != 1 or _local(children[0]) not in ("FolderId", "DistinguishedFolderId"):
            raise Invalid("ErrorSchemaValidation", f"The request failed schema validation: {where} names no folder.")
        folder_id = children[0].get("Id", "")
        if _local(children[0]) == "DistinguishedFolderId":
            if folder_id not in WELL_KNOWN_FOLDERS:
                raise RuleError(f"Action:{where}", "InvalidFolderId", "The folder does not exist.", folder_id)
            return folder_id
        name = self._folder_names.get(folder_id)
        if name is None:
            raise RuleError(f"Action:{where}", "FolderDoesNotExist", "The folder does not exist.", folder_id)
        return name

    def _parse_predicates(self, model: type[BaseModel], element: ET.Element, where: str) -> dict[str, Any]:
        booleans = _bool_fields(model)
        data: dict[str, Any] = {}
        for child in element:
            name = _local(child)
            path = f"{where}.{name}"
            if name not in model.model_fields:
                raise Invalid("ErrorSchemaValidation", f"The request failed schema validation: {path}.")
            if name in ADDRESS_FIELDS:
                data[name] = [self._parse_address(entry, path) for entry in child]
            elif name in FOLDER_ACTIONS:
                data[name] = self._parse_folder(child, name)
            elif name in booleans:
                data[name] = _xs_boolean(child.text, path)
            elif "list[" in str(model.model_fields[name].annotation):
                if any(_local(entry) != "String" for entry in child):
                    raise Invalid("ErrorSchemaValidation", f"The request failed schema validation: {path}.")
                data[name] = [(entry.text or "") for entry in child]
            elif len(child):
                raise Invalid("ErrorSchemaValidation", f"The request failed schema validation: {path}.")
            else:
                data[name] = (child.text or "").strip()
        return data

    def _parse_rule(self, element: ET.Element) -> InboxRule:
        """A ``t:Rule`` sent in a Create or SetRuleOperation, read against RuleType."""
        data: dict[str, Any] = {}
        for child in element:
            name = _local(child)
            if name in ("Conditions", "Exceptions", "Actions"):
                model: type[BaseModel] = RuleActions if name == "Actions" else RulePredicates
                try:
                    data[name] = model(**self._parse_predicates(model, child, name))
                except ValidationError as exc:
                    where = ".".join(str(part) for part in exc.errors()[0]["loc"])
                    raise Invalid(
                        "ErrorSchemaValidation", f"The request failed schema validation: {name}.{where}."
                    ) from None
            elif name in ("IsEnabled", "IsNotSupported", "IsInError"):
                data[name] = _xs_boolean(child.text, f"Rule.{name}")
            elif name == "Priority":
                text = (child.text or "").strip()
                if not re.fullmatch(r"[+-]?\d{1,10}", text):
                    raise Invalid("ErrorSchemaValidation", "The request failed schema validation: Rule.Priority.")
                data[name] = int(text)
            elif name in ("RuleId", "DisplayName"):
                data[name] = child.text or ""
            else:
                raise Invalid("ErrorSchemaValidation", f"The request failed schema validation: Rule.{name}.")
        if not data.get("DisplayName"):
            raise RuleError("DisplayName", "EmptyValueFound", "The rule has no display name.")
        if "Priority" not in data:
            raise RuleError("Priority", "MissingParameter", "The rule has no priority.")
        if data.get("Actions") is None or not data["Actions"].model_dump(exclude_none=True):
            raise RuleError("Actions", "MissingAction", "The rule has no action.")
        try:
            return InboxRule(**data)
        except ValidationError as exc:
            where = ".".join(str(part) for part in exc.errors()[0]["loc"])
            raise Invalid("ErrorSchemaValidation", f"The request failed schema validation: {where}.") from None

    def _rule_operation(self, rules: list[InboxRule], operation: ET.Element) -> dict[str, Any]:
        """Apply one rule operation to ``rules`` (a working copy); what was done, for :attr:`applied`."""
        kind = _local(operation)
        if kind == "DeleteRuleOperation":
            rule_id = (operation.findtext(f"{{{T_NS}}}RuleId") or "").strip()
            index = next((i for i, rule in enumerate(rules) if rule.RuleId == rule_id), None)
            if index is None:
                raise RuleError("RuleId", "RuleNotFound", "The rule was not found.", rule_id)
            del rules[index]
            return {"change": kind, "rule_id": rule_id}
        element = operation.find(f"{{{T_NS}}}Rule")
        if kind not in ("CreateRuleOperation", "SetRuleOperation") or element is None or len(operation) != 1:
            raise Invalid("ErrorSchemaValidation", f"The request failed schema validation: {kind}.")
        rule = self._parse_rule(element)
        if kind == "CreateRuleOperation":
            if rule.RuleId:
                raise RuleError("RuleId", "CreateWithRuleId", "A new rule cannot have a rule id.", rule.RuleId)
            self._created += 1
            rule = rule.model_copy(update={"RuleId": _id("created", self.data.mailbox, self._created, length=12)})
            position = max(0, min(len(rules), (rule.Priority or 1) - 1))
            rules.insert(position, rule)
            return {"change": kind, "rule_id": rule.RuleId, "name": rule.DisplayName}
        index = next((i for i, old in enumerate(rules) if rule.RuleId and old.RuleId == rule.RuleId), None)
        if index is None:
            raise RuleError("RuleId", "RuleNotFound", "The rule was not found.", rule.RuleId or "")
        rules[index] = rule  # SetRuleOperation replaces the whole rule
        return {"change": kind, "rule_id": rule.RuleId, "enabled": rule.IsEnabled}

    def _rule_errors(self, index: int, error: RuleError) -> str:
        return (
            f'<UpdateInboxRulesResponse ResponseClass="Error" xmlns="{M_NS}">'
            "<MessageText>A validation error occurred while executing the rule operation.</MessageText>"
            "<ResponseCode>ErrorInboxRulesValidationError</ResponseCode><DescriptiveLinkKey>0</DescriptiveLinkKey>"
            f'<RuleOperationErrors><RuleOperationError xmlns="{T_NS}"><OperationIndex>{index}</OperationIndex>'
            f"<ValidationErrors><Error><FieldURI>{esc(error.field)}</FieldURI><ErrorCode>{esc(error.code)}</ErrorCode>"
            f"<ErrorMessage>{esc(error.message)}</ErrorMessage><FieldValue>{esc(error.value)}</FieldValue></Error>"
            "</ValidationErrors></RuleOperationError></RuleOperationErrors></UpdateInboxRulesResponse>"
        )

    def update_inbox_rules(self, request: SoapRequest) -> str:
        """UpdateInboxRules: every operation applies, in order, or none does."""
        tag = "UpdateInboxRulesResponse"
        mailbox = self._mailbox_of(request, f"{{{M_NS}}}MailboxSmtpAddress")
        if mailbox and mailbox.lower() != self.data.mailbox.lower():
            return self._error_response(tag, "ErrorMailRecipientNotFound", "The SMTP address has no mailbox.")
        blob = request.element.find(f"{{{M_NS}}}RemoveOutlookRuleBlob")
        remove_blob = blob is not None and _xs_boolean(blob.text, "RemoveOutlookRuleBlob")
        operations = request.element.find(f"{{{M_NS}}}Operations")
        if operations is None or len(operations) == 0:
            raise Invalid("ErrorSchemaValidation", "The request failed schema validation: Operations is missing.")
        if self.outlook_rule_blob and not remove_blob:
            return self._error_response(
                tag, "ErrorOutlookRuleBlobExists", "The Outlook rule blob exists: RemoveOutlookRuleBlob must be true."
            )
        rules = list(self.rules)
        done = []
        for index, operation in enumerate(operations):
            try:
                done.append(self._rule_operation(rules, operation))
            except RuleError as error:
                return self._rule_errors(index, error)
        self.rules = rules
        if remove_blob:
            self.outlook_rule_blob = False
        for what in done:
            self._record("UpdateInboxRules", **what)
        return (
            f'<UpdateInboxRulesResponse ResponseClass="Success" xmlns="{M_NS}">'
            "<ResponseCode>NoError</ResponseCode></UpdateInboxRulesResponse>"
        )

    def _delegate_answer(self, tag: str, messages: list[str]) -> str:
        return (
            f'<m:{tag} ResponseClass="Success" xmlns:m="{M_NS}" xmlns:t="{T_NS}">'
            f"<m:ResponseCode>NoError</m:ResponseCode><m:ResponseMessages>{''.join(messages)}</m:ResponseMessages></m:{tag}>"
        )

    @staticmethod
    def _delegate_error(code: str, message: str) -> str:
        return (
            f'<m:DelegateUserResponseMessageType ResponseClass="Error"><m:MessageText>{esc(message)}</m:MessageText>'
            f"<m:ResponseCode>{code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>"
            "</m:DelegateUserResponseMessageType>"
        )

    def _own_mailbox(self, request: SoapRequest, tag: str) -> str | None:
        """None when the request's Mailbox is this one; otherwise the answer refusing it."""
        mailbox = self._mailbox_of(request, f"{{{M_NS}}}Mailbox/{{{T_NS}}}EmailAddress")
        if not mailbox:
            raise Invalid("ErrorSchemaValidation", "The request failed schema validation: Mailbox is missing.")
        if mailbox.lower() != self.data.mailbox.lower():
            return self._error_response(tag, "ErrorNonExistentMailbox", "The specified mailbox does not exist.")
        return None

    def _user(self, element: ET.Element | None) -> tuple[str, str]:
        """A UserId's PrimarySmtpAddress (lower-cased) and SID."""
        if element is None or not len(element):
            raise Invalid("ErrorSchemaValidation", "The request failed schema validation: UserId is empty.")
        for child in element:
            if _local(child) not in ("SID", "PrimarySmtpAddress", "DisplayName"):
                raise Invalid("ErrorSchemaValidation", f"The request failed schema validation: UserId.{_local(child)}.")
        address = (element.findtext(f"{{{T_NS}}}PrimarySmtpAddress") or "").strip().lower()
        sid = (element.findtext(f"{{{T_NS}}}SID") or "").strip()
        return address, sid

    def remove_delegate(self, request: SoapRequest) -> str:
        tag = "RemoveDelegateResponse"
        refused = self._own_mailbox(request, tag)
        if refused is not None:
            return refused
        users = request.element.find(f"{{{M_NS}}}UserIds")
        if users is None or not len(users):
            raise Invalid("ErrorSchemaValidation", "The request failed schema validation: UserIds is missing.")
        wanted = [self._user(element) for element in users]  # the whole request is read before anything changes
        messages = []
        for address, sid in wanted:
            match = next(
                (
                    d
                    for d in self.delegates
                    if (address and d.PrimarySmtpAddress.lower() == address) or sid == self._sid(d)
                ),
                None,
            )
            if match is None:
                messages.append(self._delegate_error("ErrorNotDelegate", "The user is not a delegate for the mailbox."))
                continue
            self.delegates.remove(match)
            self._record("RemoveDelegate", delegate=match.PrimarySmtpAddress)
            messages.append(
                '<m:DelegateUserResponseMessageType ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
                "</m:DelegateUserResponseMessageType>"
            )
        return self._delegate_answer(tag, messages)

    def _levels(self, element: ET.Element | None) -> FolderPermissions:
        levels: dict[str, str] = {}
        for child in element if element is not None else []:
            levels[_local(child)] = (child.text or "").strip()
        try:
            return FolderPermissions(**levels)  # type: ignore[arg-type]
        except (ValidationError, TypeError):
            raise Invalid(
                "ErrorSchemaValidation", "The request failed schema validation: DelegatePermissions."
            ) from None

    def _new_delegate(self, element: ET.Element) -> tuple[str, str, dict[str, Any]]:
        """A DelegateUser of an AddDelegate request: its address, SID and what it is given, read against the
        reference (UserId, DelegatePermissions, ReceiveCopiesOfMeetingMessages, ViewPrivateItems)."""
        allowed = ("UserId", "DelegatePermissions", "ReceiveCopiesOfMeetingMessages", "ViewPrivateItems")
        for child in element:
            if _local(child) not in allowed:
                raise Invalid("ErrorSchemaValidation", f"The request failed schema validation: {_local(child)}.")
        address, sid = self._user(element.find(f"{{{T_NS}}}UserId"))
        options: dict[str, Any] = {
            name: _xs_boolean(element.findtext(f"{{{T_NS}}}{name}"), name)
            for name in ("ReceiveCopiesOfMeetingMessages", "ViewPrivateItems")
            if element.find(f"{{{T_NS}}}{name}") is not None
        }
        options["DelegatePermissions"] = self._levels(element.find(f"{{{T_NS}}}DelegatePermissions"))
        return address, sid, options

    def add_delegate(self, request: SoapRequest) -> str:
        tag = "AddDelegateResponse"
        refused = self._own_mailbox(request, tag)
        if refused is not None:
            return refused
        users = request.element.find(f"{{{M_NS}}}DelegateUsers")
        if users is None or not len(users):
            raise Invalid("ErrorSchemaValidation", "The request failed schema validation: DelegateUsers is missing.")
        delivery = (request.element.findtext(f"{{{M_NS}}}DeliverMeetingRequests") or "").strip()
        if delivery and delivery not in ("DelegatesOnly", "DelegatesAndMe", "DelegatesAndSendInformationToMe"):
            raise Invalid("ErrorSchemaValidation", "The request failed schema validation: DeliverMeetingRequests.")
        # The whole request is read before anything changes.
        wanted = [self._new_delegate(element) for element in users]
        messages = []
        for address, sid, options in wanted:
            known = self.directory.get(address) if address else None
            known = known or next((d for d in self.directory.values() if sid and self._sid(d) == sid), None)
            if not address and known is None:
                messages.append(self._delegate_error("ErrorInvalidUserSid", "The SID is not valid."))
                continue
            address = address or (known.PrimarySmtpAddress.lower() if known else "")
            if any(d.PrimarySmtpAddress.lower() == address for d in self.delegates):
                messages.append(
                    self._delegate_error(
                        "ErrorDelegateAlreadyExists", "The user is already a delegate for the mailbox."
                    )
                )
                continue
            delegate = Delegate(
                PrimarySmtpAddress=known.PrimarySmtpAddress if known else address,
                DisplayName=known.DisplayName if known else None,
                SID=known.SID if known else None,
                **options,
            )
            self.delegates.append(delegate)
            self.directory.setdefault(address, delegate)
            self._record("AddDelegate", delegate=delegate.PrimarySmtpAddress)
            messages.append(
                '<m:DelegateUserResponseMessageType ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
                f"<m:DelegateUser>{self._delegate_user(delegate, include=False)}</m:DelegateUser>"
                "</m:DelegateUserResponseMessageType>"
            )
        if delivery:
            self.deliver_meeting_requests = delivery
        return self._delegate_answer(tag, messages)
