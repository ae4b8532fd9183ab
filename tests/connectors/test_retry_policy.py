"""The connectors' one retry policy on its own: Retry-After in every form, the wait schedule, the budget in count
and in time, what is never retried, and the waits of requests retried together inside a batch — all on a
simulated clock."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from email.utils import formatdate
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.checkapi.google import AdminAccessDenied
from auditor.checkapi.microsoft import Forbidden
from auditor.connectors.retry import Failure, RetryPolicy, Tries, retry_after_seconds
from auditor.errors import AuthError, ConnectorError, NetworkError, ProviderError, RateLimitedError

from .timing import WALL, FakeTime


def http_date(at: float, form: str = "imf") -> str:
    """``at`` (seconds since the epoch) in one of the three forms RFC 9110 §5.6.7 makes recipients accept."""
    imf = formatdate(at, usegmt=True)  # Sun, 06 Nov 1994 08:49:37 GMT
    if form == "imf":
        return imf
    import time

    moment = time.gmtime(at)
    if form == "rfc850":
        return time.strftime("%A, %d-%b-%y %H:%M:%S GMT", moment)
    return time.strftime("%a %b %e %H:%M:%S %Y", moment)  # asctime


def failing(failures: list[Failure | BaseException], then: Any = "read") -> tuple[Callable[[], Any], list[float]]:
    """An attempt that raises each of ``failures`` in turn (the last one for ever when ``then`` is None)."""
    tried: list[float] = []

    def attempt() -> Any:
        tried.append(len(tried))
        if len(tried) <= len(failures):
            raise failures[len(tried) - 1]
        if then is None:
            raise failures[-1]
        return then

    return attempt, tried


def throttled(retry_after: object = None) -> Failure:
    return Failure(RateLimitedError("the server answered 429"), status=429, retry_after=retry_after)


def unavailable(status: int = 503, retry_after: object = None) -> Failure:
    return Failure(ProviderError(f"the server answered {status}"), status=status, retry_after=retry_after)


# -- Retry-After ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("5", 5.0),
        (" 120 ", 120.0),
        ("0", 0.0),
        ("1.5", 1.5),  # not RFC 9110's form, but unambiguous
        (b"7", 7.0),
        (7, 7.0),  # a JSON number, as a $batch inner answer's headers may carry
        (2.5, 2.5),
    ],
)
def test_retry_after_in_seconds(value: object, seconds: float) -> None:
    assert retry_after_seconds(value, WALL) == seconds


@pytest.mark.parametrize("form", ["imf", "rfc850", "asctime"])
def test_retry_after_as_an_http_date_counts_from_the_wall_clock(form: str) -> None:
    assert retry_after_seconds(http_date(WALL + 45, form), WALL) == 45.0


def test_retry_after_as_a_date_already_past_is_no_wait() -> None:
    assert retry_after_seconds(http_date(WALL - 3600), WALL) == 0.0
    assert retry_after_seconds("Sun, 06 Nov 1994 08:49:37 GMT", WALL) == 0.0


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "soon",
        "5s",
        "1e3",
        "0x10",
        "nan",
        "inf",
        "٣",  # an Arabic-Indic three: float() would read it, HTTP does not
        "Sun, 31 Feb 1994 08:49:37 GMT",  # no such day
        "Sun, 06 Nov 99999 08:49:37 GMT",
        True,
        math.nan,
        [5],
        {"seconds": 5},
    ],
)
def test_retry_after_that_is_garbage_is_ignored(value: object) -> None:
    assert retry_after_seconds(value, WALL) is None


@pytest.mark.parametrize("value", ["-5", "-0.5", -5, -0.001, float("-inf")])
def test_a_negative_retry_after_is_ignored_never_a_negative_wait(value: object) -> None:
    assert retry_after_seconds(value, WALL) is None


@pytest.mark.parametrize("value", ["99999999999", "9" * 400, 10**400, math.inf, http_date(WALL + 10 * 365 * 86400)])
def test_a_huge_retry_after_ends_the_tries_at_once_even_within_a_long_budget(value: object) -> None:
    """Never cut short: a try before the server's time only earns another 429 and prolongs the throttling."""
    asked = retry_after_seconds(value, WALL)
    assert asked is not None and asked > 3600
    time = FakeTime()
    attempt, tried = failing([throttled(value)])
    with pytest.raises(RateLimitedError, match=r"after 1 try: it asked to wait (\d+ s|more than a day), longer than"):
        time.policy(budget=900.0, max_wait=60.0).run(attempt)
    assert len(tried) == 1 and time.sleeps == []


def test_a_retry_after_up_to_the_cap_is_waited_in_full() -> None:
    time = FakeTime()
    attempt, tried = failing([throttled("60"), throttled("61")])
    with pytest.raises(RateLimitedError, match="asked to wait 61 s, longer than the 60 s waited at once"):
        time.policy(budget=900.0, max_wait=60.0).run(attempt)
    assert len(tried) == 2 and time.sleeps == [60.0]


def test_a_garbage_or_negative_retry_after_falls_back_to_the_schedule() -> None:
    time = FakeTime()
    attempt, tried = failing([throttled("soon"), throttled("-3"), throttled(None)])
    assert time.policy().run(attempt) == "read"
    assert time.sleeps == [0.5, 1.0, 2.0] and len(tried) == 4


def test_an_http_date_retry_after_is_waited_out() -> None:
    time = FakeTime()
    attempt, tried = failing([throttled(http_date(WALL + 30))])
    assert time.policy().run(attempt) == "read"
    assert time.sleeps == [30.0] and len(tried) == 2


# -- the schedule and the budget ------------------------------------------------------------------------


def test_without_a_hint_the_wait_doubles_up_to_its_cap() -> None:
    time = FakeTime()
    attempt, tried = failing([unavailable()] * 7)
    assert time.policy(max_retries=7, budget=900).run(attempt) == "read"
    assert time.sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0] and len(tried) == 8


def test_the_budget_in_count_ends_in_the_error_naming_the_tries() -> None:
    time = FakeTime()
    attempt, tried = failing([unavailable(retry_after="1")], then=None)
    with pytest.raises(ProviderError) as raised:
        time.policy(max_retries=5, budget=900).run(attempt)
    assert len(tried) == 6 and time.sleeps == [1.0] * 5
    assert str(raised.value) == "the server answered 503 after 6 tries"


def test_the_budget_in_time_counts_tries_and_waits() -> None:
    time = FakeTime()
    attempt, tried = failing([throttled("3")], then=None)
    with pytest.raises(RateLimitedError) as raised:
        time.policy(max_retries=50, budget=10).run(attempt)
    # tries at 0, 3, 6 and 9 s: a fifth would start after 12 s, past the 10 s budget
    assert len(tried) == 4 and time.sleeps == [3.0, 3.0, 3.0]
    assert str(raised.value) == (
        "the server answered 429 after 4 tries: it asked to wait 3 s, which would pass the 10 s allowed for retrying"
    )


def test_time_spent_in_tries_counts_against_the_budget() -> None:
    time = FakeTime()

    def slow() -> Any:
        time.now += 4.0  # each try takes 4 s (a request that times out, say)
        raise Failure(NetworkError("the server did not answer within 4 s"))

    with pytest.raises(NetworkError) as raised:
        time.policy(budget=10).run(slow)
    # tries from 0 to 4 s, 4.5 to 8.5 s and 9.5 to 13.5 s: a fourth would start after 15.5 s. A try under way
    # is not cut short, so the last one ends past the budget (by less than one request's timeout).
    assert time.sleeps == [0.5, 1.0] and time.now == 13.5
    assert "after 3 tries: waiting 2 s more would pass the 10 s allowed for retrying" in str(raised.value)


def test_a_retry_after_past_the_budget_fails_at_once_without_waiting() -> None:
    time = FakeTime()
    attempt, tried = failing([throttled("30")], then=None)
    with pytest.raises(RateLimitedError, match="after 1 try: it asked to wait 30 s, which would pass the 4 s"):
        time.policy(budget=4).run(attempt)
    assert len(tried) == 1 and time.sleeps == []


def test_a_date_past_the_budget_fails_at_once_too() -> None:
    time = FakeTime()
    attempt, tried = failing([throttled(http_date(WALL + 7200))], then=None)
    with pytest.raises(RateLimitedError, match="asked to wait 7200 s"):
        time.policy(budget=900).run(attempt)
    assert len(tried) == 1 and time.sleeps == []


def test_no_retries_and_no_budget_mean_one_try() -> None:
    for policy in (FakeTime().policy(max_retries=0), FakeTime().policy(budget=0.0)):
        attempt, tried = failing([unavailable(retry_after="0.1")], then=None)
        with pytest.raises(ProviderError):
            policy.run(attempt)
        assert len(tried) == 1


# -- what is retried ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        throttled(),
        Failure(RateLimitedError("Drive said slow down"), status=403),  # Google's 403 rate limits
        Failure(NetworkError("the connection was reset")),
        unavailable(500),
        unavailable(502),
        unavailable(503),
        unavailable(504),
    ],
)
def test_throttling_server_errors_and_network_failures_are_retried(failure: Failure) -> None:
    time = FakeTime()
    attempt, tried = failing([failure])
    assert time.policy().run(attempt) == "read" and len(tried) == 2


@pytest.mark.parametrize(
    "error",
    [
        Failure(AuthError("the token was refused"), status=401),
        Failure(AdminAccessDenied("not an administrator"), status=403),
        Failure(Forbidden("not allowed"), status=403),
        unavailable(501),
        unavailable(505),
        Failure(ProviderError("the server answered 404"), status=404),
        Failure(ProviderError("the server sent data that is not valid JSON")),  # malformed: no status
        Failure(ConnectorError("something else")),
        ProviderError("raised directly, not for the policy to judge"),
        ValueError("not an error of the tree"),
    ],
)
def test_everything_else_is_raised_at_once_unchanged(error: Failure | BaseException) -> None:
    time = FakeTime()
    attempt, tried = failing([error], then=None)
    expected = error.error if isinstance(error, Failure) else error
    with pytest.raises(type(expected)) as raised:
        time.policy().run(attempt)
    assert raised.value is expected and str(raised.value) == str(expected)
    assert len(tried) == 1 and time.sleeps == []


def test_an_error_that_ends_the_tries_keeps_its_class_and_leaves_the_original_alone() -> None:
    original = Forbidden("x")
    failure = Failure(original, status=503)  # a subclass of ProviderError with a retryable status
    time = FakeTime()
    with pytest.raises(Forbidden) as raised:
        time.policy(max_retries=1).run(failing([failure], then=None)[0])
    assert raised.value is not original and str(original) == "x" and str(raised.value) == "x after 2 tries"


def test_the_async_run_waits_with_the_async_sleep() -> None:
    time = FakeTime()
    sleeps: list[float] = []

    async def async_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        await time.async_sleep(seconds)

    def never(seconds: float) -> None:
        raise AssertionError("the blocking sleep was used on the event loop")

    policy = RetryPolicy(clock=time.clock, wall_clock=time.wall_clock, sleep=never, async_sleep=async_sleep)
    failures = [throttled("2"), Failure(NetworkError("reset"))]

    async def attempt() -> str:
        if failures:
            raise failures.pop(0)
        return "read"

    assert asyncio.run(policy.run_async(attempt)) == "read"
    assert sleeps == [2.0, 1.0]


def test_the_defaults_are_the_settings_defaults() -> None:
    from auditor.config import Settings

    policy = RetryPolicy()
    assert (policy.max_retries, policy.budget, policy.max_wait) == (5, Settings().retry_budget, 60.0)


# -- retried together (inside a $batch) -----------------------------------------------------------------


def test_a_round_waits_for_the_longest_wait_and_each_request_keeps_its_own_count() -> None:
    time = FakeTime()
    policy = time.policy(budget=20, max_retries=2)
    a, b = policy.start(), policy.start()
    first = policy.next_round({"a": (a, throttled("1")), "b": (b, throttled("5"))})
    assert first.wait == 5.0 and dict(first.given_up) == {}
    assert (a.count, b.count) == (1, 1)
    time.now += first.wait
    c = policy.start()  # a later page: a request of its own
    second = policy.next_round({"a": (a, unavailable()), "c": (c, unavailable())})
    assert second.wait == 1.0 and dict(second.given_up) == {}  # a's second retry: 1 s; c's first: 0.5 s
    time.now += second.wait
    third = policy.next_round({"a": (a, unavailable()), "c": (c, unavailable())})
    assert set(third.given_up) == {"a"} and "after 3 tries" in str(third.given_up["a"])
    assert third.wait == 1.0  # c's second retry still goes ahead


def test_a_round_gives_up_what_cannot_wait_and_what_is_not_retried() -> None:
    time = FakeTime()
    policy = time.policy(budget=10)
    tries = {key: policy.start() for key in ("soon", "late", "refused", "old")}
    time.now = 8.5
    tries["soon"].began = tries["late"].began = tries["refused"].began = 8.5  # "old" began at 0 s
    failed: dict[str, tuple[Tries, Failure]] = {
        "soon": (tries["soon"], throttled("2")),
        "late": (tries["late"], throttled("30")),  # past its own budget: given up, and does not hold the others
        "refused": (tries["refused"], Failure(Forbidden("not allowed"), status=403)),
        "old": (tries["old"], throttled("1")),  # its own 1 s fits (9.5 s), the round's 2 s would not (10.5 s)
    }
    round_ = policy.next_round(failed)
    assert round_.wait == 2.0
    assert set(round_.given_up) == {"late", "refused", "old"}
    assert str(round_.given_up["refused"]) == "not allowed"
    assert "asked to wait 30 s" in str(round_.given_up["late"])
    assert "waiting 2 s with the others sent together would pass the 10 s" in str(round_.given_up["old"])


def test_a_round_with_nothing_left_to_send_does_not_wait() -> None:
    time = FakeTime()
    policy = time.policy(budget=1)
    round_ = policy.next_round({"x": (policy.start(), throttled("30"))})
    assert round_.wait == 0.0 and set(round_.given_up) == {"x"}
    assert policy.next_round({}).wait == 0.0


# -- properties -----------------------------------------------------------------------------------------

HINTS = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(min_value=-1e10, max_value=1e10).map(lambda s: formatdate(WALL + s, usegmt=True)),
    st.binary(max_size=20),
)


@given(hint=HINTS)
def test_any_retry_after_is_no_wait_or_a_wait_within_bounds(hint: object) -> None:
    seconds = retry_after_seconds(hint, WALL)
    assert seconds is None or seconds >= 0
    time = FakeTime()
    tries = time.policy(budget=900, max_wait=60).start()
    wait = tries.judge(throttled(hint))
    if isinstance(wait, RateLimitedError):  # only a hint longer than the cap ends the tries here
        assert seconds is not None and seconds > 60 and "longer than the 60 s waited at once" in str(wait)
    else:
        assert isinstance(wait, float) and 0 <= wait <= 60
        assert wait == (seconds if seconds is not None else 0.5)


@given(
    hints=st.lists(HINTS, min_size=1, max_size=12),
    took=st.lists(st.floats(min_value=0, max_value=30), min_size=1, max_size=12),
    budget=st.floats(min_value=0, max_value=120),
    max_retries=st.integers(min_value=0, max_value=8),
)
def test_tries_and_waits_never_outrun_the_budget(
    hints: list[object], took: list[float], budget: float, max_retries: int
) -> None:
    """However the server answers and however long each try takes, the last try starts within the budget,
    no more than max_retries + 1 tries are made, and the error raised is the one the tries ended with."""
    time = FakeTime()
    started: list[float] = []

    def attempt() -> Any:
        started.append(time.now)
        time.now += took[(len(started) - 1) % len(took)]
        raise throttled(hints[(len(started) - 1) % len(hints)])

    with pytest.raises(RateLimitedError, match="the server answered 429"):
        time.policy(budget=budget, max_retries=max_retries).run(attempt)
    assert 1 <= len(started) <= max_retries + 1
    assert all(start <= budget for start in started[1:])
    assert all(wait >= 0 for wait in time.sleeps)
