"""Read-only Microsoft Graph connector on httpx.AsyncClient.

Only two kinds of request ever leave it: GET, and POST ``$batch`` whose inner requests are all GETs.
Throttling (429), server errors (500, 502, 503, 504) and network failures are tried again as the connectors'
one retry policy says (auditor.connectors.retry: Retry-After honoured, bounded in count and in total time);
inner batch answers the same way, each inner request with its own count and budget. Lists follow
``@odata.nextLink`` — inside batches too — with a guard against links that repeat, leave the server or never
end. Each resource is fetched once per audit and shared between checks. Failures map onto the error tree:
401 AuthError, 403 :class:`Forbidden`, 429 RateLimitedError, 5xx and malformed answers ProviderError,
timeouts and resets NetworkError.

Every read returns a :class:`~auditor.checkapi.Reading` of typed records
(:mod:`auditor.checkapi.microsoft`): records that do not fit Graph's documented shape are named in it, parts
that could not be read (one item's permissions) too, and the rest is judged.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from auditor.checkapi import Reading
from auditor.checkapi.microsoft import (
    AuthenticationMethod,
    DriveItem,
    Forbidden,
    GraphUser,
    MessageRule,
    OAuth2PermissionGrant,
    Permission,
    ServicePrincipal,
    SharedItem,
    is_media,
    opens_something,
)
from auditor.connectors.graph.records import named, read_list, read_one, validate
from auditor.connectors.retry import RETRYABLE_STATUSES, Failure, RetryPolicy, Tries
from auditor.errors import AuthError, ConnectorError, NetworkError, ProviderError, RateLimitedError
from auditor.safetext import literal

__all__ = ["GRAPH_URL", "MAX_BATCH", "BatchResult", "DriveTree", "Forbidden", "GraphClient"]

T = TypeVar("T")

GRAPH_URL = "https://graph.microsoft.com/v1.0"
MAX_BATCH = 20  # Graph's limit on requests in one $batch
MAX_PAGES = 2000
MAX_INNER_PAGES = 200  # pages of one list read inside batches (an item's permissions)
# What tells photos and videos, folders and deleted items apart, and rebuilds paths (delta never sends
# parentReference.path). Not the `shared` facet: delta leaves it out, so sharing is read from permissions.
DELTA_SELECT = "id,name,file,folder,image,photo,video,parentReference,webUrl,root,deleted"
PERMISSION_SELECT = (
    "id,roles,link,grantedToV2,grantedToIdentitiesV2,grantedTo,grantedToIdentities,invitation,inheritedFrom"
)
# isReadOnly: a read-only rule "cannot be modified or deleted by the rules REST API" (messageRule); the tool then
# leaves it to the playbook.
RULE_SELECT = "id,displayName,sequence,isEnabled,isReadOnly,conditions,exceptions,actions"
SP_SELECT = "id,appId,appDisplayName,displayName,publisherName,verifiedPublisher"
# Grants an administrator made for everyone: /me/oauth2PermissionGrants leaves them out (its documentation
# says so). consentType supports $filter (eq), so only those come back.
ORGANISATION_GRANTS = "oauth2PermissionGrants?$filter=consentType eq 'AllPrincipals'"
ORGANISATION_REFUSED = (
    "Microsoft did not let this account list the apps approved for everyone in the organisation: that needs "
    "the Directory.Read.All permission (approved by an administrator) and a directory role such as Directory "
    "Readers or Global Reader"
)
ROOT_NAME = "your whole OneDrive"


@dataclass(frozen=True)
class BatchResult:
    """One inner request's outcome: its body (for a list: every page's items), or why it was not read."""

    body: Any = None
    problem: str | None = None


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
        retry: RetryPolicy | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._origin = _origin(self.base_url)
        self.timeout = timeout
        # The settings' retry_budget, unless a policy is given (tests give one with a clock and sleep of their own).
        self.retry = retry or RetryPolicy(max_retries=max_retries, budget=retry_budget)
        self.account_type = "work"  # set when the account is opened (source.py)
        self._gate = asyncio.Semaphore(concurrency)
        # Batches never take every connection: the chains of pages (delta, rules) must not queue behind them.
        self._batch_gate = asyncio.Semaphore(max(1, concurrency // 2))
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

    async def _send(self, method: str, url: str, json_body: Any = None) -> dict[str, Any]:
        """One request, tried again as the retry policy says; returns the decoded JSON object."""
        if method != "GET" and not (method == "POST" and url == self._url("$batch")):
            raise ValueError(f"the Graph connector only reads; refused {method} {url}")

        async def attempt() -> dict[str, Any]:
            try:
                async with self._gate:
                    if method == "GET":
                        response = await self._http.get(url)
                    else:
                        response = await self._http.post(url, json=json_body)
            except httpx.TimeoutException:
                raise Failure(NetworkError(f"Microsoft Graph did not answer within {self.timeout:g} s")) from None
            except httpx.TransportError as exc:
                raise Failure(
                    NetworkError(f"the connection to Microsoft Graph failed ({type(exc).__name__})")
                ) from None
            if response.status_code < 300:
                return _decode(response.content)
            raise status_failure(response.status_code, _message(response.content), response.headers.get("retry-after"))

        return await self.retry.run_async(attempt)

    def _once(self, key: str, make: Callable[[], Awaitable[T]]) -> asyncio.Future[T]:
        """Fetch once per audit: checks asking for the same resource share one request."""
        if key not in self._cache:
            self._cache[key] = asyncio.ensure_future(make())
        return self._cache[key]

    async def get(self, path: str) -> dict[str, Any]:
        body = await asyncio.shield(self._once("GET " + path, lambda: self._send("GET", self._url(path))))
        return dict(body)

    async def _pages(self, path: str) -> AsyncIterator[list[Any]]:
        """The ``value`` list of each page of a collection, following @odata.nextLink."""
        url = self._url(path)
        seen = {url}
        for _ in range(MAX_PAGES):
            body = await self._send("GET", url)
            value = body.get("value")
            if not isinstance(value, list):
                raise ProviderError(f"Microsoft Graph sent a list without a 'value' array ({path})")
            yield value
            link = body.get("@odata.nextLink")
            if link is None:
                return
            url = self._next(link, seen)
        raise ProviderError(f"Microsoft Graph kept sending pages after {MAX_PAGES}; stopped to be safe")

    def _next(self, link: Any, seen: set[str]) -> str:
        """The next page's address, after the guards every list passes."""
        if not isinstance(link, str) or not link:
            raise ProviderError("Microsoft Graph sent a next-page link that is not a link")
        if _origin(link) != self._origin:
            # The bearer token goes with every page; it is never sent to another server.
            raise ProviderError("Microsoft Graph sent a next-page link to another server; stopped")
        if link in seen:
            raise ProviderError("Microsoft Graph repeated a next-page link: the list would never end")
        seen.add(link)
        return link

    async def _collect(self, path: str) -> list[Any]:
        items: list[Any] = []
        async for value in self._pages(path):
            items.extend(value)
        return items

    async def collection(self, path: str) -> list[Any]:
        """Every item of a collection, as Graph sent it, following @odata.nextLink (fetched once per audit)."""
        return list(await asyncio.shield(self._once("LIST " + path, lambda: self._collect(path))))

    async def batch_get(self, paths: Sequence[str], *, paged: bool = False) -> dict[str, BatchResult]:
        """GET many relative paths through $batch (up to 20 per request, batches sent concurrently).

        With ``paged`` each path is a list: its pages are followed inside later batches and the result's
        body is every item. Inner 429/5xx answers are retried after their Retry-After within the same
        bounds as a single request; what still fails is a :class:`BatchResult` naming why, so one item that
        could not be read never hides the others — a 404 too: an item that vanished while the audit ran is
        not read, not called private. Only a refused sign-in (401) raises.
        """
        unique = list(dict.fromkeys(paths))
        chunks = [unique[i : i + MAX_BATCH] for i in range(0, len(unique), MAX_BATCH)]
        out: dict[str, BatchResult] = {}
        for part in await _all(self._batch_chunk(chunk, paged=paged) for chunk in chunks):
            out.update(part)
        return out

    async def _batch_chunk(self, paths: list[str], *, paged: bool) -> dict[str, BatchResult]:
        out: dict[str, BatchResult] = {}
        items: dict[str, list[Any]] = {path: [] for path in paths}
        seen: dict[str, set[str]] = {path: set() for path in paths}
        todo: dict[str, str] = {path: path for path in paths}  # path -> the URL to ask for it next
        # Each inner request (each page of a list) counts its own tries and budget, as if sent on its own.
        tries: dict[str, Tries] = {path: self.retry.start() for path in paths}
        while todo:
            ids = {str(n + 1): path for n, path in enumerate(todo)}
            payload = {"requests": [{"id": rid, "method": "GET", "url": todo[path]} for rid, path in ids.items()]}
            try:
                async with self._batch_gate:
                    body = await self._send("POST", self._url("$batch"), payload)
            except AuthError:
                raise
            except ConnectorError as exc:
                out.update({path: BatchResult(problem=str(exc)) for path in todo})
                return out
            answers = body.get("responses")
            if not isinstance(answers, list):
                problem = "Microsoft Graph sent a batch answer without a 'responses' list"
                out.update({path: BatchResult(problem=problem) for path in todo})
                return out
            following: dict[str, str] = {}
            failed: dict[str, tuple[Tries, Failure]] = {}
            answered: set[str] = set()
            for answer in answers:
                rid = _answer_id(answer)
                if rid not in ids or rid in answered:
                    continue  # an answer that names no request of ours is not read as anyone's
                answered.add(rid)
                path = ids[rid]
                status = answer.get("status")
                inner = answer.get("body")
                if not isinstance(status, int) or isinstance(status, bool):
                    out[path] = BatchResult(problem="Microsoft Graph sent an answer inside a batch without a status")
                elif 200 <= status < 300:
                    if not isinstance(inner, dict):
                        out[path] = BatchResult(problem="Microsoft Graph sent data that is not valid JSON (in a batch)")
                    elif not paged:
                        out[path] = BatchResult(body=inner)
                    else:
                        following_url, problem = self._page_in_batch(path, inner, items[path], seen[path])
                        if problem:
                            out[path] = BatchResult(problem=problem)
                        elif following_url:
                            following[path] = following_url
                            tries[path] = self.retry.start()  # a new page is a new request
                        else:
                            out[path] = BatchResult(body=items[path])
                else:
                    failure = status_failure(status, _inner_message(inner), _header(answer, "retry-after"), inner=True)
                    if isinstance(failure.error, AuthError):
                        raise failure.error
                    if self.retry.retryable(failure):
                        failed[path] = (tries[path], failure)
                    else:
                        out[path] = BatchResult(problem=str(failure.error))
            for rid, path in ids.items():
                if rid not in answered:  # a batch answer that leaves a request out is malformed, as one without
                    out[path] = BatchResult(problem="Microsoft Graph left a request of a batch unanswered")
            round_ = self.retry.next_round(failed)
            out.update({path: BatchResult(problem=str(error)) for path, error in round_.given_up.items()})
            again = {path: todo[path] for path in failed if path not in round_.given_up}
            if again:
                await self.retry.async_sleep(round_.wait)
            todo = {**following, **again}
        return out

    def _page_in_batch(self, path: str, body: dict[str, Any], items: list[Any], seen: set[str]) -> tuple[str, str]:
        """Take one page of a list read inside a batch: (the next page's URL, or "") and (a problem, or "")."""
        value = body.get("value")
        if not isinstance(value, list):
            return "", "Microsoft Graph sent a list without a 'value' array (in a batch)"
        items.extend(value)
        link = body.get("@odata.nextLink")
        if link is None:
            return "", ""
        try:
            self._next(link, seen)
        except ProviderError as exc:
            return "", str(exc)
        if len(seen) >= MAX_INNER_PAGES:
            return "", f"Microsoft Graph kept sending pages after {MAX_INNER_PAGES}; stopped to be safe"
        if not link.startswith(self.base_url + "/"):
            return "", "Microsoft Graph sent a next-page link outside the API version this tool reads"
        return link[len(self.base_url) :], ""

    # -- reads --------------------------------------------------------------------------------------

    async def me(self) -> Reading[GraphUser]:
        body = await self.get("me?$select=id,displayName,userPrincipalName,mail")
        return Reading("the signed-in account", read_one(body, GraphUser, "the signed-in account"))

    async def inbox_rules(self) -> Reading[list[MessageRule]]:
        raw = await self.collection(f"me/mailFolders/inbox/messageRules?$select={RULE_SELECT}")
        return read_list(raw, MessageRule, "Outlook inbox rules", named("rule", "displayName", "id"))

    async def auth_methods(self) -> Reading[list[AuthenticationMethod]]:
        raw = await self.collection("me/authentication/methods")
        return read_list(raw, AuthenticationMethod, "sign-in methods", named("sign-in method", "displayName", "id"))

    async def permission_grants(self) -> Reading[list[OAuth2PermissionGrant]]:
        raw = await self.collection("me/oauth2PermissionGrants")
        return read_list(raw, OAuth2PermissionGrant, "the apps you gave access", named("grant", "clientId", "id"))

    async def organisation_grants(self) -> Reading[list[OAuth2PermissionGrant]]:
        what = "the apps approved for everyone in your organisation"
        try:
            raw = await self.collection(ORGANISATION_GRANTS)
        except Forbidden as exc:
            return Reading(what, [], not_read=(f"{ORGANISATION_REFUSED} ({exc})",))
        reading = read_list(raw, OAuth2PermissionGrant, what, named("grant", "clientId", "id"))
        # Only grants for everyone: a server that ignored the filter must not make another user's grant ours.
        return reading.map(lambda grants: [g for g in grants if g.consentType == "AllPrincipals"])

    async def service_principals(self, ids: Sequence[str]) -> Reading[dict[str, ServicePrincipal]]:
        """The apps behind grants, by service principal id (one $batch per 20)."""
        paths = {sp: f"/servicePrincipals/{quote(sp, safe='')}?$select={SP_SELECT}" for sp in dict.fromkeys(ids)}
        results = await asyncio.shield(
            self._once("SP " + ",".join(sorted(paths)), lambda: self.batch_get(list(paths.values())))
        )
        names: dict[str, ServicePrincipal] = {}
        not_read: list[str] = []
        unrecognised: list[str] = []
        for sp, path in paths.items():
            result = results[path]
            shown = literal(sp, 60)
            if result.problem:
                not_read.append(f"the app {shown}: {result.problem}")
            else:
                record, problems = validate(ServicePrincipal, result.body)
                if record is not None:
                    names[sp] = record
                if problems:
                    unrecognised.append(f"the app {shown}: {'; '.join(problems)}")
        return Reading("the names of the apps given access", names, tuple(not_read), tuple(unrecognised))

    async def drive_sharing(self) -> Reading[list[SharedItem]]:
        """Every file or folder with sharing of its own that lets someone open photos or videos (once)."""
        return await asyncio.shield(self._once("drive-sharing", self._drive_sharing))

    async def _drive_sharing(self) -> Reading[list[SharedItem]]:
        # The `shared` facet cannot be trusted (delta leaves it out), so the permissions of every photo and
        # video, and of every folder above one, are read — twenty to a batch, sent while later delta pages
        # are still coming, so the reads add one round trip to the delta chain rather than a chain of their own.
        latest: dict[str, DriveItem] = {}
        unrecognised: list[str] = []
        reader = _PermissionReader(self)
        try:
            counted = 0
            async for value in self._pages(f"me/drive/root/delta?$select={DELTA_SELECT}"):
                page = read_list(value, DriveItem, "OneDrive", _offset(named("OneDrive item", "name", "id"), counted))
                counted += len(value)
                unrecognised.extend(page.unrecognised)
                for item in page.value:
                    latest[item.id] = item  # the same item may come more than once: the last one counts
                    if item.deleted is None and is_media(item):
                        reader.want(item.id)
                    if item.id in reader.asked:
                        reader.want_ancestors(item.parent_id, latest)
            tree = DriveTree(i for i in latest.values() if i.deleted is None)
            wanted: dict[str, None] = {}
            for item in tree.items.values():
                if is_media(item):
                    wanted[item.id] = None
                    wanted.update(dict.fromkeys(tree.ancestors(item.id)))
            for item_id in wanted:
                reader.want(item_id)
            results = await reader.finish()
        finally:
            await reader.cancel()
        return _judge_sharing(tree, list(wanted), results, unrecognised)


class _PermissionReader:
    """Queues items whose permissions are wanted and sends them twenty to a batch as the queue fills."""

    def __init__(self, client: GraphClient) -> None:
        self.client = client
        self.asked: dict[str, str] = {}  # item id -> its permissions' path
        self._queue: list[str] = []
        self._tasks: list[asyncio.Future[dict[str, Reading[list[Permission]] | str]]] = []

    def want(self, item_id: str) -> None:
        if item_id in self.asked:
            return
        path = f"/me/drive/items/{quote(item_id, safe='!')}/permissions?$select={PERMISSION_SELECT}"
        self.asked[item_id] = path
        self._queue.append(path)
        if len(self._queue) >= MAX_BATCH:
            self._send()

    def want_ancestors(self, parent: str | None, known: dict[str, DriveItem]) -> None:
        steps = 0
        while parent and steps < 1000:  # parent links come from the server: a cycle must not loop forever
            self.want(parent)
            record = known.get(parent)
            parent = record.parent_id if record is not None else None
            steps += 1

    def _send(self) -> None:
        chunk, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
        self._tasks.append(asyncio.ensure_future(self._read(chunk)))

    async def _read(self, chunk: list[str]) -> dict[str, Reading[list[Permission]] | str]:
        """One batch, its permissions read into records as soon as it is answered (while delta goes on)."""
        out: dict[str, Reading[list[Permission]] | str] = {}
        for path, result in (await self.client._batch_chunk(chunk, paged=True)).items():
            out[path] = result.problem or read_list(result.body, Permission, "OneDrive", named("permission", "id"))
        return out

    async def finish(self) -> dict[str, Reading[list[Permission]] | str]:
        """Item id -> its permissions, or why they were not read."""
        while self._queue:
            self._send()
        by_path: dict[str, Reading[list[Permission]] | str] = {}
        for part in await _all(self._tasks):
            by_path.update(part)
        self._tasks = []
        return {item_id: by_path[path] for item_id, path in self.asked.items() if path in by_path}

    async def cancel(self) -> None:
        """Stop batches still running when the read ends early (a failed delta page)."""
        for task in self._tasks:
            task.cancel()
        # Their outcomes (cancelled, or a failure of their own) are not wanted: the first error is raised.
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []


def _judge_sharing(
    tree: DriveTree,
    wanted: list[str],
    results: dict[str, Reading[list[Permission]] | str],
    unrecognised: list[str],
) -> Reading[list[SharedItem]]:
    """Which items have sharing of their own, from the permissions read for each."""
    not_read: list[str] = []
    listed: dict[str, list[Permission]] = {}
    for item_id in wanted:
        path = literal(tree.display_path(item_id), 120)
        result = results.get(item_id, "it was never answered")
        if isinstance(result, str):
            not_read.append(f"who can open {path}: {result}")
            continue
        unrecognised.extend(f"{path}: {problem}" for problem in result.unrecognised)
        listed[item_id] = result.value
    shared: list[SharedItem] = []
    for item_id, permissions in listed.items():
        above = [a for a in tree.ancestors(item_id) if a in listed]
        # A permission set on a folder shows on everything below it; it is reported once, with the folder.
        # Personal OneDrive says so with inheritedFrom; OneDrive for Business does not, so the ids tell.
        inherited_ids = {p.id for a in above for p in listed[a] if p.id}
        own = tuple(
            p
            for p in permissions
            if opens_something(p)
            and not (p.id and p.id in inherited_ids)
            and not (p.inheritedFrom is not None and p.inheritedFrom.id in above)
        )
        if own:
            item = tree.items[item_id]
            shared.append(
                SharedItem(
                    item=item, path=tree.display_path(item_id), media=tuple(tree.media_under(item)), permissions=own
                )
            )
    shared.sort(key=lambda s: s.path.lower())
    return Reading("OneDrive's sharing", shared, tuple(not_read), tuple(unrecognised))


class DriveTree:
    """Parent links from one delta enumeration: paths, ancestors, and the photos and videos under a folder."""

    def __init__(self, items: Iterable[DriveItem]) -> None:
        self.items: dict[str, DriveItem] = {i.id: i for i in items}
        self.children: dict[str, list[str]] = {}
        for item in self.items.values():
            parent = item.parent_id
            if parent and parent != item.id:
                self.children.setdefault(parent, []).append(item.id)

    def ancestors(self, item_id: str) -> list[str]:
        """The folders above an item, nearest first (as far as the listing names them)."""
        out: list[str] = []
        item = self.items.get(item_id)
        parent = item.parent_id if item is not None else None
        # Parent links come from the server: a cycle among them must not make the walk endless.
        while parent and parent not in out and parent != item_id:
            out.append(parent)
            record = self.items.get(parent)
            parent = record.parent_id if record is not None else None
        return out

    def path(self, item: DriveItem) -> str:
        names = []
        current: DriveItem | None = item
        visited: set[str] = set()
        while current is not None and current.root is None and current.id not in visited:
            visited.add(current.id)
            names.append(current.name or "")
            current = self.items.get(current.parent_id) if current.parent_id else None
        return "/".join(reversed(names))

    def display_path(self, item_id: str) -> str:
        item = self.items.get(item_id)
        if item is None:
            return f"the folder {item_id}"
        return self.path(item) or ROOT_NAME

    def media_under(self, item: DriveItem) -> list[DriveItem]:
        if is_media(item):
            return [item]
        out, stack = [], list(self.children.get(item.id, []))
        seen = {item.id}
        while stack:
            child_id = stack.pop()
            if child_id in seen:
                continue
            seen.add(child_id)
            child = self.items[child_id]
            if is_media(child):
                out.append(child)
            stack.extend(self.children.get(child_id, []))
        return sorted(out, key=lambda i: (i.name or "").lower())


async def _all(awaitables: Iterable[Awaitable[T]]) -> list[T]:
    """Await every one to the end (none left running unobserved), then raise the first failure if any."""
    results = await asyncio.gather(*awaitables, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return list(results)  # type: ignore[arg-type]


def _offset(name: Callable[[int, Any], str], by: int) -> Callable[[int, Any], str]:
    return lambda index, raw: name(index + by, raw)


def _answer_id(answer: Any) -> str | None:
    if not isinstance(answer, dict):
        return None
    rid = answer.get("id")
    return rid if isinstance(rid, str) else None


def _header(answer: dict[str, Any], name: str) -> Any:
    raw = answer.get("headers")
    if not isinstance(raw, dict):
        return None
    return {str(k).lower(): v for k, v in raw.items()}.get(name)


def _inner_message(inner: Any) -> str:
    error = inner.get("error") if isinstance(inner, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return str(message or "no message")


def status_error(status: int, message: str) -> ConnectorError:
    message = literal(message, 300)  # the server's words; errors reach the terminal as they are
    if status == 401:
        return AuthError(f"Microsoft refused the sign-in (the token is missing, expired or revoked): {message}")
    if status == 403:
        return Forbidden(f"Microsoft Graph answered 403 (not allowed): {message}")
    return ProviderError(f"Microsoft Graph answered {status}: {message}")


def status_failure(status: int, message: str, retry_after: Any, *, inner: bool = False) -> Failure:
    """A failed answer classified for the retry policy: throttling and server errors are tried again."""
    where = " inside a batch" if inner else ""
    if status == 429:
        error: ConnectorError = RateLimitedError(f"Microsoft Graph answered 429{where} and kept answering it")
    elif status in RETRYABLE_STATUSES:
        error = ProviderError(f"Microsoft Graph answered {status}{where} and kept answering it")
    else:
        error = status_error(status, message)
    return Failure(error, status=status, retry_after=retry_after)


def _decode(content: bytes) -> dict[str, Any]:
    try:
        body = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        raise ProviderError("Microsoft Graph sent data that is not valid JSON") from None
    if not isinstance(body, dict):
        raise ProviderError("Microsoft Graph sent JSON that is not an object")
    return body


def _message(content: bytes) -> str:
    try:
        return _inner_message(_decode(content))
    except ProviderError:
        return "no message"


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return (parts.scheme, parts.netloc.lower())
