"""device.autostart — checks/device/autostart.py; playbook playbooks/device-autostart.yaml.

Programs set to start by themselves: known monitoring software is found, a program the person's account starts
is a question, system entries and remote-access tools (their own check) are left alone.
"""

from __future__ import annotations

from pathlib import Path

from device.conftest import ChosenReadings, audit_device, by_check, prepared_tree, run_check

from auditor.checkapi import Reading
from auditor.checkapi.device import AutostartEntry
from auditor.device.collector import DeviceCollector
from auditor.model import Severity, Status
from auditor.safetext import literal

CHECK = "device.autostart"
AUTOSTART = "/home/ann/.config/autostart"
SPY = AutostartEntry("xdg-autostart", f"{AUTOSTART}/spy.desktop", "Helper", "/home/ann/.helper/thetruthspy -b")
UPLOADER = AutostartEntry("cron", "/var/spool/cron/crontabs/ann", "@reboot", "/home/ann/.cache/upl/uploader.sh")
SYSTEM = AutostartEntry("systemd", "/etc/systemd/system/cups.service", "cups", "/usr/sbin/cupsd -l", scope="system")
OFF = AutostartEntry("xdg-autostart", f"{AUTOSTART}/old.desktop", "Old", "/opt/old/thing", enabled=False)


def entries(*found: AutostartEntry, **gaps: tuple[str, ...]) -> ChosenReadings:
    return ChosenReadings(autostart=Reading("autostart", found, **gaps))


def test_stalkerware_set_to_start_is_found_and_an_unknown_program_asked_about() -> None:
    findings = run_check(CHECK, entries(SPY, UPLOADER, SYSTEM, OFF))
    assert [(f.status, f.severity) for f in findings] == [
        (Status.FOUND, Severity.CRITICAL),
        (Status.REVIEW, Severity.MEDIUM),
    ]
    assert findings[0].title == "Monitoring software “TheTruthSpy” is set to start on this computer (Helper)"
    assert findings[1].title == "“@reboot” runs on a schedule — is this yours?"


def test_system_and_switched_off_entries_over_a_whole_reading_are_clear() -> None:
    (finding,) = run_check(CHECK, entries(SYSTEM, OFF))
    assert (finding.status, finding.title) == (Status.CLEAR, "Nothing unfamiliar is set to start (2 entries checked)")


def test_a_partial_reading_is_couldnt_check_and_the_stalkerware_still_found() -> None:
    gap = ("users' crontabs in /var/spool/cron: permission denied (run as administrator)",)
    assert [f.status for f in run_check(CHECK, entries(SYSTEM, not_read=gap))] == [Status.ERROR]
    findings = run_check(CHECK, entries(SPY, unrecognised=(f"{AUTOSTART}/x.desktop line 3: not understood",)))
    assert {f.status for f in findings} == {Status.FOUND, Status.ERROR}


def test_a_hostile_entry_name_and_command_are_literal() -> None:
    hostile = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202eevil"
    entry = AutostartEntry("xdg-autostart", f"{AUTOSTART}/h.desktop", hostile, f"/home/ann/bin/{hostile}")
    (finding,) = run_check(CHECK, entries(entry))
    assert finding.status is Status.REVIEW
    assert literal(hostile, 80) in finding.title and hostile not in finding.title
    assert hostile not in finding.detail and literal(f"/home/ann/bin/{hostile}", 300) in finding.detail
    assert finding.evidence["name"] == hostile


def test_problems_become_error_findings_in_the_check(tmp_path: Path, installed: None) -> None:
    class Partial(DeviceCollector):
        def _read_autostart(self) -> Reading:
            reading = super()._read_autostart()
            return reading.missing("users' crontabs in /var/spool/cron: permission denied (run as administrator)")

    root, home = prepared_tree(tmp_path)
    run = audit_device(Partial(root=root, homes=[home], system="linux"))
    errors = [f for f in by_check(run, CHECK) if f.status is Status.ERROR]
    assert len(errors) == 1 and "administrator" in errors[0].detail
    assert Status.FOUND in {f.status for f in by_check(run, CHECK)}  # what was found still stands
