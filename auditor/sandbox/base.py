"""The contract between the sandbox's HTTP machinery and each provider it imitates.

A provider (Google, Microsoft Graph + identity platform, Exchange EWS) is a :class:`ProviderApp`: it gets
a parsed :class:`SandboxRequest` and returns a :class:`SandboxResponse`, written from the provider's own
documentation of its wire format. The machinery (``auditor.sandbox.server``) owns sockets, TLS, fault
injection, the request log and the refusal of any request that would change an account; providers only
answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class SandboxRequest:
    method: str
    path: str  # without the query string, percent-decoding left to the provider
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes = b""

    @classmethod
    def from_raw(cls, method: str, target: str, headers: dict[str, str], body: bytes) -> SandboxRequest:
        parts = urlsplit(target)
        return cls(
            method=method.upper(),
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in headers.items()},
            body=body,
        )

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    @property
    def bearer(self) -> str | None:
        auth = self.headers.get("authorization", "")
        return auth[7:].strip() if auth.lower().startswith("bearer ") else None


@dataclass
class SandboxResponse:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> SandboxResponse:
        return cls(
            status=status,
            body=json.dumps(payload).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=UTF-8", **(headers or {})},
        )

    @classmethod
    def xml(cls, text: str, status: int = 200) -> SandboxResponse:
        return cls(status=status, body=text.encode("utf-8"), headers={"Content-Type": "text/xml; charset=utf-8"})


class ProviderApp(Protocol):
    """One imitated provider. ``name`` is used in the request log and in fault rules."""

    name: str
    tls: bool  # True: served over HTTPS with the sandbox's self-signed certificate

    def is_read(self, request: SandboxRequest) -> bool:
        """True when the request only reads (GET, Graph $batch of GETs, an EWS Get*, an OAuth token POST)."""

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        """Answer as the real API would, including its error bodies (404, 403, 401)."""

    def error(self, status: int, message: str) -> SandboxResponse:
        """An error in this provider's own format (used for injected faults and refusals)."""
