"""Pure parsers over what the collector read: no I/O here, so each is tested on fixture files.

Every parser returns a :class:`~auditor.checkapi.Reading` and never raises on its input: what it does not
understand goes into ``unrecognised``, naming the file (or record) and the line, so a check cannot say
"Looks clear" over a file it only half understood. Names from the input that appear in those messages go
through :func:`~auditor.safetext.literal` first: they are attacker-controlled text.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import io
import ipaddress
import plistlib
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence

from auditor.checkapi import Reading
from auditor.checkapi.device import (
    AuthorizedKey,
    AutostartEntry,
    Connection,
    HostsEntry,
    ProcessInfo,
    SshdSettings,
)
from auditor.device.names import command_program
from auditor.safetext import literal

__all__ = [
    "SshdConfigFile",
    "command_program",
    "connection_record",
    "decode_text",
    "key_fingerprint",
    "merge_sshd",
    "parse_authorized_keys",
    "parse_crontab",
    "parse_desktop_entry",
    "parse_hosts",
    "parse_launchd_plist",
    "parse_schtasks_csv",
    "parse_sshd_config",
    "parse_systemd_unit",
    "plain_key",
    "process_record",
    "processes_reading",
    "run_key_entries",
    "summarise",
]

# How many individual problems a message names before it says "and N more".
SHOWN = 5


def _shown(text: object, limit: int = 120) -> str:
    return literal(text, limit)


def summarise(problems: Sequence[str], what: str = "", limit: int = SHOWN) -> tuple[str, ...]:
    """At most ``limit`` problems, then one saying how many more there were (a long list helps nobody)."""
    if len(problems) <= limit:
        return tuple(problems)
    rest = len(problems) - limit
    return (*problems[:limit], f"{what}and {rest} more like these" if what else f"and {rest} more like these")


def decode_text(data: bytes, location: str) -> Reading[str]:
    """UTF-8 text; bytes that are not UTF-8 are replaced and the file is said not to be understood."""
    try:
        return Reading(_shown(location), data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return Reading(
            location,
            data.decode("utf-8", errors="replace"),
            unrecognised=(f"{_shown(location)}: byte {exc.start + 1} is not UTF-8 text",),
        )


def _line_problem(location: str, number: int, why: str) -> str:
    return f"{_shown(location)} line {number}: {why}"


# --- processes and connections ---------------------------------------------------------------------

_PROCESS_FIELDS = ("pid", "name", "exe", "cmdline", "username")


def process_record(info: object) -> Reading[ProcessInfo | None]:
    """One process as the collector read it: ``pid``, ``name``, ``exe``, ``cmdline``, ``username``.

    ``None`` for a field means it was denied (psutil's AccessDenied): that part was not read. A missing
    field or one of the wrong type is not understood. The value is None only when there is neither a name
    nor a file location to judge the process by.
    """
    where = "a running program"
    if not isinstance(info, Mapping):
        return Reading(where, None, unrecognised=(f"a process record that is a {type(info).__name__}",))
    raw_pid = info.get("pid")
    pid = raw_pid if isinstance(raw_pid, int) and not isinstance(raw_pid, bool) and raw_pid >= 0 else -1
    raw_name = info.get("name")
    label = f"pid {pid}" + (f" ({_shown(raw_name, 60)})" if isinstance(raw_name, str) and raw_name else "")
    denied: list[str] = []
    strange: list[str] = []
    for key in _PROCESS_FIELDS:
        if key not in info:
            strange.append(f"{label}: the record has no {key}")
    if "pid" in info and pid < 0:
        strange.append(f"{label}: its pid is {_shown(repr(raw_pid), 40)}")

    def text(key: str, denied_matters: bool = True) -> str:
        value = info.get(key)
        if value is None:
            if key in info and denied_matters:
                denied.append(_FIELD_WORDS[key])
            return ""
        if not isinstance(value, str):
            strange.append(f"{label}: its {_FIELD_WORDS[key]} is a {type(value).__name__}")
            return ""
        return value

    name = text("name")
    exe = text("exe")
    username = text("username", denied_matters=False)  # who runs it is evidence, never part of the judgement
    raw_cmdline = info.get("cmdline")
    cmdline: tuple[str, ...] = ()
    if raw_cmdline is None:
        if "cmdline" in info:
            denied.append(_FIELD_WORDS["cmdline"])
    elif isinstance(raw_cmdline, (list, tuple)):
        cmdline = tuple(part for part in raw_cmdline if isinstance(part, str))
        if len(cmdline) != len(raw_cmdline):
            strange.append(f"{label}: its command line holds something that is not text")
    else:
        strange.append(f"{label}: its command line is a {type(raw_cmdline).__name__}")
    if _FIELD_WORDS["exe"] in denied and cmdline and cmdline[0]:
        # Another account's programs hide their file location from anyone but an administrator, yet their
        # command line stays readable: its first word names the program that was started, which is what
        # the file location would have told. Only a program with neither is a part not read.
        denied.remove(_FIELD_WORDS["exe"])
        exe = cmdline[0]
    not_read = (f"{label}: its {' and '.join(denied)} (access denied)",) if denied else ()
    value = ProcessInfo(pid, name, exe, cmdline, username) if (name or exe) else None
    if value is None and not not_read and not strange:
        strange.append(f"{label}: it has neither a name nor a file location")
    return Reading(where, value, not_read, tuple(strange))


_FIELD_WORDS = {
    "pid": "pid",
    "name": "name",
    "exe": "file location",
    "cmdline": "command line",
    "username": "user",
}


def processes_reading(
    records: Iterable[object], hint: str = "run as administrator to see them"
) -> Reading[tuple[ProcessInfo, ...]]:
    """Every process record, judged one by one; what was denied or malformed is summed up, not dropped.
    ``hint`` says what would let the tool see more (nothing, when it already runs as administrator)."""
    what = "the running programs"
    processes: list[ProcessInfo] = []
    denied: list[str] = []
    strange: list[str] = []
    for record in records:
        one = process_record(record)
        if one.value is not None:
            processes.append(one.value)
        denied.extend(one.not_read)
        strange.extend(one.unrecognised)
    not_read: list[str] = []
    if denied:
        count = f"{len(denied)} running program" + ("s" if len(denied) > 1 else "")
        why = f"access denied; {hint}" if hint else "access denied even to an administrator"
        not_read.append(f"details of {count} could not be read ({why}): " + "; ".join(summarise(denied)))
    if not processes and not denied and not strange:
        not_read.append("no running programs were visible at all")
    return Reading(what, tuple(processes), tuple(not_read), summarise(strange))


def _address(value: object) -> tuple[str, int] | None:
    """psutil's ``addr(ip, port)``; an empty tuple (no address) is ``("", 0)``; None if not understood."""
    if isinstance(value, (tuple, list)):
        if len(value) == 0:
            return ("", 0)
        if len(value) == 2:
            ip, port = value
            if isinstance(ip, str) and isinstance(port, int) and not isinstance(port, bool) and 0 <= port <= 65535:
                return (ip, port)
    return None


def connection_record(info: object) -> Reading[Connection | None]:
    """One socket as ``psutil.net_connections()`` gives it (``laddr``, ``raddr``, ``status``, ``pid``)."""
    where = "a network connection"
    if not isinstance(info, Mapping):
        return Reading(where, None, unrecognised=(f"a connection record that is a {type(info).__name__}",))
    local = _address(info.get("laddr", ()))
    remote = _address(info.get("raddr", ()))
    status = info.get("status")
    pid = info.get("pid")
    strange: list[str] = []
    if local is None:
        strange.append(f"a connection's local address is {_shown(repr(info.get('laddr')), 80)}")
    if remote is None:
        strange.append(f"a connection's remote address is {_shown(repr(info.get('raddr')), 80)}")
    if not isinstance(status, str):
        strange.append(f"a connection's state is {_shown(repr(status), 40)}")
    if pid is not None and (not isinstance(pid, int) or isinstance(pid, bool) or pid < 0):
        strange.append(f"a connection's pid is {_shown(repr(pid), 40)}")
        pid = None
    if remote is None or (remote == ("", 0) and (local is None or local == ("", 0))):
        # Without the remote end (or, for a listening socket, the local one) there is nothing to judge.
        return Reading(where, None, unrecognised=tuple(strange))
    local_ip, local_port = local or ("", 0)
    value = Connection(local_ip, local_port, remote[0], remote[1], status if isinstance(status, str) else "", pid)
    return Reading(where, value, unrecognised=tuple(strange))


# --- autostart: XDG .desktop files -----------------------------------------------------------------

# GLib's key files (which the desktops read these with) take any key without "=", "[" or "]" and with no
# space at either end, then an optional [locale]; stricter than that would report files they read fine.
_DESKTOP_KEY = re.compile(r"^[^=\[\]\s](?:[^=\[\]]*[^=\[\]\s])?(\[[^\]]+\])?$")
_BOOLEAN = {"true": True, "false": False}


def parse_desktop_entry(text: str, location: str, scope: str = "user") -> Reading[AutostartEntry | None]:
    """An XDG autostart ``.desktop`` file (Desktop Entry Specification 1.5): the [Desktop Entry] group's
    keys. Hidden=true or X-GNOME-Autostart-enabled=false disables it; a file without an Exec key that is
    not disabled is not understood (something meant to start, but no command the tool can see)."""
    values: dict[str, str] = {}
    strange: list[str] = []
    group: str | None = None
    seen_entry = False
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            if not line.endswith("]"):
                strange.append(_line_problem(location, number, "a group header without its closing ]"))
                continue
            group = line[1:-1]
            seen_entry = seen_entry or group == "Desktop Entry"
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not _DESKTOP_KEY.match(key):
            strange.append(_line_problem(location, number, "not a key=value line"))
            continue
        if group is None:
            strange.append(_line_problem(location, number, "a key before any [group]"))
            continue
        if group != "Desktop Entry":
            continue
        if key in values:
            # Which of two values the desktop would use is not something to guess about.
            strange.append(_line_problem(location, number, f"{_shown(key, 40)} is set twice"))
            continue
        values[key] = value.strip()
    if not seen_entry:
        strange.append(f"{_shown(location)}: no [Desktop Entry] group")
        return Reading(_shown(location), None, unrecognised=tuple(strange))
    enabled = True
    for key, off_when in (("Hidden", True), ("X-GNOME-Autostart-enabled", False)):
        if key in values:
            flag = _BOOLEAN.get(values[key].lower())
            if flag is None:
                strange.append(f"{_shown(location)}: {key} is {_shown(values[key], 40)}, not true or false")
            elif flag is off_when:
                enabled = False
    command = values.get("Exec", "")
    if not command and enabled:
        strange.append(f"{_shown(location)}: no Exec line saying what it starts")
    entry = AutostartEntry(
        mechanism="xdg-autostart",
        location=location,
        name=values.get("Name") or location.replace("\\", "/").rsplit("/", 1)[-1],
        command=command,
        scope=scope,
        enabled=enabled,
    )
    return Reading(_shown(location), entry, unrecognised=tuple(strange))


# --- autostart: systemd units ------------------------------------------------------------------------

# The keys whose values are commands systemd runs for a service (systemd.service(5)).
_EXEC_KEYS = (
    "ExecCondition",
    "ExecStartPre",
    "ExecStart",
    "ExecStartPost",
    "ExecReload",
    "ExecStop",
    "ExecStopPost",
)
_UNIT_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _unit_lines(text: str) -> Iterable[tuple[int, str]]:
    """Logical lines: a line ending in a backslash continues on the next (systemd.syntax(7))."""
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if pending and line.startswith(("#", ";")):
            continue  # comments inside a continued line are dropped
        if line.endswith("\\"):
            if not pending:
                start = number
            pending += line[:-1] + " "
            continue
        if pending:
            yield start, pending + line
            pending = ""
        else:
            yield number, line
    if pending:
        yield start, pending.rstrip()


def parse_systemd_unit(text: str, location: str, scope: str = "user") -> Reading[tuple[AutostartEntry, ...]]:
    """A ``.service`` unit: one entry per command it runs (ExecStart and the other Exec* keys).

    An empty assignment (``ExecStart=``) resets the list, as it does in systemd. A line that is neither a
    [Section], a comment nor Key=value, or a service with no command at all, is not understood.
    """
    if text == "":
        return Reading(_shown(location), ())  # an empty unit file is a masked unit (systemd.unit(5)): it never runs
    strange: list[str] = []
    commands: dict[str, list[tuple[int, str]]] = {}
    description = ""
    section: str | None = None
    for number, line in _unit_lines(text):
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            if not line.endswith("]"):
                strange.append(_line_problem(location, number, "a section header without its closing ]"))
                continue
            section = line[1:-1]
            continue
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not _UNIT_KEY.match(key):
            strange.append(_line_problem(location, number, "not a Key=value line"))
            continue
        if section is None:
            strange.append(_line_problem(location, number, "a setting before any [section]"))
            continue
        if section == "Unit" and key == "Description" and not description:
            description = value
        elif section == "Service" and key in _EXEC_KEYS:
            if not value:
                commands[key] = []
            else:
                commands.setdefault(key, []).append((number, value))
    name = description or location.replace("\\", "/").rsplit("/", 1)[-1]
    entries: list[AutostartEntry] = []
    for key in _EXEC_KEYS:
        for index, (number, value) in enumerate(commands.get(key, ())):
            label = name if key == "ExecStart" and index == 0 else f"{name} ({key} {index + 1})"
            entries.append(
                AutostartEntry(
                    mechanism="systemd-user" if scope == "user" else "systemd",
                    location=location,
                    name=label,
                    command=value.lstrip("-@:+!"),
                    scope=scope,
                    line=number,
                )
            )
    if not entries:
        strange.append(f"{_shown(location)}: no command to run (no ExecStart or other Exec line)")
    return Reading(_shown(location), tuple(entries), unrecognised=tuple(strange))


# --- autostart: crontabs ---------------------------------------------------------------------------

_CRON_KEYWORDS = frozenset(("@reboot", "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"))
_CRON_ENV = re.compile(r"""^\s*(?:[A-Za-z_][A-Za-z0-9_]*|"[^"]*"|'[^']*')\s*=""")
# Time fields: numbers, ranges, steps, lists and '*' (cronie's '~' and '?' too); month and day of the week
# may also be the three-letter names crontab(5) allows.
_CRON_NUMBERS = re.compile(r"^[0-9*?~,/-]+$")
_CRON_NAMES = re.compile(r"^(?:[0-9*?~,/-]|[A-Za-z]{3})+$")


def _schedule_fields(fields: Sequence[str]) -> bool:
    return all(_CRON_NUMBERS.match(f) for f in fields[:3]) and all(_CRON_NAMES.match(f) for f in fields[3:5])


def parse_crontab(
    text: str, location: str, scope: str = "user", system_format: bool = False
) -> Reading[tuple[AutostartEntry, ...]]:
    """Crontab lines (crontab(5)). System crontabs (/etc/crontab, /etc/cron.d) have a user field before the
    command. A line that is not a comment, a variable or a schedule with a command is not understood."""
    out: list[AutostartEntry] = []
    strange: list[str] = []
    names: set[str] = set()
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if _CRON_ENV.match(line):
            continue
        if line.startswith("-"):
            line = line[1:]  # cronie: a leading '-' only turns logging off for the job
        if line.startswith("@"):
            parts = line.split(None, 2 if system_format else 1)
            schedule, rest = parts[0], parts[1:]
            if schedule.lower() not in _CRON_KEYWORDS:
                strange.append(_line_problem(location, number, f"{_shown(schedule, 40)} is not a cron schedule"))
                continue
        else:
            parts = line.split(None, 6 if system_format else 5)
            if len(parts) < 6 or not _schedule_fields(parts):
                strange.append(_line_problem(location, number, "not a schedule followed by a command"))
                continue
            schedule, rest = " ".join(parts[:5]), parts[5:]
        if len(rest) != (2 if system_format else 1) or not rest[-1].strip():
            why = "no user and command after the schedule" if system_format else "no command after the schedule"
            strange.append(_line_problem(location, number, why))
            continue
        user = rest[0] if system_format else ""
        name = schedule + (f" as {user}" if user else "")
        if name in names:
            name = f"{name} (line {number})"
        names.add(name)
        out.append(
            AutostartEntry(mechanism="cron", location=location, name=name, command=rest[-1], scope=scope, line=number)
        )
    return Reading(_shown(location), tuple(out), unrecognised=tuple(strange))


# --- autostart: launchd property lists ---------------------------------------------------------------


def parse_launchd_plist(data: bytes, location: str, scope: str = "user") -> Reading[AutostartEntry | None]:
    """A LaunchAgent or LaunchDaemon property list (launchd.plist(5)), XML or binary.

    ``Program`` is the file launchd runs; ``ProgramArguments`` the arguments, whose first is only argv[0]
    when ``Program`` is set (so the command shown starts with ``Program`` then). Without ``Label`` or any
    program, or with keys of the wrong type, the file is not understood.
    """
    try:
        plist = plistlib.loads(data)
    except Exception as exc:  # plistlib raises many kinds of error on damaged binary lists; all mean the same
        return Reading(
            _shown(location), None, unrecognised=(f"{_shown(location)}: not a property list ({_shown(exc, 80)})",)
        )
    if not isinstance(plist, dict):
        why = f"{_shown(location)}: a property list holding a {type(plist).__name__}, not a dictionary"
        return Reading(_shown(location), None, unrecognised=(why,))
    strange: list[str] = []
    label = plist.get("Label")
    if not isinstance(label, str) or not label:
        strange.append(f"{_shown(location)}: no Label")
        label = location.replace("\\", "/").rsplit("/", 1)[-1]
    program = plist.get("Program")
    if program is not None and not isinstance(program, str):
        strange.append(f"{_shown(location)}: Program is a {type(program).__name__}")
        program = None
    args = plist.get("ProgramArguments")
    arguments: list[str] = []
    if args is not None:
        if isinstance(args, list) and all(isinstance(a, str) for a in args):
            arguments = list(args)
        else:
            strange.append(f"{_shown(location)}: ProgramArguments is not a list of text")
    if program:
        command = " ".join(shlex.quote(a) for a in [program, *arguments[1:]])
    elif arguments:
        command = " ".join(shlex.quote(a) for a in arguments)
    else:
        command = ""
        strange.append(f"{_shown(location)}: no Program or ProgramArguments saying what it starts")
    disabled = plist.get("Disabled", False)
    if not isinstance(disabled, bool):
        strange.append(f"{_shown(location)}: Disabled is a {type(disabled).__name__}, not true or false")
        disabled = False
    entry = AutostartEntry(
        mechanism="launchd", location=location, name=label, command=command, scope=scope, enabled=not disabled
    )
    return Reading(_shown(location), entry, unrecognised=tuple(strange))


# --- autostart: Windows -----------------------------------------------------------------------------

_SCHTASKS_NEEDS = ("TaskName", "Task To Run")


def parse_schtasks_csv(text: str) -> Reading[tuple[AutostartEntry, ...]]:
    """``schtasks /query /fo CSV /v`` output; the header row repeats between folders. A row before any
    header, a row of the wrong width, or headers in another language are not understood."""
    what = "scheduled tasks"
    out: list[AutostartEntry] = []
    strange: list[str] = []
    header: list[str] | None = None
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        return Reading(what, (), unrecognised=(f"the list of scheduled tasks is not CSV ({_shown(exc, 80)})",))
    for number, row in enumerate(rows, 1):
        if not row or row == [""]:
            continue
        if row[0] == "HostName":
            header = row
            missing = [k for k in _SCHTASKS_NEEDS if k not in header]
            if missing:
                strange.append(f"scheduled tasks line {number}: no {', '.join(missing)} column")
            continue
        if header is None or any(k not in header for k in _SCHTASKS_NEEDS):
            strange.append(f"scheduled tasks line {number}: a row without a header this tool understands")
            continue
        if len(row) != len(header):
            strange.append(f"scheduled tasks line {number}: {len(row)} columns where the header has {len(header)}")
            continue
        record = dict(zip(header, row, strict=True))
        name, command = record["TaskName"], record["Task To Run"]
        if not name or not command:
            strange.append(f"scheduled tasks line {number}: a task without a name or a command")
            continue
        out.append(
            AutostartEntry(
                mechanism="scheduled-task",
                location=name,
                name=name.rsplit("\\", 1)[-1],
                command=command,
                scope="system" if name.startswith("\\Microsoft\\") else "user",
                enabled=record.get("Scheduled Task State", "Enabled").lower() != "disabled",
                line=number,
            )
        )
    if not rows:
        strange.append("the list of scheduled tasks was empty (Windows always has some)")
    return Reading(what, tuple(out), unrecognised=tuple(summarise(strange)))


def run_key_entries(
    values: Iterable[tuple[object, object]], key: str, scope: str
) -> Reading[tuple[AutostartEntry, ...]]:
    """Values of a Run or RunOnce registry key: each names a command started at log-in."""
    out: list[AutostartEntry] = []
    strange: list[str] = []
    for name, command in values:
        if not isinstance(name, str) or not isinstance(command, str):
            strange.append(f"registry key {_shown(key)}: a value {_shown(name, 60)} that is not text")
            continue
        out.append(AutostartEntry(mechanism="run-key", location=key, name=name, command=command, scope=scope))
    return Reading(f"registry key {_shown(key)}", tuple(out), unrecognised=tuple(strange))


# --- the hosts file -----------------------------------------------------------------------------------


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.split("%", 1)[0])  # fe80::1%lo0: a zone after the address (macOS ships one)
    except ValueError:
        return False
    return True


def parse_hosts(text: str, file: str = "") -> Reading[tuple[HostsEntry, ...]]:
    """hosts(5): an address, then host names; ``#`` starts a comment. A line whose first word is not an
    address, or with no name after it, is not understood (its names are still kept for the check)."""
    out: list[HostsEntry] = []
    strange: list[str] = []
    where = file or "the hosts file"
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) < 2:
            strange.append(_line_problem(where, number, "an address with no host name"))
            continue
        if not _is_address(parts[0]):
            strange.append(_line_problem(where, number, f"{_shown(parts[0], 60)} is not an address"))
        out.extend(HostsEntry(address=parts[0], hostname=name, line=number, file=file) for name in parts[1:])
    return Reading(_shown(where), tuple(out), unrecognised=tuple(strange))


# --- SSH: authorized_keys -----------------------------------------------------------------------------

# Plain key types, and how many SSH strings follow the type name in the key data (sshkey.c, PROTOCOL.certkeys).
_KEY_FIELDS = {
    "ssh-rsa": 2,  # e, n
    "ssh-dss": 4,  # p, q, g, y
    "ssh-ed25519": 1,  # public key
    "ecdsa-sha2-nistp256": 2,  # curve, point
    "ecdsa-sha2-nistp384": 2,
    "ecdsa-sha2-nistp521": 2,
    "sk-ssh-ed25519@openssh.com": 2,  # public key, application
    "sk-ecdsa-sha2-nistp256@openssh.com": 3,  # curve, point, application
    "ssh-mldsa44-ed25519@openssh.com": 1,  # public key
}
# Certificate types and the plain type of the key each certifies.
_CERT_TYPES = {
    "ssh-rsa-cert-v01@openssh.com": "ssh-rsa",
    "ssh-dss-cert-v01@openssh.com": "ssh-dss",
    "ssh-ed25519-cert-v01@openssh.com": "ssh-ed25519",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com": "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384-cert-v01@openssh.com": "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521-cert-v01@openssh.com": "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519-cert-v01@openssh.com": "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com": "sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-mldsa44-ed25519-cert-v01@openssh.com": "ssh-mldsa44-ed25519@openssh.com",
}
_KEY_TYPES = frozenset(_KEY_FIELDS) | frozenset(_CERT_TYPES)


def _split_options(line: str) -> tuple[str, str]:
    """authorized_keys lines may start with options (which can contain quoted spaces) before the key type."""
    in_quote = False
    escaped = False
    for i, ch in enumerate(line):
        if escaped:
            escaped = False
        elif ch == "\\" and in_quote:
            escaped = True
        elif ch == '"':
            in_quote = not in_quote
        elif ch in " \t" and not in_quote:
            return line[:i], line[i:].strip()
    return "", line


def _ssh_strings(blob: bytes, count: int, start: int = 0) -> tuple[list[bytes], int] | None:
    """``count`` SSH strings (a 4-byte big-endian length, then the bytes) from ``start``; None if cut short."""
    out: list[bytes] = []
    at = start
    for _ in range(count):
        if len(blob) < at + 4:
            return None
        length = int.from_bytes(blob[at : at + 4], "big")
        at += 4
        if len(blob) < at + length:
            return None
        out.append(blob[at : at + length])
        at += length
    return out, at


def _wire(*strings: bytes) -> bytes:
    return b"".join(len(s).to_bytes(4, "big") + s for s in strings)


def plain_key(key_type: str, blob_b64: str) -> bytes | None:
    """The key data as ``ssh-keygen -l`` hashes it: a plain key as written, a certificate's certified key
    without the certificate; None if the data is not base64 or not a key of ``key_type``."""
    try:
        blob = base64.b64decode(blob_b64.encode("ascii"), validate=True)
    except (ValueError, binascii.Error, UnicodeEncodeError):
        return None
    head = _ssh_strings(blob, 1)
    if head is None or head[0][0] != key_type.encode("ascii"):
        return None
    if key_type in _KEY_FIELDS:
        fields = _ssh_strings(blob, _KEY_FIELDS[key_type], head[1])
        return blob if fields is not None and fields[1] == len(blob) else None
    plain = _CERT_TYPES[key_type]
    # A certificate (PROTOCOL.certkeys): type, nonce, the certified key's fields, serial (uint64), type
    # (uint32), key id, principals, valid after and before (uint64 each), critical options, extensions,
    # reserved, signature key, signature — and nothing after.
    fields = _ssh_strings(blob, 1 + _KEY_FIELDS[plain], head[1])
    if fields is None:
        return None
    middle = _ssh_strings(blob, 2, fields[1] + 12)
    if middle is None:
        return None
    tail = _ssh_strings(blob, 5, middle[1] + 16)
    if tail is None or tail[1] != len(blob):
        return None
    return _wire(plain.encode("ascii"), *fields[0][1:])


def key_fingerprint(data: bytes) -> str:
    """``SHA256:...`` as ssh-keygen -l prints it, from :func:`plain_key`'s bytes."""
    digest = base64.b64encode(hashlib.sha256(data).digest()).decode("ascii").rstrip("=")
    return f"SHA256:{digest}"


def parse_authorized_keys(text: str, file: str = "") -> Reading[tuple[AuthorizedKey, ...]]:
    """The keys of an authorized_keys file (sshd(8), AUTHORIZED_KEYS FILE FORMAT); a line that is not a
    key of a known type whose data names that same type is not understood (sshd would skip it, but the
    tool cannot tell the person what it is)."""
    keys: list[AuthorizedKey] = []
    strange: list[str] = []
    where = file or "authorized_keys"
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        first = line.split(None, 1)[0]
        options, rest = ("", line) if first in _KEY_TYPES else _split_options(line)
        parts = rest.split(None, 2)
        if len(parts) < 2 or parts[0] not in _KEY_TYPES:
            strange.append(_line_problem(where, number, "not a key this tool understands"))
            continue
        data = plain_key(parts[0], parts[1])
        if data is None:
            strange.append(_line_problem(where, number, f"the key data is not a valid {parts[0]} key"))
            continue
        keys.append(
            AuthorizedKey(
                key_type=parts[0],
                fingerprint=key_fingerprint(data),
                comment=parts[2] if len(parts) > 2 else "",
                options=options,
                line=number,
                file=file,
            )
        )
    return Reading(_shown(where), tuple(keys), unrecognised=tuple(strange))


# --- SSH: sshd_config ---------------------------------------------------------------------------------


class SshdConfigFile:
    """What one sshd_config file says: its Port, ListenAddress, AuthorizedKeysFile and Include lines."""

    __slots__ = ("authorized_keys_files", "includes", "password_authentication", "permit_root_login", "ports")

    def __init__(self) -> None:
        self.ports: list[int] = []
        self.authorized_keys_files: list[str] = []
        self.includes: list[str] = []
        self.password_authentication = ""
        self.permit_root_login = ""

    def __repr__(self) -> str:
        return (
            f"SshdConfigFile(ports={self.ports}, authorized_keys_files={self.authorized_keys_files}, "
            f"includes={self.includes})"
        )


def _port(text: str) -> int | None:
    if not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 1 <= value <= 65535 else None


def _sshd_words(value: str) -> list[str] | None:
    """sshd_config arguments: space separated, double quotes may hold spaces; None if quotes are unbalanced."""
    try:
        lexer = shlex.shlex(value, posix=True)
        lexer.whitespace_split = True
        lexer.commenters = ""
        words = list(lexer)
    except ValueError:
        return None
    for index, word in enumerate(words):
        if word.startswith("#"):
            return words[:index]  # the rest of the line is a comment
    return words


def parse_sshd_config(text: str, file: str = "sshd_config") -> Reading[SshdConfigFile]:
    """sshd_config(5): ``Keyword arguments`` (or ``Keyword=arguments``), keywords in any case. Every
    AuthorizedKeysFile anywhere (Match blocks too) is kept, so the tool reads every file sshd might. A
    keyword with no argument, a Port that is not a port, or unbalanced quotes are not understood."""
    config = SshdConfigFile()
    strange: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"^([A-Za-z][A-Za-z0-9]*)(?:\s*=\s*|\s+)(.*)$", line)
        if match is None:
            strange.append(_line_problem(file, number, "a keyword with no value"))
            continue
        keyword, args = match.group(1).lower(), _sshd_words(match.group(2))
        if not args:
            strange.append(_line_problem(file, number, "unbalanced quotes or no value"))
            continue
        if keyword == "port":
            port = _port(args[0])
            if port is None:
                strange.append(_line_problem(file, number, f"{_shown(args[0], 40)} is not a port"))
            else:
                config.ports.append(port)
        elif keyword == "listenaddress":
            address = args[0]
            if address.startswith("[") and "]:" in address:
                tail = address.rsplit("]:", 1)[1]
            elif address.count(":") == 1:
                tail = address.rsplit(":", 1)[1]
            else:
                tail = ""
            if tail:
                port = _port(tail)
                if port is None:
                    strange.append(_line_problem(file, number, f"{_shown(address, 60)} has no valid port"))
                else:
                    config.ports.append(port)
        elif keyword == "authorizedkeysfile":
            config.authorized_keys_files.extend(a for a in args if a.lower() != "none")
        elif keyword == "include":
            config.includes.extend(args)
        elif keyword == "passwordauthentication" and not config.password_authentication:
            config.password_authentication = args[0].lower()
        elif keyword == "permitrootlogin" and not config.permit_root_login:
            config.permit_root_login = args[0].lower()
    return Reading(_shown(file), config, unrecognised=tuple(strange))


def merge_sshd(files: Sequence[tuple[str, SshdConfigFile]]) -> SshdSettings:
    """The settings of the configuration files together (in the order sshd reads them)."""
    ports: list[int] = []
    key_files: list[str] = []
    password = root = ""
    for _, config in files:
        ports.extend(p for p in config.ports if p not in ports)
        key_files.extend(config.authorized_keys_files)
        password = password or config.password_authentication
        root = root or config.permit_root_login
    defaults = SshdSettings()
    return SshdSettings(
        ports=tuple(ports) or defaults.ports,
        # sshd's default files stay in the list: a Match block may leave them in force for some users, and
        # a key put there is one a configuration change would let in.
        authorized_keys_files=tuple(dict.fromkeys([*defaults.authorized_keys_files, *key_files])),
        password_authentication=password,
        permit_root_login=root,
        files=tuple(name for name, _ in files),
    )
