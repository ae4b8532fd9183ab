"""device.c2_connections — checks/device/c2_connections.py; playbook playbooks/device-monitoring-software.yaml.

A connection to a server of the stalkerware indicator set (its C2 IPs) is found.
"""

from __future__ import annotations

from device.conftest import ChosenReadings, audit_device, by_check, run_check, shipped_indicators

from auditor.checkapi import Reading
from auditor.checkapi.device import Connection
from auditor.device.collector import DeviceCollector
from auditor.model import Status
from auditor.safetext import literal

CHECK = "device.c2_connections"
C2_IP = next(ip for app in shipped_indicators().apps for ip in app.c2_ips)
TO_C2 = Connection("192.168.1.20", 50312, C2_IP, 443, "ESTABLISHED", pid=811)
ELSEWHERE = Connection("192.168.1.20", 50313, "192.0.2.80", 443, "ESTABLISHED")


def connections(*found: Connection, **gaps: tuple[str, ...]) -> ChosenReadings:
    return ChosenReadings(connection_list=Reading("this computer's network connections", found, **gaps))


def test_a_connection_to_a_stalkerware_server_is_found() -> None:
    (finding,) = run_check(CHECK, connections(TO_C2, ELSEWHERE))
    assert finding.status is Status.FOUND
    assert finding.title.startswith("This computer is connected to a server used by stalkerware “")
    assert finding.evidence["remote"] == f"{C2_IP}:443" and finding.evidence["pid"] == 811


def test_ordinary_connections_over_a_whole_reading_are_clear() -> None:
    (finding,) = run_check(CHECK, connections(ELSEWHERE))
    assert (finding.status, finding.title) == (
        Status.CLEAR,
        "No connection to a known stalkerware server (1 connections checked)",
    )


def test_a_partial_connection_list_is_couldnt_check() -> None:
    findings = run_check(CHECK, connections(ELSEWHERE, not_read=("connections of other users: denied",)))
    assert [f.status for f in findings] == [Status.ERROR]
    findings = run_check(CHECK, connections(TO_C2, unrecognised=("connection 3: no remote address",)))
    assert {f.status for f in findings} == {Status.FOUND, Status.ERROR}


def test_hostile_connection_fields_stay_in_the_record_and_out_of_the_words() -> None:
    hostile = "ESTABLISHED[b]x[/b]\x1b]0;owned\x07\u202e"
    (finding,) = run_check(CHECK, connections(Connection("10.0.0.2", 5, C2_IP, 443, hostile)))
    assert finding.status is Status.FOUND and finding.evidence["status"] == hostile
    assert literal(finding.title, None) == finding.title and literal(finding.detail, None) == finding.detail


def test_without_the_connection_list_it_is_couldnt_check(installed: None) -> None:
    class NoPorts(DeviceCollector):
        def _read_connections(self) -> Reading:
            return Reading(
                "this computer's network connections",
                (),
                not_read=("network connections need administrator rights to read on this system",),
            )

    c2 = by_check(audit_device(NoPorts()), CHECK)
    assert [f.status for f in c2] == [Status.ERROR]
    assert "administrator rights" in c2[0].detail
