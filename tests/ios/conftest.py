"""The practice iPhone for the iPhone tests: started and stopped by each test, reached through usbmuxd's variable.

Every test here runs with USBMUXD_SOCKET_ADDRESS pointing at 127.0.0.1 — at a practice iPhone when the test
starts one, otherwise at a closed loopback port — so no test ever talks to a real usbmuxd or a real phone.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor.audit import load_checks
from auditor.checkapi import Source
from auditor.config import Endpoints, Settings
from auditor.engine import LoadedCheck, run_audit
from auditor.model import AuditRun, Finding, Status
from auditor.sandbox.iphone import IPhoneScenario, PracticeIPhone
from auditor.sources import SourceRequest, open_sources

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ios"
NO_ENDPOINTS = Endpoints(google=None, graph=None, ews=None, token=None)
FAST = Settings(request_timeout=2.0, retry_budget=4.0)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AUDITOR_IOS_BACKUP_PATH", "AUDITOR_IOS_BACKUP_PASSWORD", "AUDITOR_IOS_PAIR_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("USBMUXD_SOCKET_ADDRESS", f"127.0.0.1:{closed_port()}")


# What the `practice` fixture gives a test: start a practice iPhone of a scenario (stopped after the test).
StartPhone = Callable[[str | IPhoneScenario], PracticeIPhone]


@pytest.fixture
def practice(monkeypatch: pytest.MonkeyPatch) -> Iterator[StartPhone]:
    started: list[PracticeIPhone] = []

    def start(scenario: str | IPhoneScenario) -> PracticeIPhone:
        phone = PracticeIPhone(scenario).start()
        started.append(phone)
        monkeypatch.setenv("USBMUXD_SOCKET_ADDRESS", phone.usbmux_address)
        return phone

    yield start
    for phone in started:
        phone.stop()


def ios_checks() -> list[LoadedCheck]:
    return [c for c in load_checks().values() if c.spec.kind == "ios"]


def open_iphone(service_timeout: float = 3.0, **extra: Any) -> list[Source]:
    request = SourceRequest(
        settings=FAST,
        endpoints=NO_ENDPOINTS,
        extra={"pair_timeout": 0, "service_timeout": service_timeout, **extra},
    )
    return asyncio.run(open_sources(["ios"], request))


def audit_sources(sources: list[Source]) -> AuditRun:
    try:
        return asyncio.run(run_audit(ios_checks(), sources))
    finally:
        for source in sources:
            asyncio.run(source.aclose())


def audit_iphone(service_timeout: float = 3.0) -> AuditRun:
    return audit_sources(open_iphone(service_timeout))


def by_check(run: AuditRun) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for finding in run.findings:
        out.setdefault(finding.check, []).append(finding)
    return out


def statuses(run: AuditRun) -> dict[str, set[Status]]:
    return {check: {f.status for f in found} for check, found in by_check(run).items()}
