"""No check can say "Looks clear" over a partial reading.

Every automated check runs twice against a real source of its kind — the practice servers' clean scenario
for the accounts (through the real provider libraries), this computer, a phone behind the fake adb:
once as it is, and once with every client wrapped so that each Reading it returns has a part that was not
read. The first run must have clears (or the second would prove nothing); in the second, no check may
say clear, and each must still say something.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from android.conftest import fake_adb  # noqa: F401  (the fixture, for the phone)

from auditor.audit import load_checks
from auditor.checkapi import Reading, Source
from auditor.config import Endpoints, Settings
from auditor.engine import LoadedCheck, run_audit
from auditor.model import AuditRun, Status
from auditor.sandbox import Sandbox
from auditor.sources import SourceRequest, open_sources

WITHHELD = "a part withheld by the test"
ACCOUNT_KINDS = ("google", "microsoft", "exchange")
FAST = Settings(request_timeout=2.0, retry_budget=4.0)
NO_ENDPOINTS = Endpoints(google=None, graph=None, ews=None, token=None)


def withheld(value: Any) -> Any:
    """The same answer, with every Reading in it marked as not read in full."""
    if isinstance(value, Reading):
        return value.missing(WITHHELD)
    if isinstance(value, tuple):
        return tuple(withheld(v) for v in value)
    if isinstance(value, list):
        return [withheld(v) for v in value]
    if isinstance(value, dict):
        return {k: withheld(v) for k, v in value.items()}
    return value


class Incomplete:
    """A client whose every read comes back incomplete; everything else passes through unchanged."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr
        if inspect.iscoroutinefunction(attr):

            async def call_async(*args: Any, **kwargs: Any) -> Any:
                return withheld(await attr(*args, **kwargs))

            return call_async

        def call(*args: Any, **kwargs: Any) -> Any:
            return withheld(attr(*args, **kwargs))

        return call


def automated(kind: str) -> list[LoadedCheck]:
    return [c for c in load_checks().values() if c.spec.kind == kind and c.spec.automated]


def run(kind: str, sources: list[Source], clients: list[dict[str, Any]], wrap: bool) -> AuditRun:
    for source, plain in zip(sources, clients, strict=True):
        source.clients = {name: Incomplete(client) if wrap else client for name, client in plain.items()}
    return asyncio.run(run_audit(automated(kind), sources, concurrency=8))


def statuses_by_check(audit_run: AuditRun) -> dict[str, set[Status]]:
    out: dict[str, set[Status]] = {}
    for finding in audit_run.findings:
        out.setdefault(finding.check, set()).add(finding.status)
    return out


def assert_no_clear_over_partial_reads(kind: str, open_all: Callable[[], list[Source]]) -> None:
    sources = open_all()
    try:
        assert sources and all(source.error is None for source in sources), [s.error for s in sources]
        clients = [dict(source.clients) for source in sources]
        plain = statuses_by_check(run(kind, sources, clients, wrap=False))
        partial = statuses_by_check(run(kind, sources, clients, wrap=True))
    finally:
        for source in sources:
            asyncio.run(source.aclose())
    checks = {c.spec.id for c in automated(kind)}
    clear_when_whole = {check for check, found in plain.items() if Status.CLEAR in found}
    assert clear_when_whole, f"no {kind} check said clear on a whole reading: the test would prove nothing"
    assert set(partial) == checks, f"checks that said nothing: {sorted(checks - set(partial))}"
    false_clears = sorted(check for check, found in partial.items() if Status.CLEAR in found)
    assert not false_clears, f"said clear over a partial reading: {false_clears}"
    for check in clear_when_whole:
        assert Status.ERROR in partial[check], check


@pytest.fixture(scope="module")
def clean_sandbox() -> Iterator[Sandbox]:
    with Sandbox("clean") as sb:
        yield sb


@pytest.mark.parametrize("kind", ACCOUNT_KINDS)
def test_no_account_check_says_clear_over_a_partial_reading(kind: str, clean_sandbox: Sandbox) -> None:
    request = SourceRequest(settings=FAST, endpoints=clean_sandbox.endpoints(), practice=True)
    assert_no_clear_over_partial_reads(kind, lambda: asyncio.run(open_sources([kind], request)))


def test_no_check_of_this_computer_says_clear_over_a_partial_reading() -> None:
    request = SourceRequest(settings=FAST, endpoints=NO_ENDPOINTS)
    assert_no_clear_over_partial_reads("device", lambda: asyncio.run(open_sources(["device"], request)))


def test_no_phone_check_says_clear_over_a_partial_reading(fake_adb: Any) -> None:  # noqa: F811
    fake_adb.devices("devices_two.txt")
    request = SourceRequest(settings=FAST, endpoints=NO_ENDPOINTS)
    assert_no_clear_over_partial_reads("android", lambda: asyncio.run(open_sources(["android"], request)))
