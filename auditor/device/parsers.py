"""Pure parsers over what the collector read: no I/O here, so each is tested on fixture files."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import plistlib
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.parsers.expat import ExpatError


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    name: str
    exe: str = ""
    cmdline: tuple[str, ...] = ()
    username: str = ""


@dataclass(frozen=True)
class AutostartEntry:
    """Something set to start by itself: where it is declared and the command it runs."""

    mechanism: str  # xdg-autostart | systemd-user | cron | launchd | run-key | startup-folder | scheduled-task
    location: str  # file, registry key or task name
    name: str
    command: str
    scope: str = "user"  # user | system
    enabled: bool = True


@dataclass(frozen=True)
class HostsEntry:
    address: str
    hostname: str
    line: int


@dataclass(frozen=True)
class AuthorizedKey:
    key_type: str
    fingerprint: str  # SHA256:... as ssh-keygen -l prints it
    comment: str
    options: str
    line: int
    file: str = ""


@dataclass(frozen=True)
class Connection:
    local: str
    remote_ip: str
    remote_port: int
    status: str
    pid: int | None = None


@dataclass
class ReadProblems:
    """What could not be read, in plain words; reported with the findings, never dropped."""

    items: list[str] = field(default_factory=list)

    def add(self, what: str) -> None:
        if what not in self.items:
            self.items.append(what)


def process_from_psutil(info: Mapping[str, Any]) -> ProcessInfo:
    return ProcessInfo(
        pid=int(info.get("pid") or 0),
        name=str(info.get("name") or ""),
        exe=str(info.get("exe") or ""),
        cmdline=tuple(str(part) for part in (info.get("cmdline") or ())),
        username=str(info.get("username") or ""),
    )


def parse_desktop_entry(text: str, location: str, scope: str = "user") -> AutostartEntry | None:
    """An XDG autostart ``.desktop`` file. Hidden=true or X-GNOME-Autostart-enabled=false disables it."""
    values: dict[str, str] = {}
    in_entry = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            in_entry = line == "[Desktop Entry]"
            continue
        if in_entry and "=" in line:
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), value.strip())
    if not values.get("Exec") and not values.get("Name"):
        return None
    enabled = values.get("Hidden", "false").lower() != "true" and (
        values.get("X-GNOME-Autostart-enabled", "true").lower() != "false"
    )
    return AutostartEntry(
        mechanism="xdg-autostart",
        location=location,
        name=values.get("Name", location.rsplit("/", 1)[-1]),
        command=values.get("Exec", ""),
        scope=scope,
        enabled=enabled,
    )


def parse_systemd_unit(text: str, location: str, scope: str = "user") -> AutostartEntry | None:
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), value.strip())
    command = values.get("ExecStart", "")
    if not command:
        return None
    return AutostartEntry(
        mechanism="systemd-user" if scope == "user" else "systemd",
        location=location,
        name=values.get("Description") or location.rsplit("/", 1)[-1],
        command=command.lstrip("-@:+!"),
        scope=scope,
    )


def parse_crontab(text: str, location: str, scope: str = "user", system_format: bool = False) -> list[AutostartEntry]:
    """Crontab lines. System crontabs (/etc/crontab, /etc/cron.d) have a user field before the command."""
    out: list[AutostartEntry] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        first = line.split(None, 1)[0]
        if "=" in first and not first.startswith("@"):
            continue  # VAR=value
        if first.startswith("@"):
            parts = line.split(None, 2 if system_format else 1)
            schedule, rest = parts[0], parts[1:]
        else:
            parts = line.split(None, 6 if system_format else 5)
            if len(parts) < (7 if system_format else 6):
                continue
            schedule, rest = " ".join(parts[:5]), parts[5:]
        if system_format and len(rest) == 2:
            user, command = rest
        else:
            user, command = "", rest[-1] if rest else ""
        if not command:
            continue
        out.append(
            AutostartEntry(
                mechanism="cron",
                location=location,
                name=f"{schedule}" + (f" as {user}" if user else ""),
                command=command,
                scope=scope,
            )
        )
    return out


def parse_launchd_plist(data: bytes, location: str, scope: str = "user") -> AutostartEntry | None:
    try:
        plist = plistlib.loads(data)
    except (plistlib.InvalidFileException, ExpatError, ValueError, TypeError) as exc:
        raise ValueError(f"not a valid property list: {exc}") from None
    if not isinstance(plist, dict):
        return None
    args = plist.get("ProgramArguments") or []
    program = plist.get("Program") or (args[0] if args else "")
    command = " ".join(shlex.quote(str(a)) for a in args) if args else str(program)
    return AutostartEntry(
        mechanism="launchd",
        location=location,
        name=str(plist.get("Label") or location.rsplit("/", 1)[-1]),
        command=command,
        scope=scope,
        enabled=not bool(plist.get("Disabled", False)),
    )


def parse_schtasks_csv(text: str) -> list[AutostartEntry]:
    """``schtasks /query /fo CSV /v`` output; the header row repeats between folders."""
    out: list[AutostartEntry] = []
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    for row in reader:
        if not row:
            continue
        if row[0] == "HostName":
            header = row
            continue
        if header is None:
            continue
        record = dict(zip(header, row, strict=False))
        name = record.get("TaskName", "")
        command = record.get("Task To Run", "")
        if not name or not command:
            continue
        out.append(
            AutostartEntry(
                mechanism="scheduled-task",
                location=name,
                name=name.rsplit("\\", 1)[-1],
                command=command,
                scope="system" if name.startswith("\\Microsoft\\") else "user",
                enabled=record.get("Scheduled Task State", "Enabled").lower() != "disabled",
            )
        )
    return out


def run_key_entries(values: Iterable[tuple[str, str]], key: str, scope: str) -> list[AutostartEntry]:
    return [
        AutostartEntry(mechanism="run-key", location=key, name=name, command=command, scope=scope)
        for name, command in values
    ]


def parse_hosts(text: str) -> list[HostsEntry]:
    out: list[HostsEntry] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) < 2:
            continue
        out.extend(HostsEntry(address=parts[0], hostname=name, line=number) for name in parts[1:])
    return out


_KEY_TYPES = (
    "ssh-rsa",
    "ssh-dss",
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)


def _split_options(line: str) -> tuple[str, str]:
    """authorized_keys lines may start with options (which can contain quoted spaces) before the key type."""
    in_quote = False
    for i, ch in enumerate(line):
        if ch == '"':
            in_quote = not in_quote
        elif ch in " \t" and not in_quote:
            head, rest = line[:i], line[i:].strip()
            if head in _KEY_TYPES:
                return "", line
            return head, rest
    return "", line


def key_fingerprint(blob_b64: str) -> str:
    blob = base64.b64decode(blob_b64.encode("ascii"), validate=True)
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")
    return f"SHA256:{digest}"


def parse_authorized_keys(text: str, file: str = "") -> tuple[list[AuthorizedKey], list[int]]:
    """The keys, and the numbers of lines that are not valid keys (reported, not ignored)."""
    keys: list[AuthorizedKey] = []
    bad: list[int] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        options, rest = ("", line) if line.split(None, 1)[0] in _KEY_TYPES else _split_options(line)
        parts = rest.split(None, 2)
        if len(parts) < 2 or parts[0] not in _KEY_TYPES:
            bad.append(number)
            continue
        try:
            fingerprint = key_fingerprint(parts[1])
        except (ValueError, UnicodeEncodeError):
            bad.append(number)
            continue
        keys.append(
            AuthorizedKey(
                key_type=parts[0],
                fingerprint=fingerprint,
                comment=parts[2] if len(parts) > 2 else "",
                options=options,
                line=number,
                file=file,
            )
        )
    return keys, bad


def command_program(command: str) -> str:
    """The program a command line starts (first word, quotes handled, env assignments skipped)."""
    try:
        words = shlex.split(command, posix=True)
    except ValueError:
        words = command.split()
    for word in words:
        if "=" in word and not word.startswith(("/", ".")):
            continue
        if word in ("env", "nohup", "sh", "bash", "-c", "/bin/sh", "/bin/bash", "/usr/bin/env"):
            continue
        return word
    return ""
