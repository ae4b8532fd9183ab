"""Simulated time for the retry policy: a clock that moves only when slept on, so waits are checked by what the
policy asked for, never by wall-clock time."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from auditor.connectors.retry import RetryPolicy

# The wall clock's "now" when the simulation starts (2023-11-14 22:13:20 UTC), for Retry-After as an HTTP-date.
WALL = 1_700_000_000.0


class FakeTime:
    """A clock that moves only when slept on: requests take no time. Each sleep is recorded with what
    ``seen()`` said at that moment (e.g. how many requests the server had answered by then)."""

    def __init__(self, seen: Callable[[], Any] = lambda: None) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.seen_at_sleep: list[Any] = []
        self._seen = seen
        self._lock = threading.Lock()  # Google's and Exchange's tries sleep in worker threads

    def clock(self) -> float:
        with self._lock:
            return self.now

    def wall_clock(self) -> float:
        return WALL + self.clock()

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, f"asked to sleep {seconds} s"
        seen = self._seen()
        with self._lock:
            self.sleeps.append(seconds)
            self.seen_at_sleep.append(seen)
            self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)

    def policy(self, **settings: Any) -> RetryPolicy:
        return RetryPolicy(
            clock=self.clock,
            wall_clock=self.wall_clock,
            sleep=self.sleep,
            async_sleep=self.async_sleep,
            **settings,
        )
