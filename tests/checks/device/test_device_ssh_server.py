"""device.ssh_server — checks/device/ssh_server.py; playbook playbooks/device-ssh-access.yaml.

An SSH server (a listening SSH port, or an SSH daemon running) is a question; without the port list or the
server's settings a server under another name could be missed, so that is never clear.
"""

from __future__ import annotations

from device.conftest import ChosenReadings, audit_device, by_check, run_check

from auditor.checkapi import Reading
from auditor.checkapi.device import Connection, ProcessInfo, SshdSettings
from auditor.device.collector import DeviceCollector
from auditor.model import Status
from auditor.safetext import literal

CHECK = "device.ssh_server"
LISTENING = Connection("0.0.0.0", 2222, "", 0, "LISTEN")
SSHD = ProcessInfo(99, "sshd", "/usr/sbin/sshd", ("sshd: /usr/sbin/sshd -D",), "root")


def test_a_server_on_the_port_its_settings_name_is_asked_about() -> None:
    client = ChosenReadings(
        connection_list=Reading("this computer's network connections", (LISTENING,)),
        sshd=Reading("the SSH server's settings", SshdSettings(ports=(2222,))),
    )
    (finding,) = run_check(CHECK, client)
    assert finding.status is Status.REVIEW
    assert finding.title == "An SSH server is accepting logins on this computer — did you set it up?"
    assert finding.evidence["listening"] == ["0.0.0.0:2222"]


def test_no_server_over_whole_readings_is_clear() -> None:
    (finding,) = run_check(CHECK, ChosenReadings())
    assert (finding.status, finding.title) == (Status.CLEAR, "No SSH server is accepting logins")


def test_any_partial_reading_it_rests_on_is_couldnt_check() -> None:
    for partial in (
        ChosenReadings(connection_list=Reading("this computer's network connections", (), not_read=("denied",))),
        ChosenReadings(sshd=Reading("the SSH server's settings", SshdSettings(), not_read=("sshd_config: denied",))),
        ChosenReadings(process_list=Reading("the running programs", (SSHD,), unrecognised=("process 7: no name",))),
    ):
        statuses = {f.status for f in run_check(CHECK, partial)}
        assert Status.CLEAR not in statuses and Status.ERROR in statuses


def test_a_hostile_daemon_name_stays_in_the_record_and_out_of_the_words() -> None:
    hostile = "sshd[b]x[/b]\x1b[31m\u202e"
    daemon = ProcessInfo(98, hostile, "/usr/sbin/sshd")
    (finding,) = run_check(CHECK, ChosenReadings(process_list=Reading("the running programs", (daemon,))))
    assert finding.status is Status.REVIEW and finding.evidence["processes"] == [hostile]
    assert literal(finding.title, None) == finding.title and literal(finding.detail, None) == finding.detail


def test_ssh_server_without_the_port_list_is_not_a_plain_clear(installed: None) -> None:
    class NoPorts(DeviceCollector):
        def _read_connections(self) -> Reading:
            return Reading(
                "this computer's network connections",
                (),
                not_read=("network connections need administrator rights to read on this system",),
            )

    statuses = {f.status for f in by_check(audit_device(NoPorts()), CHECK)}
    assert statuses == {Status.ERROR}
