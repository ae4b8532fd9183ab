"""The Graph writer on its own (httpx with a mock transport in Graph's wire format): exactly the documented
requests, ids never making new path segments, no redirect followed, and the retry rules for writes — a delete
sent again after a failure that Microsoft then answers "not found" is an error, never a success."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from auditor.connectors.graph.writer import GraphWriter
from auditor.connectors.retry import RetryPolicy
from auditor.errors import ConnectorError, ProviderError

RULE = {"id": "AQAAAJ5dZqA=", "displayName": "x", "sequence": 1, "isEnabled": False, "actions": {"delete": True}}
LINK = {"id": "p2", "roles": ["read"], "link": {"type": "view", "webUrl": "https://1drv.ms/u/s!new"}}


def _run(
    answers: list[httpx.Response], call: Callable[[GraphWriter], Awaitable[Any]]
) -> tuple[Any, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers[min(len(seen), len(answers)) - 1]

    async def go() -> Any:
        policy = RetryPolicy(max_retries=3, budget=10, async_sleep=lambda s: asyncio.sleep(0))
        writer = GraphWriter("https://graph.example/v1.0", "tok", transport=httpx.MockTransport(answer), retry=policy)
        try:
            return await call(writer)
        finally:
            await writer.aclose()

    try:
        return asyncio.run(go()), seen
    except ConnectorError as exc:
        return exc, seen


def _lines(seen: list[httpx.Request]) -> list[tuple[str, str, Any]]:
    return [(r.method, r.url.raw_path.decode(), json.loads(r.content) if r.content else None) for r in seen]


@pytest.mark.parametrize(
    ("call", "answer", "line"),
    [
        (
            lambda w: w.set_rule_enabled("AQAAAJ5dZqA=", False),
            httpx.Response(200, json=RULE),
            ("PATCH", "/v1.0/me/mailFolders/inbox/messageRules/AQAAAJ5dZqA=", {"isEnabled": False}),
        ),
        (
            lambda w: w.delete_rule("AQAAAJ5dZqA="),
            httpx.Response(204),
            ("DELETE", "/v1.0/me/mailFolders/inbox/messageRules/AQAAAJ5dZqA=", None),
        ),
        (
            lambda w: w.delete_permission("D!101", "aBc-_1"),
            httpx.Response(204),
            ("DELETE", "/v1.0/me/drive/items/D!101/permissions/aBc-_1", None),
        ),
        (
            lambda w: w.create_link("D!101", {"type": "view"}),
            httpx.Response(201, json=LINK),
            ("POST", "/v1.0/me/drive/items/D!101/createLink", {"type": "view"}),
        ),
        (lambda w: w.revoke_sign_in_sessions(), httpx.Response(204), ("POST", "/v1.0/me/revokeSignInSessions", None)),
    ],
    ids=["rule-off", "rule-delete", "permission-delete", "create-link", "sign-out"],
)
def test_each_write_is_exactly_the_documented_request(call: Any, answer: httpx.Response, line: tuple) -> None:
    result, seen = _run([answer], call)
    assert not isinstance(result, ConnectorError), result
    assert _lines(seen) == [line]
    assert seen[0].headers["Authorization"] == "Bearer tok"
    if line[2] is not None:
        assert seen[0].headers["Content-Type"] == "application/json"


def test_an_id_never_makes_a_new_path_segment() -> None:
    _, seen = _run([httpx.Response(204)], lambda w: w.delete_permission("../../me/revokeSignInSessions", "a/b?c#d"))
    assert _lines(seen)[0][1] == "/v1.0/me/drive/items/..%2F..%2Fme%2FrevokeSignInSessions/permissions/a%2Fb%3Fc%23d"


def test_a_recreated_rule_carries_only_what_a_rule_is_made_with() -> None:
    before = {**RULE, "hasError": False, "isReadOnly": None, "exceptions": None, "account_type": "work"}
    result, seen = _run([httpx.Response(201, json={**RULE, "id": "NEW="})], lambda w: w.create_rule(before))
    assert result.id == "NEW="
    assert _lines(seen)[0][2] == {k: RULE[k] for k in ("displayName", "sequence", "isEnabled", "actions")}


def test_a_redirect_is_not_followed_and_is_not_a_success() -> None:
    moved = httpx.Response(302, headers={"Location": "https://evil.example/v1.0/me/revokeSignInSessions"})
    result, seen = _run([moved], lambda w: w.delete_rule("r"))
    assert isinstance(result, ProviderError) and len(seen) == 1


def test_a_delete_sent_again_after_a_failure_then_not_found_is_an_error() -> None:
    result, seen = _run([httpx.Response(503), httpx.Response(404)], lambda w: w.delete_permission("i", "p"))
    assert (
        isinstance(result, ProviderError) and "no longer there" in str(result) and "Run the check again" in str(result)
    )
    assert len(seen) == 2


def test_a_delete_not_found_at_the_first_try_is_an_error_too() -> None:
    result, seen = _run(
        [httpx.Response(404, json={"error": {"code": "itemNotFound", "message": "Item not found"}})],
        lambda w: w.delete_rule("r"),
    )
    assert isinstance(result, ProviderError) and "404" in str(result) and len(seen) == 1


def test_a_server_error_on_a_request_that_makes_something_new_is_not_sent_again() -> None:
    result, seen = _run(
        [httpx.Response(500), httpx.Response(201, json=LINK)], lambda w: w.invite("i", {"recipients": []})
    )
    assert isinstance(result, ProviderError) and "may or may not" in str(result) and len(seen) == 1


def test_a_429_on_a_request_that_makes_something_new_is_waited_out() -> None:
    answers = [httpx.Response(429, headers={"Retry-After": "0"}), httpx.Response(201, json={**RULE, "id": "NEW="})]
    result, seen = _run(answers, lambda w: w.create_rule(RULE))
    assert result.id == "NEW=" and len(seen) == 2


def test_a_sign_out_answered_false_is_not_a_success() -> None:
    result, _ = _run([httpx.Response(200, json={"value": False})], lambda w: w.revoke_sign_in_sessions())
    assert isinstance(result, ProviderError)


def test_an_answer_about_another_rule_is_not_a_success() -> None:
    result, _ = _run(
        [httpx.Response(200, json={**RULE, "id": "OTHER="})], lambda w: w.set_rule_enabled("AQAAAJ5dZqA=", False)
    )
    assert isinstance(result, ProviderError)
