"""Helpers: audits of the Microsoft practice server through the real connector (httpx) and sign-in (msal)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import pytest

from auditor.audit import audit
from auditor.checkapi import Decisions
from auditor.config import MicrosoftSettings, Settings
from auditor.model import AuditRun, Finding, Status
from auditor.sandbox import Sandbox, load_scenario
from auditor.sandbox.scenario import Scenario

FAST = Settings(request_timeout=1.0, retry_budget=4.0)
CLIENT_ID = "3c1a7f2e-5b1d-4c8e-9a41-0d6f2b7e8c55"
AUTOMATED = {
    "microsoft.outlook_inbox_rules",
    "microsoft.onedrive_public_media",
    "microsoft.onedrive_people_media",
    "microsoft.auth_methods",
    "microsoft.app_grants",
}


def run_microsoft(sb: Sandbox, decisions: Decisions | None = None, settings: Settings = FAST) -> AuditRun:
    return asyncio.run(audit(["microsoft"], settings=settings, endpoints=sb.endpoints(), decisions=decisions))


def by_check(run: AuditRun) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for finding in run.findings:
        out.setdefault(finding.check, []).append(finding)
    return out


def statuses(run: AuditRun, check: str) -> list[Status]:
    return [f.status for f in by_check(run).get(check, [])]


def scenario_from(tmp_path: Path, text: str) -> Scenario:
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return load_scenario(path)


def signin_settings(authority: Literal["common", "consumers", "organizations"] = "common") -> Settings:
    return Settings(
        request_timeout=2.0, retry_budget=4.0, microsoft=MicrosoftSettings(client_id=CLIENT_ID, authority=authority)
    )


# What the `identity_env` fixture gives a test: point the sign-in at a running sandbox.
PointAt = Callable[[Sandbox], None]


@pytest.fixture
def identity_env(monkeypatch: pytest.MonkeyPatch) -> PointAt:
    """Point the sign-in at a sandbox's identity platform, as `auditor sandbox serve` prints it."""

    def point(sb: Sandbox) -> None:
        monkeypatch.setenv("AUDITOR_MICROSOFT_AUTHORITY_URL", str(sb.identity_url))
        monkeypatch.setenv("AUDITOR_MICROSOFT_CA_FILE", str(sb.ca_file))

    return point
