"""Read-only Microsoft Graph connector on httpx.AsyncClient.

Only two kinds of request ever leave it: GET, and POST ``$batch`` whose inner requests are all GETs.
Throttling (429) and unavailability (503, and other 5xx) are retried honouring Retry-After, bounded in count
and in total time; inner batch answers are retried the same way. Lists follow ``@odata.nextLink`` with a
guard against links that repeat, leave the server or never end. Each resource is fetched once per audit
and shared between checks. Failures map onto the error tree: 401 AuthError, 403 :class:`Forbidden`,
429 RateLimitedError, 5xx and malformed answers ProviderError, timeouts and resets NetworkError.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from auditor.errors import AuthError, ConnectorError, NetworkError, ProviderError, RateLimitedError
from auditor.safetext import literal

GRAPH_URL = "https://graph.microsoft.com/v1.0"
MAX_BATCH = 20  # Graph's limit on requests in one $batch
MAX_PAGES = 2000
RETRYABLE = (429, 500, 502, 503, 504)
# The facets needed to tell photos and videos and shared items apart, and to rebuild paths (delta never
# sends parentReference.path).
DELTA_SELECT = "id,name,file,folder,image,photo,video,shared,parentReference,webUrl,root,deleted"
PERMISSION_SELECT = "id,roles,link,grantedToV2,grantedToIdentitiesV2,grantedTo,grantedToIdentities,inheritedFrom"
RULE_SELECT = "id,displayName,sequence,isEnabled,conditions,exceptions,actions"
SP_SELECT = "id,appDisplayName,displayName,publisherName,verifiedPublisher"


class Forbidden(ProviderError):
    """Graph answered 403: the account type has no such resource, or the sign-in lacks the permission."""


class GraphClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 20.0,
        retry_budget: float = 60.0,
        max_retries: int = 5,
        concurrency: int = 20,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._origin = _origin(self.base_url)
        self.timeout = timeout
        self.retry_budget = retry_budget
        self.max_retries = max_retries
        self._gate = asyncio.Semaphore(concurrency)
        self._cache: dict[str, asyncio.Future[Any]] = {}
        loopback = urlsplit(self.base_url).hostname in ("127.0.0.1", "localhost", "::1")
        self._http = httpx.AsyncClient(
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
            # A practice server on loopback must not be reached through a proxy named in the environment.
            trust_env=not loopback,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- plumbing -----------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"

    async def _send(self, method: str, url: str, json_body: Any = None) -> Any:
        """One request with bounded retries; returns the decoded JSON object."""
        if method != "GET" and not (method == "POST" and url == self._url("$batch")):
            raise ValueError(f"the Graph connector only reads; refused {method} {url}")
        began = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                async with self._gate:
                    if method == "GET":
                        response = await self._http.get(url)
                    else:
                        response = await self._http.post(url, json=json_body)
            except httpx.TimeoutException:
                last: ConnectorError = NetworkError(f"Microsoft Graph did not answer within {self.timeout:g} s")
                wait = 0.5 * attempt
            except httpx.TransportError as exc:
                last = NetworkError(f"the connection to Microsoft Graph failed ({type(exc).__name__})")
                wait = 0.5 * attempt
            else:
                status = response.status_code
                if status < 300:
                    return _decode(response.content)
                if status not in RETRYABLE:
                    raise status_error(status, _message(response.content))
                wait = retry_after(response.headers.get("retry-after"), attempt)
                last = (RateLimitedError if status == 429 else ProviderError)(
                    f"Microsoft Graph answered {status} and kept answering it after {attempt} tries"
                )
            if attempt > self.max_retries or time.monotonic() - began + wait > self.retry_budget:
                raise last
            await asyncio.sleep(wait)

    def _once(self, key: str, make: Callable[[], Awaitable[Any]]) -> asyncio.Future[Any]:
        """Fetch once per audit: checks asking for the same resource share one request."""
        if key not in self._cache:
            self._cache[key] = asyncio.ensure_future(make())
        return self._cache[key]

    async def get(self, path: str) -> dict[str, Any]:
        body = await asyncio.shield(self._once("GET " + path, lambda: self._send("GET", self._url(path))))
        return dict(body)

    async def _collect(self, path: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        url = self._url(path)
        seen = {url}
        for _ in range(MAX_PAGES):
            body = await self._send("GET", url)
            value = body.get("value")
            if not isinstance(value, list):
                raise ProviderError(f"Microsoft Graph sent a list without a 'value' array ({path})")
            if not all(isinstance(v, dict) for v in value):
                # Skipping what cannot be read would make a check judge a list it saw only part of.
                raise ProviderError(f"Microsoft Graph sent a list with items that are not objects ({path})")
            items.extend(value)
            link = body.get("@odata.nextLink")
            if not link:
                return items
            if not isinstance(link, str) or _origin(link) != self._origin:
                # The bearer token goes with every page; it is never sent to another server.
                raise ProviderError("Microsoft Graph sent a next-page link to another server; stopped")
            if link in seen:
                raise ProviderError("Microsoft Graph repeated a next-page link: the list would never end")
            seen.add(link)
            url = link
        raise ProviderError(f"Microsoft Graph kept sending pages after {MAX_PAGES}; stopped to be safe")

    async def collection(self, path: str) -> list[dict[str, Any]]:
        """Every item of a collection, following @odata.nextLink (fetched once per audit)."""
        return list(await asyncio.shield(self._once("LIST " + path, lambda: self._collect(path))))

    async def batch_get(self, paths: Sequence[str], *, missing_ok: bool = False) -> dict[str, dict[str, Any]]:
        """GET many relative paths through $batch (up to 20 per request, batches sent concurrently).

        Inner 429/5xx answers are retried in a later batch after their Retry-After, within the same bounds
        as a single request. Returns path -> JSON body; with ``missing_ok`` a 404 leaves the path out, and
        any other inner failure raises for the whole call.
        """
        unique = list(dict.fromkeys(paths))
        chunks = [unique[i : i + MAX_BATCH] for i in range(0, len(unique), MAX_BATCH)]
        results = await asyncio.gather(*(self._batch_chunk(chunk, missing_ok) for chunk in chunks))
        out: dict[str, dict[str, Any]] = {}
        for part in results:
            out.update(part)
        return out

    async def _batch_chunk(self, paths: list[str], missing_ok: bool) -> dict[str, dict[str, Any]]:
        began = time.monotonic()
        pending = {str(i + 1): path for i, path in enumerate(paths)}
        out: dict[str, dict[str, Any]] = {}
        attempt = 0
        while pending:
            attempt += 1
            payload = {"requests": [{"id": rid, "method": "GET", "url": path} for rid, path in pending.items()]}
            body = await self._send("POST", self._url("$batch"), payload)
            answers = body.get("responses")
            if not isinstance(answers, list):
                raise ProviderError("Microsoft Graph sent a batch answer without 'responses'")
            waits: list[float] = []
            retry: dict[str, str] = {}
            answered: set[str] = set()
            last: ConnectorError | None = None
            for answer in answers:
                rid = str(answer.get("id", "")) if isinstance(answer, dict) else ""
                if rid not in pending:
                    continue
                answered.add(rid)
                status = answer.get("status")
                inner = answer.get("body")
                if isinstance(status, int) and status < 300:
                    if not isinstance(inner, dict):
                        raise ProviderError("Microsoft Graph sent data that is not valid JSON (inside a batch)")
                    out[pending[rid]] = inner
                elif status in RETRYABLE:
                    raw = answer.get("headers")
                    headers = {str(k).lower(): v for k, v in raw.items()} if isinstance(raw, dict) else {}
                    waits.append(retry_after(headers.get("retry-after"), attempt))
                    retry[rid] = pending[rid]
                    last = (RateLimitedError if status == 429 else ProviderError)(
                        f"Microsoft Graph answered {status} inside a batch and kept answering it after {attempt} tries"
                    )
                elif status == 404 and missing_ok:
                    continue
                else:
                    error = inner.get("error") if isinstance(inner, dict) else None
                    message = error.get("message", "") if isinstance(error, dict) else ""
                    raise status_error(int(status) if isinstance(status, int) else 0, str(message or "no message"))
            if answered != set(pending):
                raise ProviderError("Microsoft Graph left requests of a batch unanswered")
            pending = retry
            if pending:
                wait = max(waits)
                if attempt > self.max_retries or time.monotonic() - began + wait > self.retry_budget:
                    assert last is not None
                    raise last
                await asyncio.sleep(wait)
        return out

    # -- reads --------------------------------------------------------------------------------------

    async def me(self) -> dict[str, Any]:
        return await self.get("me?$select=id,displayName,userPrincipalName,mail")

    async def inbox_rules(self) -> list[dict[str, Any]]:
        return await self.collection(f"me/mailFolders/inbox/messageRules?$select={RULE_SELECT}")

    async def auth_methods(self) -> list[dict[str, Any]]:
        return await self.collection("me/authentication/methods")

    async def permission_grants(self) -> list[dict[str, Any]]:
        return await self.collection("me/oauth2PermissionGrants")

    async def service_principals(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The apps behind grants, by service principal id (one $batch per 20)."""
        paths = {sp: f"/servicePrincipals/{sp}?$select={SP_SELECT}" for sp in dict.fromkeys(ids)}
        bodies = await asyncio.shield(self._once("SP " + ",".join(paths), lambda: self.batch_get(list(paths.values()))))
        return {sp: bodies[path] for sp, path in paths.items()}

    async def drive_items(self) -> list[dict[str, Any]]:
        """Every item of the OneDrive in one delta enumeration (pages of metadata, no per-folder walk)."""
        return await self.collection(f"me/drive/root/delta?$select={DELTA_SELECT}")

    async def shared_media(self) -> list[SharedItem]:
        """Shared items holding photos or videos, with their own sharing permissions (fetched once)."""
        return list(await asyncio.shield(self._once("shared-media", self._shared_media)))

    async def _shared_media(self) -> list[SharedItem]:
        items = [i for i in await self.drive_items() if "deleted" not in i]
        tree = DriveTree(items)
        shared = [i for i in items if "shared" in i and "root" not in i]
        wanted = [(i, tree.media_under(i)) for i in shared]
        wanted = [(item, media) for item, media in wanted if media]
        paths = {
            item["id"]: f"/me/drive/items/{item['id']}/permissions?$select={PERMISSION_SELECT}" for item, _ in wanted
        }
        bodies = await self.batch_get(list(paths.values())) if paths else {}
        out = []
        for item, media in wanted:
            value = bodies[paths[item["id"]]].get("value")
            if not isinstance(value, list):
                # Reading on as "no permissions" would call a shared item private.
                raise ProviderError("Microsoft Graph sent an item's sharing permissions without a 'value' array")
            # Permissions inherited from a shared folder are that folder's, reported with it.
            own = [p for p in value if isinstance(p, dict) and not p.get("inheritedFrom")]
            out.append(SharedItem(item=item, path=tree.path(item), media=media, permissions=own))
        return out


@dataclass(frozen=True)
class SharedItem:
    """A shared file or folder, the photos and videos it exposes, and the permissions set on it."""

    item: dict[str, Any]
    path: str
    media: list[dict[str, Any]]
    permissions: list[dict[str, Any]]

    @property
    def is_folder(self) -> bool:
        return "folder" in self.item


class DriveTree:
    """Parent links from one delta enumeration: paths, and the photos and videos under a folder."""

    def __init__(self, items: Sequence[dict[str, Any]]) -> None:
        self.items = {i["id"]: i for i in items if "id" in i}
        self.children: dict[str, list[str]] = {}
        for item in items:
            parent = (item.get("parentReference") or {}).get("id")
            if parent:
                self.children.setdefault(parent, []).append(item["id"])

    def path(self, item: dict[str, Any]) -> str:
        names = []
        current: dict[str, Any] | None = item
        for _ in range(200):
            if current is None or "root" in current:
                break
            names.append(str(current.get("name", "")))
            parent = (current.get("parentReference") or {}).get("id")
            current = self.items.get(parent) if parent else None
        return "/".join(reversed(names))

    def media_under(self, item: dict[str, Any]) -> list[dict[str, Any]]:
        if is_media(item):
            return [item]
        out, stack = [], list(self.children.get(item["id"], []))
        # Parent links come from the server: a cycle among them must not make the walk endless.
        seen = {item["id"]}
        while stack:
            child_id = stack.pop()
            if child_id in seen:
                continue
            seen.add(child_id)
            child = self.items[child_id]
            if is_media(child):
                out.append(child)
            stack.extend(self.children.get(child_id, []))
        return sorted(out, key=lambda i: str(i.get("name", "")).lower())


def is_media(item: dict[str, Any]) -> bool:
    mime = str((item.get("file") or {}).get("mimeType") or "")
    return "file" in item and (
        mime.startswith(("image/", "video/")) or any(k in item for k in ("image", "photo", "video"))
    )


def status_error(status: int, message: str) -> ConnectorError:
    message = literal(message, 300)  # the server's words; errors reach the terminal as they are
    if status == 401:
        return AuthError(f"Microsoft refused the sign-in (the token is missing, expired or revoked): {message}")
    if status == 403:
        return Forbidden(f"Microsoft Graph answered 403 (not allowed): {message}")
    return ProviderError(f"Microsoft Graph answered {status}: {message}")


def retry_after(value: Any, attempt: int) -> float:
    try:
        return max(0.0, min(float(value), 60.0)) if value is not None else min(0.5 * 2 ** (attempt - 1), 8.0)
    except (TypeError, ValueError):
        return min(0.5 * 2 ** (attempt - 1), 8.0)


def _decode(content: bytes) -> dict[str, Any]:
    import json

    try:
        body = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        raise ProviderError("Microsoft Graph sent data that is not valid JSON") from None
    if not isinstance(body, dict):
        raise ProviderError("Microsoft Graph sent JSON that is not an object")
    return body


def _message(content: bytes) -> str:
    try:
        return str(_decode(content).get("error", {}).get("message") or "no message")
    except (ProviderError, AttributeError):
        return "no message"


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return (parts.scheme, parts.netloc.lower())
