"""The changes the tool can make to an Exchange mailbox through EWS — each one only after the person confirmed it.

The read client (:mod:`auditor.connectors.ews.client`) stays read-only; this module is the only place an EWS
operation that changes a mailbox is built or sent. It builds exactly five requests, shaped as Microsoft's EWS
reference documents them (learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/<page>):

- ``UpdateInboxRules`` with one ``SetRuleOperation`` ("updateinboxrules-operation", "setruleoperation"): the
  whole rule as it was found, with only ``IsEnabled`` changed (SetRuleOperation replaces the whole rule, so
  anything left out would be removed from it);
- ``UpdateInboxRules`` with one ``DeleteRuleOperation`` ("deleteruleoperation"): the rule's RuleId;
- ``UpdateInboxRules`` with one ``CreateRuleOperation`` ("createruleoperation"): the rule as it was found,
  without its RuleId (Exchange refuses a create that carries one: ErrorCode ``CreateWithRuleId``);
- ``RemoveDelegate`` ("removedelegate-operation"): one delegate, by PrimarySmtpAddress (or SID);
- ``AddDelegate`` ("adddelegate-operation"): one delegate with the folder levels and options as found.
  DeliverMeetingRequests is left out, so the mailbox's setting stays as it is.

Every UpdateInboxRules request names the mailbox (MailboxSmtpAddress) and sets RemoveOutlookRuleBlob to true:
"In order to create, update, or delete Inbox rules by using ... EWS, you must remove the Outlook rule, if it
exists" ("Manage Inbox rules by using EWS in Exchange"); without it Exchange answers ErrorOutlookRuleBlobExists.
The same page says what that costs (rules switched off only in Outlook may be lost, and client-side send rules
are), which the tool says to the person before they confirm.

Sending: exchangelib (its transport, NTLM/Basic/bearer auth and SOAP framing) with a fixed request version
(Exchange2013, which every supported on-premises Exchange accepts), so nothing is sent to learn the server's
version and the request is never sent again under another version, as exchangelib does for reads. The answer is
parsed strictly, and every error in it — the answer's own and each delegate's — is raised. Only answers that
say the server did not take the request (ErrorServerBusy with its BackOffMilliseconds, HTTP 429 or 503) are tried
again, by the connectors' retry policy; a timeout, a dropped connection or a server error may come after the
change was made, so those are said as "may or may not have been made", never tried again, never called done.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import threading
from collections.abc import Iterator, Mapping
from typing import Any

from exchangelib.errors import MalformedResponseError
from exchangelib.services.common import EWSAccountService
from exchangelib.util import MNS, create_element, get_xml_attr, xml_to_str

from auditor.connectors.ews.client import ExchangeLogin, _cause, _Retry, _retry_after, require_private_transport
from auditor.connectors.ews.schema import EwsType, RuleType, _array
from auditor.connectors.ews.services import StrictBody
from auditor.connectors.retry import RetryPolicy
from auditor.errors import (
    AuditorError,
    AuthError,
    ConnectorError,
    NetworkError,
    ProviderError,
    RateLimitedError,
)
from auditor.safetext import literal

# DelegatePermissions' children, in the schema's order, by the names the Delegate record uses.
FOLDER_LEVELS = (
    ("calendar", "CalendarFolderPermissionLevel"),
    ("tasks", "TasksFolderPermissionLevel"),
    ("inbox", "InboxFolderPermissionLevel"),
    ("contacts", "ContactsFolderPermissionLevel"),
    ("notes", "NotesFolderPermissionLevel"),
    ("journal", "JournalFolderPermissionLevel"),
)
LEVELS = frozenset({"None", "Editor", "Reviewer", "Author", "Custom"})  # DelegateFolderPermissionLevelType
REPLACEMENT = "\ufffd"  # what a character XML cannot carry becomes in a recreated rule


# -- what can be sent -------------------------------------------------------------------------------------


def _xml_char(char: str) -> bool:
    code = ord(char)
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            yield from _strings(inner, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for index, inner in enumerate(value):
            yield from _strings(inner, f"{path}[{index}]")


def unsendable(as_found: Mapping[str, Any]) -> list[str]:
    """Where the rule holds characters XML 1.0 cannot carry (control characters: Exchange writes them in its
    answers as character references no XML parser accepts back). Such a rule cannot be sent back unchanged."""
    return [path for path, text in _strings(as_found) if not all(_xml_char(c) for c in text)]


def _sendable(value: Any) -> Any:
    if isinstance(value, str):
        return "".join(c if _xml_char(c) else REPLACEMENT for c in value)
    if isinstance(value, Mapping):
        return {key: _sendable(inner) for key, inner in value.items()}
    if isinstance(value, (list, tuple)):
        return [_sendable(inner) for inner in value]
    return value


# -- the requests -----------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _fill(element: Any, model: EwsType) -> None:
    """The model's attributes and child elements, in the schema's order (the models list them in that order)."""
    cls = type(model)
    for name in cls.model_fields:
        value = getattr(model, name)
        if value is None:
            continue
        if name in cls.xml_attributes:
            element.set(name, _text(value))
            continue
        child = create_element(f"t:{name}")
        array = _array(cls, name)
        if array is not None:
            for entry in value:
                item = create_element(f"t:{array.item}")
                if isinstance(entry, EwsType):
                    _fill(item, entry)
                else:
                    item.text = _text(entry)
                child.append(item)
        elif isinstance(value, EwsType):
            _fill(child, value)
        else:
            child.text = _text(value)
        element.append(child)


def checked_rule(as_found: Mapping[str, Any]) -> RuleType:
    """The rule as found, validated again against the EWS RuleType (it may come back from a stored case): an
    element the reference does not list, or a value of the wrong type, is refused — nothing is guessed."""
    from pydantic import ValidationError

    try:
        return RuleType.model_validate(dict(as_found))
    except ValidationError as exc:
        problems = exc.error_count()
        raise ProviderError(f"the rule as found is not an EWS rule ({problems} problems); nothing was sent") from None


def rule_element(as_found: Mapping[str, Any], *, keep_id: bool, enabled: bool | None = None) -> Any:
    """A ``t:Rule`` element: the rule as found, with IsEnabled set to ``enabled`` when given. Without ``keep_id``
    the RuleId and the two states only the server sets (IsNotSupported, IsInError) are left out (a new rule)."""
    rule = checked_rule(as_found)
    update: dict[str, Any] = {}
    if enabled is not None:
        update["IsEnabled"] = enabled
    if not keep_id:
        update.update(RuleId=None, IsNotSupported=None, IsInError=None)
    element = create_element("t:Rule")
    _fill(element, rule.model_copy(update=update))
    return element


def _update_inbox_rules(mailbox: str, operation: Any) -> Any:
    payload = create_element("m:UpdateInboxRules")
    address = create_element("m:MailboxSmtpAddress")
    address.text = mailbox
    payload.append(address)
    remove_blob = create_element("m:RemoveOutlookRuleBlob")
    remove_blob.text = "true"
    payload.append(remove_blob)
    operations = create_element("m:Operations")
    operations.append(operation)
    payload.append(operations)
    return payload


def set_rule_request(mailbox: str, as_found: Mapping[str, Any], *, enabled: bool | None) -> Any:
    """UpdateInboxRules with one SetRuleOperation: the whole rule as found, IsEnabled set to ``enabled`` (None:
    as found — how a rule switched off is switched on again)."""
    if not as_found.get("RuleId"):
        raise ProviderError("the rule as found has no RuleId, so Exchange could not tell which rule to change")
    operation = create_element("t:SetRuleOperation")
    operation.append(rule_element(as_found, keep_id=True, enabled=enabled))
    return _update_inbox_rules(mailbox, operation)


def delete_rule_request(mailbox: str, rule_id: str) -> Any:
    """UpdateInboxRules with one DeleteRuleOperation naming the rule's RuleId."""
    if not rule_id:
        raise ProviderError("the rule has no RuleId, so Exchange could not tell which rule to delete")
    operation = create_element("t:DeleteRuleOperation")
    node = create_element("t:RuleId")
    node.text = rule_id
    operation.append(node)
    return _update_inbox_rules(mailbox, operation)


def create_rule_request(mailbox: str, as_found: Mapping[str, Any]) -> Any:
    """UpdateInboxRules with one CreateRuleOperation: the rule as found, without its RuleId. Characters XML cannot
    carry are sent as U+FFFD (see :func:`unsendable`)."""
    operation = create_element("t:CreateRuleOperation")
    operation.append(rule_element(_sendable(as_found), keep_id=False))
    return _update_inbox_rules(mailbox, operation)


def _mailbox(mailbox: str) -> Any:
    element = create_element("m:Mailbox")
    address = create_element("t:EmailAddress")
    address.text = mailbox
    element.append(address)
    return element


def _user_id(address: str, sid: str) -> Any:
    """UserId: the delegate's PrimarySmtpAddress, or their SID when Exchange gave no address."""
    user = create_element("t:UserId")
    if address:
        node = create_element("t:PrimarySmtpAddress")
        node.text = address
    elif sid:
        node = create_element("t:SID")
        node.text = sid
    else:
        raise ProviderError("the delegate has neither an address nor a SID, so Exchange could not tell who it is")
    user.append(node)
    return user


def remove_delegate_request(mailbox: str, address: str, sid: str = "") -> Any:
    """RemoveDelegate for one delegate."""
    payload = create_element("m:RemoveDelegate")
    payload.append(_mailbox(mailbox))
    users = create_element("m:UserIds")
    users.append(_user_id(address, sid))
    payload.append(users)
    return payload


def add_delegate_request(mailbox: str, delegate: Mapping[str, Any]) -> Any:
    """AddDelegate for one delegate (the Delegate record's evidence): its folder levels and options as found."""
    permissions = delegate.get("permissions") or {}
    if not isinstance(permissions, Mapping):
        raise ProviderError("the delegate's folder levels as found are not readable; nothing was sent")
    user = create_element("t:DelegateUser")
    user.append(_user_id(str(delegate.get("address") or ""), str(delegate.get("sid") or "")))
    levels = create_element("t:DelegatePermissions")
    for folder, tag in FOLDER_LEVELS:
        level = str(permissions.get(folder) or "None")
        if level not in LEVELS:
            raise ProviderError(f"the delegate's level on {folder} as found is not one EWS knows; nothing was sent")
        node = create_element(f"t:{tag}")
        node.text = level
        levels.append(node)
    user.append(levels)
    for key, tag in (
        ("receive_copies_of_meeting_messages", "ReceiveCopiesOfMeetingMessages"),
        ("view_private_items", "ViewPrivateItems"),
    ):
        node = create_element(f"t:{tag}")
        node.text = _text(bool(delegate.get(key)))
        user.append(node)
    users = create_element("m:DelegateUsers")
    users.append(user)
    payload = create_element("m:AddDelegate")
    payload.append(_mailbox(mailbox))
    payload.append(users)
    return payload


def request_text(payload: Any) -> str:
    """The request's operation element as XML text: what is shown and kept as the exact request sent."""
    return str(xml_to_str(payload))


# -- sending ----------------------------------------------------------------------------------------------


class _Write(StrictBody, EWSAccountService):
    """One write, sent with the request version given (never again under another), its answer parsed strictly
    and every error in it raised (none is handed back as a value)."""

    ERRORS_TO_CATCH_IN_RESPONSE = ()
    returns_elements = False

    def __init__(self, *, account: Any, payload: Any) -> None:
        super().__init__(account=account)
        self.payload = payload

    def _api_versions_to_try(self) -> Any:
        return (self._version_hint.api_version,)

    def _get_soap_messages(self, body: Any) -> Any:
        response = body.find(self._response_tag())
        if response is not None:
            self._require_success(response)  # the answer's own error (refused, no such mailbox)
        messages = super()._get_soap_messages(body)  # a SOAP fault is raised here
        for message in messages:
            self._require_success(message)
        return messages

    def _require_success(self, message: Any) -> None:
        """Success only as the reference says it: ResponseClass Success with ResponseCode NoError. exchangelib
        takes any NoError as success, a Warning ("a request that was not processed") included."""
        response_class = message.get("ResponseClass")
        code = (get_xml_attr(message, f"{{{MNS}}}ResponseCode") or "").strip()
        if response_class == "Success" and code == "NoError":
            return
        if code and code != "NoError":
            raise self._get_exception(
                code=code,
                text=get_xml_attr(message, f"{{{MNS}}}MessageText") or "",
                msg_xml=message.find(f"{{{MNS}}}MessageXml"),
                rule_errors=message.find(f"{{{MNS}}}RuleOperationErrors"),
            )
        raise MalformedResponseError(
            f"{self.SERVICE_NAME}'s answer is not a success (ResponseClass {response_class!r}, ResponseCode {code!r})"
        )

    def send(self) -> int:
        """Send the payload; the number of answers that said success (errors are raised)."""
        return len(list(self._get_elements(payload=self.payload)))


class UpdateRules(_Write):
    SERVICE_NAME = "UpdateInboxRules"


class _DelegateWrite(_Write):
    """RemoveDelegate and AddDelegate answer one DelegateUserResponseMessageType per delegate, each of which may be
    an error inside an answer whose own ResponseClass is Success (the reference's error examples)."""

    @classmethod
    def _response_message_tag(cls) -> str:
        return f"{{{MNS}}}DelegateUserResponseMessageType"

    def _get_soap_messages(self, body: Any) -> Any:
        messages = super()._get_soap_messages(body)
        if not any(m.tag == self._response_message_tag() for m in messages):
            raise MalformedResponseError(f"{self.SERVICE_NAME}Response says nothing about the delegate")
        return messages


class RemoveDelegate(_DelegateWrite):
    SERVICE_NAME = "RemoveDelegate"


class AddDelegate(_DelegateWrite):
    SERVICE_NAME = "AddDelegate"


def classify_write(error: BaseException, what: str, timeout: float) -> ConnectorError | _Retry:
    """A failed write in the error tree, saying whether it was made: a _Retry only when the server said it did not
    take the request (busy, 429, 503); otherwise an error that ends the tries."""
    import requests
    from exchangelib import errors as ews

    exc = _cause(error)
    text = str(exc)
    unknown = f"whether {what} changed is not known: audit the mailbox again to see"
    if isinstance(exc, ConnectorError):
        return exc
    if isinstance(exc, AuditorError):
        return ProviderError(str(exc))
    if isinstance(exc, (ews.UnauthorizedError, ews.ErrorInvalidLicense)):
        return AuthError(f"Exchange refused the sign-in (the password or token was refused): {what} was not changed")
    if isinstance(exc, ews.ErrorAccessDenied):
        return AuthError(
            f"Exchange refused the change (ErrorAccessDenied: this sign-in may not change it): {what} was not changed"
        )
    if isinstance(exc, ews.ErrorServerBusy) and not text.startswith("Reraised from"):
        busy = RateLimitedError(f"Exchange was busy and did not take the change: {what} was not changed")
        return _Retry(busy, getattr(exc, "back_off", None))
    if isinstance(exc, ews.ErrorServerBusy) and "HTTP 503" in text:
        return _Retry(
            RateLimitedError(f"Exchange was unavailable (HTTP 503): {what} was not changed"), None, status=503
        )
    if isinstance(exc, ews.RateLimitError) or (isinstance(exc, ews.TransportError) and "Code: 429" in text):
        throttled = RateLimitedError(f"Exchange kept throttling (HTTP 429): {what} was not changed")
        return _Retry(throttled, _retry_after(text), status=429)
    timed_out = isinstance(exc, (requests.exceptions.Timeout, TimeoutError)) or "ErrorTimeoutExpired" in text
    if (timed_out or isinstance(exc, ews.ErrorTimeoutExpired)) and "ConnectionError" not in text:
        return NetworkError(f"Exchange did not answer within {timeout:g} s: {unknown}")
    if isinstance(exc, (ews.ErrorTimeoutExpired, requests.exceptions.ConnectionError, ConnectionError)):
        return NetworkError(f"the connection to Exchange failed during the change: {unknown}")
    if isinstance(exc, ews.TransportError) and "Code: 403" in text:
        # HTTP 403 Forbidden: the server refused the request (EWS switched off for this user, or the change).
        return AuthError(f"Exchange refused the change (HTTP 403 Forbidden): {what} was not changed")
    if isinstance(exc, (ews.SOAPError, ews.MalformedResponseError, ews.ErrorInvalidServerVersion)):
        return ProviderError(f"Exchange's answer to the change is not valid EWS XML: {unknown}")
    if isinstance(exc, (ews.ErrorInternalServerError, ews.ErrorInternalServerTransientError, ews.ErrorServerBusy)) or (
        isinstance(exc, ews.TransportError) and any(f"Code: {code}" in text for code in (500, 502, 504))
    ):
        return ProviderError(f"Exchange failed while making the change: {unknown}")
    if isinstance(exc, ews.EWSError):
        said = f": {literal(text, 200)}" if text else ""
        return ProviderError(f"Exchange refused the change ({type(exc).__name__}{said}): {what} was not changed")
    return ProviderError(f"the change failed ({type(exc).__name__}): {unknown}")


class ExchangeWriter:
    """Sends the changes to one mailbox, one request each, with the sign-in given for this sitting only.

    The password or token lives in this object and exchangelib's protocol until :meth:`close`, which drops both
    (exchangelib caches its protocol, credentials included, by configuration)."""

    def __init__(
        self,
        endpoint: str,
        login: ExchangeLogin,
        mailbox: str,
        *,
        timeout: float = 20.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        require_private_transport(endpoint)
        self.endpoint = endpoint
        self.mailbox = mailbox
        self.timeout = timeout
        self.retry = retry or RetryPolicy(max_retries=3, budget=60.0)
        self._login: ExchangeLogin | None = login
        self._lock = threading.Lock()
        self._config: Any = None
        self._account_: Any = None

    def _account(self) -> Any:
        with self._lock:
            if self._account_ is None:
                from exchangelib import BASIC, DELEGATE, NTLM, Account, Configuration, Credentials, FailFast, Version
                from exchangelib.version import EXCHANGE_2013

                from auditor.connectors.ews.client import register_bearer_auth

                login = self._login
                if login is None:
                    raise ProviderError("this sign-in was closed; nothing was sent")
                if login.auth == "oauth":
                    auth_type = register_bearer_auth()
                    credentials = Credentials("bearer", login.secret)
                else:
                    auth_type = NTLM if login.auth == "ntlm" else BASIC
                    credentials = Credentials(login.username or "", login.secret)
                self._config = Configuration(
                    service_endpoint=self.endpoint,
                    credentials=credentials,
                    auth_type=auth_type,
                    version=Version(build=EXCHANGE_2013),
                    max_connections=1,
                    retry_policy=FailFast(),  # the retry policy here decides, and never re-sends a change in doubt
                )
                account = Account(
                    primary_smtp_address=self.mailbox, config=self._config, autodiscover=False, access_type=DELEGATE
                )
                account.protocol.TIMEOUT = self.timeout
                self._account_ = account
            return self._account_

    def _send(self, service: type[_Write], payload: Any, what: str) -> None:
        def attempt() -> None:
            try:
                answered = service(account=self._account(), payload=copy.deepcopy(payload)).send()
            except Exception as exc:
                classified = classify_write(exc, what, self.timeout)
            else:
                if answered != 1:
                    raise ProviderError(
                        f"Exchange answered {answered} times to one change: whether {what} changed is not known"
                    )
                return
            raise classified

        self.retry.run(attempt)

    async def send(self, payload: Any, what: str) -> None:
        """Send one request built by the functions above (in a worker thread: exchangelib blocks)."""
        tag = str(payload.tag).rsplit("}", 1)[-1]
        service = {"UpdateInboxRules": UpdateRules, "RemoveDelegate": RemoveDelegate, "AddDelegate": AddDelegate}.get(
            tag
        )
        if service is None:
            raise ProviderError(f"{literal(tag, 40)} is not a change this tool makes; nothing was sent")
        await asyncio.to_thread(self._send, service, payload, what)

    def close(self) -> None:
        with self._lock:
            account, self._account_ = self._account_, None
            config, self._config = self._config, None
            self._login = None
        if account is not None:
            account.protocol.close()
        if config is not None:
            from exchangelib.protocol import Protocol

            with contextlib.suppress(KeyError):
                del Protocol[config]

    async def aclose(self) -> None:
        await asyncio.to_thread(self.close)


__all__ = [
    "ExchangeWriter",
    "add_delegate_request",
    "classify_write",
    "create_rule_request",
    "delete_rule_request",
    "remove_delegate_request",
    "request_text",
    "set_rule_request",
    "unsendable",
]
