"""Reads this computer: processes (psutil), autostart entries, connections, hosts file, SSH keys.

A collector only fetches; the parsers interpret. One collector serves one audit: each kind of data is
read once (the first check to ask pays for it) and shared between checks. Everything it could not read is
kept in ``problems`` so the checks report it instead of passing over it. ``root`` and ``homes`` let a test
point the real code at a prepared folder tree.
"""

from __future__ import annotations

import os
import platform
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from auditor.device import parsers
from auditor.device.parsers import AuthorizedKey, AutostartEntry, Connection, HostsEntry, ProcessInfo

T = TypeVar("T")


@dataclass
class Reading(Generic[T]):
    """What was read, what could not be read, and whether the source could be read at all."""

    items: list[T] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    complete_failure: str | None = None


def _system() -> str:
    return {"Darwin": "macos", "Windows": "windows"}.get(platform.system(), "linux")


class DeviceCollector:
    def __init__(self, root: Path | str = "/", homes: Iterable[Path] | None = None, system: str | None = None):
        self.root = Path(root)
        self.system = system or _system()
        self._homes = list(homes) if homes is not None else None
        self._cache: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _once(self, key: str, read: Callable[[], Reading[T]]) -> Reading[T]:
        with self._lock:
            if key not in self._cache:
                self._cache[key] = read()
            result: Reading[T] = self._cache[key]
            return result

    def _path(self, path: str) -> Path:
        return self.root / path.lstrip("/")

    # -- homes -------------------------------------------------------------------------------------

    def homes(self) -> list[Path]:
        """Home folders to look in: every user's when running as administrator, else the current one."""
        if self._homes is not None:
            return self._homes
        if self.system != "windows" and hasattr(os, "geteuid") and os.geteuid() == 0:
            import pwd

            found = {Path(entry.pw_dir) for entry in pwd.getpwall() if entry.pw_dir and entry.pw_uid >= 1000}
            found.add(Path(pwd.getpwuid(0).pw_dir))
            return sorted(p for p in found if p.is_dir() and p != Path("/nonexistent"))
        return [Path.home()]

    # -- processes ----------------------------------------------------------------------------------

    def processes(self) -> Reading[ProcessInfo]:
        return self._once("processes", self._read_processes)

    def _read_processes(self) -> Reading[ProcessInfo]:
        import psutil

        reading: Reading[ProcessInfo] = Reading()
        denied = 0
        try:
            for proc in psutil.process_iter(["pid", "name", "exe", "cmdline", "username"]):
                info = proc.info
                if info.get("exe") is None and info.get("cmdline") is None:
                    denied += 1
                reading.items.append(parsers.process_from_psutil(info))
        except (psutil.Error, OSError) as exc:
            reading.complete_failure = f"the list of running programs could not be read ({exc})"
            return reading
        if not reading.items:
            reading.complete_failure = "no running programs were visible at all"
        if denied:
            reading.problems.append(
                f"{denied} running programs' file locations could not be read (they were still checked by "
                "name; run as administrator to see more)"
            )
        return reading

    # -- network ------------------------------------------------------------------------------------

    def connections(self) -> Reading[Connection]:
        return self._once("connections", self._read_connections)

    def _read_connections(self) -> Reading[Connection]:
        import psutil

        reading: Reading[Connection] = Reading()
        try:
            for conn in psutil.net_connections(kind="inet"):
                local = f"{conn.laddr.ip}:{conn.laddr.port}" if conn.laddr else ""
                if conn.raddr:
                    reading.items.append(Connection(local, conn.raddr.ip, conn.raddr.port, conn.status, conn.pid))
                elif conn.status == psutil.CONN_LISTEN and conn.laddr:
                    reading.items.append(Connection(local, "", 0, conn.status, conn.pid))
        except (psutil.AccessDenied, PermissionError):
            reading.complete_failure = "network connections need administrator rights to read on this system"
        except (psutil.Error, OSError) as exc:
            reading.complete_failure = f"network connections could not be read ({exc})"
        return reading

    def hosts_entries(self) -> Reading[HostsEntry]:
        return self._once("hosts", self._read_hosts)

    def hosts_file(self) -> Path:
        if self.system == "windows":
            windir = os.environ.get("SystemRoot", r"C:\Windows")
            return Path(windir) / "System32" / "drivers" / "etc" / "hosts"
        return self._path("/etc/hosts")

    def _read_hosts(self) -> Reading[HostsEntry]:
        reading: Reading[HostsEntry] = Reading()
        path = self.hosts_file()
        try:
            reading.items = parsers.parse_hosts(path.read_text(encoding="utf-8", errors="replace"))
        except FileNotFoundError:
            pass  # no hosts file means no overrides
        except OSError as exc:
            reading.complete_failure = f"the hosts file {path} could not be read ({exc.strerror})"
        return reading

    # -- SSH ----------------------------------------------------------------------------------------

    def ssh_keys(self) -> Reading[AuthorizedKey]:
        return self._once("ssh_keys", self._read_ssh_keys)

    def _read_ssh_keys(self) -> Reading[AuthorizedKey]:
        reading: Reading[AuthorizedKey] = Reading()
        for home in self.homes():
            for name in ("authorized_keys", "authorized_keys2"):
                path = home / ".ssh" / name
                try:
                    text = path.read_text(encoding="utf-8", errors="replace")
                except FileNotFoundError:
                    continue
                except OSError as exc:
                    reading.problems.append(f"{path} could not be read ({exc.strerror})")
                    continue
                keys, bad = parsers.parse_authorized_keys(text, str(path))
                reading.items.extend(keys)
                if bad:
                    lines = ", ".join(str(n) for n in bad)
                    reading.problems.append(f"{path}: lines {lines} are not keys this tool understands")
        return reading

    # -- autostart ----------------------------------------------------------------------------------

    def autostart_entries(self) -> Reading[AutostartEntry]:
        return self._once("autostart", self._read_autostart)

    def _read_autostart(self) -> Reading[AutostartEntry]:
        reading: Reading[AutostartEntry] = Reading()
        readers = {
            "linux": self._autostart_linux,
            "macos": self._autostart_macos,
            "windows": self._autostart_windows,
        }
        readers[self.system](reading)
        return reading

    def _each_file(self, folder: Path, pattern: str, reading: Reading[AutostartEntry]) -> Iterable[Path]:
        try:
            return sorted(p for p in folder.glob(pattern) if p.is_file())
        except PermissionError:
            reading.problems.append(f"{folder} could not be read (permission denied)")
            return []

    def _read_text(self, path: Path, reading: Reading[AutostartEntry]) -> str | None:
        try:
            return path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            reading.problems.append(f"{path} could not be read ({exc.strerror})")
            return None

    def _autostart_linux(self, reading: Reading[AutostartEntry]) -> None:
        places: list[tuple[Path, str, str]] = []
        for home in self.homes():
            places.append((home / ".config" / "autostart", "*.desktop", "user"))
            places.append((home / ".config" / "systemd" / "user", "*.service", "user"))
        places.append((self._path("/etc/xdg/autostart"), "*.desktop", "system"))
        places.append((self._path("/etc/systemd/user"), "*.service", "system"))
        for folder, pattern, scope in places:
            for path in self._each_file(folder, pattern, reading):
                text = self._read_text(path, reading)
                if text is None:
                    continue
                parse = parsers.parse_desktop_entry if pattern == "*.desktop" else parsers.parse_systemd_unit
                entry = parse(text, str(path), scope)
                if entry is not None:
                    reading.items.append(entry)
        system_tabs = [self._path("/etc/crontab")]
        system_tabs += list(self._each_file(self._path("/etc/cron.d"), "*", reading))
        for path in system_tabs:
            if path.exists():
                text = self._read_text(path, reading)
                if text is not None:
                    reading.items.extend(parsers.parse_crontab(text, str(path), "system", system_format=True))
        for spool in (self._path("/var/spool/cron/crontabs"), self._path("/var/spool/cron")):
            if not spool.is_dir():
                continue
            try:
                tabs = sorted(p for p in spool.iterdir() if p.is_file())
            except PermissionError:
                reading.problems.append(f"users' crontabs in {spool} need administrator rights to read")
                continue
            for path in tabs:
                text = self._read_text(path, reading)
                if text is not None:
                    reading.items.extend(parsers.parse_crontab(text, str(path), "user"))

    def _autostart_macos(self, reading: Reading[AutostartEntry]) -> None:
        places = [(home / "Library" / "LaunchAgents", "user") for home in self.homes()]
        places += [
            (self._path("/Library/LaunchAgents"), "system"),
            (self._path("/Library/LaunchDaemons"), "system"),
        ]
        for folder, scope in places:
            for path in self._each_file(folder, "*.plist", reading):
                try:
                    entry = parsers.parse_launchd_plist(path.read_bytes(), str(path), scope)
                except (OSError, ValueError) as exc:
                    reading.problems.append(f"{path} could not be read ({exc})")
                    continue
                if entry is not None:
                    reading.items.append(entry)

    def _autostart_windows(self, reading: Reading[AutostartEntry]) -> None:  # pragma: no cover - Windows only
        if sys.platform != "win32":
            reading.complete_failure = "Windows autostart entries can only be read on Windows"
            return
        import subprocess
        import winreg

        keys = [
            (winreg.HKEY_CURRENT_USER, r"Software\Microsoft\Windows\CurrentVersion\Run", "user"),
            (winreg.HKEY_CURRENT_USER, r"Software\Microsoft\Windows\CurrentVersion\RunOnce", "user"),
            (winreg.HKEY_LOCAL_MACHINE, r"Software\Microsoft\Windows\CurrentVersion\Run", "system"),
            (winreg.HKEY_LOCAL_MACHINE, r"Software\Microsoft\Windows\CurrentVersion\RunOnce", "system"),
        ]
        for hive, sub, scope in keys:
            try:
                with winreg.OpenKey(hive, sub) as key:
                    values = []
                    index = 0
                    while True:
                        try:
                            name, value, _ = winreg.EnumValue(key, index)
                        except OSError:
                            break
                        values.append((name, str(value)))
                        index += 1
                reading.items.extend(parsers.run_key_entries(values, sub, scope))
            except OSError as exc:
                reading.problems.append(f"registry key {sub} could not be read ({exc})")
        startup = [Path(os.environ.get("APPDATA", "")) / r"Microsoft\Windows\Start Menu\Programs\Startup"]
        startup.append(Path(os.environ.get("PROGRAMDATA", "")) / r"Microsoft\Windows\Start Menu\Programs\StartUp")
        for folder in startup:
            for path in self._each_file(folder, "*", reading):
                reading.items.append(AutostartEntry("startup-folder", str(folder), path.name, str(path), "user"))
        try:
            result = subprocess.run(
                ["schtasks", "/query", "/fo", "CSV", "/v"], capture_output=True, text=True, timeout=30
            )
            reading.items.extend(parsers.parse_schtasks_csv(result.stdout))
        except (OSError, subprocess.SubprocessError) as exc:
            reading.problems.append(f"scheduled tasks could not be listed ({exc})")


def hostname() -> str:
    return platform.node() or "this computer"


def running_as_admin() -> bool:
    if sys.platform == "win32":  # pragma: no cover
        return False
    return os.geteuid() == 0
