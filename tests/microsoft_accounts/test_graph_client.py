"""The Graph connector's guards: where next-page links may lead, and how long throttling is waited out."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from auditor.connectors.graph.client import GraphClient
from auditor.errors import ProviderError, RateLimitedError
from auditor.sandbox import FaultRule, Sandbox


def read_with(client: GraphClient, call: Callable[[GraphClient], Awaitable[Any]]) -> Any:
    """Run one read on a client, then close it."""

    async def go() -> Any:
        try:
            return await call(client)
        finally:
            await client.aclose()

    return asyncio.run(go())


def mocked(graph: Callable[[httpx.Request], httpx.Response]) -> GraphClient:
    """A client whose requests are answered by ``graph`` (Graph's wire format, no network)."""
    return GraphClient("https://graph.microsoft.com/v1.0", "t", transport=httpx.MockTransport(graph))


def test_a_next_link_to_another_server_is_never_followed() -> None:
    asked: list[str] = []

    def graph(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(
            200,
            json={
                "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(messageRule)",
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
            read_with(GraphClient(sb.graph_url, sb.token, timeout=2, retry_budget=4), lambda c: c.me())
        assert time.monotonic() - began < 2
        assert len(sb.requests) == 1


def test_retry_after_is_honoured_before_trying_again() -> None:
    rule = FaultRule("graph", "/v1.0/me", "503", retry_after=1, times=1)
    with Sandbox("clean", faults=[rule]) as sb:
        began = time.monotonic()
        me = read_with(GraphClient(sb.graph_url, sb.token, timeout=2, retry_budget=4), lambda c: c.me())
        waited = time.monotonic() - began
    assert me["userPrincipalName"] == "sam.example@outlook.example"
    assert waited >= 1.0


def test_a_resource_asked_for_by_many_checks_is_fetched_once() -> None:
    with Sandbox("compromised") as sb:

        async def go() -> None:
            client = GraphClient(sb.graph_url, sb.token)
            try:
                results = await asyncio.gather(*(client.inbox_rules() for _ in range(5)), client.shared_media())
                assert all(r == results[0] for r in results[:5])
                await client.shared_media()
            finally:
                await client.aclose()

        asyncio.run(go())
        paths = [r.path for r in sb.requests]
    assert paths.count("/v1.0/me/mailFolders/inbox/messageRules") == 1
    assert paths.count("/v1.0/me/drive/root/delta") == 1 and paths.count("/v1.0/$batch") == 1


def drive_server(permissions_body: dict) -> tuple[list[str], httpx.MockTransport]:
    """A OneDrive whose folders name each other as parents, with a shared folder holding one photo."""
    asked: list[str] = []
    items = [
        {"id": "root", "name": "root", "root": {}, "folder": {}},
        {"id": "A", "name": "Album", "folder": {}, "shared": {}, "parentReference": {"id": "B"}},
        {"id": "B", "name": "Inner", "folder": {}, "parentReference": {"id": "A"}},
        {"id": "p", "name": "photo.jpg", "file": {"mimeType": "image/jpeg"}, "parentReference": {"id": "B"}},
    ]

    def graph(request: httpx.Request) -> httpx.Response:
        asked.append(f"{request.method} {request.url.path}")
        if request.url.path.endswith("/me/drive/root/delta"):
            return httpx.Response(200, json={"value": items, "@odata.deltaLink": "https://graph.microsoft.com/d"})
        if request.method == "POST" and request.url.path.endswith("/$batch"):
            import json

            inner = json.loads(request.content)["requests"]
            return httpx.Response(
                200, json={"responses": [{"id": r["id"], "status": 200, "body": permissions_body} for r in inner]}
            )
        return httpx.Response(404, json={"error": {"code": "itemNotFound", "message": "no"}})

    return asked, httpx.MockTransport(graph)


def shared_media_of(transport: httpx.MockTransport) -> list:
    client = GraphClient("https://graph.microsoft.com/v1.0", "t", transport=transport)
    return list(read_with(client, lambda c: asyncio.wait_for(c.shared_media(), 5)))


def test_folders_that_name_each_other_as_parents_do_not_loop_forever() -> None:
    link = {"id": "l1", "roles": ["read"], "link": {"scope": "anonymous", "webUrl": "https://1drv.ms/f/x"}}
    asked, transport = drive_server({"value": [link]})
    result: list = []
    # A daemon thread, so an endless walk fails this test instead of hanging the suite.
    walker = threading.Thread(target=lambda: result.append(shared_media_of(transport)), daemon=True)
    walker.start()
    walker.join(timeout=10)
    assert not walker.is_alive(), "the walk of the drive's folders never ended"
    shared = result[0]
    assert [entry.item["id"] for entry in shared] == ["A"]
    assert [m["name"] for m in shared[0].media] == ["photo.jpg"]
    assert shared[0].permissions == [link]
    assert asked.count("POST /v1.0/$batch") == 1


def test_a_permissions_answer_without_a_value_array_is_an_error_not_private() -> None:
    _, transport = drive_server({"error": "gone"})
    with pytest.raises(ProviderError, match="sharing permissions without a 'value' array"):
        shared_media_of(transport)


def test_the_servers_error_message_is_literal_in_the_error() -> None:
    hostile = "[bold]boom[/] \x1b[2J\x1b]8;;https://evil.example\x07x\u202eexe"

    def graph(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": {"code": "BadRequest", "message": hostile}})

    with pytest.raises(ProviderError) as raised:
        read_with(mocked(graph), lambda c: c.me())
    text = str(raised.value)
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "\\x1b[2J" in text and "<U+202E>" in text


def test_a_page_with_items_that_are_not_objects_is_an_error_not_a_shorter_list() -> None:
    def graph(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"value": [{"id": "r1", "displayName": "kept"}, "garbled", None]})

    with pytest.raises(ProviderError, match="items that are not objects"):
        read_with(mocked(graph), lambda c: c.inbox_rules())
