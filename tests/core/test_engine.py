"""The engine turns every failure of a check into `error` and never lets it pass as clear."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from auditor.checkapi import CheckContext, Decisions, Reading, Source
from auditor.engine import AuditFinished, CheckFinished, CheckStarted, LoadedCheck, discover_checks, run_audit
from auditor.errors import CheckLoadError, CheckUnavailable
from auditor.model import CheckSpec, Finding, Severity, Status, fingerprint

WHOLE = Reading("a test reading", None)  # a whole reading: what a clear in these test checks rests on


def spec(check_id: str, kind: str = "device", timeout: float = 5) -> CheckSpec:
    return CheckSpec(
        id=check_id,
        title=f"test check {check_id}",
        kind=kind,
        severity=Severity.HIGH,
        reads=("nothing real",),
        playbooks=("device-monitoring-software",),
        timeout=timeout,
    )


def loaded(check_id: str, run: Callable[[CheckContext], Any], kind: str = "device", timeout: float = 5) -> LoadedCheck:
    return LoadedCheck(spec=spec(check_id, kind, timeout), run=run, origin="test")


def run_found(ctx: CheckContext) -> list[Finding]:
    return [ctx.finding(Status.FOUND, "Something was found", subject="x")]


def run_clear(ctx: CheckContext) -> list[Finding]:
    return [ctx.clear("Nothing here", WHOLE)]


def run_crash(ctx: CheckContext) -> list[Finding]:
    raise RuntimeError("provider answered nonsense")


def run_hang(ctx: CheckContext) -> list[Finding]:
    time.sleep(3)
    return [ctx.clear("too late", WHOLE)]


async def run_async_hang(ctx: CheckContext) -> list[Finding]:
    await asyncio.sleep(30)
    return [ctx.clear("too late", WHOLE)]


def run_empty(ctx: CheckContext) -> list[Finding]:
    return []


def run_wrong_type(ctx: CheckContext) -> str:
    return "clear"


def run_unavailable(ctx: CheckContext) -> list[Finding]:
    ctx.client("indicators")
    return [ctx.clear("unreachable", WHOLE)]


SOURCE = Source(kind="device", target="This computer (test)")


async def test_crashing_and_hanging_checks_become_error_and_others_finish() -> None:
    checks = [
        loaded("t.found", run_found),
        loaded("t.clear", run_clear),
        loaded("t.crash", run_crash),
        loaded("t.hang", run_hang, timeout=0.3),
        loaded("t.async_hang", run_async_hang, timeout=0.3),
    ]
    run = await run_audit(checks, [SOURCE], concurrency=4)
    by_check = {f.check: f for f in run.findings}
    assert set(by_check) == {"t.found", "t.clear", "t.crash", "t.hang", "t.async_hang"}
    assert by_check["t.found"].status is Status.FOUND
    assert by_check["t.clear"].status is Status.CLEAR
    assert by_check["t.crash"].status is Status.ERROR
    assert "RuntimeError: provider answered nonsense" in by_check["t.crash"].detail
    assert by_check["t.hang"].status is Status.ERROR
    assert "did not finish within 0.3 s" in by_check["t.hang"].detail
    assert by_check["t.async_hang"].status is Status.ERROR
    assert run.exit_code == 1


@pytest.mark.parametrize("runner", [run_empty, run_wrong_type, run_unavailable])
async def test_a_check_that_proves_nothing_is_error_never_clear(runner: Callable[[CheckContext], Any]) -> None:
    run = await run_audit([loaded("t.x", runner)], [SOURCE])
    assert [f.status for f in run.findings] == [Status.ERROR]
    assert run.exit_code == 3


async def test_missing_client_reason_is_carried() -> None:
    run = await run_audit([loaded("t.x", run_unavailable)], [SOURCE])
    assert "no indicators client" in run.findings[0].detail


async def test_a_source_that_could_not_open_makes_each_check_error() -> None:
    broken = Source(kind="device", target="phone", error="adb is not installed")
    run = await run_audit([loaded("t.a", run_clear), loaded("t.b", run_found)], [broken])
    assert {f.status for f in run.findings} == {Status.ERROR}
    assert all(f.detail == "adb is not installed" for f in run.findings)


async def test_checks_only_run_on_sources_of_their_kind() -> None:
    google = Source(kind="google", target="me@example.com")
    run = await run_audit([loaded("t.dev", run_clear), loaded("t.g", run_found, kind="google")], [SOURCE, google])
    assert {(f.check, f.target) for f in run.findings} == {
        ("t.dev", "This computer (test)"),
        ("t.g", "me@example.com"),
    }


async def test_progress_events_follow_each_check() -> None:
    events: list[object] = []
    await run_audit([loaded("t.a", run_clear), loaded("t.b", run_crash)], [SOURCE], on_event=events.append)
    started = [e.check for e in events if isinstance(e, CheckStarted)]
    finished = {e.check: e.findings[0].status for e in events if isinstance(e, CheckFinished)}
    assert sorted(started) == ["t.a", "t.b"]
    assert finished == {"t.a": Status.CLEAR, "t.b": Status.ERROR}
    assert isinstance(events[-1], AuditFinished)


async def test_concurrency_is_bounded() -> None:
    active = 0
    peak = 0

    async def run_slow(ctx: CheckContext) -> list[Finding]:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.05)
        active -= 1
        return [ctx.clear("ok", WHOLE)]

    checks = [loaded(f"t.c{i}", run_slow) for i in range(10)]
    run = await run_audit(checks, [SOURCE], concurrency=3)
    assert len(run.findings) == 10
    assert peak == 3


async def test_decisions_turn_review_into_found_or_silence() -> None:
    def run_review(ctx: CheckContext) -> list[Finding]:
        made = ctx.review_or_found("Not yours: x", "Is x yours?", subject="x@example.net")
        return [made] if made else [ctx.clear("x is yours", WHOLE)]

    fp = fingerprint("t.r", SOURCE.target, "x@example.net")
    first = await run_audit([loaded("t.r", run_review)], [SOURCE])
    assert first.findings[0].status is Status.REVIEW
    assert first.findings[0].fingerprint == fp
    not_mine = await run_audit([loaded("t.r", run_review)], [SOURCE], decisions=Decisions({fp: "not-mine"}))
    assert not_mine.findings[0].status is Status.FOUND
    mine = await run_audit([loaded("t.r", run_review)], [SOURCE], decisions=Decisions({fp: "mine"}))
    assert mine.findings[0].status is Status.CLEAR


def test_builtin_checks_load_and_name_existing_playbooks() -> None:
    from auditor.playbooks import builtin_playbooks

    checks = discover_checks(playbook_ids=builtin_playbooks().keys())
    assert checks, "no checks were discovered"
    for check in checks.values():
        assert check.spec.playbooks


def test_unknown_playbook_is_a_load_error() -> None:
    with pytest.raises(CheckLoadError, match="unknown playbook"):
        discover_checks(playbook_ids=["only-this-one"])


def _write_plugin(root: Path, check_id: str, dist: str = "demo_plugin") -> None:
    pkg = root / f"{dist}_checks.py"
    pkg.write_text(
        textwrap.dedent(
            f"""
            from auditor.checkapi import Reading
            from auditor.model import CheckSpec, Severity
            SPEC = CheckSpec(id={check_id!r}, title="plugin check", kind="device", severity=Severity.LOW,
                             reads=("nothing",), playbooks=("device-monitoring-software",))
            def run(ctx):
                return [ctx.clear("plugin ran", Reading("nothing", None))]
            """
        )
    )
    info = root / f"{dist}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[auditor.checks]\nplugin = {dist}_checks\n")


def _discover_in_subprocess(path: Path) -> subprocess.CompletedProcess[str]:
    code = (
        "from auditor.audit import load_checks\n"
        "checks = load_checks()\n"
        "print(sorted(c for c in checks if c.startswith('plugin.')))\n"
    )
    env = {"PYTHONPATH": str(path), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)


def test_entry_point_checks_are_discovered(tmp_path: Path) -> None:
    _write_plugin(tmp_path, "plugin.extra")
    result = _discover_in_subprocess(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "['plugin.extra']" in result.stdout


def test_entry_point_with_a_builtin_id_is_an_error_not_an_override(tmp_path: Path) -> None:
    builtin_id = next(iter(discover_checks(include_entry_points=False)))
    _write_plugin(tmp_path, builtin_id)
    result = _discover_in_subprocess(tmp_path)
    assert result.returncode != 0
    assert "defined twice" in result.stderr
    assert builtin_id in result.stderr


def test_invalid_metadata_is_rejected_at_load() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="dotted lowercase"):
        CheckSpec(id="Bad ID", title="x y z", kind="device", severity=Severity.HIGH, reads=("a",), playbooks=("p",))
    with pytest.raises(ValidationError, match="kind"):
        CheckSpec(id="a.b", title="x y z", kind="fridge", severity=Severity.HIGH, reads=("a",), playbooks=("p",))
    with pytest.raises(ValidationError):
        CheckSpec(id="a.b", title="x y z", kind="device", severity=Severity.HIGH, reads=(), playbooks=("p",))


def test_module_without_spec_is_a_load_error() -> None:
    import types

    from auditor.engine import _load_module_check

    module = types.ModuleType("nospec")
    vars(module)["run"] = run_clear
    with pytest.raises(CheckLoadError, match="has no SPEC"):
        _load_module_check(module, "nospec")


def test_unavailable_error_message_reaches_the_finding() -> None:
    async def run_raise(ctx: CheckContext) -> list[Finding]:
        raise CheckUnavailable("No stalkerware indicator set is installed")

    run = asyncio.run(run_audit([loaded("t.u", run_raise)], [SOURCE]))
    assert run.findings[0].status is Status.ERROR
    assert run.findings[0].detail == "No stalkerware indicator set is installed"
