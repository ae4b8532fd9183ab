"""Each Gmail check's review, found and clear, and the connector's Retry-After, retry bounds and concurrency —
through googleapiclient against the practice server."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from auditor.checkapi import Decisions
from auditor.config import Settings
from auditor.model import Status, fingerprint
from auditor.sandbox import FaultRule, Sandbox

from .practice import EVERY_GMAIL_PATH, KIM, by_check, run_google, scenario_from, statuses

# check -> the subject of its one question in the scenario above
QUESTIONS = {
    "google.gmail_forwarding_addresses": "watcher@proton.example",
    "google.gmail_send_as": "alias@outlook.example",
    "google.gmail_delegates": "mark.ex@gmail.example",
    "google.drive_people_media": "mark.ex@gmail.example",
}


def test_every_gmail_check_reviews_then_finds_when_not_mine_and_clears_when_mine(tmp_path: Path) -> None:
    with Sandbox(scenario_from(tmp_path, EVERY_GMAIL_PATH)) as sb:
        first = run_google(sb)
        for check, subject in QUESTIONS.items():
            assert [(f.status, f.subject) for f in by_check(first)[check]] == [(Status.REVIEW, subject)], check
        assert sorted((f.status, f.subject) for f in by_check(first)["google.gmail_pop_imap"]) == [
            (Status.REVIEW, "imap"),
            (Status.REVIEW, "pop"),
        ]
        questions = [*QUESTIONS.items(), ("google.gmail_pop_imap", "imap"), ("google.gmail_pop_imap", "pop")]
        not_mine = run_google(sb, Decisions({fingerprint(c, KIM, s): "not-mine" for c, s in questions}))
        mine = run_google(sb, Decisions({fingerprint(c, KIM, s): "mine" for c, s in questions}))
    for check in [*QUESTIONS, "google.gmail_pop_imap"]:
        assert set(statuses(not_mine, check)) == {Status.FOUND}, check
        assert statuses(mine, check) == [Status.CLEAR], check
    assert by_check(mine)["google.gmail_forwarding_addresses"][0].title == "Every forwarding address is yours"


def test_retry_after_is_waited_for() -> None:
    rule = FaultRule("google", "/gmail/v1/users/*/settings/filters", "429", retry_after=1, times=1)
    with Sandbox("compromised", faults=[rule]) as sb:
        began = time.monotonic()
        run = run_google(sb)
        waited = time.monotonic() - began
        attempts = [r for r in sb.requests if r.path.endswith("/settings/filters")]
    assert waited >= 1.0, "Google's Retry-After was not waited for"
    assert len(attempts) == 2 and statuses(run, "google.gmail_filters") == [Status.FOUND]


def test_a_retry_after_beyond_the_budget_fails_at_once() -> None:
    rule = FaultRule("google", "/gmail/v1/users/*/settings/filters", "429", retry_after=30)
    with Sandbox("compromised", faults=[rule]) as sb:
        began = time.monotonic()
        run = run_google(sb)  # retry budget: 4 s
        took = time.monotonic() - began
        attempts = [r for r in sb.requests if r.path.endswith("/settings/filters")]
    findings = by_check(run)["google.gmail_filters"]
    assert [f.status for f in findings] == [Status.ERROR] and "kept answering" in findings[0].detail
    assert len(attempts) == 1 and took < 4.0  # no 30 s wait that would end in giving up anyway


def test_retries_are_bounded_in_count() -> None:
    rule = FaultRule("google", "/gmail/v1/users/*/settings/filters", "503", retry_after=0)
    settings = Settings(request_timeout=1.0, retry_budget=30.0)
    with Sandbox("compromised", faults=[rule]) as sb:
        from auditor.audit import audit

        run = asyncio.run(audit(["google"], settings=settings, endpoints=sb.endpoints()))
        attempts = [r for r in sb.requests if r.path.endswith("/settings/filters")]
    assert statuses(run, "google.gmail_filters") == [Status.ERROR]
    assert len(attempts) == 6  # the first try and five retries


def test_requests_run_off_the_event_loop_at_most_concurrency_at_once() -> None:
    from google.oauth2.credentials import Credentials

    from auditor.connectors.google.client import GoogleClient

    latency = 0.6
    with Sandbox("clean", latency=latency) as sb:

        async def six_reads(concurrency: int) -> tuple[float, int]:
            client = GoogleClient(sb.endpoints().google, Credentials(sb.token), concurrency=concurrency, timeout=5)
            ticks, done = 0, asyncio.Event()

            async def ticker() -> None:
                nonlocal ticks
                while not done.is_set():
                    await asyncio.sleep(0.05)
                    ticks += 1

            counting = asyncio.ensure_future(ticker())
            began = time.monotonic()
            try:
                await asyncio.gather(
                    client.auto_forwarding(),
                    client.forwarding_addresses(),
                    client.filters(),
                    client.send_as(),
                    client.imap(),
                    client.pop(),
                )
                return time.monotonic() - began, ticks
            finally:
                done.set()
                await counting
                client.close()

        two, ticks = asyncio.run(six_reads(2))
        six, _ = asyncio.run(six_reads(6))
    assert two >= 3 * latency, "more than two requests ran at once"
    assert six < 3 * latency, "requests that may run together did not"
    assert ticks >= 10, "the event loop was blocked while Google was read"
