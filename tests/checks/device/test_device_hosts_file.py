"""device.hosts_file — checks/device/hosts_file.py; playbook playbooks/device-monitoring-software.yaml.

A hosts-file line naming a stalkerware server (the indicator set's C2 domains) shows the software was here.
"""

from __future__ import annotations

from device.conftest import ChosenReadings, run_check

from auditor.checkapi import Reading
from auditor.checkapi.device import HostsEntry
from auditor.model import Status
from auditor.safetext import literal

CHECK = "device.hosts_file"
SPY = HostsEntry("127.0.0.1", "media.thetruthspy.com", 7, "/etc/hosts")
LOCAL = HostsEntry("127.0.0.1", "localhost", 1, "/etc/hosts")


def hosts(*found: HostsEntry, **gaps: tuple[str, ...]) -> ChosenReadings:
    return ChosenReadings(hosts=Reading("the hosts file", found, **gaps))


def test_a_stalkerware_domain_in_the_hosts_file_is_found() -> None:
    (finding,) = run_check(CHECK, hosts(LOCAL, SPY))
    assert finding.status is Status.FOUND
    assert finding.title == "The hosts file names a stalkerware server: media.thetruthspy.com (TheTruthSpy)"
    assert "Line 7 of /etc/hosts" in finding.detail


def test_ordinary_names_over_a_whole_reading_are_clear() -> None:
    (finding,) = run_check(CHECK, hosts(LOCAL))
    assert (finding.status, finding.title) == (
        Status.CLEAR,
        "No stalkerware domain in the hosts file (1 names checked)",
    )


def test_a_partial_hosts_file_is_couldnt_check() -> None:
    assert [f.status for f in run_check(CHECK, hosts(LOCAL, not_read=("/etc/hosts: permission denied",)))] == [
        Status.ERROR
    ]
    findings = run_check(CHECK, hosts(SPY, unrecognised=("/etc/hosts line 9: not an address",)))
    assert {f.status for f in findings} == {Status.FOUND, Status.ERROR}


def test_a_hostile_file_name_is_literal() -> None:
    hostile = "/etc/hosts[b]x[/b]\x1b]8;;https://evil.example\x07\u202e"
    (finding,) = run_check(CHECK, hosts(HostsEntry("0.0.0.0", "media.thetruthspy.com", 2, hostile)))
    assert literal(hostile, 200) in finding.detail and hostile not in finding.detail
