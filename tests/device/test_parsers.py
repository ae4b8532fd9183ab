"""Parsers are pure: fixture text in, records out."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from auditor.device import parsers

FIX = Path(__file__).parent / "fixtures"


def read(name: str) -> str:
    return (FIX / name).read_text()


def test_desktop_entry() -> None:
    entry = parsers.parse_desktop_entry(read("spy.desktop"), "spy.desktop")
    assert entry is not None
    assert entry.name == "System Helper"
    assert entry.command == "/home/ann/.local/share/.helper/thetruthspy --background"
    assert entry.enabled
    hidden = parsers.parse_desktop_entry(read("hidden.desktop"), "hidden.desktop")
    assert hidden is not None and not hidden.enabled


def test_systemd_unit_strips_exec_prefixes() -> None:
    entry = parsers.parse_systemd_unit(read("sync.service"), "sync.service")
    assert entry is not None
    assert entry.command == "/home/ann/bin/rustdesk --service"
    assert entry.name == "Photo sync helper"


def test_user_crontab() -> None:
    entries = parsers.parse_crontab(read("user.crontab"), "ann")
    assert [e.command for e in entries] == [
        "/home/ann/.cache/upl/uploader.sh >/dev/null 2>&1",
        "/opt/kidlogger/kl --hidden",
    ]
    assert entries[1].name == "@reboot"


def test_system_crontab_has_a_user_field() -> None:
    entries = parsers.parse_crontab(read("system.crontab"), "/etc/crontab", "system", system_format=True)
    assert [e.command for e in entries] == [
        "cd / && run-parts --report /etc/cron.hourly",
        "/usr/local/bin/x11vnc -forever -shared",
    ]
    assert entries[1].name == "@reboot as root"


def test_launchd_plists_xml_and_binary() -> None:
    tv = parsers.parse_launchd_plist((FIX / "teamviewer.plist").read_bytes(), "tv.plist")
    assert tv is not None and tv.name == "com.teamviewer.service"
    assert parsers.command_program(tv.command).endswith("TeamViewer_Service")
    off = parsers.parse_launchd_plist((FIX / "disabled.plist").read_bytes(), "off.plist")
    assert off is not None and not off.enabled and off.command == "/usr/local/bin/off"


def test_launchd_garbage_is_an_error() -> None:
    import pytest

    with pytest.raises(ValueError, match="property list"):
        parsers.parse_launchd_plist(b"<plist><dict><key>", "x.plist")


def test_schtasks_csv_with_repeated_headers() -> None:
    tasks = parsers.parse_schtasks_csv(read("schtasks.csv"))
    assert [t.name for t in tasks] == ["ScheduledDefrag", "Updater", "Off"]
    assert tasks[0].scope == "system"
    assert tasks[1].command == "C:\\Users\\Public\\svc\\AnyDesk.exe --silent"
    assert not tasks[2].enabled


def test_hosts_file() -> None:
    entries = parsers.parse_hosts(read("hosts"))
    names = [(e.hostname, e.line) for e in entries]
    assert ("protocol-a745.thetruthspy.com", 4) in names
    assert ("media.thetruthspy.com", 4) in names
    assert ("upload", 4) not in names  # comment text is not a host name


def test_authorized_keys_fingerprints_options_and_bad_lines() -> None:
    keys, bad = parsers.parse_authorized_keys(read("authorized_keys"), "authorized_keys")
    blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + bytes(range(32))
    expected = "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    assert [k.fingerprint for k in keys] == [expected, expected]
    assert keys[0].comment == "ann@laptop"
    assert keys[1].options == 'command="/usr/bin/rsync --server",no-pty'
    assert keys[1].comment == 'backup "job"'
    assert bad == [4, 5]


def test_command_program_skips_wrappers() -> None:
    assert parsers.command_program("env A=1 nohup /opt/x/agent --q") == "/opt/x/agent"
    assert parsers.command_program("'/Applications/Any Desk.app/x' -s") == "/Applications/Any Desk.app/x"
