"""Exchange Web Services for the sandbox: SOAP 1.1 over ``POST /EWS/Exchange.asmx``.

Answers GetInboxRules, GetDelegate and GetUserOofSettings, plus what a client needs around them
(ConvertId, which exchangelib sends unauthenticated to learn the auth scheme and which names the mailbox an
id belongs to; ResolveNames; GetFolder for well-known folders, with or without a Mailbox), written from
Microsoft's EWS reference ("GetInboxRules operation", "GetDelegate operation", "GetUserOofSettings
operation", MS-OXWSRULES, MS-OXWSDLGM). Every other operation would change the mailbox or is not imitated:
the server around this app refuses it with a SOAP fault.

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
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from auditor.sandbox.base import SandboxRequest, SandboxResponse
from auditor.sandbox.exchange import ExchangeData, InboxRule, Recipient, RuleActions, RulePredicates
from auditor.sandbox.hostile import hostile_text
from auditor.sandbox.ntlm import NtlmAcceptor

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
M_NS = "http://schemas.microsoft.com/exchange/services/2006/messages"
T_NS = "http://schemas.microsoft.com/exchange/services/2006/types"
E_NS = "http://schemas.microsoft.com/exchange/services/2006/errors"
EWS_PATH = "/EWS/Exchange.asmx"

# Operations that only read. The request element of GetUserOofSettings is named ...Request.
READ_OPERATIONS = {"GetInboxRules", "GetDelegate", "GetUserOofSettings", "ResolveNames", "ConvertId", "GetFolder"}
FOLDER_ACTIONS = {"CopyToFolder", "MoveToFolder"}
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
        self.rules = self._rules()
        self._served: dict[str, int] = {}

    # -- the server contract ------------------------------------------------------------------------

    def is_read(self, request: SandboxRequest) -> bool:
        if request.method != "POST":
            return request.method == "GET"  # GET on the endpoint reads nothing (IIS answers it)
        parsed = parse_operation(request.body)
        return parsed is None or parsed.operation in READ_OPERATIONS

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
        return SandboxResponse.xml(self._envelope(parsed.version, operation(parsed)))

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
        rules = list(self.data.inbox_rules)
        for index in range(self.data.generate.inbox_rules):
            rules.append(
                InboxRule(
                    DisplayName=f"Newsletters {index:04d}",
                    Conditions=RulePredicates(ContainsSenderStrings=[f"news{index}@shop.example"]),
                    Actions=RuleActions(MoveToFolder="Newsletters", MarkAsRead=index % 2 == 0),
                )
            )
        return rules

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
        return f'<t:FolderId Id="{_id("folder", self.data.mailbox, name.lower())}" ChangeKey="AQAAAA=="/>'

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
        rules = "".join(self._rule(rule, index) for index, rule in enumerate(self.rules))
        return (
            f'<GetInboxRulesResponse ResponseClass="Success" xmlns="{M_NS}" xmlns:t="{T_NS}">'
            "<ResponseCode>NoError</ResponseCode>"
            f"<OutlookRuleBlobExists>{'true' if self.rules else 'false'}</OutlookRuleBlobExists>"
            + (f"<InboxRules>{rules}</InboxRules>" if self.rules else "")
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
        messages = []
        for delegate in self.data.delegates:
            if wanted and delegate.PrimarySmtpAddress.lower() not in wanted:
                continue
            messages.append(
                '<m:DelegateUserResponseMessageType ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
                f"<m:DelegateUser>{self._delegate_user(delegate, include)}</m:DelegateUser>"
                "</m:DelegateUserResponseMessageType>"
            )
        known = {d.PrimarySmtpAddress.lower() for d in self.data.delegates}
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
            f"<m:DeliverMeetingRequests>{self.data.deliver_meeting_requests}</m:DeliverMeetingRequests>"
            "</m:GetDelegateResponse>"
        )

    def _delegate_user(self, delegate: Any, include: bool) -> str:
        raw = hashlib.sha256(delegate.PrimarySmtpAddress.lower().encode()).digest()
        sid = "S-1-5-21-" + "-".join(str(int.from_bytes(raw[i : i + 4], "big")) for i in (0, 4, 8, 12))
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
