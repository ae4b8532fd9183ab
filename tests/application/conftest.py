"""The practice servers and a case, for testing the application layer through the real connectors."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.application.auditing import AuditPlan
from auditor.application.cases import open_case
from auditor.application.practice import practice_plan, practice_servers
from auditor.config import Settings
from auditor.sandbox import Sandbox
from auditor.store import CaseStore

FAST = Settings(request_timeout=1.0, retry_budget=2.0)


@pytest.fixture
def practice() -> Iterator[Sandbox]:
    with practice_servers("compromised") as sandbox:
        yield sandbox


@pytest.fixture
def accounts_plan(practice: Sandbox) -> AuditPlan:
    """The practice accounts (Google, Microsoft, Exchange) without this computer's scan."""
    return dataclasses.replace(practice_plan(practice, include_device=False), settings=FAST)


@pytest.fixture
def case(isolated_home: Path) -> Iterator[CaseStore]:
    store = open_case("ann", "correct horse", create=True)
    yield store
    store.close()
