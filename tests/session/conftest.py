"""Shared pieces of the session tests: practice audits through the real connectors, saved into a case."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import yaml

from auditor.audit import audit
from auditor.config import Settings
from auditor.model import AuditRun
from auditor.sandbox import FaultRule, Sandbox
from auditor.sandbox.scenario import SCENARIO_DIR
from auditor.store import CaseStore

FAST = Settings(request_timeout=1.0, retry_budget=2.0)
ACCOUNT_KINDS = ("google", "microsoft", "exchange")


def practice_run(
    scenario: str | Path = "compromised", kinds: Sequence[str] = ACCOUNT_KINDS, faults: Sequence[FaultRule] = ()
) -> AuditRun:
    """The practice audit of the accounts (what `auditor demo` runs, without this computer's scan)."""
    with Sandbox(scenario, faults=list(faults)) as sb:
        return asyncio.run(audit(list(kinds), settings=FAST, endpoints=sb.endpoints()))


def compromised_without_forwarding(folder: Path) -> Path:
    """The compromised scenario after Ann turned Gmail forwarding and the forwarding filter off."""
    data = yaml.safe_load((SCENARIO_DIR / "compromised.yaml").read_text(encoding="utf-8"))
    data["name"] = "forwarding-removed"
    data["google"]["auto_forwarding"] = {"enabled": False}
    data["google"]["filters"] = [f for f in data["google"]["filters"] if "forward" not in f["action"]]
    path = folder / "forwarding-removed.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def compromised_run() -> AuditRun:
    return practice_run()


@pytest.fixture
def case(isolated_home: Path) -> Iterator[CaseStore]:
    store = CaseStore.create("ann", "correct horse")
    yield store
    if not store.closed:
        store.close()
