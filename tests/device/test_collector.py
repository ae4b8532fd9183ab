"""The collector over real files and the real process list: every place it cannot read is named, and no
check says "Looks clear" over it.

The places are broken in ways that stop a read even for root (a symlink loop, a FIFO, a folder where a file
belongs, a file where a folder belongs), and once with real permissions, in a child process that drops to
``nobody`` when the tests run as root.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from auditor.device.collector import DeviceCollector
from auditor.model import Status

from .conftest import FIX, audit_device, by_check


def clean_tree(base: Path) -> tuple[Path, Path]:
    """A Linux-like root with one home and nothing unfamiliar: every autostart place holds only what is
    expected (a disabled entry, the system's own cron jobs)."""
    root = base / "root"
    home = root / "home" / "ann"
    (home / ".config" / "autostart").mkdir(parents=True)
    shutil.copy(FIX / "hidden.desktop", home / ".config" / "autostart")
    (root / "etc" / "cron.d").mkdir(parents=True)
    shutil.copy(FIX / "cronie-dailyjobs", root / "etc" / "cron.d" / "dailyjobs")
    shutil.copy(FIX / "cronie-0hourly", root / "etc" / "crontab")
    (root / "var" / "spool" / "cron" / "crontabs").mkdir(parents=True)
    return root, home


def spool(root: Path) -> Path:
    return root / "var" / "spool" / "cron" / "crontabs"


def crontab_loop(root: Path, home: Path) -> str:
    (spool(root) / "root").symlink_to("root")
    return "root's crontab"


def crontab_fifo(root: Path, home: Path) -> str:
    os.mkfifo(spool(root) / "root")
    return "root's crontab"


def crontab_is_a_folder(root: Path, home: Path) -> str:
    (root / "etc" / "crontab").unlink()
    (root / "etc" / "crontab").mkdir()
    return "a folder where a file was expected"


def autostart_loop(root: Path, home: Path) -> str:
    folder = home / ".config" / "autostart"
    shutil.rmtree(folder)
    folder.symlink_to("autostart")
    return "autostart"


def autostart_is_a_file(root: Path, home: Path) -> str:
    folder = home / ".config" / "autostart"
    shutil.rmtree(folder)
    folder.write_text("not a folder\n")
    return "a file where a folder was expected"


def desktop_fifo(root: Path, home: Path) -> str:
    os.mkfifo(home / ".config" / "autostart" / "helper.desktop")  # reading it would block the scan for ever
    return "helper.desktop: not an ordinary file"


BREAKS: dict[str, Callable[[Path, Path], str]] = {
    "root's crontab is a symlink loop": crontab_loop,
    "root's crontab is a FIFO": crontab_fifo,
    "/etc/crontab is a folder": crontab_is_a_folder,
    "the autostart folder is a symlink loop": autostart_loop,
    "the autostart folder is a file": autostart_is_a_file,
    "an autostart entry is a FIFO": desktop_fifo,
}


def test_the_clean_tree_alone_is_whole(tmp_path: Path) -> None:
    root, home = clean_tree(tmp_path)
    reading = DeviceCollector(root=root, homes=[home], system="linux").autostart_entries()
    assert reading.whole, reading.problems
    assert len(reading.value) == 5  # the disabled entry and cronie's four jobs


@pytest.mark.parametrize("broken", list(BREAKS), ids=list(BREAKS))
def test_a_place_that_cannot_be_read_is_named_and_never_clear(tmp_path: Path, installed: None, broken: str) -> None:
    root, home = clean_tree(tmp_path)
    named = BREAKS[broken](root, home)
    collector = DeviceCollector(root=root, homes=[home], system="linux")
    reading = collector.autostart_entries()
    assert not reading.whole
    assert any(named in problem for problem in reading.not_read), reading.not_read

    run = audit_device(collector)  # the real process list beside the broken tree
    for check in ("device.autostart", "device.remote_access"):
        findings = by_check(run, check)
        assert Status.CLEAR not in {f.status for f in findings}, (check, [f.title for f in findings])
        errors = [f for f in findings if f.status is Status.ERROR]
        assert any(named in f.detail for f in errors), (check, [f.detail for f in errors])


def test_a_dangling_link_is_nothing_to_start(tmp_path: Path) -> None:
    root, home = clean_tree(tmp_path)
    (home / ".config" / "autostart" / "gone.desktop").symlink_to(tmp_path / "removed-long-ago.desktop")
    reading = DeviceCollector(root=root, homes=[home], system="linux").autostart_entries()
    assert reading.whole, reading.problems


def test_masked_units_are_nothing_to_start(tmp_path: Path) -> None:
    """systemctl mask links a unit to /dev/null (or leaves it empty): nothing starts from it, nothing to say."""
    root, home = clean_tree(tmp_path)
    units = root / "etc" / "systemd" / "system"
    units.mkdir(parents=True)
    (units / "bluetooth.service").symlink_to(os.devnull)
    (units / "cups.service").write_text("")
    shutil.copy(FIX / "cronie.service", units / "cronie.service")
    reading = DeviceCollector(root=root, homes=[home], system="linux").autostart_entries()
    assert reading.whole, reading.problems
    assert [e.name for e in reading.value if e.mechanism == "systemd"] == [
        "Command Scheduler",
        "Command Scheduler (ExecReload 1)",
    ]


def test_a_line_it_does_not_understand_is_named_with_file_and_line(tmp_path: Path, installed: None) -> None:
    root, home = clean_tree(tmp_path)
    shutil.copy(FIX / "cronie-anacrontab", root / "etc" / "cron.d" / "anacrontab")
    collector = DeviceCollector(root=root, homes=[home], system="linux")
    reading = collector.autostart_entries()
    where = root / "etc" / "cron.d" / "anacrontab"
    assert reading.unrecognised == (
        f"{where} line 14: not a schedule followed by a command",
        f"{where} line 15: not a schedule followed by a command",
    )
    autostart = by_check(audit_device(collector), "device.autostart")
    assert [f.status for f in autostart] == [Status.ERROR]
    assert "not understood: " in autostart[0].detail and "anacrontab line 14" in autostart[0].detail


# --- real permissions ---------------------------------------------------------------------------------

# Everything is imported and loaded first: the interpreter's own files may not be readable by "nobody".
AS_ANOTHER_USER = """
import asyncio, concurrent.futures.thread, json, os, pwd, sys
from pathlib import Path
import psutil
from auditor.audit import load_checks
from auditor.device.collector import DeviceCollector
from auditor.device.source import device_source
from auditor.engine import run_audit

collector = DeviceCollector(root=Path(sys.argv[1]), homes=[Path(sys.argv[2])], system="linux")
wanted = {"device.autostart", "device.remote_access", "device.stalkerware_processes", "device.monitoring_software"}
checks = [c for c in load_checks().values() if c.spec.id in wanted]
source = device_source(collector)
if os.geteuid() == 0:
    nobody = pwd.getpwnam("nobody")
    os.setgroups([]); os.setgid(nobody.pw_gid); os.setuid(nobody.pw_uid)
denied = 0
for proc in psutil.process_iter():
    try:
        proc.exe()
    except psutil.AccessDenied:
        denied += 1
    except psutil.Error:
        pass
run = asyncio.run(run_audit(checks, [source]))
out = {"denied": denied, "uid": os.geteuid(), "findings": {}}
for f in run.findings:
    out["findings"].setdefault(f.check, []).append([f.status.value, f.title, f.detail])
print(json.dumps(out))
"""


@pytest.fixture
def shared_tree() -> Iterator[Path]:
    """A tree another user can walk (pytest's own folders are private to the user running the tests)."""
    base = Path(tempfile.mkdtemp(prefix="auditor-tree-"))
    os.chmod(base, 0o755)
    yield base
    for folder in [base, *base.rglob("*")]:
        if folder.is_dir() and not folder.is_symlink():
            os.chmod(folder, 0o755)
    shutil.rmtree(base, ignore_errors=True)


def test_denied_crontabs_and_denied_programs_are_couldnt_check(shared_tree: Path) -> None:
    """The reported bug: with root's crontab spool unreadable and running programs whose details were
    denied, the remote-access, stalkerware and monitoring checks said "Looks clear" with "Could not
    read: ..." in the detail. Each must now say it couldn't check, and why."""
    root, home = clean_tree(shared_tree)
    (spool(root) / "root").write_text("@reboot /usr/local/bin/x11vnc -forever\n")
    for path in [shared_tree, *shared_tree.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    # Like Debian's spool (root only); for a test not run as root, no one at all.
    os.chmod(spool(root), 0o700 if os.geteuid() == 0 else 0o000)
    home_dir = shared_tree / "auditor-home"
    home_dir.mkdir(mode=0o777)
    os.chmod(home_dir, 0o777)
    env = {**os.environ, "AUDITOR_HOME": str(home_dir)}
    result = subprocess.run(
        [sys.executable, "-c", AS_ANOTHER_USER, str(root), str(home)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=shared_tree,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    findings: dict[str, list[list[str]]] = out["findings"]
    assert out["uid"] != 0

    for check in ("device.autostart", "device.remote_access"):
        statuses = {status for status, _, _ in findings[check]}
        assert statuses == {"error"}, (check, findings[check])
        assert any("crontabs" in d and "permission denied" in d for _, _, d in findings[check]), findings[check]

    # Another user's programs hide their file locations (on Linux, /proc/<pid>/exe needs ptrace rights).
    assert out["denied"] > 0 or os.geteuid() != 0
    for check in ("device.remote_access", "device.stalkerware_processes", "device.monitoring_software"):
        statuses = {status for status, _, _ in findings[check]}
        assert "clear" not in statuses, (check, findings[check])
        if out["denied"]:
            assert statuses == {"error"}, (check, findings[check])
            assert any("details of" in d and "could not be read" in d for _, _, d in findings[check])


# --- SSH ------------------------------------------------------------------------------------------


def ssh_tree(base: Path, config: str) -> tuple[Path, Path]:
    root, home = clean_tree(base)
    (root / "etc" / "ssh" / "sshd_config.d").mkdir(parents=True)
    (root / "etc" / "ssh" / "sshd_config").write_text(config)
    return root, home


def test_keys_from_an_authorized_keys_file_named_in_an_included_config(tmp_path: Path, installed: None) -> None:
    root, home = ssh_tree(tmp_path, "Include sshd_config.d/*.conf\n")
    (root / "etc" / "ssh" / "sshd_config.d" / "10-keys.conf").write_text("AuthorizedKeysFile /etc/ssh/keys/%u\n")
    (root / "etc" / "ssh" / "keys").mkdir()
    key_line = (FIX / "openssh-testdata.authorized_keys").read_text().splitlines()[0]
    (root / "etc" / "ssh" / "keys" / "ann").write_text(key_line + "\n")
    collector = DeviceCollector(root=root, homes=[home], system="linux")
    reading = collector.ssh_keys()
    assert reading.whole, reading.problems
    assert [(k.file, k.fingerprint) for k in reading.value] == [
        (str(root / "etc" / "ssh" / "keys" / "ann"), "SHA256:L3k/oJubblSY0lB9Ulsl7emDMnRPKm/8udf2ccwk560")
    ]
    keys = by_check(audit_device(collector), "device.ssh_keys")
    assert [f.status for f in keys] == [Status.REVIEW]
    assert keys[0].title == "An SSH key can log in to this computer: ED25519 test key #1 — is this yours?"


def test_unreadable_server_settings_leave_the_keys_couldnt_check(tmp_path: Path, installed: None) -> None:
    root, home = ssh_tree(tmp_path, "")
    (root / "etc" / "ssh" / "sshd_config").unlink()
    (root / "etc" / "ssh" / "sshd_config").mkdir()
    collector = DeviceCollector(root=root, homes=[home], system="linux")
    keys = by_check(audit_device(collector), "device.ssh_keys")
    assert [f.status for f in keys] == [Status.ERROR]
    assert "sshd_config: a folder where a file was expected" in keys[0].detail


def test_an_ssh_server_on_the_port_its_settings_name_is_seen(tmp_path: Path, installed: None) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        root, home = ssh_tree(tmp_path, f"Port {port}\n")
        found = by_check(audit_device(DeviceCollector(root=root, homes=[home], system="linux")), "device.ssh_server")
    finally:
        listener.close()
    review = [f for f in found if f.status is Status.REVIEW]
    assert len(review) == 1, [(f.status, f.title) for f in found]
    assert f"127.0.0.1:{port}" in review[0].evidence["listening"]
    assert port in review[0].evidence["ports"]


def test_a_mac_tree_launch_agents_and_crontabs(tmp_path: Path, installed: None) -> None:
    root = tmp_path / "root"
    home = root / "Users" / "ann"
    agents = home / "Library" / "LaunchAgents"
    agents.mkdir(parents=True)
    shutil.copy(FIX / "syncthing.plist", agents / "syncthing.plist")
    (root / "Library" / "LaunchDaemons").mkdir(parents=True)
    shutil.copy(FIX / "teamviewer.plist", root / "Library" / "LaunchDaemons" / "com.teamviewer.service.plist")
    (root / "var" / "at" / "tabs").mkdir(parents=True)
    shutil.copy(FIX / "user.crontab", root / "var" / "at" / "tabs" / "ann")
    collector = DeviceCollector(root=root, homes=[home], system="macos")
    reading = collector.autostart_entries()
    assert reading.whole, reading.problems
    assert {(e.mechanism, e.name) for e in reading.value} == {
        ("launchd", "net.syncthing.syncthing"),
        ("launchd", "com.teamviewer.service"),
        ("cron", "*/10 * * * *"),
        ("cron", "@reboot"),
    }
    (agents / "broken.plist").write_bytes(b"bplist00\x00\x01")
    run = audit_device(DeviceCollector(root=root, homes=[home], system="macos"))
    remote = by_check(run, "device.remote_access")
    assert "TeamViewer" in {f.evidence.get("tool") for f in remote if f.status is Status.REVIEW}
    autostart = by_check(run, "device.autostart")
    assert Status.CLEAR not in {f.status for f in autostart}
    # The detail names the file and the problem (a long path is cut short: the test's folder may be deep).
    gaps = [f.detail for f in autostart if f.status is Status.ERROR]
    assert any("broken.pl" in detail and "not a property list" in detail for detail in gaps), gaps
