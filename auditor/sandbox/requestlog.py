"""What the sandbox was asked, for tests to assert on. Secrets never enter the log."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

SECRET_HEADERS = {"authorization", "cookie", "proxy-authorization", "x-goog-api-key"}


@dataclass
class LoggedRequest:
    provider: str
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body_size: int = 0
    status: int = 0
    fault: str | None = None
    refused: bool = False
    extra: dict[str, object] = field(default_factory=dict)


def redact(headers: dict[str, str]) -> dict[str, str]:
    return {k: ("<redacted>" if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[LoggedRequest] = []

    def add(self, entry: LoggedRequest) -> LoggedRequest:
        with self._lock:
            self._entries.append(entry)
        return entry

    def entries(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
