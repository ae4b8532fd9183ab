"""Closing Google access paths against the practice server, for tests/remedy/test_google_*.py: the findings the
real checks make, the changes the remedies plan from them, a writer opened as the flow opens it, and what the
practice server was asked to change."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from auditor.config import GoogleSettings, Settings
from auditor.model import Finding
from auditor.remedy import Applied, Change, WriterRequest
from auditor.remedy.google import REMEDIES, GoogleWriterForChanges
from auditor.sandbox import Sandbox, Scenario, load_scenario

from .practice import ANN, by_check, run_google

T = TypeVar("T")
WRITE_SETTINGS = Settings(request_timeout=2.0, retry_budget=4.0)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def google_only(base: str = "compromised", *, delegation: bool = False) -> Scenario:
    """A shipped practice scenario's Google account alone (no other provider is started). With ``delegation``,
    the account is in a Workspace domain whose administrator set up domain-wide delegation, the only case in
    which Google lets Gmail's forwarding settings be changed through its API."""
    scenario = load_scenario(base)
    scenario.sections = {"google": scenario.sections["google"]}
    scenario.sections["google"].domain_wide_delegation = delegation
    return scenario


def findings(sb: Sandbox, check: str) -> list[Finding]:
    """The found / review findings of one Google check, audited now through the real connector."""
    return [f for f in by_check(run_google(sb)).get(check, []) if f.status.value in ("found", "review")]


def planned(sb: Sandbox, check: str) -> list[Change]:
    return [c for f in findings(sb, check) for c in REMEDIES.changes_for(f)]


def distinct(changes: Sequence[Change]) -> list[Change]:
    """Each request once: a folder's photos and the folder's own finding all close the folder's one link."""
    out: list[Change] = []
    for change in changes:
        if all(c.request != change.request for c in out):
            out.append(change)
    return out


@dataclass(frozen=True)
class Write:
    method: str
    path: str
    body: Any
    query: dict[str, list[str]]
    status: int


def writes(sb: Sandbox) -> list[Write]:
    """Every request to the practice Google API that was not a read, in order."""
    return [
        Write(r.method, r.path, r.extra.get("body"), r.query, r.status)
        for r in sb.requests
        if r.provider == "google" and r.method != "GET"
    ]


def with_token(sb: Sandbox, changes: Sequence[Change], settings: Settings = WRITE_SETTINGS) -> GoogleWriterForChanges:
    """A writer for ``changes`` whose permission is the practice server's own token (as in practice mode)."""
    request = WriterRequest(ANN, changes, settings=settings, endpoint=sb.google_url, token=sb.token)
    return run(REMEDIES.open_writer(request))


def apply(writer: GoogleWriterForChanges, change: Change) -> Applied:
    return run(writer.apply(change))


def restore(writer: GoogleWriterForChanges, applied: Applied) -> Applied:
    return run(writer.restore(applied))


def delegation_settings(sb: Sandbox, folder: Any, timeout: float = 2.0) -> Settings:
    """Settings naming a Workspace service account key the practice token endpoint accepts."""
    from auditor.sandbox.google_oauth import service_account_file_text

    key = folder / "delegation-key.json"
    key.write_text(service_account_file_text(sb.google_oauth_url or ""), encoding="utf-8")
    return Settings(google=GoogleSettings(delegation_key_file=key), request_timeout=timeout, retry_budget=4.0)
