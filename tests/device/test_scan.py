"""The real scan of this computer: real psutil, real files (in a prepared folder tree), real checks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from auditor.checkapi import Decisions, Reading
from auditor.checkapi.device import ProcessInfo
from auditor.cli import main
from auditor.device.collector import DeviceCollector
from auditor.device.source import device_source
from auditor.iocs import NOT_INSTALLED
from auditor.model import Status, fingerprint

from .conftest import SLEEP, ChosenReadings, audit_device, by_check, prepared_tree, start_named


def test_a_running_remote_access_tool_is_flagged_for_review(tmp_path: Path, running, installed) -> None:
    running.append(start_named(tmp_path, "anydesk"))
    run = audit_device()
    found = by_check(run, "device.remote_access")
    assert found[0].status is Status.REVIEW
    # Beside it, at most the gaps this machine's process list has (never another finding).
    assert all(f.status is Status.ERROR and f.title.startswith("Couldn't check all of") for f in found[1:])
    assert found[0].title == "AnyDesk (remote access) is running — is this yours?"
    assert any(p["pid"] == running[0].pid for p in found[0].evidence["running"])
    assert run.exit_code == 1


def test_not_mine_makes_it_found_and_mine_silences_it(tmp_path: Path, running, installed) -> None:
    running.append(start_named(tmp_path, "anydesk"))
    target = device_source().target
    fp = fingerprint("device.remote_access", target, "AnyDesk")
    not_mine = by_check(audit_device(decisions=Decisions({fp: "not-mine"})), "device.remote_access")
    assert [f.status for f in not_mine if f.status is not Status.ERROR] == [Status.FOUND]
    mine = by_check(audit_device(decisions=Decisions({fp: "mine"})), "device.remote_access")
    # Nothing to raise about AnyDesk: at most a gap this machine's process list has, never a finding; what
    # names it says it is yours.
    assert all(f.status in (Status.CLEAR, Status.ERROR) for f in mine)
    assert all("you said are yours" in f.title for f in mine if "AnyDesk" in f.title)


def test_mine_over_a_whole_reading_is_clear(tmp_path: Path, running, installed) -> None:
    """The same decision over a whole process list (the real record of a real program): Looks clear."""
    running.append(start_named(tmp_path, "anydesk"))
    process = ProcessInfo(running[0].pid, "anydesk", str(tmp_path / "bin" / "anydesk"), ("anydesk", "60"), "ann")
    client = ChosenReadings(process_list=Reading("the running programs", (process,)))
    fp = fingerprint("device.remote_access", device_source().target, "AnyDesk")
    mine = by_check(audit_device(client, decisions=Decisions({fp: "mine"})), "device.remote_access")
    assert [(f.status, f.title) for f in mine] == [(Status.CLEAR, "Remote-access tools you said are yours: AnyDesk")]
    first = by_check(audit_device(client), "device.remote_access")
    assert [f.status for f in first] == [Status.REVIEW]


def test_monitoring_product_and_stalkerware_processes_are_found(tmp_path: Path, running, installed) -> None:
    running.append(start_named(tmp_path, "spyrix-agent"))
    running.append(start_named(tmp_path, "thetruthspy"))
    run = audit_device()
    monitoring = [f for f in by_check(run, "device.monitoring_software") if f.status is not Status.ERROR]
    assert [(f.status, f.severity.value) for f in monitoring] == [(Status.FOUND, "critical")]
    assert "Spyrix" in monitoring[0].title
    stalker = [f for f in by_check(run, "device.stalkerware_processes") if f.status is not Status.ERROR]
    assert [f.status for f in stalker] == [Status.FOUND]
    assert "TheTruthSpy" in stalker[0].title


INDICATOR_CHECKS = ("device.stalkerware_processes", "device.c2_connections", "device.hosts_file", "device.autostart")


def test_a_fresh_home_scans_with_the_shipped_set_and_nothing_is_left_unchecked_for_want_of_it(
    tmp_path: Path, running
) -> None:
    running.append(start_named(tmp_path, "thetruthspy"))
    run = audit_device()
    for check in INDICATOR_CHECKS:
        assert by_check(run, check), check
        for finding in by_check(run, check):
            # The words the checks use when they have no set to compare with (auditor/device/source.py).
            assert "could not be loaded" not in finding.detail, (check, finding.detail)
            assert NOT_INSTALLED not in finding.detail, (check, finding.detail)
    assert Status.FOUND in [f.status for f in by_check(run, "device.stalkerware_processes")]


def test_the_cli_says_once_on_stderr_that_the_set_is_old_and_keeps_the_json_clean(capsys) -> None:
    from auditor.iocs import current_meta

    assert current_meta().is_stale()  # the shipped set is dated 2026-06-21
    main(["audit", "--only", "device", "--format", "json"])
    captured = capsys.readouterr()
    assert json.loads(captured.out)["findings"]
    assert captured.err.count("auditor iocs update") == 1 and "days old" in captured.err


def test_no_indicator_set_means_error_never_clear(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from auditor.iocs import installed

    monkeypatch.setattr(installed, "BUNDLED_FOLDER", tmp_path / "no-shipped-set")
    installed._cache.clear()
    run = audit_device()
    for check in INDICATOR_CHECKS:
        statuses = {f.status for f in by_check(run, check)}
        assert statuses == {Status.ERROR}, check
        assert "auditor iocs update" in by_check(run, check)[0].detail
    assert run.exit_code in (1, 3)
    assert Status.CLEAR not in {f.status for f in by_check(run, "device.stalkerware_processes")}


def test_prepared_tree_autostart_hosts_and_keys(tmp_path: Path, installed) -> None:
    root, home = prepared_tree(tmp_path)
    run = audit_device(DeviceCollector(root=root, homes=[home], system="linux"))
    autostart = by_check(run, "device.autostart")
    found = [f for f in autostart if f.status is Status.FOUND]
    assert len(found) == 2
    assert {f.evidence["command"] for f in found} == {
        "/home/ann/.local/share/.helper/thetruthspy --background",
        "/opt/kidlogger/kl --hidden",
    }
    review = [f for f in autostart if f.status is Status.REVIEW]
    assert [f.evidence["command"] for f in review] == ["/home/ann/.cache/upl/uploader.sh >/dev/null 2>&1"]
    remote = by_check(run, "device.remote_access")
    names = {f.evidence["tool"] for f in remote if f.status is Status.REVIEW}
    assert {"RustDesk", "VNC server"} <= names
    hosts = by_check(run, "device.hosts_file")
    assert sorted(f.evidence["hostname"] for f in hosts) == [
        "media.thetruthspy.com",
        "protocol-a745.thetruthspy.com",
    ]
    assert all(f.status is Status.FOUND for f in hosts)
    keys = by_check(run, "device.ssh_keys")
    assert [f.status for f in keys].count(Status.REVIEW) == 1  # the same key twice is one path
    [gap] = [f for f in keys if f.status is Status.ERROR]
    assert gap.title == "Couldn't check all of the SSH keys that can log in"
    assert "authorized_keys line 4: not a key" in gap.detail and "line 5: the key data is not" in gap.detail


def test_unreadable_places_are_reported_as_couldnt_check(tmp_path: Path, installed) -> None:
    """A crontab spool the scanning user may not list is reported as `error`, not passed over."""
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="auditor-tree-"))
    try:
        os.chmod(base, 0o755)
        root, home = prepared_tree(base)
        for folder in [base, *[p for p in base.rglob("*") if p.is_dir()]]:
            os.chmod(folder, 0o755)
        for file in [p for p in base.rglob("*") if p.is_file()]:
            os.chmod(file, 0o644)
        os.chmod(root / "var" / "spool" / "cron" / "crontabs", 0o700)  # like Debian's spool
        code = (
            "import json, sys\n"
            "from pathlib import Path\n"
            "from auditor.device.collector import DeviceCollector\n"
            "import os, pwd\n"
            "if os.geteuid() == 0:\n"
            "    nobody = pwd.getpwnam('nobody')\n"
            "    os.setgroups([]); os.setgid(nobody.pw_gid); os.setuid(nobody.pw_uid)\n"
            "r = DeviceCollector(root=Path(sys.argv[1]), homes=[Path(sys.argv[2])], system='linux')"
            ".autostart_entries()\n"
            "print(json.dumps(r.not_read))\n"
        )
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
        result = subprocess.run(
            [sys.executable, "-c", code, str(root), str(home)],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert result.returncode == 0, result.stderr
        problems = json.loads(result.stdout)
        assert any("crontabs" in p and "permission denied (run as administrator" in p for p in problems), problems
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_problems_become_error_findings_in_the_check(tmp_path: Path, installed) -> None:
    class Partial(DeviceCollector):
        def _read_autostart(self) -> Reading:
            reading = super()._read_autostart()
            return reading.missing("users' crontabs in /var/spool/cron: permission denied (run as administrator)")

    root, home = prepared_tree(tmp_path)
    run = audit_device(Partial(root=root, homes=[home], system="linux"))
    errors = [f for f in by_check(run, "device.autostart") if f.status is Status.ERROR]
    assert len(errors) == 1 and "administrator" in errors[0].detail
    assert Status.FOUND in {f.status for f in by_check(run, "device.autostart")}  # what was found still stands


def test_hostile_process_name_is_shown_literally(tmp_path: Path, running, installed) -> None:
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
    from auditor import render

    run = audit_device()
    text = render.table(run, details=True)
    assert "\x1b" not in text and "\u202e" not in text
    data = json.loads(render.as_json(run))
    assert "\x1b" not in render.as_json(run)
    evidence = next(f for f in data["findings"] if f["check"] == "device.remote_access")["evidence"]
    assert any(hostile in p["exe"] for p in evidence["running"])  # kept exactly in the record, escaped in JSON


def test_cli_audit_device_json_shape_and_exit_code(tmp_path: Path, running, installed, capsys) -> None:
    running.append(start_named(tmp_path, "x11vnc"))
    code = main(["audit", "--only", "device", "--format", "json"])
    out = capsys.readouterr().out
    data = json.loads(out)
    assert code == 1 == data["exit_code"]
    for item in data["findings"]:
        for key in ("check", "status", "severity", "title", "target", "evidence", "playbooks", "fingerprint"):
            assert key in item
        assert item["status"] in {"found", "review", "clear", "manual", "error", "skipped"}
        assert item["target"].startswith("This computer (")
    vnc = [f for f in data["findings"] if f["check"] == "device.remote_access"]
    assert vnc[0]["status"] == "review" and "VNC server" in vnc[0]["title"]
    assert vnc[0]["playbooks"] == ["device-remote-access"]


def test_cli_table_fits_80_columns(tmp_path: Path, running, installed, capsys) -> None:
    running.append(start_named(tmp_path, "teamviewerd"))
    assert main(["audit", "--only", "device"]) == 1
    out = capsys.readouterr().out
    assert "Is this yours?" in out and "TeamViewer (remote access) is running" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_the_console_script_runs(installed) -> None:
    exe = shutil.which("auditor") or str(Path(sys.executable).parent / "auditor")
    result = subprocess.run([exe, "iocs", "status"], capture_output=True, text=True, timeout=60, env=os.environ)
    assert result.returncode == 0, result.stderr
    assert "apps:           174" in result.stdout


def test_ssh_server_without_the_port_list_is_not_a_plain_clear(installed) -> None:
    class NoPorts(DeviceCollector):
        def _read_connections(self) -> Reading:
            return Reading(
                "this computer's network connections",
                (),
                not_read=("network connections need administrator rights to read on this system",),
            )

    statuses = {f.status for f in by_check(audit_device(NoPorts()), "device.ssh_server")}
    assert statuses == {Status.ERROR}
    c2 = by_check(audit_device(NoPorts()), "device.c2_connections")
    assert [f.status for f in c2] == [Status.ERROR]
    assert "administrator rights" in c2[0].detail
