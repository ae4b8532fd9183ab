"""The Graph connector's guards: where next-page links may lead (inside batches too), how long throttling is
waited out, and what a malformed list or batch answer becomes (a reading that says so, never a shorter
list that looks whole)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sandbox.urls import url_of

from auditor.checkapi.microsoft import SharedItem
from auditor.connectors.graph.client import MAX_BATCH, MAX_INNER_PAGES, GraphClient
from auditor.errors import AuthError, ProviderError, RateLimitedError
from auditor.sandbox import FaultRule, Sandbox

GRAPH = "https://graph.microsoft.com/v1.0"


def read_with(client: GraphClient, call: Callable[[GraphClient], Awaitable[Any]]) -> Any:
    """Run one read on a client, then close it."""

    async def go() -> Any:
        try:
            return await call(client)
        finally:
            await client.aclose()

    return asyncio.run(go())


def mocked(graph: Callable[[httpx.Request], httpx.Response], **options: Any) -> GraphClient:
    """A client whose requests are answered by ``graph`` (Graph's wire format, no network)."""
    return GraphClient(GRAPH, "t", transport=httpx.MockTransport(graph), **options)


def test_a_next_link_to_another_server_is_never_followed() -> None:
    asked: list[str] = []

    def graph(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(
            200,
            json={
                "@odata.context": f"{GRAPH}/$metadata#Collection(messageRule)",
                "value": [{"id": "r1", "displayName": "x"}],
                "@odata.nextLink": "https://collector.example/v1.0/me/mailFolders/inbox/messageRules?$skiptoken=x",
            },
        )

    with pytest.raises(ProviderError, match="another server"):
        read_with(mocked(graph), lambda c: c.inbox_rules())
    assert len(asked) == 1 and all(url.startswith("https://graph.microsoft.com/") for url in asked)


def test_retry_after_beyond_the_budget_fails_at_once() -> None:
    rule = FaultRule("graph", "/v1.0/me", "429", retry_after=30)
    with Sandbox("clean", faults=[rule]) as sb:
        began = time.monotonic()
        with pytest.raises(RateLimitedError, match="429"):
            read_with(GraphClient(url_of(sb, "graph"), sb.token, timeout=2, retry_budget=4), lambda c: c.me())
        assert time.monotonic() - began < 2
        assert len(sb.requests) == 1


def test_retry_after_is_honoured_before_trying_again() -> None:
    rule = FaultRule("graph", "/v1.0/me", "503", retry_after=1, times=1)
    with Sandbox("clean", faults=[rule]) as sb:
        began = time.monotonic()
        me = read_with(GraphClient(url_of(sb, "graph"), sb.token, timeout=2, retry_budget=4), lambda c: c.me())
        waited = time.monotonic() - began
    assert me.whole and me.value.userPrincipalName == "sam.example@outlook.example"
    assert waited >= 1.0


def test_a_signed_in_account_without_an_id_is_an_error_not_a_personal_account() -> None:
    def graph(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"displayName": "x", "userPrincipalName": "a@contoso.example"})

    with pytest.raises(ProviderError, match="id is missing"):
        read_with(mocked(graph), lambda c: c.me())


def test_a_resource_asked_for_by_many_checks_is_fetched_once() -> None:
    with Sandbox("compromised") as sb:

        async def go() -> None:
            client = GraphClient(url_of(sb, "graph"), sb.token)
            try:
                results = await asyncio.gather(*(client.inbox_rules() for _ in range(5)), client.drive_sharing())
                assert all(r == results[0] for r in results[:5])
                await client.drive_sharing()
            finally:
                await client.aclose()

        asyncio.run(go())
        paths = [r.path for r in sb.requests]
    assert paths.count("/v1.0/me/mailFolders/inbox/messageRules") == 1
    assert paths.count("/v1.0/me/drive/root/delta") == 1 and paths.count("/v1.0/$batch") == 1


def drive_server(permissions_body: Any) -> tuple[list[str], httpx.MockTransport]:
    """A OneDrive whose folders name each other as parents, with a folder holding one photo."""
    asked: list[str] = []
    items = [
        {"id": "root", "name": "root", "root": {}, "folder": {}},
        {"id": "A", "name": "Album", "folder": {}, "parentReference": {"id": "B"}},
        {"id": "B", "name": "Inner", "folder": {}, "parentReference": {"id": "A"}},
        {"id": "p", "name": "photo.jpg", "file": {"mimeType": "image/jpeg"}, "parentReference": {"id": "B"}},
    ]

    def graph(request: httpx.Request) -> httpx.Response:
        asked.append(f"{request.method} {request.url.path}")
        if request.url.path.endswith("/me/drive/root/delta"):
            return httpx.Response(200, json={"value": items, "@odata.deltaLink": f"{GRAPH}/d"})
        if request.method == "POST" and request.url.path.endswith("/$batch"):
            inner = json.loads(request.content)["requests"]
            body = [
                {"id": r["id"], "status": 200, "body": permissions_body if "/items/A/" in r["url"] else {"value": []}}
                for r in inner
            ]
            return httpx.Response(200, json={"responses": body})
        return httpx.Response(404, json={"error": {"code": "itemNotFound", "message": "no"}})

    return asked, httpx.MockTransport(graph)


def sharing_of(transport: httpx.MockTransport) -> Any:
    client = GraphClient(GRAPH, "t", transport=transport)
    return read_with(client, lambda c: asyncio.wait_for(c.drive_sharing(), 5))


def test_folders_that_name_each_other_as_parents_do_not_loop_forever() -> None:
    link = {"id": "l1", "roles": ["read"], "link": {"scope": "anonymous", "webUrl": "https://1drv.ms/f/x"}}
    asked, transport = drive_server({"value": [link]})
    result: list[Any] = []
    # A daemon thread, so an endless walk fails this test instead of hanging the suite.
    walker = threading.Thread(target=lambda: result.append(sharing_of(transport)), daemon=True)
    walker.start()
    walker.join(timeout=10)
    assert not walker.is_alive(), "the walk of the drive's folders never ended"
    reading = result[0]
    assert reading.whole
    shared: list[SharedItem] = reading.value
    assert [entry.item.id for entry in shared] == ["A"]
    assert [m.name for m in shared[0].media] == ["photo.jpg"]
    assert [p.raw() for p in shared[0].permissions] == [link]
    assert asked.count("POST /v1.0/$batch") == 1  # the photo and both folders, one batch


def test_a_permissions_answer_without_a_value_array_is_not_read_never_private() -> None:
    _, transport = drive_server({"error": "gone"})
    reading = sharing_of(transport)
    assert not reading.whole and reading.value == []
    assert any("Album" in p and "without a 'value' array" in p for p in reading.not_read), reading.not_read


def test_the_servers_error_message_is_literal_in_the_error() -> None:
    hostile = "[bold]boom[/] \x1b[2J\x1b]8;;https://evil.example\x07x\u202eexe"

    def graph(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": {"code": "BadRequest", "message": hostile}})

    with pytest.raises(ProviderError) as raised:
        read_with(mocked(graph), lambda c: c.me())
    text = str(raised.value)
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "\\x1b[2J" in text and "<U+202E>" in text


def test_a_page_with_items_that_are_not_objects_names_them_and_keeps_the_rest() -> None:
    forwarding = {"id": "r1", "displayName": "kept", "actions": {"forwardTo": [{"emailAddress": {"address": "x@e.x"}}]}}

    def graph(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"value": [forwarding, "garbled", None]})

    reading = read_with(mocked(graph), lambda c: c.inbox_rules())
    assert [r.displayName for r in reading.value] == ["kept"]
    assert reading.unrecognised == ("rule 2: is text, not an object", "rule 3: is null, not an object")


def test_a_rule_with_one_garbled_field_is_still_judged_and_named() -> None:
    garbled = {
        "id": "r1",
        "displayName": "x",
        "actions": {"forwardTo": [{"emailAddress": {"address": "x@e.x"}}, 42], "delete": "yes"},
    }

    def graph(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"value": [garbled]})

    reading = read_with(mocked(graph), lambda c: c.inbox_rules())
    [rule] = reading.value
    assert [r.address for r in rule.actions.forwardTo] == ["x@e.x"] and rule.actions.delete is None
    assert reading.unrecognised == (
        "rule 1 “x”: actions.delete is text, not true or false; actions.forwardTo.1 is a number, not an object",
    )


# --- $batch: inner pages, inner throttling, malformed answers ---------------------------------------


def permissions_in_batches(
    pages: dict[str, dict[str, Any]], *, inner_429_once: set[str] | None = None
) -> tuple[list[dict[str, Any]], Callable[[httpx.Request], httpx.Response]]:
    """A Graph whose $batch answers each inner URL from ``pages`` (throttling the named ones once)."""
    batches: list[dict[str, Any]] = []
    throttled: set[str] = set()

    def graph(request: httpx.Request) -> httpx.Response:
        payload = json.loads(request.content)
        batches.append(payload)
        out = []
        for inner in payload["requests"]:
            url = inner["url"]
            if url in (inner_429_once or set()) and url not in throttled:
                throttled.add(url)
                out.append({"id": inner["id"], "status": 429, "headers": {"Retry-After": "0"}, "body": {}})
            else:
                out.append({"id": inner["id"], "status": 200, "body": pages[url]})
        return httpx.Response(200, json={"responses": out})

    return batches, graph


def test_inner_pages_are_followed_in_later_batches_and_their_throttling_retried() -> None:
    first = "/me/drive/items/x/permissions"
    second = "/me/drive/items/x/permissions?$skiptoken=2"
    pages: dict[str, dict[str, Any]] = {
        first: {"value": [{"id": "a"}], "@odata.nextLink": GRAPH + second},
        second: {"value": [{"id": "b"}]},
    }
    batches, graph = permissions_in_batches(pages, inner_429_once={second})
    result = read_with(mocked(graph), lambda c: c.batch_get([first], paged=True))
    assert result[first].problem is None and result[first].body == [{"id": "a"}, {"id": "b"}]
    assert [[r["url"] for r in b["requests"]] for b in batches] == [[first], [second], [second]]


@pytest.mark.parametrize(
    ("link", "words"),
    [
        ("https://collector.example/v1.0/me/drive/items/x/permissions?$skiptoken=2", "another server"),
        (GRAPH + "/me/drive/items/x/permissions", "repeated a next-page link"),  # leads back to itself
        ("https://graph.microsoft.com/beta/me/drive/items/x/permissions?$skiptoken=2", "outside the API version"),
        (42, "not a link"),
    ],
)
def test_inner_next_links_are_guarded(link: Any, words: str) -> None:
    first = "/me/drive/items/x/permissions"
    pages = {first: {"value": [{"id": "a"}], "@odata.nextLink": link}}
    batches, graph = permissions_in_batches(pages)
    result = read_with(mocked(graph), lambda c: c.batch_get([first], paged=True))
    assert result[first].problem and words in result[first].problem
    assert all("collector" not in r["url"] for b in batches for r in b["requests"])


def test_inner_pages_that_never_end_stop_at_the_cap() -> None:
    asked = []

    def graph(request: httpx.Request) -> httpx.Response:
        inner = json.loads(request.content)["requests"][0]
        asked.append(inner["url"])
        body = {"value": [], "@odata.nextLink": f"{GRAPH}/me/drive/items/x/permissions?$skiptoken={len(asked)}"}
        return httpx.Response(200, json={"responses": [{"id": inner["id"], "status": 200, "body": body}]})

    result = read_with(mocked(graph), lambda c: c.batch_get(["/me/drive/items/x/permissions"], paged=True))
    assert "kept sending pages" in (result["/me/drive/items/x/permissions"].problem or "")
    assert len(asked) == MAX_INNER_PAGES


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ({"status": 200, "body": {"value": []}}, "unanswered"),  # no id: not read as anyone's
        ({"id": "1", "status": 200}, "not valid JSON"),  # no body
        ({"id": "1", "status": "200", "body": {"value": []}}, "without a status"),
        ({"id": "1", "status": 200, "body": {"items": []}}, "without a 'value' array"),
        ({"id": "1", "status": 500, "body": {"error": {"message": "boom"}}}, "answered 500 inside a batch"),
        ({"id": "1", "status": 403, "body": {"error": {"message": "no"}}}, "answered 403"),
    ],
)
def test_malformed_or_failed_inner_answers_are_not_read(answer: dict[str, Any], words: str) -> None:
    calls = []

    def graph(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(200, json={"responses": [answer]})

    client = mocked(graph, retry_budget=2, max_retries=2)
    result = read_with(client, lambda c: c.batch_get(["/me/drive/items/x/permissions"], paged=True))
    problem = result["/me/drive/items/x/permissions"].problem or ""
    assert words in problem, problem
    assert len(calls) <= 3  # retried within the bounds, then given up


def test_a_batch_answer_without_responses_is_not_read_and_a_401_inside_is_a_sign_in_error() -> None:
    result = read_with(
        mocked(lambda r: httpx.Response(200, json={"error": "x"})), lambda c: c.batch_get(["/me"], paged=False)
    )
    assert "without a 'responses' list" in (result["/me"].problem or "")

    def refused(request: httpx.Request) -> httpx.Response:
        inner = json.loads(request.content)["requests"]
        return httpx.Response(200, json={"responses": [{"id": r["id"], "status": 401, "body": {}} for r in inner]})

    with pytest.raises(AuthError):
        read_with(mocked(refused), lambda c: c.batch_get(["/me"]))


def test_more_than_twenty_paths_go_in_batches_of_twenty() -> None:
    sizes = []

    def graph(request: httpx.Request) -> httpx.Response:
        inner = json.loads(request.content)["requests"]
        sizes.append(len(inner))
        return httpx.Response(200, json={"responses": [{"id": r["id"], "status": 200, "body": {}} for r in inner]})

    result = read_with(mocked(graph), lambda c: c.batch_get([f"/x/{n}" for n in range(45)]))
    assert len(result) == 45 and sorted(sizes) == [5, MAX_BATCH, MAX_BATCH]


def test_limited_access_on_the_folders_above_a_shared_photo_opens_nothing() -> None:
    """SharePoint gives "SP.Limited Access" on every folder above an item shared with someone: reported with
    the folder, it would say that person can open every photo in it."""
    items = [
        {"id": "root", "name": "root", "root": {}, "folder": {}},
        {"id": "F", "name": "Pictures", "folder": {}, "parentReference": {"id": "root"}},
        {"id": "p", "name": "a.jpg", "file": {"mimeType": "image/jpeg"}, "parentReference": {"id": "F"}},
        {"id": "q", "name": "b.jpg", "file": {"mimeType": "image/jpeg"}, "parentReference": {"id": "F"}},
    ]
    jo = {"user": {"displayName": "Jo", "email": "jo@example.net"}}
    permissions = {
        "F": [{"id": "la", "roles": ["SP.Limited Access"], "grantedToV2": jo}],
        "p": [{"id": "g", "roles": ["read"], "grantedToV2": jo}],
    }

    def graph(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"value": items})
        inner = json.loads(request.content)["requests"]
        answers = [
            {"id": r["id"], "status": 200, "body": {"value": permissions.get(r["url"].split("/")[4], [])}}
            for r in inner
        ]
        return httpx.Response(200, json={"responses": answers})

    reading = read_with(mocked(graph), lambda c: c.drive_sharing())
    assert reading.whole and [(s.path, [m.name for m in s.media]) for s in reading.value] == [
        ("Pictures/a.jpg", ["a.jpg"])
    ]
