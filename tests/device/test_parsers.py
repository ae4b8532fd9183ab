"""Parsers are pure: fixture text in, a Reading out — and each says when it did not understand its input."""

from __future__ import annotations

import base64
import hashlib
import plistlib
from pathlib import Path

import pytest

from auditor.checkapi.device import command_program
from auditor.device import parsers

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "device"


def read(name: str) -> str:
    return (FIX / name).read_text(encoding="utf-8")


# --- XDG autostart ---------------------------------------------------------------------------------


def test_desktop_entry() -> None:
    reading = parsers.parse_desktop_entry(read("spy.desktop"), "spy.desktop")
    entry = reading.value
    assert reading.whole and entry is not None
    assert entry.name == "System Helper"
    assert entry.command == "/home/ann/.local/share/.helper/thetruthspy --background"
    assert entry.enabled
    hidden = parsers.parse_desktop_entry(read("hidden.desktop"), "hidden.desktop")
    assert hidden.whole and hidden.value is not None and not hidden.value.enabled


def test_syncthings_published_autostart_entry() -> None:
    reading = parsers.parse_desktop_entry(read("syncthing-start.desktop"), "syncthing-start.desktop")
    assert reading.whole and reading.value is not None
    assert reading.value.name == "Start Syncthing"
    assert command_program(reading.value.command) == "syncthing"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Name=x\nExec=/bin/x\n", "a key before any [group]"),
        ("[Desktop Action x]\nExec=/bin/x\n", "no [Desktop Entry] group"),
        ("[Desktop Entry]\nName=Helper\n", "no Exec line"),
        ("[Desktop Entry]\nExec=/bin/a\nExec=/bin/b\n", "Exec is set twice"),
        ("[Desktop Entry]\nExec=/bin/a\nHidden=perhaps\n", "Hidden is perhaps, not true or false"),
        ("[Desktop Entry]\nExec=/bin/a\nthis line has no equals sign\n", "line 3: not a key=value line"),
        ("[Desktop Entry\nExec=/bin/a\n", "line 1: a group header without its closing ]"),
    ],
)
def test_desktop_entries_it_does_not_understand_say_so(text: str, why: str) -> None:
    reading = parsers.parse_desktop_entry(text, "/home/ann/.config/autostart/x.desktop")
    assert not reading.whole
    assert any(why in u and "x.desktop" in u for u in reading.unrecognised), reading.unrecognised


def test_keys_glib_reads_are_understood() -> None:
    text = "[Desktop Entry]\nExec=/usr/bin/tool\nX_Vendor.Option=1\nName[sr@latin]=Alat\n"
    assert parsers.parse_desktop_entry(text, "tool.desktop").whole


def test_a_disabled_entry_needs_no_exec() -> None:
    reading = parsers.parse_desktop_entry("[Desktop Entry]\nHidden=true\n", "blueman.desktop")
    assert reading.whole and reading.value is not None and not reading.value.enabled


# --- systemd ---------------------------------------------------------------------------------------


def test_systemd_unit_strips_exec_prefixes() -> None:
    reading = parsers.parse_systemd_unit(read("sync.service"), "sync.service")
    assert reading.whole
    [entry] = reading.value
    assert entry.command == "/home/ann/bin/rustdesk --service"
    assert entry.name == "Photo sync helper"


def test_syncthings_published_user_unit() -> None:
    reading = parsers.parse_systemd_unit(read("syncthing.service"), "syncthing.service")
    assert reading.whole
    assert [e.command for e in reading.value] == ["/usr/bin/syncthing serve --no-browser --no-restart"]
    assert reading.value[0].mechanism == "systemd-user"


def test_every_command_a_unit_runs_is_an_entry() -> None:
    """cronie's unit also runs a command on reload: a payload hidden there is still seen."""
    reading = parsers.parse_systemd_unit(read("cronie.service"), "cronie.service", "system")
    assert reading.whole
    assert [(e.name, e.command) for e in reading.value] == [
        ("Command Scheduler", "/usr/sbin/crond -n $CRONDARGS"),
        ("Command Scheduler (ExecReload 1)", "/bin/kill -URG $MAINPID"),
    ]
    assert {e.mechanism for e in reading.value} == {"systemd"}


def test_continued_lines_and_resets() -> None:
    text = "[Service]\nExecStart=/bin/first\nExecStart=\nExecStart=/opt/x/agent \\\n  --quiet\n"
    reading = parsers.parse_systemd_unit(text, "x.service")
    assert reading.whole
    assert [e.command for e in reading.value] == ["/opt/x/agent  --quiet"]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("[Service]\nRestart=always\n", "no command to run"),
        ("ExecStart=/bin/x\n", "a setting before any [section]"),
        ("[Service]\nExecStart /bin/x\n", "line 2: not a Key=value line"),
        ("[Service\nExecStart=/bin/x\n", "line 1: a section header without its closing ]"),
    ],
)
def test_units_it_does_not_understand_say_so(text: str, why: str) -> None:
    reading = parsers.parse_systemd_unit(text, "x.service")
    assert any(why in u for u in reading.unrecognised), reading.unrecognised


# --- crontabs --------------------------------------------------------------------------------------


def test_user_crontab() -> None:
    reading = parsers.parse_crontab(read("user.crontab"), "ann")
    assert reading.whole
    assert [e.command for e in reading.value] == [
        "/home/ann/.cache/upl/uploader.sh >/dev/null 2>&1",
        "/opt/kidlogger/kl --hidden",
    ]
    assert reading.value[1].name == "@reboot"


def test_system_crontab_has_a_user_field() -> None:
    reading = parsers.parse_crontab(read("system.crontab"), "/etc/crontab", "system", system_format=True)
    assert reading.whole
    assert [e.command for e in reading.value] == [
        "cd / && run-parts --report /etc/cron.hourly",
        "/usr/local/bin/x11vnc -forever -shared",
    ]
    assert reading.value[1].name == "@reboot as root"


def test_cronies_published_system_crontabs() -> None:
    daily = parsers.parse_crontab(read("cronie-dailyjobs"), "/etc/cron.d/dailyjobs", "system", system_format=True)
    assert daily.whole
    assert [e.name for e in daily.value] == ["02 4 * * * as root", "22 4 * * 0 as root", "42 4 1 * * as root"]
    hourly = parsers.parse_crontab(read("cronie-0hourly"), "/etc/cron.d/0hourly", "system", system_format=True)
    assert hourly.whole and [e.command for e in hourly.value] == ["run-parts /etc/cron.hourly"]


def test_an_anacrontab_is_not_a_crontab() -> None:
    """anacron's table dropped into /etc/cron.d: its lines are not cron lines, and the reading says which."""
    reading = parsers.parse_crontab(read("cronie-anacrontab"), "/etc/cron.d/anacrontab", "system", system_format=True)
    assert reading.unrecognised == (
        "/etc/cron.d/anacrontab line 14: not a schedule followed by a command",
        "/etc/cron.d/anacrontab line 15: not a schedule followed by a command",
    )


@pytest.mark.parametrize(
    ("text", "system", "why"),
    [
        ("@sometimes /bin/x\n", False, "@sometimes is not a cron schedule"),
        ("*/5 * * *\n", False, "not a schedule followed by a command"),
        ("echo hello world from here\n", False, "not a schedule followed by a command"),
        ("@reboot\n", False, "no command after the schedule"),
        ("@reboot root\n", True, "no user and command after the schedule"),
        ("0 0 * * * /bin/x\n", True, "no user and command after the schedule"),
    ],
)
def test_crontab_lines_it_does_not_understand_say_so(text: str, system: bool, why: str) -> None:
    reading = parsers.parse_crontab(text, "/var/spool/cron/crontabs/ann", system_format=system)
    assert any(why in u and "line 1" in u for u in reading.unrecognised), reading.unrecognised


def test_the_same_schedule_twice_gives_two_names() -> None:
    reading = parsers.parse_crontab("@reboot /bin/a\n@reboot /bin/b\n", "ann")
    assert [e.name for e in reading.value] == ["@reboot", "@reboot (line 2)"]


# --- launchd -------------------------------------------------------------------------------------


def test_launchd_plists_xml_and_binary() -> None:
    tv = parsers.parse_launchd_plist((FIX / "teamviewer.plist").read_bytes(), "tv.plist")
    assert tv.whole and tv.value is not None and tv.value.name == "com.teamviewer.service"
    assert command_program(tv.value.command).endswith("TeamViewer_Service")
    off = parsers.parse_launchd_plist((FIX / "disabled.plist").read_bytes(), "off.plist")
    assert off.whole and off.value is not None and not off.value.enabled and off.value.command == "/usr/local/bin/off"


def test_syncthings_published_launch_agent() -> None:
    reading = parsers.parse_launchd_plist((FIX / "syncthing.plist").read_bytes(), "syncthing.plist")
    assert reading.whole and reading.value is not None
    assert reading.value.name == "net.syncthing.syncthing"
    assert reading.value.command == "/Users/USERNAME/bin/syncthing"


def test_program_is_what_launchd_runs_even_when_the_arguments_name_another() -> None:
    data = plistlib.dumps({"Label": "x", "Program": "/tmp/.x/agent", "ProgramArguments": ["/usr/bin/true", "-q"]})
    reading = parsers.parse_launchd_plist(data, "x.plist")
    assert reading.whole and reading.value is not None
    assert command_program(reading.value.command) == "/tmp/.x/agent"


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"<plist><dict><key>", "not a property list"),
        (plistlib.dumps(["a"]), "holding a list, not a dictionary"),
        (plistlib.dumps({"Label": "x"}), "no Program or ProgramArguments"),
        (plistlib.dumps({"Label": "x", "Program": 3}), "Program is a int"),
        (plistlib.dumps({"Label": "x", "ProgramArguments": "/bin/x"}), "ProgramArguments is not a list of text"),
        (plistlib.dumps({"Label": "x", "Program": "/bin/x", "Disabled": "yes"}), "Disabled is a str"),
        (plistlib.dumps({"Program": "/bin/x"}), "no Label"),
    ],
)
def test_property_lists_it_does_not_understand_say_so(data: bytes, why: str) -> None:
    reading = parsers.parse_launchd_plist(data, "x.plist")
    assert any(why in u for u in reading.unrecognised), reading.unrecognised


# --- Windows -------------------------------------------------------------------------------------


def test_schtasks_csv_with_repeated_headers() -> None:
    reading = parsers.parse_schtasks_csv(read("schtasks.csv"))
    assert reading.whole
    tasks = reading.value
    assert [t.name for t in tasks] == ["ScheduledDefrag", "Updater", "Off"]
    assert tasks[0].scope == "system"
    assert tasks[1].command == "C:\\Users\\Public\\svc\\AnyDesk.exe --silent"
    assert not tasks[2].enabled


def test_schtasks_in_another_language_is_not_understood_rather_than_empty() -> None:
    """A French Windows prints "Nom de l'hôte" headers: no task would be seen, so the reading says so."""
    french = read("schtasks.csv").replace('"HostName","TaskName"', '"Nom de l\'hôte","Nom de la tâche"')
    reading = parsers.parse_schtasks_csv(french)
    assert reading.value == () and not reading.whole
    assert parsers.parse_schtasks_csv("").unrecognised


def test_run_key_values_that_are_not_text() -> None:
    reading = parsers.run_key_entries([("Updater", "C:\\x.exe"), ("Blob", b"\x00\x01")], "Run", "user")
    assert [e.name for e in reading.value] == ["Updater"]
    assert reading.unrecognised == ("registry key Run: a value Blob that is not text",)


# --- hosts -----------------------------------------------------------------------------------------


def test_hosts_file() -> None:
    reading = parsers.parse_hosts(read("hosts"), "/etc/hosts")
    assert reading.whole
    names = [(e.hostname, e.line) for e in reading.value]
    assert ("protocol-a745.thetruthspy.com", 4) in names
    assert ("media.thetruthspy.com", 4) in names
    assert ("upload", 4) not in names  # comment text is not a host name


def test_gos_hosts_test_data_bogus_entries_are_not_understood() -> None:
    """Go's own resolver test data: its "bogus entries that must be ignored" are exactly the two lines this
    parser does not understand; the macOS zone-suffixed address is understood."""
    reading = parsers.parse_hosts(read("go-hosts"), "hosts")
    assert reading.unrecognised == (
        "hosts line 10: 123.123.123 is not an address",
        "hosts line 11: an address with no host name",
    )
    assert ("fe80::1%lo0", "localhost") in [(e.address, e.hostname) for e in reading.value]
    assert [e.hostname for e in reading.value if e.line == 7] == ["ullr", "ullrhost"]


# --- SSH -----------------------------------------------------------------------------------------


def test_authorized_keys_fingerprints_options_and_bad_lines() -> None:
    reading = parsers.parse_authorized_keys(read("authorized_keys"), "authorized_keys")
    keys = reading.value
    blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + bytes(range(32))
    expected = "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    assert [k.fingerprint for k in keys] == [expected, expected]
    assert keys[0].comment == "ann@laptop"
    assert keys[1].options == 'command="/usr/bin/rsync --server",no-pty'
    assert keys[1].comment == 'backup "job"'
    assert reading.unrecognised == (
        "authorized_keys line 4: not a key this tool understands",
        "authorized_keys line 5: the key data is not a valid ssh-rsa key",
    )


def test_fingerprints_are_the_ones_ssh_keygen_prints_for_openssh_test_keys() -> None:
    """OpenSSH's own test keys (plain, FIDO, certificates, ML-DSA hybrid) and the fingerprints OpenSSH's
    tests expect for them: a certificate has the fingerprint of the key it certifies."""
    reading = parsers.parse_authorized_keys(read("openssh-testdata.authorized_keys"), "keys")
    assert reading.whole
    assert [k.fingerprint for k in reading.value] == read("openssh-testdata.fp").split()
    assert reading.value[5].key_type == "ssh-ed25519-cert-v01@openssh.com"
    assert reading.value[0].comment == "ED25519 test key #1"


def test_the_sshd_manual_example_keys() -> None:
    """sshd(8)'s example file writes "..." for each key: nine lines the tool cannot take as keys."""
    placeholder = parsers.parse_authorized_keys(read("sshd8-example.authorized_keys"), "example")
    assert placeholder.value == () and len(placeholder.unrecognised) == 9
    filled = parsers.parse_authorized_keys(read("sshd8-example-filled.authorized_keys"), "example")
    assert filled.whole and len(filled.value) == 9
    assert filled.value[1].options == 'restrict,command="dump /home"'
    assert filled.value[3].options == 'permitlisten="localhost:8080",permitlisten="[::1]:22000"'
    assert filled.value[8].options == 'cert-authority,no-touch-required,principals="user_a"'
    assert filled.value[6].key_type == "sk-ecdsa-sha2-nistp256@openssh.com"


def test_a_key_whose_data_names_another_type_is_not_understood() -> None:
    ed25519 = read("openssh-testdata.authorized_keys").splitlines()[0].split()[1]
    reading = parsers.parse_authorized_keys(f"ssh-rsa {ed25519} x\n", "ak")
    assert reading.value == () and reading.unrecognised == ("ak line 1: the key data is not a valid ssh-rsa key",)


def test_openssh_default_sshd_config() -> None:
    reading = parsers.parse_sshd_config(read("openssh-sshd_config"), "/etc/ssh/sshd_config")
    assert reading.whole
    settings = parsers.merge_sshd([("/etc/ssh/sshd_config", reading.value)])
    assert settings.ports == (22,)
    assert ".ssh/authorized_keys" in settings.authorized_keys_files


def test_sshd_config_ports_key_files_and_includes() -> None:
    text = (
        "Include /etc/ssh/sshd_config.d/*.conf\n"
        "Port 2222\n"
        "ListenAddress [::1]:2200\n"
        "ListenAddress 0.0.0.0\n"
        'AuthorizedKeysFile "/etc/ssh/keys/%u" .ssh/authorized_keys # the second is the default\n'
        "Match User backup\n"
        "  AuthorizedKeysFile /srv/backup/keys\n"
        "PasswordAuthentication=no\n"
    )
    reading = parsers.parse_sshd_config(text, "sshd_config")
    assert reading.whole
    settings = parsers.merge_sshd([("sshd_config", reading.value)])
    assert settings.ports == (2222, 2200)
    assert settings.authorized_keys_files == (
        ".ssh/authorized_keys",
        ".ssh/authorized_keys2",
        "/etc/ssh/keys/%u",
        "/srv/backup/keys",
    )
    assert reading.value.includes == ["/etc/ssh/sshd_config.d/*.conf"]
    assert settings.password_authentication == "no"


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("Port ssh", "ssh is not a port"),
        ("Port 70000", "is not a port"),
        ("Port", "a keyword with no value"),
        ('AuthorizedKeysFile "/x', "unbalanced quotes"),
        ("ListenAddress 10.0.0.1:x", "has no valid port"),
    ],
)
def test_sshd_config_lines_it_does_not_understand_say_so(line: str, why: str) -> None:
    reading = parsers.parse_sshd_config(line + "\n", "sshd_config")
    assert any(why in u and "line 1" in u for u in reading.unrecognised), reading.unrecognised


# --- processes and connections -------------------------------------------------------------------


def test_a_denied_process_field_is_not_read_and_a_missing_one_not_understood() -> None:
    denied = parsers.process_record({"pid": 1, "name": "init", "exe": None, "cmdline": None, "username": "root"})
    assert denied.value is not None and denied.value.name == "init"
    assert denied.not_read == ("pid 1 (init): its file location and command line (access denied)",)
    # Another account's program: its file location is hidden, its command line names what was started.
    hidden = parsers.process_record({"pid": 5, "name": "spy", "exe": None, "cmdline": ["/opt/s/spy", "-q"]})
    assert hidden.value is not None and hidden.value.exe == "/opt/s/spy" and not hidden.not_read
    dropped = parsers.process_record({"pid": 2, "name": "x", "cmdline": [], "username": ""})
    assert dropped.unrecognised == ("pid 2 (x): the record has no exe",)
    wrong = parsers.process_record({"pid": "3", "name": 4, "exe": "/bin/y", "cmdline": "y", "username": None})
    assert wrong.value is not None and wrong.value.exe == "/bin/y"
    assert len(wrong.unrecognised) == 3 and not wrong.not_read


def test_processes_reading_sums_up_what_was_denied() -> None:
    records: list[dict[str, object]] = [
        {"pid": n, "name": f"p{n}", "exe": None, "cmdline": [], "username": ""} for n in range(8)
    ]
    reading = parsers.processes_reading(records)
    assert len(reading.value) == 8
    [problem] = reading.not_read
    assert problem.startswith("details of 8 running programs could not be read")
    assert "and 3 more like these" in problem
    assert parsers.processes_reading([]).not_read == ("no running programs were visible at all",)


def test_connection_records() -> None:
    listening = parsers.connection_record({"laddr": ("0.0.0.0", 22), "raddr": (), "status": "LISTEN", "pid": None})
    assert listening.whole and listening.value is not None and listening.value.local == "0.0.0.0:22"
    out = parsers.connection_record({"laddr": ("::1", 5), "raddr": ("2001:db8::1", 443), "status": "ESTABLISHED"})
    assert out.value is not None and out.value.local == "[::1]:5" and out.value.remote_port == 443
    broken = parsers.connection_record({"laddr": ("1.2.3.4", 5), "raddr": ("x",), "status": 3, "pid": "7"})
    assert broken.value is None and len(broken.unrecognised) == 3


def test_command_program_skips_wrappers() -> None:
    assert command_program("env A=1 nohup /opt/x/agent --q") == "/opt/x/agent"
    assert command_program("'/Applications/Any Desk.app/x' -s") == "/Applications/Any Desk.app/x"


def test_text_that_is_not_utf8_is_not_understood() -> None:
    reading = parsers.decode_text(b"127.0.0.1 localhost \xff\n", "/etc/hosts")
    assert reading.unrecognised == ("/etc/hosts: byte 21 is not UTF-8 text",)
    assert "localhost" in reading.value
