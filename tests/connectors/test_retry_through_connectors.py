"""The retry policy through each connector's real library (googleapiclient, httpx, exchangelib) against the loopback
practice servers: a 429 with Retry-After is waited out to the right result, and a budget overrun — by the hint,
in time or in count — ends in "Couldn't check", never "Looks clear". Time is simulated (tests/connectors/timing):
what is asserted is the wait the policy asked for and when, never how long the test took."""

from __future__ import annotations

import asyncio
import http.client
import json
import threading
from collections.abc import Awaitable, Callable, Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sandbox.urls import url_of

from auditor.audit import load_checks
from auditor.checkapi import Source
from auditor.connectors.ews.client import ExchangeClient, ExchangeLogin
from auditor.connectors.google.client import GoogleClient
from auditor.connectors.graph.client import GraphClient
from auditor.connectors.retry import RetryPolicy
from auditor.engine import run_audit
from auditor.model import AuditRun, Finding, Status
from auditor.sandbox import FaultRule, Sandbox

from .timing import WALL, FakeTime

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FILTERS = "/gmail/v1/users/*/settings/filters"
RULES = "/v1.0/me/mailFolders/inbox/messageRules"
PERMISSIONS = "/v1.0/me/drive/items/*/permissions"
EWS = "/EWS/Exchange.asmx"


def faulted(sb: Sandbox, path: str) -> Callable[[], int]:
    """How many requests to ``path`` (a pattern's prefix) the practice server has answered with a fault so far."""
    prefix = path.split("*")[0]
    return lambda: len([r for r in list(sb.requests) if r.path.startswith(prefix) and r.fault])


def findings(run: AuditRun, check: str) -> list[Finding]:
    return [f for f in run.findings if f.check == check]


def audited(source: Callable[[], Awaitable[tuple[Source, Callable[[], Any]]]], check: str) -> list[Finding]:
    """Run one check over a source whose client carries the test's retry policy."""

    async def go() -> AuditRun:
        opened, close = await source()
        try:
            return await run_audit(load_checks(), [opened], only_checks=[check])
        finally:
            done = close()
            if asyncio.iscoroutine(done):
                await done

    found = findings(asyncio.run(go()), check)
    assert found, f"{check} did not run"
    return found


def google(sb: Sandbox, policy: RetryPolicy) -> Callable[[], Awaitable[tuple[Source, Callable[[], Any]]]]:
    async def open_() -> tuple[Source, Callable[[], Any]]:
        from google.oauth2.credentials import Credentials

        client = GoogleClient(sb.endpoints().google, Credentials(sb.token), timeout=2, retry=policy)
        return Source("google", "ann.example@gmail.com", clients={"google": client}), client.close

    return open_


def graph(sb: Sandbox, policy: RetryPolicy, account_type: str) -> Callable[[], Awaitable[tuple[Source, Any]]]:
    async def open_() -> tuple[Source, Callable[[], Any]]:
        client = GraphClient(url_of(sb, "graph"), sb.token, timeout=2, retry=policy)
        client.account_type = account_type
        target = str(sb.scenario.sections["microsoft"].user.userPrincipalName)
        return Source("microsoft", target, clients={"graph": client}), client.aclose

    return open_


def exchange(sb: Sandbox, policy: RetryPolicy) -> Callable[[], Awaitable[tuple[Source, Any]]]:
    async def open_() -> tuple[Source, Callable[[], Any]]:
        mailbox = sb.scenario.sections["exchange"].mailbox
        client = ExchangeClient(
            url_of(sb, "ews"), ExchangeLogin("oauth", sb.token), mailbox=mailbox, timeout=2, retry=policy
        )
        return Source("exchange", mailbox, clients={"exchange": client}), client.aclose

    return open_


def assert_couldnt_check(found: list[Finding], *words: str) -> None:
    statuses = {f.status for f in found}
    assert Status.CLEAR not in statuses and Status.ERROR in statuses, found
    details = " ".join(f.detail for f in found if f.status is Status.ERROR)
    for word in words:
        assert word in details, details


# How the budget is overrun: (retry_after the practice server sends, budget, waits the policy asks for, words).
GOOGLE_AND_GRAPH_OVERRUNS = [
    pytest.param(30, 4.0, [], ["after 1 try: it asked to wait 30 s, which would pass the 4 s"], id="hint-past-budget"),
    pytest.param(1, 4.0, [1.0] * 4, ["after 5 tries: it asked to wait 1 s, which would pass the 4 s"], id="in-time"),
    pytest.param(0, 60.0, [0.0] * 5, ["after 6 tries"], id="in-count"),
]


# -- Google (googleapiclient over httplib2) ---------------------------------------------------------------


def test_google_429_with_retry_after_is_waited_out_to_the_right_result() -> None:
    rule = FaultRule("google", FILTERS, "429", retry_after=2, times=1)
    with Sandbox("compromised", faults=[rule]) as sb:
        time = FakeTime(seen=faulted(sb, FILTERS))
        found = audited(google(sb, time.policy(budget=4.0)), "google.gmail_filters")
        answered = [r.status for r in sb.requests if r.path.endswith("/settings/filters")]
    assert time.sleeps == [2.0] and time.seen_at_sleep == [1]  # slept 2 s after the 429, before trying again
    assert answered == [429, 200]
    assert [f.status for f in found] == [Status.FOUND] and "keepingtabs@proton.example" in found[0].title


@pytest.mark.parametrize(("retry_after", "budget", "waits", "words"), GOOGLE_AND_GRAPH_OVERRUNS)
def test_google_budget_overrun_is_couldnt_check(
    retry_after: int, budget: float, waits: list[float], words: list[str]
) -> None:
    rule = FaultRule("google", FILTERS, "429", retry_after=retry_after)
    with Sandbox("clean", faults=[rule]) as sb:  # read to its end, the clean account's filters would be clear
        time = FakeTime()
        found = audited(google(sb, time.policy(budget=budget)), "google.gmail_filters")
        tries = len([r for r in sb.requests if r.path.endswith("/settings/filters")])
    assert time.sleeps == waits and tries == len(waits) + 1
    assert_couldnt_check(found, "Google answered 429", *words)


# -- Microsoft Graph (httpx), and the requests inside a $batch ------------------------------------------


def test_graph_429_with_retry_after_is_waited_out_to_the_right_result() -> None:
    rule = FaultRule("graph", RULES, "429", retry_after=3, times=1)
    with Sandbox("compromised", faults=[rule]) as sb:
        time = FakeTime(seen=faulted(sb, RULES))
        found = audited(graph(sb, time.policy(budget=4.0), "work"), "microsoft.outlook_inbox_rules")
        answered = [r.status for r in sb.requests if r.path == RULES]
    assert time.sleeps == [3.0] and time.seen_at_sleep == [1]
    assert answered == [429, 200]
    assert {f.status for f in found} == {Status.FOUND} and len(found) == 2


@pytest.mark.parametrize(("retry_after", "budget", "waits", "words"), GOOGLE_AND_GRAPH_OVERRUNS)
def test_graph_budget_overrun_is_couldnt_check(
    retry_after: int, budget: float, waits: list[float], words: list[str]
) -> None:
    rule = FaultRule("graph", RULES, "429", retry_after=retry_after)
    with Sandbox("clean", faults=[rule]) as sb:
        time = FakeTime()
        found = audited(graph(sb, time.policy(budget=budget), "personal"), "microsoft.outlook_inbox_rules")
        tries = len([r for r in sb.requests if r.path == RULES])
    assert time.sleeps == waits and tries == len(waits) + 1
    assert_couldnt_check(found, "Microsoft Graph answered 429", *words)


def test_graph_inner_batch_429_with_retry_after_is_waited_out_to_the_right_result() -> None:
    rule = FaultRule("graph", PERMISSIONS, "429", retry_after=2, times=1)
    with Sandbox("compromised", faults=[rule]) as sb:
        time = FakeTime(seen=lambda: len([r for r in list(sb.requests) if r.path == "/v1.0/$batch"]))
        found = audited(graph(sb, time.policy(budget=4.0), "work"), "microsoft.onedrive_public_media")
    assert time.sleeps == [2.0] and time.seen_at_sleep == [1]  # after the first batch, before the second
    assert {f.status for f in found} == {Status.FOUND} and len(found) == 2


@pytest.mark.parametrize(("retry_after", "budget", "waits", "words"), GOOGLE_AND_GRAPH_OVERRUNS)
def test_graph_inner_batch_budget_overrun_is_couldnt_check(
    retry_after: int, budget: float, waits: list[float], words: list[str]
) -> None:
    rule = FaultRule("graph", PERMISSIONS, "429", retry_after=retry_after)
    with Sandbox("clean", faults=[rule]) as sb:  # holiday.jpg's permissions, read, would say it is not shared
        time = FakeTime()
        found = audited(graph(sb, time.policy(budget=budget), "personal"), "microsoft.onedrive_public_media")
        batches = len([r for r in sb.requests if r.path == "/v1.0/$batch"])
    assert time.sleeps == waits and batches == len(waits) + 1
    assert_couldnt_check(found, "answered 429 inside a batch", *words)


# -- Exchange (exchangelib) -----------------------------------------------------------------------------
# The practice server throttles as Exchange on-premises does: HTTP 500 with an ErrorServerBusy fault whose
# BackOffMilliseconds (500) is the hint.


def test_exchange_server_busy_back_off_is_waited_out_to_the_right_result() -> None:
    rule = FaultRule("ews", EWS, "429", times=1)
    with Sandbox("compromised", faults=[rule]) as sb:
        time = FakeTime(seen=faulted(sb, EWS))
        found = audited(exchange(sb, time.policy(budget=4.0)), "exchange.inbox_rules")
        answered = [r.status for r in sb.requests if r.provider == "ews"]
    assert time.sleeps == [0.5] and time.seen_at_sleep == [1]
    assert answered[0] == 500 and 500 not in answered[1:]
    assert [f.status for f in found] == [Status.FOUND] and "keepingtabs@proton.example" in found[0].title


@pytest.mark.parametrize(
    ("budget", "waits", "words"),
    [
        pytest.param(
            0.4, [], ["after 1 try: it asked to wait 0.5 s, which would pass the 0.4 s"], id="hint-past-budget"
        ),
        pytest.param(
            1.2, [0.5, 0.5], ["after 3 tries: it asked to wait 0.5 s, which would pass the 1.2 s"], id="in-time"
        ),
        pytest.param(60.0, [0.5] * 5, ["after 6 tries"], id="in-count"),
    ],
)
def test_exchange_budget_overrun_is_couldnt_check(budget: float, waits: list[float], words: list[str]) -> None:
    rule = FaultRule("ews", EWS, "429")
    with Sandbox("clean", faults=[rule]) as sb:
        time = FakeTime()
        found = audited(exchange(sb, time.policy(budget=budget)), "exchange.inbox_rules")
        tries = len([r for r in sb.requests if r.provider == "ews" and r.fault])
    assert time.sleeps == waits and tries == len(waits) + 1
    assert_couldnt_check(found, "Exchange said it was busy reading inbox rules", *words)


# -- Retry-After as an HTTP-date, through the libraries --------------------------------------------------
# The practice servers send Retry-After in seconds; RFC 9110 allows a date too, so a scripted loopback server
# sends one (45 s after the simulated wall clock's now) before the providers' documented answers.

LATER = formatdate(WALL + 45, usegmt=True)
LATER_STILL = formatdate(WALL + 90, usegmt=True)  # 45 s after the first wait is over
FORWARD = None  # in a script: pass the request on to the practice server behind


class Scripted(ThreadingHTTPServer):
    """Answers each path from a script, in turn (the last answer for ever); FORWARD passes the request on to
    ``upstream`` (a practice server) and hands back its answer unchanged."""

    def __init__(self, script: dict[str, list[Any]], upstream: str | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _ScriptedHandler)
        self.script = script
        self.upstream = urlsplit(upstream) if upstream else None
        self.asked: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


class _ScriptedHandler(BaseHTTPRequestHandler):
    server: Scripted

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path.split("?")[0]
        self.server.asked.append(path)
        answers = self.server.script.get(path) or [(404, {}, {"error": {"code": 404, "message": "not here"}})]
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if answer is FORWARD:
            status, headers, data = self._forward(body)
        else:
            status, headers, content = answer
            headers = {"Content-Type": "application/json", **headers}
            data = content if isinstance(content, bytes) else json.dumps(content).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _forward(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        upstream = self.server.upstream
        assert upstream is not None and upstream.hostname == "127.0.0.1"
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=10)
        try:
            skip = ("host", "content-length", "connection")
            headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
            connection.request(self.command, self.path, body, headers)
            response = connection.getresponse()
            data = response.read()
            kept = {k: v for k, v in response.getheaders() if k.lower() not in (*skip, "transfer-encoding")}
            return response.status, kept, data
        finally:
            connection.close()

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def scripted() -> Iterator[Callable[..., Scripted]]:
    servers: list[Scripted] = []

    def start(script: dict[str, list[Any]], upstream: str | None = None) -> Scripted:
        server = Scripted(script, upstream)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def published(provider: str, name: str) -> Any:
    return json.loads((FIXTURES / provider / name).read_text(encoding="utf-8"))


def test_google_retry_after_as_an_http_date_is_waited_out(scripted: Callable[..., Scripted]) -> None:
    from google.oauth2.credentials import Credentials

    throttled = {"error": {"code": 429, "message": "Resource has been exhausted", "status": "RESOURCE_EXHAUSTED"}}
    path = "/gmail/v1/users/me/settings/filters"
    server = scripted(
        {path: [(429, {"Retry-After": LATER}, throttled), (200, {}, published("google", "gmail_filters.json"))]}
    )
    time = FakeTime()
    client = GoogleClient(server.url + "/", Credentials("t"), timeout=2, retry=time.policy(budget=60.0))
    try:
        reading = asyncio.run(client.filters())
    finally:
        client.close()
    assert time.sleeps == [45.0] and server.asked == [path, path]
    assert reading.whole and [f.id for f in reading.value] == ["ANe1BmjR8VQJ2lLxWk4T1gZpQ0cE7uYb"]


def test_graph_retry_after_as_an_http_date_is_waited_out_outside_and_inside_a_batch(
    scripted: Callable[..., Scripted],
) -> None:
    throttled = {"error": {"code": "TooManyRequests", "message": "Too many requests."}}
    permissions = published("graph", "driveitem-list-permissions.json")
    inner_429 = {"id": "1", "status": 429, "headers": {"Retry-After": LATER_STILL}, "body": throttled}
    inner_200 = {"id": "1", "status": 200, "headers": {}, "body": permissions}
    server = scripted(
        {
            "/v1.0/me/mailFolders/inbox/messageRules": [
                (429, {"Retry-After": LATER}, throttled),
                (200, {}, published("graph", "messagerules-list.json")),
            ],
            "/v1.0/$batch": [(200, {}, {"responses": [inner_429]}), (200, {}, {"responses": [inner_200]})],
        }
    )
    time = FakeTime()

    async def go() -> tuple[Any, Any]:
        client = GraphClient(server.url + "/v1.0", "t", timeout=2, retry=time.policy(budget=60.0))
        try:
            rules = await client.inbox_rules()
            inner = await client.batch_get(["/me/drive/items/x/permissions"], paged=True)
            return rules, inner
        finally:
            await client.aclose()

    rules, inner = asyncio.run(go())
    assert time.sleeps == [45.0, 45.0]
    assert rules.whole and len(rules.value) == len(published("graph", "messagerules-list.json")["value"])
    result = inner["/me/drive/items/x/permissions"]
    assert result.problem is None and result.body == permissions["value"]


def test_exchange_429_with_retry_after_as_an_http_date_is_waited_out(scripted: Callable[..., Scripted]) -> None:
    """A real HTTP 429 (Exchange Online's form of throttling): exchangelib hands it on as an answer it could not
    parse, the Retry-After inside its description; the practice server behind then answers."""
    with Sandbox("compromised") as sb:
        plain = "text/plain; charset=utf-8"
        server = scripted(
            {EWS: [(429, {"Retry-After": LATER, "Content-Type": plain}, b"Too many requests"), FORWARD]}, sb.ews_url
        )
        time = FakeTime()
        mailbox = sb.scenario.sections["exchange"].mailbox
        client = ExchangeClient(
            server.url + EWS,
            ExchangeLogin("oauth", sb.token),
            mailbox=mailbox,
            timeout=2,
            retry=time.policy(budget=60.0),
        )

        async def go() -> Any:
            try:
                return await client.inbox_rules()
            finally:
                await client.aclose()

        reading = asyncio.run(go())
        forwarded = len([r for r in sb.requests if r.provider == "ews"])
    assert time.sleeps == [45.0] and forwarded == len(server.asked) - 1 >= 1
    assert reading.whole and any("keepingtabs@proton.example" in str(rule) for rule in reading.value)


# -- what differed between the four copies of the retry loop ----------------------------------------------


def test_exchange_negative_back_off_is_no_hint_and_the_schedule_applies() -> None:
    """exchangelib reads BackOffMilliseconds as it is: a negative one used to reach time.sleep, whose ValueError
    ended the read as an unexpected failure. It is not a usable hint: the policy's own wait applies."""
    from auditor.sandbox import load_scenario
    from auditor.sandbox.exchange import LiteralAnswer

    fault = (FIXTURES / "ews" / "exchangelib-errorserverbusy-fault.xml").read_text(encoding="utf-8")
    assert ">297749<" in fault
    scenario = load_scenario("clean")
    busy = LiteralAnswer(xml=fault.replace(">297749<", ">-5000<"), status=500, times=1)
    scenario.sections["exchange"].answers = {"GetInboxRules": busy}
    with Sandbox(scenario) as sb:
        time = FakeTime()
        found = audited(exchange(sb, time.policy(budget=4.0)), "exchange.inbox_rules")
        answered = [r.status for r in sb.requests if r.provider == "ews"]
    assert time.sleeps == [0.5] and answered.count(500) == 1
    assert [f.status for f in found] == [Status.CLEAR]


def permission_pages(pages: int, *, seconds_per_batch: float, time: FakeTime) -> tuple[Any, list[list[str]]]:
    """A Graph whose $batch answers an item's permissions in ``pages`` pages, each throttled once (Retry-After: 0)
    before it is answered; every batch takes ``seconds_per_batch`` of simulated time."""
    import httpx

    graph = "https://graph.microsoft.com/v1.0"
    asked: list[list[str]] = []
    throttled: set[str] = set()

    def handle(request: httpx.Request) -> httpx.Response:
        time.now += seconds_per_batch
        inner = json.loads(request.content)["requests"]
        asked.append([r["url"] for r in inner])
        out = []
        for r in inner:
            url = r["url"]
            if url not in throttled:
                throttled.add(url)
                out.append({"id": r["id"], "status": 429, "headers": {"Retry-After": "0"}, "body": {}})
                continue
            page = int(url.rsplit("=", 1)[1]) if "$skiptoken=" in url else 1
            body: dict[str, Any] = {"value": [{"id": f"p{page}", "roles": ["read"]}]}
            if page < pages:
                body["@odata.nextLink"] = f"{graph}/me/drive/items/x/permissions?$skiptoken={page + 1}"
            out.append({"id": r["id"], "status": 200, "body": body})
        return httpx.Response(200, json={"responses": out})

    return httpx.MockTransport(handle), asked


def test_graph_batch_pages_each_count_their_own_tries_and_budget() -> None:
    """Each page of a list read inside batches is a request of its own. The copy in the batch loop counted every
    throttled round of the whole batch against one count and one clock started with the batch: the fourth page
    throttled once gave up (count), and so did any page once the batch had run past the budget (time)."""
    time = FakeTime()
    transport, asked = permission_pages(4, seconds_per_batch=2.0, time=time)
    policy = time.policy(max_retries=2, budget=3.0)

    async def go() -> Any:
        client = GraphClient("https://graph.microsoft.com/v1.0", "t", transport=transport, retry=policy)
        try:
            return await client.batch_get(["/me/drive/items/x/permissions"], paged=True)
        finally:
            await client.aclose()

    result = asyncio.run(go())["/me/drive/items/x/permissions"]
    assert result.problem is None and [p["id"] for p in result.body] == ["p1", "p2", "p3", "p4"]
    assert len(asked) == 8 and time.sleeps == [0.0] * 4 and time.now == 16.0


def test_graph_batch_answer_leaving_a_request_out_is_not_retried() -> None:
    """A batch answer without a request's answer is malformed, as one without a responses list: said at once."""
    import httpx

    calls: list[int] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(200, json={"responses": []})

    time = FakeTime()
    client = GraphClient(
        "https://graph.microsoft.com/v1.0", "t", transport=httpx.MockTransport(handle), retry=time.policy()
    )

    async def go() -> Any:
        try:
            return await client.batch_get(["/me/drive/items/x/permissions"])
        finally:
            await client.aclose()

    result = asyncio.run(go())["/me/drive/items/x/permissions"]
    assert result.problem == "Microsoft Graph left a request of a batch unanswered"
    assert calls == [1] and time.sleeps == []
