"""The real scan of this computer: real psutil, real files (in a prepared folder tree), real checks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.device.collector import DeviceCollector
from auditor.iocs import NOT_INSTALLED
from auditor.model import Status

from .conftest import audit_device, by_check, prepared_tree, start_named

INDICATOR_CHECKS = ("device.stalkerware_processes", "device.c2_connections", "device.hosts_file", "device.autostart")


def test_a_fresh_home_scans_with_the_shipped_set_and_nothing_is_left_unchecked_for_want_of_it(
    tmp_path: Path, running: list[subprocess.Popen[bytes]]
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


def test_the_cli_says_once_on_stderr_that_the_set_is_old_and_keeps_the_json_clean(
    capsys: pytest.CaptureFixture[str],
) -> None:
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


def test_prepared_tree_autostart_hosts_and_keys(tmp_path: Path, installed: None) -> None:
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


def test_unreadable_places_are_reported_as_couldnt_check(tmp_path: Path, installed: None) -> None:
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


def test_cli_audit_device_json_shape_and_exit_code(
    tmp_path: Path, running: list[subprocess.Popen[bytes]], installed: None, capsys: pytest.CaptureFixture[str]
) -> None:
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


def test_cli_table_fits_80_columns(
    tmp_path: Path, running: list[subprocess.Popen[bytes]], installed: None, capsys: pytest.CaptureFixture[str]
) -> None:
    running.append(start_named(tmp_path, "teamviewerd"))
    assert main(["audit", "--only", "device"]) == 1
    out = capsys.readouterr().out
    assert "Is this yours?" in out and "TeamViewer (remote access) is running" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_the_console_script_runs(installed: None) -> None:
    exe = shutil.which("auditor") or str(Path(sys.executable).parent / "auditor")
    result = subprocess.run([exe, "iocs", "status"], capture_output=True, text=True, timeout=60, env=os.environ)
    assert result.returncode == 0, result.stderr
    assert "apps:           174" in result.stdout
