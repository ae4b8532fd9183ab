"""Read-only Exchange Web Services connector on exchangelib (Exchange on-premises).

exchangelib is blocking, so every request runs in a worker thread, at most ``concurrency`` at once. Each
request has a timeout; ErrorServerBusy, 429 and 5xx answers, timeouts and dropped connections are tried again
as the connectors' one retry policy says (auditor.connectors.retry), honouring the server's back-off hint
(BackOffMilliseconds, or Retry-After), bounded in count and in total time (the retry budget). exchangelib's own
retry loop is off (FailFast, set explicitly) so the bounds here are the only ones. Each resource is read once
per audit and shared between checks. The connector has no method that changes anything: it never sends
UpdateInboxRules, AddDelegate, UpdateDelegate, RemoveDelegate or SetUserOofSettings.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from auditor.checkapi import Reading
from auditor.checkapi.exchange import AutomaticReplies, Delegation, ExchangeReads, InboxRule
from auditor.connectors.ews.records import read_automatic_replies, read_delegation, read_inbox_rules
from auditor.connectors.retry import RETRYABLE_STATUSES, Failure, RetryPolicy, retry_after_seconds
from auditor.errors import (
    AuditorError,
    AuthError,
    ConfigError,
    ConnectorError,
    NetworkError,
    ProviderError,
    RateLimitedError,
)
from auditor.safetext import literal

AuthKind = Literal["oauth", "ntlm", "basic"]
# Anything the server accepts in a request's Mailbox attribute; Exchange answers ConvertId with the mailbox
# the id belongs to, whatever was asked.
PLACEHOLDER_MAILBOX = "mailbox@invalid.example"


@dataclass(frozen=True)
class ExchangeLogin:
    """How to sign in: a bearer token (OAuth), or a user name and password (NTLM on-premises, or Basic)."""

    auth: AuthKind
    secret: str = field(repr=False)
    username: str | None = None


class ExchangeClient:
    def __init__(
        self,
        endpoint: str,
        login: ExchangeLogin,
        *,
        mailbox: str | None = None,
        timeout: float = 20.0,
        retry_budget: float = 60.0,
        max_retries: int = 5,
        concurrency: int = 4,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.login = login
        self.mailbox = mailbox
        self.timeout = timeout
        # The settings' retry_budget, unless a policy is given (tests give one with a clock and sleep of their own).
        self.retry = retry or RetryPolicy(max_retries=max_retries, budget=retry_budget)
        self._gate = asyncio.Semaphore(concurrency)
        self._concurrency = concurrency
        self._lock = threading.Lock()
        self._config: Any = None
        self._accounts: dict[str, Any] = {}
        self._cache: dict[str, asyncio.Future[Any]] = {}

    # -- plumbing -----------------------------------------------------------------------------------

    def _configuration(self) -> Any:
        with self._lock:
            if self._config is None:
                from exchangelib import BASIC, NTLM, Configuration, Credentials, FailFast

                require_private_transport(self.endpoint)
                if self.login.auth == "oauth":
                    auth_type = register_bearer_auth()
                    credentials = Credentials("bearer", self.login.secret)
                else:
                    auth_type = NTLM if self.login.auth == "ntlm" else BASIC
                    credentials = Credentials(self.login.username or "", self.login.secret)
                self._config = Configuration(
                    service_endpoint=self.endpoint,
                    credentials=credentials,
                    auth_type=auth_type,
                    max_connections=self._concurrency,
                    retry_policy=FailFast(),  # exchangelib's own waits off: the retry policy here is the only one
                )
            return self._config

    def _account(self, address: str) -> Any:
        with self._lock:
            account = self._accounts.get(address)
        if account is None:
            from exchangelib import DELEGATE, Account

            account = Account(
                primary_smtp_address=address, config=self._configuration(), autodiscover=False, access_type=DELEGATE
            )
            account.protocol.TIMEOUT = self.timeout  # exchangelib reads the per-request timeout from here
            with self._lock:
                account = self._accounts.setdefault(address, account)
        return account

    def _execute(self, what: str, read: Callable[[], Any]) -> Any:
        """Run one read in this thread, tried again as the retry policy says."""

        def attempt() -> Any:
            try:
                return read()
            except Exception as exc:
                classified = classify(exc, what, self.timeout)
            raise classified

        return self.retry.run(attempt)

    async def _call(self, key: str, what: str, read: Callable[[], Any]) -> Any:
        """Read once per audit: checks asking for the same resource share one request."""
        if key not in self._cache:
            self._cache[key] = asyncio.ensure_future(self._run(what, read))
        return await asyncio.shield(self._cache[key])

    async def _run(self, what: str, read: Callable[[], Any]) -> Any:
        async with self._gate:
            return await asyncio.to_thread(self._execute, what, read)

    def close(self) -> None:
        """Close the connections, and drop exchangelib's cached protocol, which holds the password or token."""
        with self._lock:
            accounts = list(self._accounts.values())
            self._accounts.clear()
            config, self._config = self._config, None
        for account in accounts[:1]:  # accounts on one configuration share one protocol and its sessions
            account.protocol.close()
        if config is not None:
            from exchangelib.protocol import Protocol

            with contextlib.suppress(KeyError):
                del Protocol[config]

    async def aclose(self) -> None:
        await asyncio.to_thread(self.close)

    # -- reads --------------------------------------------------------------------------------------

    async def mailbox_address(self) -> str:
        """The primary SMTP address of the mailbox this sign-in opens.

        Given when known (the sign-in's address); otherwise asked of the server: the id of the caller's own
        mailbox root (GetFolder without a Mailbox) converted by ConvertId, whose answer names the mailbox."""
        if self.mailbox:
            return self.mailbox
        address = str(await self._call("mailbox", "the mailbox's address", self._discover_mailbox))
        self.mailbox = address
        return address

    def _discover_mailbox(self) -> str:
        from auditor.connectors.ews import services

        account = self._account(PLACEHOLDER_MAILBOX)
        folder_id = services.own_root_folder_id(account)
        if not folder_id:
            raise ProviderError("Exchange did not say which mailbox this sign-in opens (no folder id)")
        for answer in services.mailbox_of(account, folder_id, PLACEHOLDER_MAILBOX):
            if isinstance(answer, Exception):
                raise answer
            mailbox = getattr(answer, "mailbox", None)
            if mailbox and mailbox != PLACEHOLDER_MAILBOX:
                return str(mailbox)
        raise ProviderError("Exchange did not say which mailbox this sign-in opens (ConvertId named none)")

    async def read_all(self) -> Reading[tuple[InboxRule, ...]]:
        """Learn the mailbox, then start every read at once (they are independent) and wait for them all.

        Returns the inbox rules, whose failure means the mailbox cannot be read at all; a failure of another
        read stays with that read and reaches the check that asks for it."""
        await self.mailbox_address()
        rules, *_ = await asyncio.gather(
            self.inbox_rules(), self.delegates(), self.automatic_replies(), return_exceptions=True
        )
        if isinstance(rules, BaseException):
            raise rules
        return rules

    async def inbox_rules(self) -> Reading[tuple[InboxRule, ...]]:
        """Every inbox rule (GetInboxRules), read against the EWS RuleType."""
        address = await self.mailbox_address()

        def read() -> Reading[tuple[InboxRule, ...]]:
            from auditor.connectors.ews import services

            return read_inbox_rules(services.inbox_rules(self._account(address)))

        result: Reading[tuple[InboxRule, ...]] = await self._call("rules", "inbox rules", read)
        return result

    async def delegates(self) -> Reading[Delegation]:
        """The delegates and where meeting requests go (GetDelegate with permissions)."""
        address = await self.mailbox_address()

        def read() -> Reading[Delegation]:
            from auditor.connectors.ews import services

            return read_delegation(services.delegates(self._account(address)))

        result: Reading[Delegation] = await self._call("delegates", "delegates", read)
        return result

    async def automatic_replies(self) -> Reading[AutomaticReplies]:
        """The automatic-reply settings (GetUserOofSettings)."""
        address = await self.mailbox_address()

        def read() -> Reading[AutomaticReplies]:
            from auditor.connectors.ews import services

            return read_automatic_replies(services.automatic_replies(self._account(address)))

        result: Reading[AutomaticReplies] = await self._call("oof", "automatic replies", read)
        return result


if TYPE_CHECKING:

    def _speaks_exchange_reads(client: ExchangeClient) -> ExchangeReads:
        return client  # mypy proves the client offers every read the checks are typed against


BEARER_AUTH = "auditor bearer token"


class BearerAuth:
    """``Authorization: Bearer <token>`` on every request: Exchange's OAuth with a token obtained elsewhere.

    exchangelib's own OAuth path runs through oauthlib, which wants to fetch and refresh tokens itself and
    refuses plain http even to a practice server on this machine; a given access token needs neither."""

    def __init__(self, username: str, password: str) -> None:
        self._header = f"Bearer {password}"

    def __call__(self, request: Any) -> Any:
        request.headers["Authorization"] = self._header
        return request


def register_bearer_auth() -> str:
    """Make the bearer scheme one of exchangelib's auth types (a new name; no existing one is replaced)."""
    from exchangelib import transport

    transport.AUTH_TYPE_MAP.setdefault(BEARER_AUTH, BearerAuth)
    return BEARER_AUTH


def require_private_transport(endpoint: str) -> None:
    """A password or token is sent over https only; plain http is allowed to this machine (practice servers)."""
    from urllib.parse import urlsplit

    parts = urlsplit(endpoint)
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and parts.hostname in ("127.0.0.1", "::1", "localhost"):
        return
    raise ConfigError(
        f"the Exchange address {literal(endpoint, 200)} is not https: the password or token would cross the "
        "network readable by anyone on the way; use the server's https://…/EWS/Exchange.asmx address"
    )


class _Retry(Failure):
    """A failure the retry policy may try again, with the server's back-off hint in seconds (or None)."""

    def __init__(self, error: ConnectorError, wait: object, *, status: int | None = None) -> None:
        super().__init__(error, status=status, retry_after=wait)

    @property
    def wait(self) -> float | None:
        return retry_after_seconds(self.retry_after, time.time())


def _cause(exc: BaseException) -> BaseException:
    """exchangelib's version probe hides the real failure behind "No valid version headers": unwrap it."""
    from exchangelib.errors import TransportError

    while isinstance(exc, TransportError) and "No valid version headers" in str(exc) and exc.__context__ is not None:
        exc = exc.__context__
    return exc


def _retry_after(text: str) -> str | None:
    """The Retry-After header (seconds or an HTTP-date), from exchangelib's description of an answer it could not
    parse: ``... headers: {'Retry-After': '5', ...}``."""
    match = re.search(r"""['"]retry-after['"]: ['"]([^'"]*)['"]""", text, re.IGNORECASE)
    return match.group(1) if match else None


def classify(error: BaseException, what: str, timeout: float, attempt: int = 0) -> AuditorError | _Retry:
    """Map an exchangelib or transport failure to the error tree; a _Retry for what the retry policy judges.

    (``attempt`` is no longer read: the retry policy ends the message with the number of tries.)"""
    import requests
    from exchangelib import errors as ews

    exc = _cause(error)
    text = str(exc)
    if isinstance(exc, AuditorError):
        return exc
    if isinstance(exc, (ews.UnauthorizedError, ews.ErrorAccessDenied, ews.ErrorInvalidLicense)):
        return AuthError(f"Exchange refused the sign-in while reading {what} (the password or token was refused)")
    if isinstance(exc, ews.ErrorServerBusy) and "ErrorTimeoutExpired" in text:
        exc = ews.ErrorTimeoutExpired(text)  # exchangelib re-raises a timeout as "busy" when it has spare sessions
    elif isinstance(exc, ews.ErrorServerBusy):
        # A server's hint (BackOffMilliseconds in the fault) is honoured; "Reraised from ..." carries exchangelib's
        # own fixed guess for an HTTP 503 or a transient error instead, so our schedule applies.
        back_off = None if text.startswith("Reraised from") else getattr(exc, "back_off", None)
        return _Retry(RateLimitedError(f"Exchange said it was busy reading {what}"), back_off)
    if isinstance(exc, ews.RateLimitError) or (isinstance(exc, ews.TransportError) and "Code: 429" in text):
        return _Retry(RateLimitedError(f"Exchange kept throttling the reads of {what}"), _retry_after(text), status=429)
    if isinstance(exc, (ews.ErrorTimeoutExpired, requests.exceptions.Timeout, TimeoutError)) and (
        "ConnectionError" not in text
    ):
        return _Retry(NetworkError(f"Exchange did not answer within {timeout:g} s while reading {what}"), None)
    if isinstance(exc, (ews.ErrorTimeoutExpired, requests.exceptions.ConnectionError, ConnectionError)):
        return _Retry(NetworkError(f"the connection to Exchange failed while reading {what}"), None)
    if isinstance(exc, (ews.SOAPError, ews.MalformedResponseError, ews.ErrorInvalidServerVersion)):
        ours = text.startswith("Bad SOAP response: Exchange's answer")  # why, as records.checked_xml said it
        why = f" ({text.removeprefix('Bad SOAP response: ')})" if ours else ""
        return ProviderError(f"Exchange sent an answer that is not valid EWS XML while reading {what}{why}")
    if isinstance(exc, (ews.ErrorInternalServerError, ews.ErrorInternalServerTransientError)) or (
        isinstance(exc, ews.TransportError) and any(f"Code: {code}" in text for code in (500, 502, 503, 504))
    ):
        # A SOAP fault of the server's own (ErrorInternalServerError) comes in an HTTP 500.
        status = next((code for code in RETRYABLE_STATUSES if f"Code: {code}" in text), 500)
        return _Retry(ProviderError(f"Exchange kept failing to read {what}"), None, status=status)
    if isinstance(exc, (ews.ErrorNonExistentMailbox, ews.ErrorMailRecipientNotFound)):
        return ProviderError(f"Exchange says this mailbox does not exist while reading {what}")
    if isinstance(exc, ews.TransportError):
        return ProviderError(f"Exchange could not be read ({what}): {_short(text)}")
    if isinstance(exc, ews.EWSError):
        return ProviderError(f"Exchange answered with an error while reading {what}: {type(exc).__name__}")
    if isinstance(exc, (ValueError, TypeError, AttributeError, KeyError)):
        return ProviderError(f"Exchange sent data this tool could not read ({what}: {type(exc).__name__})")
    return ProviderError(f"reading {what} from Exchange failed: {type(exc).__name__}")


def _short(text: str, limit: int = 200) -> str:
    return literal(text, limit)
