"""Shape fuzzing of every device parser, of process and connection records, and of the checks over them.

Inputs are built from valid lines and records (real key data from OpenSSH's tests, cron schedules, unit
files, property lists) and broken the ways files and psutil break them: lines that are not the format,
dropped fields, fields of the wrong type, None where psutil was denied, cut-off key data, rows of the wrong
width, and names carrying Rich markup, ANSI/OSC escapes and bidi controls. The properties:

- a parser never raises, and its reading is whole exactly when every line or field was understood;
- a check never raises and never says "Looks clear" over a reading that is not whole;
- text from the computer reaches a title or a detail only literally (no control, bidi or invisible
  character survives; markup stays as the characters it is).
"""

from __future__ import annotations

import csv
import io
import plistlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from auditor.audit import load_checks
from auditor.checkapi import CheckContext, Reading, Source
from auditor.checkapi.device import Connection, ProcessInfo, program_name
from auditor.device import parsers
from auditor.device.catalog import builtin_catalog
from auditor.iocs import load_indicator_files
from auditor.model import AuditRun, Finding, Status, utcnow
from auditor.render import table
from auditor.safetext import literal

from .conftest import FIX, ChosenReadings

SHIPPED = Path(__file__).resolve().parents[2] / "auditor" / "iocs" / "data"
INDICATORS = load_indicator_files([SHIPPED / "ioc.yaml", SHIPPED / "watchware.yaml"])
CATALOG = builtin_catalog()
CHECKS = {cid: check for cid, check in load_checks().items() if check.spec.kind == "device"}
C2_IP = next(ip for app in INDICATORS.apps for ip in app.c2_ips)

# --- text that an attacker chooses --------------------------------------------------------------------

HOSTILE = (
    "[bold red]yours[/bold red]",
    "[link=https://evil.example]click[/link]",
    "\x1b[31mred\x1b[0m",
    "\x1b]8;;https://evil.example\x07x\x1b]8;;\x07",
    "\x1b]0;owned\x07",
    "\x9b31m",
    "\u202egpj.exe",
    "\u2066isolated\u2069",
    "zero\u200bwidth",
    "\x00nul",
    "\x7fdel",
    "名前 ✓",
)
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def one_line(text: str) -> str:
    return "".join(ch for ch in text if ch not in LINE_BREAKS)


hostile_text = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=24)).map(one_line)
hostile_word = st.one_of(st.sampled_from(HOSTILE), st.text(min_size=1, max_size=16)).map(
    lambda s: "".join(ch for ch in one_line(s) if not ch.isspace() and ch not in "#\"'\\=")
)


def shown_literally(text: str) -> bool:
    """Nothing in ``text`` would act on a terminal or a reader: it is its own literal form."""
    return literal(text, None) == text


def assert_safe(findings: list[Finding]) -> None:
    for finding in findings:
        assert shown_literally(finding.title), finding.title
        assert shown_literally(finding.detail), finding.detail


def assert_messages_safe(reading: Reading[Any]) -> None:
    for message in reading.not_read + reading.unrecognised:
        assert shown_literally(message), message


def run_check(check_id: str, client: ChosenReadings) -> list[Finding]:
    """One device check, called directly (an exception fails the property), with the real catalog and
    indicator set and the chosen readings."""
    source = Source(
        kind="device",
        target="This computer (test)",
        clients={"device": client, "catalog": CATALOG, "indicators": INDICATORS},
    )
    check = CHECKS[check_id]
    findings = check.run(CheckContext(spec=check.spec, source=source))
    assert isinstance(findings, list) and findings, check_id
    assert all(isinstance(f, Finding) for f in findings)
    return findings


def never_clear_over(reading: Reading[Any], findings: list[Finding]) -> None:
    statuses = {f.status for f in findings}
    if not reading.whole:
        assert Status.CLEAR not in statuses, [f.title for f in findings]
        assert Status.ERROR in statuses
    assert_safe(findings)


# A line of a format: (text, understood?)
Line = tuple[str, bool]


def assemble(lines: list[Line]) -> tuple[str, bool]:
    return "\n".join(text for text, _ in lines) + "\n", all(ok for _, ok in lines)


# --- XDG .desktop ---------------------------------------------------------------------------------

DESKTOP_KEYS = ("Name", "Comment", "Icon", "Type", "Terminal", "Name[fr]", "X-GNOME-Autostart-Delay", "Categories")


@st.composite
def desktop_files(draw: st.DrawFn) -> tuple[str, bool]:
    keys = draw(st.lists(st.sampled_from(DESKTOP_KEYS), unique=True, max_size=5))
    body: list[Line] = [(f"{key}={draw(hostile_text)}", True) for key in keys]
    command = draw(hostile_text.filter(lambda s: s.strip() != ""))
    has_exec = draw(st.booleans())
    if has_exec:
        body.append((f"Exec={command}", True))
    hidden = draw(st.sampled_from(["", "true", "false", "True", "perhaps"]))
    if hidden:
        body.append((f"Hidden={hidden}", hidden.lower() in ("true", "false")))
    body += draw(st.lists(st.sampled_from([("# a comment", True), ("", True)]), max_size=2))
    bad = draw(
        st.lists(
            st.sampled_from(
                [
                    ("this line has no equals sign", False),
                    ("[Desktop Entry", False),
                    ("bad]key=x", False),
                    *([("Exec=/second/command", False)] if has_exec else []),
                ]
            ),
            max_size=2,
        )
    )
    if not has_exec and draw(st.booleans()):
        body.append(("Exec=", True))  # an empty command: nothing to see, fine only when the entry is off
    lines = draw(st.permutations(body + bad))
    text, understood = assemble([("[Desktop Entry]", True), *lines])
    return text, understood and (has_exec or hidden.lower() == "true")


@given(desktop_files(), hostile_word)
def test_desktop_entries_are_whole_exactly_when_understood(case: tuple[str, bool], name: str) -> None:
    text, understood = case
    reading = parsers.parse_desktop_entry(text, f"/home/ann/.config/autostart/{name}.desktop")
    assert reading.whole == understood, (text, reading.problems)
    assert_messages_safe(reading)
    findings = run_check("device.autostart", ChosenReadings(autostart=reading.map(lambda e: (e,) if e else ())))
    never_clear_over(reading, findings)


@given(st.text(max_size=400), hostile_word)
def test_any_text_as_a_desktop_file_or_unit(text: str, name: str) -> None:
    for reading in (
        parsers.parse_desktop_entry(text, name),
        parsers.parse_systemd_unit(text, name),
        parsers.parse_crontab(text, name),
        parsers.parse_crontab(text, name, "system", system_format=True),
        parsers.parse_hosts(text, name),
        parsers.parse_authorized_keys(text, name),
        parsers.parse_sshd_config(text, name),
        parsers.parse_schtasks_csv(text),
    ):
        assert isinstance(reading, Reading)
        assert_messages_safe(reading)


# --- systemd --------------------------------------------------------------------------------------

unit_value = hostile_text.map(lambda s: s.rstrip("\\"))


@st.composite
def unit_files(draw: st.DrawFn) -> tuple[str, bool]:
    description = draw(unit_value)
    command = draw(unit_value.filter(lambda s: s.strip() != ""))
    service: list[Line] = [(f"ExecStart={command}", True)] if draw(st.booleans()) else []
    extra = draw(st.lists(st.sampled_from(["Restart=always", "ExecStartPost=/bin/true", "; note", "# note"])))
    service += [(e, True) for e in extra]
    bad = draw(
        st.lists(st.sampled_from([("no equals here", False), ("[Service", False), ("Bad Key=x", False)]), max_size=2)
    )
    lines = [("[Unit]", True), (f"Description={description}", True), ("[Service]", True)]
    lines += draw(st.permutations(service + bad))
    text, understood = assemble(lines)
    runs_something = any(t.startswith(("ExecStart=", "ExecStartPost=")) for t, _ in service)
    return text, understood and runs_something


@given(unit_files(), st.sampled_from(["user", "system"]))
def test_units_are_whole_exactly_when_understood(case: tuple[str, bool], scope: str) -> None:
    text, understood = case
    reading = parsers.parse_systemd_unit(text, "/etc/systemd/system/x.service", scope)
    assert reading.whole == understood, (text, reading.problems)
    assert_messages_safe(reading)
    for check in ("device.autostart", "device.remote_access"):
        never_clear_over(reading, run_check(check, ChosenReadings(autostart=reading)))


# --- crontabs -------------------------------------------------------------------------------------

minute = st.sampled_from(["*", "0", "*/5", "1-59/2", "0,30", "15"])
month = st.sampled_from(["*", "1", "jan", "1-6", "*/3"])
weekday = st.sampled_from(["*", "0", "mon-fri", "sun", "1,3,5"])
command_text = hostile_text.filter(lambda s: s.strip() != "")
user_name = hostile_word.filter(lambda s: s != "" and not s.startswith("#"))


@st.composite
def crontabs(draw: st.DrawFn, system: bool) -> tuple[str, bool]:
    lines: list[Line] = []
    for _ in range(draw(st.integers(0, 4))):
        user = f" {draw(user_name)}" if system else ""
        kind = draw(st.sampled_from(["fields", "keyword", "env", "comment"]))
        if kind == "fields":
            schedule = " ".join([draw(minute), draw(minute), draw(minute), draw(month), draw(weekday)])
            lines.append((f"{schedule}{user} {draw(command_text)}", True))
        elif kind == "keyword":
            keyword = draw(st.sampled_from(["@reboot", "@daily", "@hourly", "@yearly", "@midnight"]))
            lines.append((f"{keyword}{user} {draw(command_text)}", True))
        elif kind == "env":
            lines.append((f"MAILTO={draw(hostile_text)}", True))
        else:
            lines.append((f"# {draw(hostile_text)}", True))
    bad = draw(
        st.lists(
            st.sampled_from(
                [
                    ("@sometimes /bin/x", False),
                    ("*/5 * * *", False),
                    ("echo hello world from here now", False),
                    ("@reboot", False),
                ]
                + ([("0 0 * * * onlyuser", False)] if system else [])
            ),
            max_size=2,
        )
    )
    return assemble(draw(st.permutations(lines + bad)))


@given(crontabs(system=False), crontabs(system=True))
def test_crontabs_are_whole_exactly_when_understood(user: tuple[str, bool], system: tuple[str, bool]) -> None:
    user_tab = parsers.parse_crontab(user[0], "/var/spool/cron/crontabs/ann")
    system_tab = parsers.parse_crontab(system[0], "/etc/crontab", "system", system_format=True)
    assert user_tab.whole == user[1], (user[0], user_tab.problems)
    assert system_tab.whole == system[1], (system[0], system_tab.problems)
    both = Reading.joined("autostart", user_tab.value + system_tab.value, [user_tab, system_tab])
    for check in ("device.autostart", "device.remote_access"):
        never_clear_over(both, run_check(check, ChosenReadings(autostart=both)))


# --- launchd --------------------------------------------------------------------------------------

wrong_type = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False),
    st.booleans(),
    st.binary(max_size=8),
    st.lists(st.integers(0, 9), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(0, 9), max_size=2),
)
MISSING = object()


@st.composite
def launch_plists(draw: st.DrawFn) -> tuple[dict[str, Any], bool]:
    plist: dict[str, Any] = {"RunAtLoad": True}
    label = draw(st.one_of(st.just(MISSING), hostile_text, wrong_type))
    program = draw(st.one_of(st.just(MISSING), hostile_text, wrong_type))
    arguments = draw(
        st.one_of(
            st.just(MISSING),
            st.lists(hostile_text, max_size=3),
            st.lists(st.one_of(hostile_text, wrong_type), min_size=1, max_size=3),
            wrong_type,
        )
    )
    disabled = draw(st.one_of(st.just(MISSING), st.booleans(), wrong_type))
    for key, value in (("Label", label), ("Program", program), ("ProgramArguments", arguments), ("Disabled", disabled)):
        if value is not MISSING:
            plist[key] = value
    label_ok = isinstance(label, str) and label != ""
    program_ok = program is MISSING or isinstance(program, str)
    arguments_ok = arguments is MISSING or (isinstance(arguments, list) and all(isinstance(a, str) for a in arguments))
    runs = (isinstance(program, str) and program != "") or (
        arguments_ok and isinstance(arguments, list) and len(arguments) > 0
    )
    disabled_ok = disabled is MISSING or isinstance(disabled, bool)
    return plist, label_ok and program_ok and arguments_ok and runs and disabled_ok


def dump(plist: dict[str, Any], binary: bool) -> bytes:
    try:
        return plistlib.dumps(plist, fmt=plistlib.FMT_BINARY if binary else plistlib.FMT_XML)
    except (ValueError, TypeError, OverflowError):
        return plistlib.dumps(plist, fmt=plistlib.FMT_BINARY)  # XML cannot hold control characters


@given(launch_plists(), st.booleans())
def test_property_lists_are_whole_exactly_when_understood(case: tuple[dict[str, Any], bool], binary: bool) -> None:
    plist, understood = case
    reading = parsers.parse_launchd_plist(dump(plist, binary), "/Library/LaunchAgents/x.plist")
    assert reading.whole == understood, (plist, reading.problems)
    assert_messages_safe(reading)
    findings = run_check("device.autostart", ChosenReadings(autostart=reading.map(lambda e: (e,) if e else ())))
    never_clear_over(reading, findings)


REAL_PLISTS = [(FIX / name).read_bytes() for name in ("syncthing.plist", "teamviewer.plist", "disabled.plist")]


@given(st.sampled_from(REAL_PLISTS), st.integers(0, 2000), st.binary(max_size=64))
def test_cut_or_damaged_property_lists_never_raise(data: bytes, cut: int, noise: bytes) -> None:
    for damaged in (data[: cut % len(data)], noise, data[: cut % len(data)] + noise):
        reading = parsers.parse_launchd_plist(damaged, "x.plist")
        assert_messages_safe(reading)
        if reading.value is None:
            assert not reading.whole


# --- Windows --------------------------------------------------------------------------------------

HEADER = next(csv.reader(io.StringIO((FIX / "schtasks.csv").read_text().splitlines()[0])))
csv_text = hostile_text.map(lambda s: s.replace("\x00", ""))


@st.composite
def schtasks_outputs(draw: st.DrawFn) -> tuple[str, bool]:
    rows: list[tuple[list[str], bool]] = []
    for _ in range(draw(st.integers(1, 4))):
        row = [draw(csv_text.filter(lambda s: s not in ("HostName", ""))) for _ in HEADER]
        row[HEADER.index("TaskName")] = "\\" + draw(csv_text)
        row[HEADER.index("Task To Run")] = draw(csv_text.filter(lambda s: s != ""))
        change = draw(st.sampled_from(["none", "none", "short", "long", "no-command"]))
        if change == "short":
            row = row[:-1]
        elif change == "long":
            row = [*row, "extra"]
        elif change == "no-command":
            row[HEADER.index("Task To Run")] = ""
        rows.append((row, change == "none"))
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    headerless = draw(st.booleans()) and draw(st.booleans())
    if not headerless:
        writer.writerow(HEADER)
    for row, _ in rows:
        writer.writerow(row)
    return out.getvalue(), not headerless and all(ok for _, ok in rows)


@given(schtasks_outputs())
def test_schtasks_outputs_are_whole_exactly_when_understood(case: tuple[str, bool]) -> None:
    text, understood = case
    reading = parsers.parse_schtasks_csv(text)
    assert reading.whole == understood, (text, reading.problems)
    assert_messages_safe(reading)
    never_clear_over(reading, run_check("device.autostart", ChosenReadings(autostart=reading)))


@given(st.lists(st.tuples(st.one_of(hostile_text, wrong_type), st.one_of(hostile_text, wrong_type)), max_size=4))
def test_run_key_values_of_the_wrong_type_are_not_understood(values: list[tuple[object, object]]) -> None:
    reading = parsers.run_key_entries(values, "Software\\Microsoft\\Windows\\CurrentVersion\\Run", "user")
    assert reading.whole == all(isinstance(n, str) and isinstance(c, str) for n, c in values)
    assert_messages_safe(reading)
    never_clear_over(reading, run_check("device.autostart", ChosenReadings(autostart=reading)))


# --- hosts ------------------------------------------------------------------------------------------

host_name = hostile_word.filter(lambda s: s != "")
address = st.one_of(
    st.ip_addresses().map(str),
    st.ip_addresses(v=6).map(lambda a: f"{a}%lo0"),
)


@st.composite
def hosts_files(draw: st.DrawFn) -> tuple[str, bool]:
    lines: list[Line] = []
    for _ in range(draw(st.integers(0, 5))):
        names = draw(st.lists(st.one_of(host_name, st.just("media.thetruthspy.com")), min_size=1, max_size=3))
        comment = f"  # {draw(hostile_text)}" if draw(st.booleans()) else ""
        lines.append((f"{draw(address)}\t{' '.join(names)}{comment}", True))
    bad = draw(
        st.lists(
            st.sampled_from([("123.123.123 loki", False), ("321.321.321.321", False), ("odin", False)]), max_size=2
        )
    )
    return assemble(draw(st.permutations(lines + bad)))


@given(hosts_files())
def test_hosts_files_are_whole_exactly_when_understood(case: tuple[str, bool]) -> None:
    text, understood = case
    reading = parsers.parse_hosts(text, "/etc/hosts")
    assert reading.whole == understood, (text, reading.problems)
    assert_messages_safe(reading)
    findings = run_check("device.hosts_file", ChosenReadings(hosts=reading))
    never_clear_over(reading, findings)
    if any(e.hostname == "media.thetruthspy.com" for e in reading.value):
        assert Status.FOUND in {f.status for f in findings}


# --- SSH --------------------------------------------------------------------------------------------

KEY_LINES = (FIX / "openssh-testdata.authorized_keys").read_text().splitlines()
FINGERPRINTS = (FIX / "openssh-testdata.fp").read_text().split()
OPTIONS = ("", 'restrict,command="dump /home"', "no-pty", 'permitopen="192.0.2.1:80"', 'from="10.0.0.0/8"')


@st.composite
def key_files(draw: st.DrawFn) -> tuple[str, bool, list[str]]:
    lines: list[Line] = []
    expected: list[str] = []
    for _ in range(draw(st.integers(0, 4))):
        index = draw(st.integers(0, len(KEY_LINES) - 1))
        key_type, data = KEY_LINES[index].split()[:2]
        options = draw(st.sampled_from(OPTIONS))
        comment = draw(hostile_text)
        damage = draw(st.sampled_from(["none", "none", "cut", "garbage", "wrong-type"]))
        if damage == "cut":
            data = data[: 4 * draw(st.integers(1, (len(data) - 1) // 4))]
        elif damage == "garbage":
            data = data[:8] + "!" + data[9:]
        elif damage == "wrong-type":
            key_type = "ssh-dss"
        line = " ".join(p for p in (options, key_type, data, comment) if p)
        lines.append((line, damage == "none"))
        if damage == "none":
            expected.append(FINGERPRINTS[index])
    bad = draw(st.lists(st.sampled_from([("not-a-key-at-all", False), ("ssh-ed25519", False)]), max_size=1))
    text, understood = assemble(lines + bad)
    return text, understood, expected


@given(key_files())
def test_authorized_keys_are_whole_exactly_when_understood(case: tuple[str, bool, list[str]]) -> None:
    text, understood, expected = case
    reading = parsers.parse_authorized_keys(text, "/home/ann/.ssh/authorized_keys")
    assert reading.whole == understood, (text, reading.problems)
    assert [k.fingerprint for k in reading.value] == expected
    assert_messages_safe(reading)
    findings = run_check("device.ssh_keys", ChosenReadings(keys=reading))
    never_clear_over(reading, findings)
    assert len([f for f in findings if f.status is Status.REVIEW]) == len(set(expected))


path_word = hostile_word.filter(lambda s: s != "")


@st.composite
def sshd_configs(draw: st.DrawFn) -> tuple[str, bool]:
    lines: list[Line] = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["port", "listen", "keys", "password", "match", "comment"]))
        if kind == "port":
            lines.append((f"Port {draw(st.integers(1, 65535))}", True))
        elif kind == "listen":
            lines.append((f"ListenAddress 192.0.2.1:{draw(st.integers(1, 65535))}", True))
        elif kind == "keys":
            lines.append((f"AuthorizedKeysFile {draw(path_word)} %h/.ssh/{draw(path_word)}", True))
        elif kind == "password":
            lines.append((f"PasswordAuthentication={draw(st.sampled_from(['yes', 'no']))}", True))
        elif kind == "match":
            lines.append((f"Match User {draw(path_word)}", True))
        else:
            lines.append((f"# {draw(hostile_text)}", True))
    bad = draw(
        st.lists(
            st.sampled_from(
                [
                    ("Port ssh", False),
                    ("Port 0", False),
                    ("Port 70000", False),
                    ("Port", False),
                    ('AuthorizedKeysFile "/etc/keys', False),
                ]
            ),
            max_size=2,
        )
    )
    return assemble(draw(st.permutations(lines + bad)))


@given(sshd_configs())
def test_sshd_configs_are_whole_exactly_when_understood(case: tuple[str, bool]) -> None:
    text, understood = case
    reading = parsers.parse_sshd_config(text, "/etc/ssh/sshd_config")
    assert reading.whole == understood, (text, reading.problems)
    assert_messages_safe(reading)
    settings = reading.map(lambda c: parsers.merge_sshd([("/etc/ssh/sshd_config", c)]))
    never_clear_over(settings, run_check("device.ssh_server", ChosenReadings(sshd=settings)))


# --- process records --------------------------------------------------------------------------------

program = st.one_of(
    hostile_text,
    st.sampled_from(["anydesk", "thetruthspy", "spyrix-agent", "sshd", "bash", "teamviewerd"]),
    st.builds(lambda h, n: f"{h}/{n}", hostile_text, st.sampled_from(["anydesk", "x11vnc", "thetruthspy"])),
)
FIELDS = ("pid", "name", "exe", "cmdline", "username")


@st.composite
def process_records(draw: st.DrawFn) -> tuple[object, bool]:
    name = draw(program.filter(lambda s: s != ""))
    record: dict[str, Any] = {
        "pid": draw(st.integers(0, 2**22)),
        "name": name,
        "exe": draw(st.one_of(st.just(""), program.map(lambda p: f"/usr/bin/{p}"))),
        "cmdline": draw(st.lists(hostile_text, max_size=3)),
        "username": draw(st.one_of(hostile_text, st.none())),
    }
    change = draw(st.sampled_from(["none", "none", "none", "drop", "wrong-type", "denied", "not-a-record"]))
    if change == "not-a-record":
        return draw(
            st.one_of(st.none(), st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2))
        ), False
    if change == "none":
        return record, True
    key = draw(st.sampled_from(FIELDS))
    if change == "drop":
        del record[key]
        return record, False
    if change == "denied":
        record[key] = None
        if key == "exe":
            # A hidden file location is stood in for by the command line's first word, when there is one.
            return record, bool(record["cmdline"]) and bool(record["cmdline"][0])
        return record, key in ("username",)  # who runs it is evidence only; the rest is part of the judgement
    value = draw(wrong_type)
    if key == "cmdline" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return record, True  # an empty list is a command line
    record[key] = value
    return record, False


@given(st.lists(process_records(), max_size=6))
def test_process_records_are_whole_exactly_when_understood(cases: list[tuple[object, bool]]) -> None:
    records = [record for record, _ in cases]
    reading = parsers.processes_reading(records)
    understood = all(ok for _, ok in cases) and len(cases) > 0
    assert reading.whole == understood, (records, reading.problems)
    assert_messages_safe(reading)
    client = ChosenReadings(process_list=reading)
    for check in (
        "device.stalkerware_processes",
        "device.monitoring_software",
        "device.remote_access",
        "device.ssh_server",
    ):
        never_clear_over(reading, run_check(check, client))


@given(
    st.lists(
        st.tuples(st.sampled_from(["anydesk", "thetruthspy", "spyrix", "x11vnc", "bash"]), hostile_text),
        min_size=1,
        max_size=4,
    )
)
def test_hostile_program_names_reach_titles_and_reports_only_literally(names: list[tuple[str, str]]) -> None:
    """Programs named "<hostile text><known name>": what is found carries the hostile text, shown literally."""
    processes = tuple(
        ProcessInfo(pid, f"{prefix}{name}", f"/opt/{prefix}/{prefix}{name}", (name, prefix), prefix)
        for pid, (name, prefix) in enumerate(names, 100)
    )
    reading = Reading("the running programs", processes)
    findings: list[Finding] = []
    for check in ("device.stalkerware_processes", "device.monitoring_software", "device.remote_access"):
        findings += run_check(check, ChosenReadings(process_list=reading))
    assert_safe(findings)
    for process in processes:
        if process.name.endswith("thetruthspy") and not any(ch.isalnum() and ch.isascii() for ch in process.name[:-11]):
            # Escapes, markup brackets and bidi controls do not hide the name from the indicator match...
            stalker = [f for f in findings if f.check == "device.stalkerware_processes" and f.status is Status.FOUND]
            # ...and the title shows the name with them, as visible characters.
            assert any(literal(program_name(process.exe), 80) in f.title for f in stalker), [f.title for f in stalker]
    report = table(AuditRun(started_at=utcnow(), findings=findings), details=True)
    assert shown_literally(report.replace("\n", " ")), report


# --- connection records -----------------------------------------------------------------------------

endpoint = st.one_of(
    st.tuples(st.ip_addresses().map(str), st.integers(0, 65535)),
    st.tuples(st.just(C2_IP), st.integers(1, 65535)),
    st.just(()),
)
bad_endpoint = st.one_of(
    st.tuples(st.text(max_size=3)),
    st.tuples(st.integers(), st.integers()),
    st.tuples(st.text(max_size=5), st.text(max_size=3)),
    st.tuples(st.just("10.0.0.1"), st.integers(65536, 10**6)),
    st.none(),
    st.text(max_size=5),
)


@st.composite
def connection_records(draw: st.DrawFn) -> tuple[dict[str, Any], bool]:
    record: dict[str, Any] = {
        "laddr": draw(endpoint),
        "raddr": draw(endpoint),
        "status": draw(st.sampled_from(["ESTABLISHED", "LISTEN", "NONE", "TIME_WAIT"])),
        "pid": draw(st.one_of(st.none(), st.integers(1, 2**22))),
    }
    key = draw(st.sampled_from([None, None, "laddr", "raddr", "status", "pid"]))
    if key is None:
        return record, True
    record[key] = draw(bad_endpoint if key.endswith("addr") else st.one_of(st.integers(), st.text(max_size=3)))
    if key == "status" and isinstance(record[key], str):
        return record, True
    if key == "pid" and isinstance(record[key], int) and record[key] >= 0:
        return record, True
    return record, False


@given(st.lists(connection_records(), max_size=6))
def test_connection_records_are_whole_exactly_when_understood(cases: list[tuple[dict[str, Any], bool]]) -> None:
    parts = [parsers.connection_record(record) for record, _ in cases]
    reading: Reading[tuple[Connection, ...]] = Reading.joined(
        "connections", tuple(p.value for p in parts if p.value is not None), parts
    )
    assert reading.whole == all(ok for _, ok in cases), ([r for r, _ in cases], reading.problems)
    assert_messages_safe(reading)
    client = ChosenReadings(connection_list=reading)
    findings = run_check("device.c2_connections", client)
    never_clear_over(reading, findings)
    if any(c.remote_ip == C2_IP for c in reading.value):
        assert Status.FOUND in {f.status for f in findings}
    never_clear_over(reading, run_check("device.ssh_server", client))


# --- every check, every reading partial -------------------------------------------------------------

READS: dict[str, Callable[[ChosenReadings], Reading[Any]]] = {
    "processes": lambda c: c.process_list,
    "connections": lambda c: c.connection_list,
    "hosts": lambda c: c.hosts,
    "sshd": lambda c: c.sshd,
    "keys": lambda c: c.keys,
    "autostart": lambda c: c.autostart,
}


@given(
    st.sets(st.sampled_from(sorted(READS)), min_size=1),
    st.sampled_from(["not_read", "unrecognised"]),
    hostile_text,
)
def test_no_check_says_clear_over_any_partial_reading(partial: set[str], how: str, why: str) -> None:
    client = ChosenReadings()
    problem = literal(why) or "x"
    for field in partial:
        reading = READS[field](client)
        setattr(
            client,
            {"processes": "process_list", "connections": "connection_list"}.get(field, field),
            reading.missing(problem) if how == "not_read" else reading.strange(problem),
        )
    for check_id, check in CHECKS.items():
        findings = run_check(check_id, client)
        used = {r for r in partial if r in _READS_OF[check_id]}
        if used:
            assert Status.CLEAR not in {f.status for f in findings}, (check_id, partial)
        else:
            assert {f.status for f in findings} == {Status.CLEAR}, (check_id, [f.title for f in findings])
        assert check.spec.id == check_id


_READS_OF = {
    "device.autostart": {"autostart"},
    "device.c2_connections": {"connections"},
    "device.hosts_file": {"hosts"},
    "device.monitoring_software": {"processes"},
    "device.remote_access": {"processes", "autostart"},
    "device.ssh_keys": {"keys"},
    "device.ssh_server": {"processes", "connections", "sshd"},
    "device.stalkerware_processes": {"processes"},
}


def test_the_table_of_reads_names_every_device_check() -> None:
    assert set(_READS_OF) == set(CHECKS)
