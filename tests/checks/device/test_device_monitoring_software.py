"""device.monitoring_software — checks/device/monitoring_software.py;
playbook playbooks/device-monitoring-software.yaml.

Covert monitoring products (the project's list, auditor/device/data/monitoring.yaml) running are found;
workplace products are a question.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from device.conftest import ChosenReadings, audit_device, by_check, run_check, start_named

from auditor.checkapi import Reading
from auditor.checkapi.device import ProcessInfo
from auditor.model import Severity, Status
from auditor.safetext import literal

CHECK = "device.monitoring_software"
SPYRIX = ProcessInfo(31, "spyrix-agent", "/opt/spyrix/spyrix-agent", ("spyrix-agent",), "ann")
TERAMIND = ProcessInfo(32, "teramind", "/opt/teramind/teramind", ("teramind",), "root")


def programs(*processes: ProcessInfo, **gaps: tuple[str, ...]) -> ChosenReadings:
    return ChosenReadings(process_list=Reading("the running programs", processes, **gaps))


def test_covert_monitoring_software_is_found_and_workplace_software_asked_about() -> None:
    findings = run_check(CHECK, programs(SPYRIX, TERAMIND))
    assert [(f.status, f.severity) for f in findings] == [
        (Status.FOUND, Severity.CRITICAL),
        (Status.REVIEW, Severity.HIGH),
    ]
    assert findings[0].title == "Monitoring software (Spyrix) is running on this computer (spyrix-agent)"
    assert "Teramind" in findings[1].title and findings[1].title.endswith("is this expected?")


def test_ordinary_programs_over_a_whole_reading_are_clear() -> None:
    shell = ProcessInfo(1, "bash", "/usr/bin/bash", ("bash",), "ann")
    (finding,) = run_check(CHECK, programs(shell))
    assert (finding.status, finding.title) == (
        Status.CLEAR,
        "No known monitoring software is running (1 programs checked)",
    )


def test_a_partial_process_list_is_couldnt_check() -> None:
    gap = ("the programs of other users: access denied",)
    findings = run_check(CHECK, programs(not_read=gap))
    assert [f.status for f in findings] == [Status.ERROR]
    assert "access denied" in findings[0].detail
    found_beside_gap = run_check(CHECK, programs(SPYRIX, not_read=gap))
    assert {f.status for f in found_beside_gap} == {Status.FOUND, Status.ERROR}


def test_a_hostile_program_file_name_is_literal() -> None:
    hostile = "spyrix[bold red]x\x1b]8;;evil.example\x07\u202e"  # a file name: no "/"
    process = ProcessInfo(33, "spyrix-agent", f"/tmp/{hostile}", ("x",), "ann")
    (finding,) = run_check(CHECK, programs(process))
    assert finding.status is Status.FOUND
    assert literal(hostile, 80) in finding.title and hostile not in finding.title
    assert finding.evidence["exe"] == f"/tmp/{hostile}"


def test_spyrix_running_on_this_computer_is_found(
    tmp_path: Path, running: list[subprocess.Popen[bytes]], installed: None
) -> None:
    running.append(start_named(tmp_path, "spyrix-agent"))
    monitoring = [f for f in by_check(audit_device(), CHECK) if f.status is not Status.ERROR]
    assert [(f.status, f.severity.value) for f in monitoring] == [(Status.FOUND, "critical")]
    assert "Spyrix" in monitoring[0].title
