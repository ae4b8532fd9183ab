"""device.remote_access — checks/device/remote_access.py; playbook playbooks/device-remote-access.yaml.

Remote-access tools (AnyDesk, TeamViewer, VNC ...) running or set to start are a question ("Is this yours?"),
found when the person says no, clear when they say yes over whole readings.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

from device.conftest import SLEEP, ChosenReadings, audit_device, by_check, run_check, start_named

from auditor import render
from auditor.checkapi import Decisions, Reading
from auditor.checkapi.device import AutostartEntry, ProcessInfo
from auditor.device.source import device_source
from auditor.model import Status, fingerprint
from auditor.safetext import literal

CHECK = "device.remote_access"
ANYDESK = ProcessInfo(4242, "anydesk", "/usr/bin/anydesk", ("anydesk", "--service"), "ann")
STARTS = AutostartEntry("xdg-autostart", "/home/ann/.config/autostart/ad.desktop", "AnyDesk", "/usr/bin/anydesk")


def test_a_tool_running_and_set_to_start_is_asked_about() -> None:
    client = ChosenReadings(
        process_list=Reading("the running programs", (ANYDESK,)), autostart=Reading("autostart", (STARTS,))
    )
    (finding,) = run_check(CHECK, client)
    assert finding.status is Status.REVIEW
    assert finding.title == "AnyDesk (remote access) is running and set to start automatically — is this yours?"
    assert finding.evidence["running"][0]["pid"] == 4242


def test_nothing_running_or_starting_over_whole_readings_is_clear() -> None:
    (finding,) = run_check(CHECK, ChosenReadings())
    assert (finding.status, finding.title) == (Status.CLEAR, "No remote-access tool is running or set to start")


def test_a_partial_process_list_is_couldnt_check_and_what_was_seen_still_asked() -> None:
    processes: Reading[tuple[ProcessInfo, ...]] = Reading(
        "the running programs", (ANYDESK,), not_read=("programs of other users: access denied",)
    )
    findings = run_check(CHECK, ChosenReadings(process_list=processes))
    assert {f.status for f in findings} == {Status.REVIEW, Status.ERROR}
    mine = Decisions({fingerprint(CHECK, "This computer (test)", "AnyDesk"): "mine"})
    assert {f.status for f in run_check(CHECK, ChosenReadings(process_list=processes), mine)} == {Status.ERROR}


def test_a_hostile_program_path_stays_in_the_record_and_out_of_the_words() -> None:
    hostile = "/tmp/[bold red]x[/]\x1b]8;;https://evil.example\x07\u202e/anydesk"
    process = ProcessInfo(7, "anydesk", hostile, (hostile,), "ann")
    (finding,) = run_check(CHECK, ChosenReadings(process_list=Reading("the running programs", (process,))))
    assert finding.evidence["running"][0]["exe"] == hostile  # kept exactly in the record
    for text in (finding.title, finding.detail):
        assert literal(text, None) == text  # nothing in the words acts on a terminal
    shown = "\n".join(render.finding_lines(finding, details=True))
    assert "\x1b" not in shown and "\u202e" not in shown


# --- a real program on this computer, through psutil and the engine ------------------------------------------


def test_a_running_remote_access_tool_is_flagged_for_review(
    tmp_path: Path, running: list[subprocess.Popen[bytes]], installed: None
) -> None:
    running.append(start_named(tmp_path, "anydesk"))
    run = audit_device()
    found = by_check(run, CHECK)
    assert found[0].status is Status.REVIEW
    # Beside it, at most the gaps this machine's process list has (never another finding).
    assert all(f.status is Status.ERROR and f.title.startswith("Couldn't check all of") for f in found[1:])
    assert found[0].title == "AnyDesk (remote access) is running — is this yours?"
    assert any(p["pid"] == running[0].pid for p in found[0].evidence["running"])
    assert run.exit_code == 1


def test_not_mine_makes_it_found_and_mine_silences_it(
    tmp_path: Path, running: list[subprocess.Popen[bytes]], installed: None
) -> None:
    running.append(start_named(tmp_path, "anydesk"))
    target = device_source().target
    fp = fingerprint(CHECK, target, "AnyDesk")
    not_mine = by_check(audit_device(decisions=Decisions({fp: "not-mine"})), CHECK)
    assert [f.status for f in not_mine if f.status is not Status.ERROR] == [Status.FOUND]
    mine = by_check(audit_device(decisions=Decisions({fp: "mine"})), CHECK)
    # Nothing to raise about AnyDesk: at most a gap this machine's process list has, never a finding; what
    # names it says it is yours.
    assert all(f.status in (Status.CLEAR, Status.ERROR) for f in mine)
    assert all("you said are yours" in f.title for f in mine if "AnyDesk" in f.title)


def test_mine_over_a_whole_reading_is_clear(
    tmp_path: Path, running: list[subprocess.Popen[bytes]], installed: None
) -> None:
    """The same decision over a whole process list (the real record of a real program): Looks clear."""
    running.append(start_named(tmp_path, "anydesk"))
    process = ProcessInfo(running[0].pid, "anydesk", str(tmp_path / "bin" / "anydesk"), ("anydesk", "60"), "ann")
    client = ChosenReadings(process_list=Reading("the running programs", (process,)))
    fp = fingerprint(CHECK, device_source().target, "AnyDesk")
    mine = by_check(audit_device(client, decisions=Decisions({fp: "mine"})), CHECK)
    assert [(f.status, f.title) for f in mine] == [(Status.CLEAR, "Remote-access tools you said are yours: AnyDesk")]
    first = by_check(audit_device(client), CHECK)
    assert [f.status for f in first] == [Status.REVIEW]


def test_hostile_process_name_is_shown_literally(
    tmp_path: Path, running: list[subprocess.Popen[bytes]], installed: None
) -> None:
    hostile = "any\x1b[31m[b]x\u202e"
    exe_dir = tmp_path / "hostile"
    exe_dir.mkdir()
    # The name a program shows comes from its file name: a remote-access tool in a folder with a hostile name.
    path = exe_dir / f"{hostile}"
    path.mkdir()
    exe = path / "anydesk"
    shutil.copy(SLEEP, exe)
    proc = subprocess.Popen([str(exe), "60"])
    running.append(proc)
    time.sleep(0.3)

    run = audit_device()
    text = render.table(run, details=True)
    assert "\x1b" not in text and "\u202e" not in text
    data = json.loads(render.as_json(run))
    assert "\x1b" not in render.as_json(run)
    evidence = next(f for f in data["findings"] if f["check"] == CHECK)["evidence"]
    assert any(hostile in p["exe"] for p in evidence["running"])  # kept exactly in the record, escaped in JSON
