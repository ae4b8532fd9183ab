"""Read-only Google connector on google-api-python-client (static discovery documents).

Blocking client calls run in worker threads (one httplib2 connection and service object per thread, since
neither is thread-safe) with bounded concurrency. 429, 5xx, 403 rate limits and network failures are tried again
as the connectors' one retry policy says (auditor.connectors.retry: Retry-After honoured, bounded in count and in
total time). Each resource is fetched once per audit and shared between checks. The connector
has no method that changes anything.
"""

from __future__ import annotations

import asyncio
import functools
import http.client
import json
import threading
from collections.abc import Awaitable, Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from auditor.checkapi import Reading
from auditor.checkapi.google import (
    DRIVE_FOLDER,
    AdminAccessDenied,
    AppPassword,
    AppToken,
    AutoForwarding,
    Delegate,
    DelegationUnavailable,
    DirectoryUser,
    DriveFile,
    ForwardingAddress,
    GmailFilter,
    GoogleRecord,
    ImapSettings,
    LoginActivity,
    MobileDevice,
    PopSettings,
    SendAs,
    SharedFolder,
)
from auditor.connectors.google import answers
from auditor.connectors.retry import RETRYABLE_STATUSES, Failure, RetryPolicy
from auditor.errors import AuthError, ConnectorError, NetworkError, ProviderError, RateLimitedError
from auditor.safetext import literal

T = TypeVar("T")
R = TypeVar("R", bound=GoogleRecord)

__all__ = ["AdminAccessDenied", "DelegationUnavailable", "GoogleClient"]

SCOPES = (
    "https://www.googleapis.com/auth/gmail.settings.basic",
    "https://www.googleapis.com/auth/drive.metadata.readonly",
)
# Workspace Admin SDK, read-only: users (2-Step Verification), their app tokens and app passwords (Google
# has no read-only scope for those two; this one is the narrowest), mobile devices, and the login audit.
ADMIN_SCOPES = (
    "https://www.googleapis.com/auth/admin.directory.user.readonly",
    "https://www.googleapis.com/auth/admin.directory.user.security",
    "https://www.googleapis.com/auth/admin.directory.device.mobile.readonly",
    "https://www.googleapis.com/auth/admin.reports.audit.readonly",
)
DELEGATION_SERVICE = "gmail-delegation"
# service -> (API name, version, path added to an endpoint override). Gmail and Admin keep their full paths
# under api_endpoint; Drive's discovery document has them relative to "drive/v3/".
SERVICES = {
    "gmail": ("gmail", "v1", ""),
    "drive": ("drive", "v3", "drive/v3/"),
    "directory": ("admin", "directory_v1", ""),
    "reports": ("admin", "reports_v1", ""),
    DELEGATION_SERVICE: ("gmail", "v1", ""),  # Gmail with a service account's credentials (delegates only)
}
ADMIN_SERVICES = ("directory", "reports")
LOGIN_DAYS = 30
MEDIA_QUERY = (
    "(visibility = 'anyoneWithLink' or visibility = 'anyoneCanFind') and "
    "(mimeType contains 'image/' or mimeType contains 'video/') and trashed = false"
)
MEDIA_FIELDS = (
    "nextPageToken, incompleteSearch, files(id,name,mimeType,webViewLink,parents,owners(emailAddress,me),"
    "permissions(id,type,role,allowFileDiscovery,permissionDetails))"
)
# Folders shared by link: the classic "anyone with the link" album. Their photos and videos are counted with one
# paged children listing per folder (only the ids; sub-folders are not opened).
FOLDER_QUERY = (
    "(visibility = 'anyoneWithLink' or visibility = 'anyoneCanFind') and "
    f"mimeType = '{DRIVE_FOLDER}' and trashed = false"
)
FOLDER_FIELDS = (
    "nextPageToken, incompleteSearch, files(id,name,mimeType,webViewLink,parents,"
    "permissions(id,type,role,allowFileDiscovery,permissionDetails))"
)
CONTENTS_FIELDS = "nextPageToken, incompleteSearch, files(id)"
# Shared with named people ('limited'), or with everyone in a Workspace domain (by link or findable there).
PEOPLE_QUERY = (
    "(visibility = 'limited' or visibility = 'domainWithLink' or visibility = 'domainCanFind') and 'me' in owners and "
    "(mimeType contains 'image/' or mimeType contains 'video/') and trashed = false"
)
PEOPLE_FIELDS = (
    "nextPageToken, incompleteSearch, files(id,name,mimeType,webViewLink,permissions(id,type,role,emailAddress,domain))"
)
MAX_PAGES = answers.MAX_PAGES
# Drive and the Admin SDK say "slow down" with a 403 and one of these reasons rather than a 429.
RATE_LIMIT_REASONS = ("rateLimitExceeded", "userRateLimitExceeded")


class GoogleClient:
    def __init__(
        self,
        endpoint: str | None,
        credentials: Any,
        *,
        timeout: float = 20.0,
        retry_budget: float = 60.0,
        max_retries: int = 5,
        concurrency: int = 8,
        workspace_admin: bool = False,
        delegation_credentials: Any = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/") + "/" if endpoint else None
        self.credentials = credentials
        # A Workspace service account acting for this account (domain-wide delegation): lists delegates.
        self.delegation_credentials = delegation_credentials
        # True when the person administers Google Workspace (or practice mode): the Admin SDK is read.
        self.workspace_admin = workspace_admin
        self.timeout = timeout
        # The settings' retry_budget, unless a policy is given (tests give one with a clock and sleep of their own).
        self.retry = retry or RetryPolicy(max_retries=max_retries, budget=retry_budget)
        self._gate = asyncio.Semaphore(concurrency)
        # googleapiclient blocks; its calls get threads of their own, as many as may run at once. asyncio's
        # shared pool (a few threads on a small machine) would queue Drive's chained pages behind Gmail reads.
        self._threads = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="auditor-google")
        self._local = threading.local()
        self._cache: dict[str, asyncio.Future[Any]] = {}

    # -- plumbing -----------------------------------------------------------------------------------

    def _service(self, name: str) -> Any:
        services = getattr(self._local, "services", None)
        if services is None:
            services = self._local.services = {}
        if name not in services:
            import httplib2
            from google_auth_httplib2 import AuthorizedHttp
            from googleapiclient.discovery import build

            credentials = self.delegation_credentials if name == DELEGATION_SERVICE else self.credentials
            http = AuthorizedHttp(credentials, http=httplib2.Http(timeout=self.timeout))
            api, version, suffix = SERVICES[name]
            options = {}
            if self.endpoint:
                options["api_endpoint"] = self.endpoint + suffix
            services[name] = build(
                api, version, http=http, static_discovery=True, cache_discovery=False, client_options=options
            )
        return services[name]

    def _execute(self, make: Callable[[Any], Any], service: str) -> Any:
        """Run one request in this thread, tried again as the retry policy says."""
        return self.retry.run(functools.partial(self._try, make, service))

    def _try(self, make: Callable[[Any], Any], service: str) -> Any:
        """One try of a request; a failure is classified into the error tree (a :class:`Failure` when the retry
        policy is to judge it)."""
        from google.auth.exceptions import RefreshError, TransportError
        from googleapiclient.errors import HttpError

        try:
            result = make(self._service(service)).execute(num_retries=0)
        except RefreshError as exc:
            if service == DELEGATION_SERVICE:
                raise AuthError(
                    "Google refused the Workspace service account's token for reading delegates "
                    f"({literal(exc, 300)}): check its domain-wide delegation for gmail.settings.basic"
                ) from None
            # A 401 makes the credentials try to refresh; without a refresh token that fails.
            raise AuthError("Google refused the sign-in (the token is missing, expired or revoked)") from None
        except HttpError as exc:
            status = exc.resp.status
            throttled = status == 429 or (status == 403 and _reason(exc) in RATE_LIMIT_REASONS)
            if status == 401:
                raise AuthError("Google refused the sign-in (the token is missing, expired or revoked)") from None
            if status == 403 and _reason(exc) in ("failedPrecondition", "FAILED_PRECONDITION"):
                if service == DELEGATION_SERVICE:  # delegation was set up, and Google still refused
                    raise AuthError(f"Google refused the Workspace service account: {_message(exc)}") from None
                raise DelegationUnavailable(_message(exc)) from None
            if status == 403 and service in ADMIN_SERVICES and not throttled:
                raise AdminAccessDenied(
                    "Google refused to show Workspace administration data "
                    f"({_message(exc)}): this account is not a Workspace administrator, or it was signed in "
                    "without the administrator scopes"
                ) from None
            if throttled:
                error: ConnectorError = RateLimitedError(f"Google answered {status} and kept answering it")
            elif status in RETRYABLE_STATUSES:
                error = ProviderError(f"Google answered {status} and kept answering it")
            else:
                error = ProviderError(f"Google answered {status}: {_message(exc)}")
            raise Failure(error, status=status, retry_after=exc.resp.get("retry-after")) from None
        except TransportError as exc:
            # Renewing the access token failed on the way to Google's token endpoint (network, not refusal).
            raise Failure(NetworkError(f"renewing the sign-in with Google failed ({type(exc).__name__})")) from None
        except (json.JSONDecodeError, ValueError) as exc:
            raise ProviderError(f"Google sent data that is not valid JSON ({exc})") from None
        except TimeoutError:
            raise Failure(NetworkError(f"Google did not answer within {self.timeout:g} s")) from None
        except (ConnectionError, http.client.HTTPException, OSError) as exc:
            self._local.services = {}  # a broken connection is not reused
            raise Failure(NetworkError(f"the connection to Google failed ({type(exc).__name__})")) from None
        if isinstance(result, (str, bytes)):
            # googleapiclient hands back the raw text when the body is not JSON
            raise ProviderError("Google sent data that is not valid JSON")
        return result  # any other JSON value: its shape is judged where it is read (answers)

    async def _run(self, make: Callable[[Any], Any], service: str) -> Any:
        async with self._gate:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._threads, functools.partial(self._execute, make, service))

    def close(self) -> None:
        """Let the request threads go (a request still running finishes; nothing new starts)."""
        self._threads.shutdown(wait=False, cancel_futures=True)

    def _cached(self, key: str, make: Callable[[], Awaitable[T]]) -> Awaitable[T]:
        """One read per audit: checks asking for the same resource share it (and its failure)."""
        if key not in self._cache:
            self._cache[key] = asyncio.ensure_future(make())
        return asyncio.shield(self._cache[key])

    async def _read(self, key: str, make: Callable[[Any], Any], parse: Callable[[Any], T], service: str = "gmail") -> T:
        """One answer, validated into its records."""

        async def fetch() -> T:
            return parse(await self._run(make, service))

        return await self._cached(key, fetch)

    async def _pages(
        self,
        key: str,
        what: str,
        make: Callable[..., Any],
        parse: Callable[[Any, int], answers.Page[R]],
        service: str,
        identity: Callable[[R], Hashable] | None = None,
    ) -> Reading[list[R]]:
        """Every page of a listing that pages with pageToken/nextPageToken, validated, fetched once per audit."""

        async def fetch(token: str | None) -> Any:
            return await self._run(functools.partial(make, page_token=token), service)

        async def collect() -> Reading[list[R]]:
            return await answers.collect_pages(what, fetch, parse, key=identity, max_pages=MAX_PAGES)

        return await self._cached(key, collect)

    # -- reads --------------------------------------------------------------------------------------

    async def account_email(self) -> str:
        """The signed-in account's address, from Drive's about (readable with drive.metadata.readonly; Gmail's
        getProfile is not readable with gmail.settings.basic)."""
        return await self._read(
            "about", lambda s: s.about().get(fields="user(emailAddress)"), answers.account_email, "drive"
        )

    def _settings(self, s: Any) -> Any:
        return s.users().settings()

    async def auto_forwarding(self) -> Reading[AutoForwarding]:
        return await self._read(
            "autoForwarding", lambda s: self._settings(s).getAutoForwarding(userId="me"), answers.auto_forwarding
        )

    async def forwarding_addresses(self) -> Reading[list[ForwardingAddress]]:
        return await self._read(
            "forwarding",
            lambda s: self._settings(s).forwardingAddresses().list(userId="me"),
            answers.forwarding_addresses,
        )

    async def filters(self) -> Reading[list[GmailFilter]]:
        return await self._read("filters", lambda s: self._settings(s).filters().list(userId="me"), answers.filters)

    async def send_as(self) -> Reading[list[SendAs]]:
        return await self._read("sendAs", lambda s: self._settings(s).sendAs().list(userId="me"), answers.send_as)

    async def imap(self) -> Reading[ImapSettings]:
        return await self._read("imap", lambda s: self._settings(s).getImap(userId="me"), answers.imap)

    async def pop(self) -> Reading[PopSettings]:
        return await self._read("pop", lambda s: self._settings(s).getPop(userId="me"), answers.pop)

    async def delegates(self) -> Reading[list[Delegate]]:
        service = DELEGATION_SERVICE if self.delegation_credentials is not None else "gmail"
        return await self._read(
            "delegates", lambda s: self._settings(s).delegates().list(userId="me"), answers.delegates, service
        )

    def _media(self, key: str, what: str, query: str, fields: str) -> Awaitable[Reading[list[DriveFile]]]:
        def page(s: Any, page_token: str | None) -> Any:
            return s.files().list(q=query, fields=fields, pageSize=1000, pageToken=page_token, spaces="drive")

        return self._pages(key, what, page, answers.drive_page(what), "drive", lambda f: f.id)

    async def media_shared_by_link(self) -> Reading[list[DriveFile]]:
        return await self._media("media-link", answers.MEDIA_BY_LINK, MEDIA_QUERY, MEDIA_FIELDS)

    async def media_shared_with_people(self) -> Reading[list[DriveFile]]:
        return await self._media("media-people", answers.MEDIA_WITH_PEOPLE, PEOPLE_QUERY, PEOPLE_FIELDS)

    async def folders_shared_by_link(self) -> Reading[list[SharedFolder]]:
        def folders() -> Awaitable[Reading[list[DriveFile]]]:
            return self._media("folders-link", answers.MEDIA_FOLDERS, FOLDER_QUERY, FOLDER_FIELDS)

        def contents(folder: DriveFile) -> Awaitable[Reading[list[DriveFile]]]:
            return self._media(
                f"folder-media:{folder.id}", answers.FOLDER_CONTENTS, folder_media_query(folder.id), CONTENTS_FIELDS
            )

        return await self._cached(
            "folders-with-media", lambda: answers.shared_folders(folders, contents, max_folders=answers.MAX_FOLDERS)
        )

    # -- Workspace Admin SDK (read only when workspace_admin) ---------------------------------------

    async def admin_user(self, email: str) -> Reading[DirectoryUser]:
        return await self._read(
            f"admin-user:{email}", lambda s: s.users().get(userKey=email), answers.directory_user, "directory"
        )

    async def app_tokens(self, email: str) -> Reading[list[AppToken]]:
        return await self._read(
            f"tokens:{email}", lambda s: s.tokens().list(userKey=email), answers.app_tokens, "directory"
        )

    async def app_passwords(self, email: str) -> Reading[list[AppPassword]]:
        return await self._read(
            f"asps:{email}", lambda s: s.asps().list(userKey=email), answers.app_passwords, "directory"
        )

    async def mobile_devices(self, email: str) -> Reading[list[MobileDevice]]:
        def page(s: Any, page_token: str | None) -> Any:
            return s.mobiledevices().list(
                customerId="my_customer", query=f"email:{email}", maxResults=100, pageToken=page_token
            )

        devices = await self._pages(
            f"mobile:{email}", answers.MOBILE_DEVICES, page, answers.mobile_page(), "directory", lambda d: d.resourceId
        )
        return answers.own_devices(devices, email)

    async def login_events(self, email: str) -> Reading[list[LoginActivity]]:
        import datetime as dt

        since = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=LOGIN_DAYS)).strftime("%Y-%m-%dT%H:%M:%S.000Z")

        def page(s: Any, page_token: str | None) -> Any:
            return s.activities().list(
                userKey=email, applicationName="login", startTime=since, maxResults=1000, pageToken=page_token
            )

        return await self._pages(
            f"logins:{email}", answers.LOGINS, page, answers.logins_page(), "reports", answers.activity_key
        )


def folder_media_query(folder_id: str) -> str:
    """Photos and videos directly in one folder. Drive's query strings escape a quote and a backslash with a
    backslash ("Search for files and folders": "Escape single quotes in queries with \\'")."""
    quoted = folder_id.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{quoted}' in parents and (mimeType contains 'image/' or mimeType contains 'video/') and trashed = false"


def _error_body(exc: Any) -> dict[str, Any]:
    try:
        body = json.loads(exc.content.decode("utf-8"))
        return dict(body.get("error") or {})
    except (ValueError, AttributeError, UnicodeDecodeError):
        return {}


def _reason(exc: Any) -> str:
    error = _error_body(exc)
    reasons = [e.get("reason", "") for e in error.get("errors", []) if isinstance(e, dict)]
    if error.get("status") == "FAILED_PRECONDITION":
        return "FAILED_PRECONDITION"
    return str(reasons[0]) if reasons else ""


def _message(exc: Any) -> str:
    """What Google said, shown literally: it reaches the terminal in error messages."""
    return literal(_error_body(exc).get("message") or exc.resp.reason or "no message", 300)
