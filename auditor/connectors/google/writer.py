"""Google's writes: the few requests that close an access path once the person has confirmed the change.

The read client (:mod:`auditor.connectors.google.client`) has no method that changes anything; this module is
the only one that does, and only with credentials asked for the confirmed changes (the person's consent for
exactly their scopes, :func:`auditor.connectors.google.signin.write_credentials`, or a Workspace service
account for the forwarding settings, :func:`auditor.connectors.google.delegation.delegation_credentials`), held
in memory by the caller and never stored.

Each request is sent once. A write is never tried again on its own: after a timeout or a dropped connection it
is not known whether Google made the change, and a second try could make it twice (a filter) or fail on a change
already made. That holds under googleapiclient too: its requests go through :class:`OnceHttp` (httpx) rather than
httplib2, which sends a request again by itself when the connection drops before the answer. Every failure is an
error that says what Google answered and whether anything may have changed — never a success. The requests,
with the reference page each follows:

- ``PUT gmail/v1/users/me/settings/autoForwarding`` — users.settings.updateAutoForwarding
- ``POST`` / ``DELETE gmail/v1/users/me/settings/forwardingAddresses[/{forwardingEmail}]`` —
  users.settings.forwardingAddresses.create / .delete
- ``POST`` / ``DELETE gmail/v1/users/me/settings/filters[/{id}]`` — users.settings.filters.create / .delete
- ``POST`` / ``DELETE drive/v3/files/{fileId}/permissions[/{permissionId}]`` — permissions.create / .delete
- ``GET drive/v3/about?fields=user(emailAddress)`` — about.get, to check whose permission the person gave
"""

from __future__ import annotations

import asyncio
import functools
import http.client
import json
from collections.abc import Callable, Mapping
from typing import Any

from auditor.errors import AuthError, ConnectorError, NetworkError, ProviderError, RateLimitedError
from auditor.safetext import literal

__all__ = ["GoogleWriter"]

# service -> (API name, version, path added to an endpoint override), as the read client builds them.
SERVICES = {"gmail": ("gmail", "v1", ""), "drive": ("drive", "v3", "drive/v3/")}
RATE_LIMIT_REASONS = ("rateLimitExceeded", "userRateLimitExceeded")
SCOPE_REASONS = ("insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT")


class GoogleWriter:
    """Sends Google's write requests with one set of credentials, one request at a time, each once."""

    def __init__(
        self,
        endpoint: str | None,
        credentials: Any,
        *,
        timeout: float = 20.0,
        who: str = "the permission you gave",
        when_refused: str = "it expired or was withdrawn, and a write permission is not renewed",
    ) -> None:
        self.endpoint = endpoint.rstrip("/") + "/" if endpoint else None
        self.credentials = credentials
        self.timeout = timeout
        # Whose credentials these are, for messages ("the permission you gave", "the Workspace service account"),
        # and what a refusal of them most likely means.
        self.who = who
        self.when_refused = when_refused

    # -- plumbing -----------------------------------------------------------------------------------

    def _service(self, name: str) -> Any:
        from google_auth_httplib2 import AuthorizedHttp
        from googleapiclient.discovery import build

        http = AuthorizedHttp(self.credentials, http=OnceHttp(self.timeout))
        api, version, suffix = SERVICES[name]
        options = {"api_endpoint": self.endpoint + suffix} if self.endpoint else {}
        return build(api, version, http=http, static_discovery=True, cache_discovery=False, client_options=options)

    def _send(self, make: Callable[[Any], Any], service: str, what: str) -> dict[str, Any]:
        """One request, sent once; Google's answer as a JSON object ({} for an empty answer)."""
        from google.auth.exceptions import RefreshError, TransportError
        from googleapiclient.errors import HttpError

        try:
            result = make(self._service(service)).execute(num_retries=0)
        except RefreshError as exc:
            # Getting a token failed: a service account's was refused, or a 401 made google-auth try to renew the
            # person's write permission, which has nothing to renew it with.
            raise AuthError(
                f"Google refused {self.who} ({self.when_refused}; {literal(exc, 200)}): {what} was not done; "
                "nothing was changed"
            ) from None
        except HttpError as exc:
            raise refusal(exc, what, self.who) from None
        except TransportError as exc:
            raise NetworkError(
                f"reaching Google's sign-in failed ({type(exc).__name__}), so {what} was not sent; nothing was changed"
            ) from None
        except TimeoutError:
            raise NetworkError(unknown(f"Google did not answer within {self.timeout:g} s", what)) from None
        except (json.JSONDecodeError, ValueError) as exc:
            raise ProviderError(unknown(f"Google's answer was not JSON ({literal(exc, 100)})", what)) from None
        except (ConnectionError, http.client.HTTPException, OSError) as exc:
            raise NetworkError(unknown(f"the connection to Google failed ({type(exc).__name__})", what)) from None
        if result is None or result == "":
            return {}
        if not isinstance(result, dict):
            raise ProviderError(unknown("Google's answer was not the record it documents", what))
        return result

    async def _run(self, make: Callable[[Any], Any], service: str, what: str) -> dict[str, Any]:
        return await asyncio.to_thread(functools.partial(self._send, make, service, what))

    @staticmethod
    def _settings(s: Any) -> Any:
        return s.users().settings()

    # -- who ------------------------------------------------------------------------------------------

    async def account_email(self) -> str:
        """The address of the account these credentials act for (Drive's about.get)."""
        answer = await self._run(
            lambda s: s.about().get(fields="user(emailAddress)"), "drive", "asking Google which account this is"
        )
        user = answer.get("user")
        address = user.get("emailAddress") if isinstance(user, dict) else None
        return address if isinstance(address, str) else ""

    # -- Gmail ----------------------------------------------------------------------------------------

    async def update_auto_forwarding(self, body: Mapping[str, Any], what: str) -> dict[str, Any]:
        return await self._run(
            lambda s: self._settings(s).updateAutoForwarding(userId="me", body=dict(body)), "gmail", what
        )

    async def create_forwarding_address(self, email: str, what: str) -> dict[str, Any]:
        return await self._run(
            lambda s: self._settings(s).forwardingAddresses().create(userId="me", body={"forwardingEmail": email}),
            "gmail",
            what,
        )

    async def delete_forwarding_address(self, email: str, what: str) -> dict[str, Any]:
        return await self._run(
            lambda s: self._settings(s).forwardingAddresses().delete(userId="me", forwardingEmail=email), "gmail", what
        )

    async def create_filter(self, body: Mapping[str, Any], what: str) -> dict[str, Any]:
        return await self._run(
            lambda s: self._settings(s).filters().create(userId="me", body=dict(body)), "gmail", what
        )

    async def delete_filter(self, filter_id: str, what: str) -> dict[str, Any]:
        return await self._run(lambda s: self._settings(s).filters().delete(userId="me", id=filter_id), "gmail", what)

    # -- Drive ----------------------------------------------------------------------------------------

    async def create_permission(
        self, file_id: str, body: Mapping[str, Any], what: str, *, notify: bool | None = None
    ) -> dict[str, Any]:
        """``notify`` is sendNotificationEmail, which Drive allows only when sharing with a user or group."""
        options: dict[str, Any] = {} if notify is None else {"sendNotificationEmail": notify}
        return await self._run(
            lambda s: s.permissions().create(fileId=file_id, body=dict(body), **options), "drive", what
        )

    async def delete_permission(self, file_id: str, permission_id: str, what: str) -> dict[str, Any]:
        return await self._run(
            lambda s: s.permissions().delete(fileId=file_id, permissionId=permission_id), "drive", what
        )


class OnceHttp:
    """The transport googleapiclient and google-auth-httplib2 call (httplib2's ``request`` shape), on httpx, which
    sends each request exactly once: no retry, no redirect. A timeout is a :class:`TimeoutError`, any other failure
    on the way a :class:`ConnectionError`."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        redirections: int = 0,
        connection_type: Any = None,
        **_: Any,
    ) -> tuple[Any, bytes]:
        import httplib2
        import httpx

        try:
            with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
                answer = client.request(method, uri, content=body, headers=dict(headers or {}))
        except httpx.TimeoutException:
            raise TimeoutError(f"no answer within {self.timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise ConnectionError(type(exc).__name__) from None
        response = httplib2.Response(
            {"status": str(answer.status_code), **{k.lower(): v for k, v in answer.headers.items()}}
        )
        response.reason = answer.reason_phrase
        return response, answer.content


def unknown(why: str, what: str) -> str:
    return (
        f"{why}: it is not known whether {what} was done. Nothing says it was; the check runs again to see what is "
        "there now"
    )


def _error_body(exc: Any) -> dict[str, Any]:
    try:
        body = json.loads(exc.content.decode("utf-8"))
        return dict(body.get("error") or {})
    except (ValueError, AttributeError, UnicodeDecodeError, TypeError):
        return {}


def _reasons(error: Mapping[str, Any]) -> list[str]:
    found = [str(e.get("reason", "")) for e in error.get("errors", []) if isinstance(e, dict)]
    details = error.get("details")
    if isinstance(details, list):
        found += [str(d.get("reason", "")) for d in details if isinstance(d, dict)]
    status = error.get("status")
    return [*found, str(status)] if status else found


def refusal(exc: Any, what: str, who: str) -> ConnectorError:
    """Google's error answer to a write, as the error the person is shown: what Google said (literally), and
    whether anything changed."""
    status = exc.resp.status
    error = _error_body(exc)
    reasons = _reasons(error)
    said = literal(error.get("message") or exc.resp.reason or "no message", 300)
    if status == 401:
        return AuthError(f"Google refused {who} (expired or withdrawn): {what} was not done; nothing was changed")
    if status == 429 or (status == 403 and any(r in RATE_LIMIT_REASONS for r in reasons)):
        return RateLimitedError(
            f"Google asked the tool to slow down ({status}: {said}): {what} was not done; nothing was changed. "
            "Try again in a minute"
        )
    if status == 403 and any(r in ("failedPrecondition", "FAILED_PRECONDITION") for r in reasons):
        return AuthError(
            f"Google allows {what} only to a Workspace service account with domain-wide delegation ({said}); "
            "nothing was changed"
        )
    if status == 403 and any(r in SCOPE_REASONS for r in reasons):
        return AuthError(f"{who} does not allow {what} (Google said: {said}); nothing was changed")
    if status == 404:
        return ProviderError(
            f"Google found nothing to change ({said}): {what} was not done. It may have been removed already; the "
            "check runs again to see"
        )
    if status >= 500:
        return ProviderError(unknown(f"Google answered {status} ({said})", what))
    return ProviderError(f"Google refused {what} ({status}: {said}); nothing was changed")
