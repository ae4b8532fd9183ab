"""A case with a timeline, hostile text, and a way to run the command line with a passphrase."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Protocol

import pytest

from auditor.cli import main
from auditor.model import AuditRun, Finding, Severity, Status
from auditor.store import CaseStore
from auditor.timeline import Timeline

# Rich markup, an ANSI colour, an OSC 8 hyperlink, a bidi override and an HTML script, all in one.
HOSTILE = (
    "[bold red]boom[/] \x1b[31mred\x1b]8;;https://evil.example\x07link\x1b]8;;\x07 "
    "\u202egnp.exe <script>alert(1)</script>"
)
HOSTILE_URL = "https://evil.example/<script>alert(1)</script>/\x1b[2J/\u202eexe.png"
T0 = datetime(2026, 11, 1, 10, 0, tzinfo=timezone.utc)


def assert_inert(text: str) -> None:
    """No escape, bidi or raw script survives into output meant for a terminal."""
    assert "\x1b" not in text and "\x07" not in text
    assert "\u202e" not in text


@pytest.fixture
def case(isolated_home: Path) -> Iterator[CaseStore]:
    with CaseStore.create("c1", "pw") as store:
        yield store


@pytest.fixture
def timeline(case: CaseStore) -> Timeline:
    return Timeline(case)


class Cli(Protocol):
    """`auditor ...` run in-process: its exit code, stdout and stderr."""

    def __call__(self, *argv: str) -> tuple[int, str, str]: ...


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run `auditor ...` in-process with AUDITOR_PASSPHRASE set; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("AUDITOR_PASSPHRASE", "pw")

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def audit_run(at: datetime, *subjects: str, status: Status = Status.FOUND) -> AuditRun:
    findings = [
        Finding(
            check="google.gmail.autoforward",
            target="ann@example.com",
            status=status,
            severity=Severity.CRITICAL,
            title=f"Your mail is forwarded to {s}",
            subject=s,
            evidence={"emailAddress": s, "enabled": True},
            playbooks=("gmail-forwarding",),
            observed_at=at,
        )
        for s in subjects
    ]
    return AuditRun(started_at=at, finished_at=at + timedelta(minutes=1), findings=findings)
