"""No iPhone check says "Looks clear" over a partial reading — over USB and from a backup.

As tests/test_no_false_clear.py does for the other kinds: every iPhone check runs twice on a real source (the
practice iPhone's clean scenario through pymobiledevice3, and a clean backup folder): once as it is, and once
with every client wrapped so that each Reading it returns has a part that was not read. The first run must
have clears; in the second no check may say clear, and each must still say something.
"""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path
from typing import Any

from auditor.checkapi import Reading, Source
from auditor.engine import run_audit
from auditor.ios.source import backup_source
from auditor.model import AuditRun, Status

from .backupbuild import BackupSpec, build_backup, cloud_details
from .conftest import StartPhone, ios_checks, open_iphone

WITHHELD = "a part withheld by the test"


def withheld(value: Any) -> Any:
    if isinstance(value, Reading):
        return value.missing(WITHHELD)
    if isinstance(value, tuple):
        return tuple(withheld(v) for v in value)
    return value


class Incomplete:
    """A client whose every read comes back incomplete; everything else passes through unchanged."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr) or inspect.iscoroutinefunction(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            return withheld(attr(*args, **kwargs))

        return call


def statuses(run: AuditRun) -> dict[str, set[Status]]:
    out: dict[str, set[Status]] = {}
    for finding in run.findings:
        out.setdefault(finding.check, set()).add(finding.status)
    return out


def assert_no_clear_over_partial_reads(source: Source) -> None:
    assert source.error is None, source.error
    plain_clients = dict(source.clients)
    try:
        plain = statuses(asyncio.run(run_audit(ios_checks(), [source])))
        source.clients = {name: Incomplete(client) for name, client in plain_clients.items()}
        partial = statuses(asyncio.run(run_audit(ios_checks(), [source])))
    finally:
        asyncio.run(source.aclose())
    checks = {c.spec.id for c in ios_checks()}
    clear_when_whole = {check for check, found in plain.items() if Status.CLEAR in found}
    assert len(clear_when_whole) >= 5, plain
    assert set(partial) == checks, f"checks that said nothing: {sorted(checks - set(partial))}"
    false_clears = sorted(check for check, found in partial.items() if Status.CLEAR in found)
    assert not false_clears, f"said clear over a partial reading: {false_clears}"
    for check in clear_when_whole:
        assert Status.ERROR in partial[check], check


def test_no_iphone_check_says_clear_over_a_partial_reading(practice: StartPhone) -> None:
    practice("clean")
    (source,) = open_iphone()
    assert_no_clear_over_partial_reads(source)


def test_no_iphone_check_says_clear_over_a_partial_reading_of_a_backup(tmp_path: Path) -> None:
    folder = build_backup(tmp_path / "bk", BackupSpec(files=[cloud_details({"IsSupervised": False})]))
    assert_no_clear_over_partial_reads(backup_source(folder, None))


def test_the_withholding_is_seen(practice: StartPhone) -> None:
    """The wrapper really reaches the checks: a whole clean phone's clears all turn into couldn't-check."""
    practice("clean")
    (source,) = open_iphone()
    source.clients = {name: Incomplete(client) for name, client in source.clients.items()}
    run = asyncio.run(run_audit(ios_checks(), [source]))
    asyncio.run(source.aclose())
    assert any(WITHHELD in f.detail for f in run.findings if f.status is Status.ERROR)
