"""Answers of the right JSON but the wrong shape: a listing that is not a list ends in an error, a record that is
not a record is named while the others are kept — never a shorter list judged whole — and what Google says in an
error is shown literally."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from auditor.connectors.google.client import GoogleClient
from auditor.errors import ProviderError

ANSWERS: dict[str, tuple[int, Any]] = {
    "/gmail/v1/users/me/settings/filters": (200, {"filter": {"id": "f1", "action": {"forward": "x@example.net"}}}),
    "/gmail/v1/users/me/settings/sendAs": (200, {"sendAs": ["x@example.net"]}),
    "/gmail/v1/users/me/settings/forwardingAddresses": (200, {"forwardingAddresses": "x@example.net"}),
    "/drive/v3/files": (200, {"files": [{"id": "1", "name": "IMG.jpg"}, "IMG_2.jpg"]}),
    "/gmail/v1/users/me/settings/delegates": (
        400,
        {"error": {"code": 400, "message": "bad \x1b]8;;https://evil.example\x07link\u202e", "status": "INVALID"}},
    ),
}


SLOW_DOWN = {
    "error": {
        "code": 403,
        "message": "User Rate Limit Exceeded",
        "errors": [{"domain": "usageLimits", "reason": "userRateLimitExceeded", "message": "slow down"}],
    }
}
THROTTLED: list[str] = []  # the requests answered "slow down" (Drive's 403, not a 429)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/drive/v3/about" and len(THROTTLED) < 2:
            THROTTLED.append(path)
            status, body = 403, SLOW_DOWN
        elif path == "/drive/v3/about":
            status, body = 200, {"user": {"emailAddress": "ann@example.org"}}
        else:
            status, body = ANSWERS.get(path, (404, {"error": {"code": 404, "message": "no"}}))
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def client() -> Iterator[GoogleClient]:
    from google.oauth2.credentials import Credentials

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        google = GoogleClient(f"http://127.0.0.1:{server.server_port}/", Credentials("t"), timeout=2, retry_budget=2)
        yield google
        google.close()
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("read", ["filters", "forwarding_addresses"])
def test_a_listing_that_is_not_a_list_of_records_is_an_error(read: str, client: GoogleClient) -> None:
    with pytest.raises(ProviderError, match="not a list of records"):
        asyncio.run(getattr(client, read)())


@pytest.mark.parametrize(
    ("read", "kept", "named"),
    [
        ("send_as", 0, ["sendAs[0]: not an object ('x@example.net')", "primary) address was not listed"]),
        ("media_shared_by_link", 1, ["files[1]: not an object ('IMG_2.jpg')"]),
    ],
)
def test_records_that_are_not_records_are_named_and_the_others_kept(
    read: str, kept: int, named: list[str], client: GoogleClient
) -> None:
    reading = asyncio.run(getattr(client, read)())
    assert len(reading.value) == kept and not reading.whole
    for words in named:
        assert any(words in problem for problem in reading.unrecognised), reading.unrecognised


def test_what_google_says_in_an_error_is_literal(client: GoogleClient) -> None:
    with pytest.raises(ProviderError) as caught:
        asyncio.run(client.delegates())
    message = str(caught.value)
    assert "\x1b" not in message and "\x07" not in message and "\u202e" not in message
    assert "\\x1b]8;;https://evil.example\\x07link<U+202E>" in message


def test_drive_saying_slow_down_with_a_403_is_retried(client: GoogleClient) -> None:
    THROTTLED.clear()
    assert asyncio.run(client.account_email()) == "ann@example.org"
    assert len(THROTTLED) == 2
