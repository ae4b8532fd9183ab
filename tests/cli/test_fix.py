"""`auditor fix` on the command line: safety note first, evidence kept, the exact change shown, confirmed by a
person at the terminal (never from a pipe, never by default), the check run again, closed / still open / not
changed said and the exit code to match.

This file drives the guided changes on this computer (a real program with a stalkerware name); the provider
changes through the practice servers are in test_fix_providers.py.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from device.conftest import start_named
from fix_terminal import Run, findings_of, order_of, runner

from auditor.application.cases import open_case
from auditor.model import AuditRun, Finding, Severity, Status, utcnow

HOSTILE = "[bold red]boom[/] \x1b[31mred\x1b]8;;https://evil.example\x07link\x1b]8;;\x07 \u202egnp.exe"


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    return runner(monkeypatch, capsys)


@pytest.fixture
def spy(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    proc = start_named(tmp_path, "thetruthspy")
    yield proc
    proc.kill()
    proc.wait(timeout=5)


def ours(findings: list[dict[str, object]], spy: subprocess.Popen[bytes]) -> str:
    """The finding about this test's own program (another test on this machine may run one of the same name)."""
    exe = str(spy.args[0])  # type: ignore[index]
    return next(
        str(f["fingerprint"])
        for f in findings
        if f["check"] == "device.stalkerware_processes" and f["status"] == "found" and exe in str(f["evidence"])
    )


def audited_spy(run: Run, spy: subprocess.Popen[bytes]) -> str:
    code, out, _ = run("audit", "--case", "ann", "--only", "device", "--format", "json")
    assert code == 1
    return ours(findings_of(out), spy)


def path_events(name: str = "ann") -> list[dict[str, object]]:
    with open_case(name, "correct horse") as case:
        return [row.payload for row in case.path_event_rows()]


def test_done_by_hand_is_recorded_the_check_runs_again_and_says_closed(run: Run, spy: subprocess.Popen[bytes]) -> None:
    fingerprint = audited_spy(run, spy)
    spy.kill()  # the person follows the steps
    spy.wait(timeout=5)
    code, out, err = run("fix", "--case", "ann", fingerprint, typed="y\n")
    assert code == 0, err
    order_of(
        out,
        "Before you do anything — safety:",
        "Removing monitoring software can alert",
        "Evidence: the finding's record was kept as evidence",
        "What to do, by hand",
        "1. ",
        "Have you done these steps? [y/N]",
        "Closed: the check ran again and no longer finds it. Closed by you at ",
        "Recorded in the case's timeline as event ",
    )
    assert "--restore" not in out  # a change made by hand is not put back by the tool
    [record] = path_events()
    assert record["outcome"] == "closed" and record["guided"] is True
    code, out, _ = run("timeline", "list", "--case", "ann")
    assert "Closed by you at " in out and "[event " in out


def test_saying_not_done_changes_nothing_and_records_nothing(run: Run, spy: subprocess.Popen[bytes]) -> None:
    fingerprint = audited_spy(run, spy)
    for typed in ("\n", "n\n", "maybe\n", ""):  # Enter, no, anything but yes, and the end of input
        code, out, _ = run("fix", "--case", "ann", fingerprint, typed=typed)
        assert code == 1 and out.rstrip().endswith("Nothing was changed.")
    assert path_events() == []


def test_with_no_terminal_nothing_is_changed_even_if_the_pipe_says_yes(run: Run, spy: subprocess.Popen[bytes]) -> None:
    fingerprint = audited_spy(run, spy)
    spy.kill()
    spy.wait(timeout=5)
    code, out, err = run("fix", "--case", "ann", fingerprint, piped="y\ny\nall\ny\n")
    assert code == 1
    assert "Nothing was changed: every change is confirmed by a person at the terminal" in err
    assert "[y/N]" not in out  # never asked
    assert "What to do, by hand" in out  # but shown what it would be, after the safety note and the evidence
    assert path_events() == []


def test_done_while_it_still_runs_is_still_open_and_exits_1(run: Run, spy: subprocess.Popen[bytes]) -> None:
    fingerprint = audited_spy(run, spy)
    code, out, _ = run("fix", "--case", "ann", fingerprint, typed="yes\n")
    assert code == 1
    assert "Still open: the change was made at " in out and "but the check still finds it" in out
    [record] = path_events()
    assert record["outcome"] == "still-open"


def test_usage_errors_exit_2(run: Run) -> None:
    code, _, err = run("fix", "--case", "ann")
    assert code == 2 and "name the finding to close" in err
    code, _, err = run("fix", "--case", "ann", "abc", "--restore", "1")
    assert code == 2 and "not both" in err
    run("audit", "--case", "ann", "--only", "apple")  # makes the case
    code, _, err = run("fix", "--case", "ann", "0000deadbeef")
    assert code == 2 and "has no finding with id 0000deadbeef" in err
    code, _, err = run("fix", "--case", "ann", "--restore", "999")
    assert code == 2 and "has no change with event id 999" in err
    with pytest.raises(SystemExit) as exited:  # there is no --yes: a person confirms every change
        run("fix", "--case", "ann", "--yes", "0000deadbeef")
    assert exited.value.code == 2


def test_restoring_a_change_made_by_hand_is_refused(run: Run, spy: subprocess.Popen[bytes]) -> None:
    fingerprint = audited_spy(run, spy)
    spy.kill()
    spy.wait(timeout=5)
    assert run("fix", "--case", "ann", fingerprint, typed="y\n")[0] == 0
    with open_case("ann", "correct horse") as case:
        [row] = case.path_event_rows()
    code, out, err = run("fix", "--case", "ann", "--restore", str(row.id), typed="y\n")
    assert code == 2 and "the tool cannot put this back" in err and "[y/N]" not in out


def test_what_an_attacker_named_is_shown_literally(run: Run) -> None:
    hostile = Finding(
        check="device.stalkerware_processes",
        target="This computer (test)",
        status=Status.FOUND,
        severity=Severity.CRITICAL,
        title=f"Stalkerware {HOSTILE} is running",
        subject=HOSTILE,
        evidence={"name": HOSTILE, "exe": f"/tmp/{HOSTILE}"},
        playbooks=("device-monitoring-software",),
    )
    run("audit", "--case", "ann", "--only", "apple")
    with open_case("ann", "correct horse") as case:
        case.save_run(AuditRun(started_at=utcnow(), finished_at=utcnow(), findings=[hostile]))
    code, out, err = run("fix", "--case", "ann", hostile.fingerprint, typed="\n")
    assert code == 1
    for text in (out, err):
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "[bold red]boom[/]" in out  # markup is printed as the characters it is


def test_a_real_terminal_is_asked_and_a_real_pipe_is_not(tmp_path: Path, isolated_home: Path) -> None:
    """The installed command in its own process: standard input a pseudo-terminal, then a pipe."""
    spy = start_named(tmp_path, "thetruthspy")
    env = {**os.environ, "AUDITOR_HOME": str(isolated_home), "AUDITOR_PASSPHRASE": "pw"}
    command = [sys.executable, "-c", "from auditor.cli import entry; entry()"]
    try:
        audit = subprocess.run(
            [*command, "audit", "--case", "ann", "--only", "device", "--format", "json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        fingerprint = ours(findings_of(audit.stdout), spy)
    finally:
        spy.kill()
        spy.wait(timeout=5)
    piped = subprocess.run(
        [*command, "fix", "--case", "ann", fingerprint],
        env=env,
        input="y\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert piped.returncode == 1 and "standard input is not a terminal" in piped.stderr
    main_fd, terminal_fd = pty.openpty()
    try:
        proc = subprocess.Popen(
            [*command, "fix", "--case", "ann", fingerprint],
            env=env,
            stdin=terminal_fd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        os.close(terminal_fd)
        os.write(main_fd, b"y\n")
        out, err = proc.communicate(timeout=120)
    finally:
        os.close(main_fd)
    assert proc.returncode == 0, err
    assert "Have you done these steps? [y/N]" in out and "Closed: the check ran again" in out
