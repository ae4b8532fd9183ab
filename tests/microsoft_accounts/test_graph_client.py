"""The Graph connector's guards: where next-page links may lead, and how long throttling is waited out."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from auditor.connectors.graph.client import GraphClient
from auditor.errors import ProviderError, RateLimitedError
from auditor.sandbox import FaultRule, Sandbox


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

    async def go() -> None:
        client = GraphClient("https://graph.microsoft.com/v1.0", "t", transport=httpx.MockTransport(graph))
        try:
            with pytest.raises(ProviderError, match="another server"):
                await client.inbox_rules()
        finally:
            await client.aclose()

    asyncio.run(go())
    assert len(asked) == 1 and all(url.startswith("https://graph.microsoft.com/") for url in asked)


def test_retry_after_beyond_the_budget_fails_at_once() -> None:
    rule = FaultRule("graph", "/v1.0/me", "429", retry_after=30)
    with Sandbox("clean", faults=[rule]) as sb:

        async def go() -> None:
            client = GraphClient(sb.graph_url, sb.token, timeout=2, retry_budget=4)
            try:
                await client.me()
            finally:
                await client.aclose()

        began = time.monotonic()
        with pytest.raises(RateLimitedError, match="429"):
            asyncio.run(go())
        assert time.monotonic() - began < 2
        assert len(sb.requests) == 1


def test_retry_after_is_honoured_before_trying_again() -> None:
    rule = FaultRule("graph", "/v1.0/me", "503", retry_after=1, times=1)
    with Sandbox("clean", faults=[rule]) as sb:

        async def go() -> dict:
            client = GraphClient(sb.graph_url, sb.token, timeout=2, retry_budget=4)
            try:
                return await client.me()
            finally:
                await client.aclose()

        began = time.monotonic()
        me = asyncio.run(go())
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
