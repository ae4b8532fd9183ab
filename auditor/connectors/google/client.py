"""Read-only Google connector on google-api-python-client (static discovery documents).

Blocking client calls run in worker threads (one httplib2 connection and service object per thread, since
neither is thread-safe) with bounded concurrency. Retries on 429, 5xx and 403 rate limits honour Retry-After, bounded in
count and in total time. Each resource is fetched once per audit and shared between checks. The connector
has no method that changes anything.
"""

from __future__ import annotations

import asyncio
import functools
import http.client
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from auditor.errors import AuthError, ConnectorError, NetworkError, ProviderError, RateLimitedError
from auditor.safetext import literal

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
    "nextPageToken, files(id,name,mimeType,webViewLink,owners(emailAddress,me),"
    "permissions(type,role,allowFileDiscovery))"
)
# Shared with named people ('limited'), or with everyone in a Workspace domain (by link or findable there).
PEOPLE_QUERY = (
    "(visibility = 'limited' or visibility = 'domainWithLink' or visibility = 'domainCanFind') and 'me' in owners and "
    "(mimeType contains 'image/' or mimeType contains 'video/') and trashed = false"
)
PEOPLE_FIELDS = "nextPageToken, files(id,name,mimeType,webViewLink,permissions(type,role,emailAddress,domain))"
MAX_PAGES = 200
# Drive and the Admin SDK say "slow down" with a 403 and one of these reasons rather than a 429.
RATE_LIMIT_REASONS = ("rateLimitExceeded", "userRateLimitExceeded")


class DelegationUnavailable(ConnectorError):
    """Gmail answers delegates.list only to a Workspace service account with domain-wide delegation."""


class AdminAccessDenied(AuthError):
    """The Admin SDK refused: the account is not a Workspace administrator, or the admin scopes are missing."""


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
    ) -> None:
        self.endpoint = endpoint.rstrip("/") + "/" if endpoint else None
        self.credentials = credentials
        # A Workspace service account acting for this account (domain-wide delegation): lists delegates.
        self.delegation_credentials = delegation_credentials
        # True when the person administers Google Workspace (or practice mode): the Admin SDK is read.
        self.workspace_admin = workspace_admin
        self.timeout = timeout
        self.retry_budget = retry_budget
        self.max_retries = max_retries
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
        """Run one request in this thread, retrying what is worth retrying, within the budget."""
        from google.auth.exceptions import RefreshError, TransportError
        from googleapiclient.errors import HttpError

        began = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            wait: float | None = None
            try:
                result = make(self._service(service)).execute(num_retries=0)
                if not isinstance(result, dict):
                    # googleapiclient hands back the raw text when the body is not JSON
                    raise ProviderError("Google sent data that is not valid JSON")
                return result
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
                if not throttled and status not in (500, 502, 503, 504):
                    raise ProviderError(f"Google answered {status}: {_message(exc)}") from None
                wait = _retry_after(exc, attempt)
                last: ConnectorError = (RateLimitedError if throttled else ProviderError)(
                    f"Google answered {status} and kept answering it after {attempt} tries"
                )
            except TransportError as exc:
                # Renewing the access token failed on the way to Google's token endpoint (network, not refusal).
                last = NetworkError(f"renewing the sign-in with Google failed ({type(exc).__name__})")
                wait = 0.5 * attempt
            except (json.JSONDecodeError, ValueError) as exc:
                raise ProviderError(f"Google sent data that is not valid JSON ({exc})") from None
            except TimeoutError:
                last = NetworkError(f"Google did not answer within {self.timeout:g} s")
                wait = 0.5 * attempt
            except (ConnectionError, http.client.HTTPException, OSError) as exc:
                last = NetworkError(f"the connection to Google failed ({type(exc).__name__})")
                wait = 0.5 * attempt
                self._local.services = {}  # a broken connection is not reused
            if attempt > self.max_retries or time.monotonic() - began + wait > self.retry_budget:
                raise last
            time.sleep(wait)

    async def _call(self, key: str, make: Callable[[Any], Any], service: str = "gmail") -> Any:
        """Fetch once per audit: checks asking for the same resource share one request."""
        if key not in self._cache:
            self._cache[key] = asyncio.ensure_future(self._run(make, service))
        return await asyncio.shield(self._cache[key])

    async def _run(self, make: Callable[[Any], Any], service: str) -> Any:
        async with self._gate:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._threads, functools.partial(self._execute, make, service))

    def close(self) -> None:
        """Let the request threads go (a request still running finishes; nothing new starts)."""
        self._threads.shutdown(wait=False, cancel_futures=True)

    async def _pages(self, key: str, query: str, fields: str) -> list[dict[str, Any]]:
        async def collect() -> list[dict[str, Any]]:
            files: list[dict[str, Any]] = []
            token: str | None = None
            seen: set[str] = set()
            for _ in range(MAX_PAGES):

                def page_request(s: Any, page_token: str | None = token) -> Any:
                    return s.files().list(q=query, fields=fields, pageSize=1000, pageToken=page_token, spaces="drive")

                page = await self._run(page_request, "drive")
                files += _records(page, "files")
                token = page.get("nextPageToken")
                if not token:
                    return files
                if token in seen:
                    raise ProviderError("Google Drive repeated a page token: the listing would never end")
                seen.add(token)
            raise ProviderError(f"Google Drive kept sending pages after {MAX_PAGES}; stopped to be safe")

        if key not in self._cache:
            self._cache[key] = asyncio.ensure_future(collect())
        return list(await asyncio.shield(self._cache[key]))

    async def _listing(self, key: str, service: str, items: str, make: Callable[..., Any]) -> list[Any]:
        """Every page of a listing that pages with pageToken/nextPageToken, fetched once per audit."""

        async def collect() -> list[Any]:
            out: list[Any] = []
            token: str | None = None
            seen: set[str] = set()
            for _ in range(MAX_PAGES):
                page = await self._run(functools.partial(make, page_token=token), service)
                out += _records(page, items)
                token = page.get("nextPageToken")
                if not token:
                    return out
                if token in seen:
                    raise ProviderError(f"Google repeated a page token listing {items}: it would never end")
                seen.add(token)
            raise ProviderError(f"Google kept sending pages of {items} after {MAX_PAGES}; stopped to be safe")

        if key not in self._cache:
            self._cache[key] = asyncio.ensure_future(collect())
        return list(await asyncio.shield(self._cache[key]))

    # -- reads --------------------------------------------------------------------------------------

    async def account_email(self) -> str:
        """The signed-in account's address, from Drive's about (readable with drive.metadata.readonly; Gmail's
        getProfile is not readable with gmail.settings.basic)."""
        body = await self._call("about", lambda s: s.about().get(fields="user(emailAddress)"), "drive")
        return str((body.get("user") or {}).get("emailAddress") or "")

    def _settings(self, s: Any) -> Any:
        return s.users().settings()

    async def profile(self) -> dict[str, Any]:
        return dict(await self._call("profile", lambda s: s.users().getProfile(userId="me")))

    async def auto_forwarding(self) -> dict[str, Any]:
        return dict(await self._call("autoForwarding", lambda s: self._settings(s).getAutoForwarding(userId="me")))

    async def forwarding_addresses(self) -> list[dict[str, Any]]:
        body = await self._call("forwarding", lambda s: self._settings(s).forwardingAddresses().list(userId="me"))
        return _records(body, "forwardingAddresses")

    async def filters(self) -> list[dict[str, Any]]:
        body = await self._call("filters", lambda s: self._settings(s).filters().list(userId="me"))
        return _records(body, "filter")  # Gmail's key is singular, and absent when there are none

    async def send_as(self) -> list[dict[str, Any]]:
        body = await self._call("sendAs", lambda s: self._settings(s).sendAs().list(userId="me"))
        return _records(body, "sendAs")

    async def imap(self) -> dict[str, Any]:
        return dict(await self._call("imap", lambda s: self._settings(s).getImap(userId="me")))

    async def pop(self) -> dict[str, Any]:
        return dict(await self._call("pop", lambda s: self._settings(s).getPop(userId="me")))

    async def delegates(self) -> list[dict[str, Any]]:
        service = DELEGATION_SERVICE if self.delegation_credentials is not None else "gmail"
        body = await self._call("delegates", lambda s: self._settings(s).delegates().list(userId="me"), service)
        return _records(body, "delegates")

    async def media_shared_by_link(self) -> list[dict[str, Any]]:
        return await self._pages("media-link", MEDIA_QUERY, MEDIA_FIELDS)

    async def media_shared_with_people(self) -> list[dict[str, Any]]:
        return await self._pages("media-people", PEOPLE_QUERY, PEOPLE_FIELDS)

    # -- Workspace Admin SDK (read only when workspace_admin) ---------------------------------------

    async def admin_user(self, email: str) -> dict[str, Any]:
        return dict(await self._call(f"admin-user:{email}", lambda s: s.users().get(userKey=email), "directory"))

    async def app_tokens(self, email: str) -> list[dict[str, Any]]:
        body = await self._call(f"tokens:{email}", lambda s: s.tokens().list(userKey=email), "directory")
        return _records(body, "items")

    async def app_passwords(self, email: str) -> list[dict[str, Any]]:
        body = await self._call(f"asps:{email}", lambda s: s.asps().list(userKey=email), "directory")
        return _records(body, "items")

    async def mobile_devices(self, email: str) -> list[dict[str, Any]]:
        devices = await self._listing(
            f"mobile:{email}",
            "directory",
            "mobiledevices",
            lambda s, page_token: s.mobiledevices().list(
                customerId="my_customer", query=f"email:{email}", maxResults=100, pageToken=page_token
            ),
        )
        # The search is the server's filter; this keeps only the account's own devices whatever it returns.
        return [d for d in devices if email.lower() in (str(e).lower() for e in d.get("email") or [])]

    async def login_events(self, email: str) -> list[dict[str, Any]]:
        import datetime as dt

        since = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=LOGIN_DAYS)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return await self._listing(
            f"logins:{email}",
            "reports",
            "items",
            lambda s, page_token: s.activities().list(
                userKey=email, applicationName="login", startTime=since, maxResults=1000, pageToken=page_token
            ),
        )


def _records(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """A listing's records. Google leaves the key out when there are none; anything but a list of objects is an
    error, never a shorter list judged clear."""
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ProviderError(f"Google sent {key!r} that is not a list of records")
    return list(value)


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


def _retry_after(exc: Any, attempt: int) -> float:
    value = exc.resp.get("retry-after")
    try:
        return max(0.0, min(float(value), 60.0)) if value is not None else min(0.5 * 2 ** (attempt - 1), 8.0)
    except ValueError:
        return min(0.5 * 2 ** (attempt - 1), 8.0)
