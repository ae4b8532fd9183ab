"""device.stalkerware_processes — checks/device/stalkerware_processes.py; playbook
playbooks/device-monitoring-software.yaml.

A running program whose name matches an app of the stalkerware indicator set (auditor/iocs/data) is found.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from device.conftest import ChosenReadings, audit_device, by_check, run_check, start_named

from auditor.checkapi import Reading
from auditor.checkapi.device import ProcessInfo
from auditor.model import Status
from auditor.safetext import literal

CHECK = "device.stalkerware_processes"
SPY = ProcessInfo(51, "thetruthspy", "/home/ann/.local/share/.helper/thetruthspy", ("thetruthspy",), "ann")


def programs(*processes: ProcessInfo, **gaps: tuple[str, ...]) -> ChosenReadings:
    return ChosenReadings(process_list=Reading("the running programs", processes, **gaps))


def test_a_program_named_like_known_stalkerware_is_found() -> None:
    (finding,) = run_check(CHECK, programs(SPY))
    assert finding.status is Status.FOUND
    assert finding.title == "Stalkerware “TheTruthSpy” is running on this computer (thetruthspy)"


def test_ordinary_programs_over_a_whole_reading_are_clear() -> None:
    # Short names ("Dash", "Bark") also name ordinary programs: they do not match.
    ordinary = [ProcessInfo(i, name, f"/usr/bin/{name}") for i, name in enumerate(("bash", "dash", "bark"), 1)]
    (finding,) = run_check(CHECK, programs(*ordinary))
    assert finding.status is Status.CLEAR


def test_a_partial_process_list_is_couldnt_check() -> None:
    findings = run_check(CHECK, programs(not_read=("the programs of other users: access denied",)))
    assert [f.status for f in findings] == [Status.ERROR]
    unread_name = ProcessInfo(52, "", "")
    findings = run_check(CHECK, programs(SPY, unread_name, unrecognised=("process 52: no name",)))
    assert {f.status for f in findings} == {Status.FOUND, Status.ERROR}


def test_a_hostile_program_file_name_is_literal() -> None:
    hostile = "thetruthspy[bold red]x\x1b[31m\u202e"  # a file name: no "/"
    process = ProcessInfo(53, "thetruthspy", f"/tmp/{hostile}")
    (finding,) = run_check(CHECK, programs(process))
    assert finding.status is Status.FOUND
    assert literal(hostile, 80) in finding.title and hostile not in finding.title


def test_thetruthspy_running_on_this_computer_is_found(
    tmp_path: Path, running: list[subprocess.Popen[bytes]], installed: None
) -> None:
    running.append(start_named(tmp_path, "thetruthspy"))
    stalker = [f for f in by_check(audit_device(), CHECK) if f.status is not Status.ERROR]
    assert [f.status for f in stalker] == [Status.FOUND]
    assert "TheTruthSpy" in stalker[0].title
