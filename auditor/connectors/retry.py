"""One retry policy for every connector: which failures are tried again, how long to wait, and when to stop.

A connector classifies each failed try into the error tree of :mod:`auditor.errors` and raises it wrapped in a
:class:`Failure` (with the HTTP status and the server's Retry-After, when there were any). The policy decides
the rest, the same way for Google, Microsoft Graph (and the requests inside a ``$batch``) and Exchange:

- Tried again: :class:`~auditor.errors.RateLimitedError` (429, Google's 403 rate limits, Exchange's
  ErrorServerBusy), :class:`~auditor.errors.NetworkError` (timeouts, resets, refused connections) and
  :class:`~auditor.errors.ProviderError` with a status of 500, 502, 503 or 504. Never: AuthError, and every
  other ProviderError (403, 404, 501, answers that are malformed) — those are raised at the first try.
- The wait: the server's Retry-After when it sent a usable one — seconds, or an HTTP-date (RFC 9110 §10.2.3,
  all three date forms), counted from the wall clock; a date already past is no wait, and a value that is
  neither (garbage, negative, NaN) is ignored. The wait is capped: a hint longer than ``max_wait`` ends the
  tries at once — it is never cut short, since a try before the server's time only earns another refusal
  and prolongs the throttling. Without a hint: ``first_backoff`` doubled at every try, at most ``max_backoff``.
- When to stop: after ``max_retries`` tries beyond the first, or as soon as the next wait would end past
  ``budget`` seconds from the first try (tries and waits both count), so a Retry-After that cannot be waited
  out within the budget fails at once instead of after a useless wait. A try already under way is not cut
  short, so the whole may run past the budget by at most one request timeout.
- What is raised when it stops: the classified error, its message ending with how many tries were made and,
  when time ran out, the wait that did not fit. Nothing is ever retried silently into a result: the error
  reaches the check, which says "Couldn't check".

Clock, wall clock and both sleeps are injected, so the policy's arithmetic is tested without waiting.
"""

from __future__ import annotations

import asyncio
import copy
import math
import re
import time
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import Generic, TypeVar

from auditor.errors import AuthError, ConnectorError, NetworkError, ProviderError, RateLimitedError

__all__ = ["RETRYABLE_STATUSES", "Failure", "RetryPolicy", "Round", "Tries", "retry_after_seconds"]

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

# The server errors that say "try again": a 501 (not implemented) or a 505 will say the same next time.
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?")


class Failure(Exception):
    """One try failed: ``error`` is what it means in the tool's error tree (raised when no try is left),
    ``status`` the HTTP status when there was one, ``retry_after`` the server's Retry-After as sent."""

    def __init__(self, error: ConnectorError, *, status: int | None = None, retry_after: object = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.status = status
        self.retry_after = retry_after


def retry_after_seconds(value: object, now: float) -> float | None:
    """The seconds a Retry-After value asks for (``now``: the wall clock, for an HTTP-date), or None when it is
    absent or unusable. Never negative: a date already past asks for no wait."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        try:
            seconds = float(value)
        except OverflowError:  # an int too large for a float: longer than any wait
            seconds = math.inf
        return None if math.isnan(seconds) or seconds < 0 else seconds
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _SECONDS.fullmatch(text):
        return float(text)  # digits too many for a float are infinity: longer than any wait
    try:
        moment = parsedate_to_datetime(text)
        if moment.tzinfo is None:  # asctime's form names no zone; HTTP-dates are always GMT
            moment = moment.replace(tzinfo=timezone.utc)
        return max(0.0, moment.timestamp() - now)
    except (ValueError, TypeError, OverflowError, IndexError):
        return None


def _seconds(value: float) -> str:
    if value >= 86_400:
        return "more than a day"
    return f"{round(value, 1):g} s"


def _tries(count: int) -> str:
    return f"{count} {'try' if count == 1 else 'tries'}"


def _ended(error: ConnectorError, why: str) -> ConnectorError:
    """The same error, its message saying why there was no further try."""
    ended = copy.copy(error)
    ended.message = f"{error.message} {why}"
    ended.args = (ended.message,)
    return ended


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5  # tries after the first
    budget: float = 60.0  # seconds from the first try to the end of the last wait (settings: retry_budget)
    max_wait: float = 60.0  # the longest single wait a server's Retry-After may ask for; longer ends the tries
    first_backoff: float = 0.5
    max_backoff: float = 8.0
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    wall_clock: Callable[[], float] = field(default=time.time, repr=False)  # for Retry-After as an HTTP-date
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    async_sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)

    # -- the rules ----------------------------------------------------------------------------------

    def retryable(self, failure: Failure) -> bool:
        error = failure.error
        if isinstance(error, AuthError):
            return False
        if isinstance(error, (RateLimitedError, NetworkError)):
            return True
        return isinstance(error, ProviderError) and failure.status in RETRYABLE_STATUSES

    def backoff(self, tries: int) -> float:
        """The wait after ``tries`` failed tries when the server gave no hint."""
        return min(self.first_backoff * 2.0 ** min(tries - 1, 64), self.max_backoff)

    # -- running tries ------------------------------------------------------------------------------

    def start(self) -> Tries:
        """The tries of one request, counted from now."""
        return Tries(self)

    def run(self, attempt: Callable[[], T]) -> T:
        """Call ``attempt`` until it returns, sleeping between tries; raise the error that ends it.

        ``attempt`` raises :class:`Failure` for a failure the policy judges; any other exception (a
        ConnectorError raised directly too) ends the request at once, unchanged."""
        tries = self.start()
        while True:
            try:
                return attempt()
            except Failure as exc:
                failure = exc
            self.sleep(tries.failed(failure))

    async def run_async(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """:meth:`run` for a coroutine: the waits are ``async_sleep``, so the event loop runs on meanwhile."""
        tries = self.start()
        while True:
            try:
                return await attempt()
            except Failure as exc:
                failure = exc
            await self.async_sleep(tries.failed(failure))

    def next_round(self, failed: Mapping[K, tuple[Tries, Failure]]) -> Round[K]:
        """One wait for many requests sent again together (the failed requests inside a Graph ``$batch``).

        Each request counts its own tries and budget. Those with no try left, or whose own wait would pass
        their budget, are given up; the others wait for the longest of their waits — and any of them that
        this longer wait would take past its own budget is given up too (the longest wait itself fits)."""
        now = self.clock()
        own: dict[K, float] = {}
        given_up: dict[K, ConnectorError] = {}
        for key, (tries, failure) in failed.items():
            verdict = tries.judge(failure, now=now)
            tries.count += 1
            if isinstance(verdict, ConnectorError):
                given_up[key] = verdict
            else:
                own[key] = verdict
        wait = max(own.values(), default=0.0)
        for key in own:
            tries, failure = failed[key]
            if not tries.fits(wait, now):
                given_up[key] = _ended(
                    failure.error,
                    f"after {_tries(tries.count)}: waiting {_seconds(wait)} with the others sent together would pass "
                    f"the {_seconds(self.budget)} allowed for retrying",
                )
        return Round(wait, given_up)


@dataclass(frozen=True)
class Round(Generic[K]):
    """The wait before a round of requests is sent again, and the requests given up with their errors."""

    wait: float
    given_up: Mapping[K, ConnectorError]


class Tries:
    """The tries of one request so far: how many failed, and since when."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.count = 0
        self.began = policy.clock()

    def fits(self, wait: float, now: float | None = None) -> bool:
        """Whether waiting ``wait`` seconds from ``now`` (default: the clock) stays within the budget."""
        now = self.policy.clock() if now is None else now
        return now - self.began + wait <= self.policy.budget

    def judge(self, failure: Failure, *, now: float | None = None) -> float | ConnectorError:
        """For one more failed try: the wait before the next, or the error that ends the request. Counts
        nothing (:meth:`failed` does)."""
        policy = self.policy
        if not policy.retryable(failure):
            return failure.error
        made = self.count + 1
        if made > policy.max_retries:
            return _ended(failure.error, f"after {_tries(made)}")
        asked = retry_after_seconds(failure.retry_after, policy.wall_clock())
        if asked is not None and asked > policy.max_wait:
            why = f"it asked to wait {_seconds(asked)}, longer than the {_seconds(policy.max_wait)} waited at once"
            return _ended(failure.error, f"after {_tries(made)}: {why}")
        wait = asked if asked is not None else policy.backoff(made)
        if not self.fits(wait, now):
            if asked is not None:
                why = f"it asked to wait {_seconds(asked)}, which would pass"
            else:
                why = f"waiting {_seconds(wait)} more would pass"
            return _ended(
                failure.error, f"after {_tries(made)}: {why} the {_seconds(policy.budget)} allowed for retrying"
            )
        return wait

    def failed(self, failure: Failure) -> float:
        """Count a failed try: the seconds to wait before the next, or raise the error that ends the request."""
        verdict = self.judge(failure)
        self.count += 1
        if isinstance(verdict, ConnectorError):
            raise verdict
        return verdict
