"""Reads this computer: processes (psutil), autostart entries, connections, hosts file, SSH settings and keys.

A collector only fetches; the parsers interpret. One collector serves one audit: each kind of data is
read once (the first check to ask pays for it) and shared between checks. Every read returns a
:class:`~auditor.checkapi.Reading` that names what could not be read (a folder the scanning account may not
open, a file that is not a file, programs whose details were denied) and what a parser did not understand,
so no check can say "Looks clear" over a partial read. ``root`` and ``homes`` let a test point the real
code at a prepared folder tree.
"""

from __future__ import annotations

import fnmatch
import os
import platform
import stat
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from auditor.checkapi import Reading
from auditor.checkapi.device import AuthorizedKey, AutostartEntry, Connection, HostsEntry, ProcessInfo, SshdSettings
from auditor.device import parsers
from auditor.safetext import literal

T = TypeVar("T")

# A file bigger than this is not a configuration file anyone wrote by hand; reading it whole could stall
# the scan, so only this much is read and the rest is reported as not read.
MAX_FILE_BYTES = 4 * 1024 * 1024
# Include lines in sshd_config may include files that include others; sshd itself stops at 16.
MAX_INCLUDE_DEPTH = 16


def _system() -> str:
    return {"Darwin": "macos", "Windows": "windows"}.get(platform.system(), "linux")


def _why(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()


def _shown(path: Path | str) -> str:
    return literal(str(path), 200)


class _Gather:
    """What one read collects: items, what could not be read, what was not understood."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self.not_read: list[str] = []
        self.unrecognised: list[str] = []

    def missing(self, problem: str) -> None:
        if problem not in self.not_read:
            self.not_read.append(problem)

    def gaps(self, reading: Reading[Any]) -> None:
        self.not_read.extend(p for p in reading.not_read if p not in self.not_read)
        self.unrecognised.extend(reading.unrecognised)

    def add(self, reading: Reading[Any]) -> None:
        """A parser's reading of one file: its entries and its gaps."""
        value = reading.value
        if isinstance(value, tuple):
            self.items.extend(value)
        elif value is not None:
            self.items.append(value)
        self.gaps(reading)

    def reading(self, what: str) -> Reading[tuple[Any, ...]]:
        return Reading(what, tuple(self.items), tuple(self.not_read), tuple(self.unrecognised))


class DeviceCollector:
    """This computer as :class:`~auditor.checkapi.device.DeviceReads`: every read is a Reading."""

    def __init__(self, root: Path | str = "/", homes: Iterable[Path] | None = None, system: str | None = None):
        self.root = Path(root)
        self.system = system or _system()
        self._homes = list(homes) if homes is not None else None
        self._cache: dict[str, Any] = {}
        self._lock = threading.RLock()  # a read may ask for another (SSH keys need the settings)

    def _once(self, key: str, read: Callable[[], Reading[T]]) -> Reading[T]:
        with self._lock:
            if key not in self._cache:
                self._cache[key] = read()
            result: Reading[T] = self._cache[key]
            return result

    def _path(self, path: str) -> Path:
        return self.root / path.lstrip("/")

    # -- files ------------------------------------------------------------------------------------------

    def _read_bytes(self, path: Path, gather: _Gather, what: str | None = None) -> bytes | None:
        """A regular file's bytes; None if it does not exist (nothing there to start) or could not be read
        (said in ``gather``). FIFOs and devices are never opened for reading: that could block the scan."""
        name = what or _shown(path)
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(path, flags)
        except (FileNotFoundError, NotADirectoryError):
            return None  # gone, or a dangling link: nothing there can start
        except IsADirectoryError:
            gather.missing(f"{name}: a folder where a file was expected")
            return None
        except OSError as exc:
            gather.missing(f"{name}: {_why(exc)}")
            return None
        try:
            info = os.fstat(fd)
            if stat.S_ISDIR(info.st_mode):
                gather.missing(f"{name}: a folder where a file was expected")
                return None
            if stat.S_ISCHR(info.st_mode) and os.path.realpath(path) == os.devnull:
                return None  # a link to /dev/null: how systemd masks a unit, so nothing starts from it
            if not stat.S_ISREG(info.st_mode):
                gather.missing(f"{name}: not an ordinary file, so it was not read")
                return None
            chunks: list[bytes] = []
            size = 0
            while size <= MAX_FILE_BYTES:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        except OSError as exc:
            gather.missing(f"{name}: {_why(exc)}")
            return None
        finally:
            os.close(fd)
        data = b"".join(chunks)
        if len(data) > MAX_FILE_BYTES:
            gather.missing(f"{name}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; only the start was read")
            data = data[:MAX_FILE_BYTES]
        return data

    def _read_text(self, path: Path, gather: _Gather, what: str | None = None) -> str | None:
        data = self._read_bytes(path, gather, what)
        if data is None:
            return None
        text = parsers.decode_text(data, str(path))
        gather.gaps(text)
        return text.value

    def _list(
        self, folder: Path, pattern: str, gather: _Gather, what: str | None = None, denied_hint: str = ""
    ) -> list[Path]:
        """The entries of ``folder`` whose names match ``pattern``, folders left out; a folder that is not
        there has none, one that cannot be listed is said in ``gather``."""
        name = what or _shown(folder)
        try:
            with os.scandir(folder) as entries:
                found = []
                for entry in entries:
                    if not fnmatch.fnmatchcase(entry.name, pattern):
                        continue
                    try:
                        if entry.is_dir():
                            continue
                    except OSError:
                        pass  # reading it will say what is wrong with it
                    found.append(Path(entry.path))
        except FileNotFoundError:
            return []
        except NotADirectoryError:
            gather.missing(f"{name}: a file where a folder was expected")
            return []
        except OSError as exc:
            hint = f" ({denied_hint})" if denied_hint and isinstance(exc, PermissionError) else ""
            gather.missing(f"{name}: {_why(exc)}{hint}")
            return []
        return sorted(found)

    # -- homes ------------------------------------------------------------------------------------------

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

    # -- processes --------------------------------------------------------------------------------------

    def processes(self) -> Reading[tuple[ProcessInfo, ...]]:
        return self._once("processes", self._read_processes)

    def _read_processes(self) -> Reading[tuple[ProcessInfo, ...]]:
        import psutil

        try:
            records = [record for proc in psutil.process_iter() if (record := _process_fields(proc)) is not None]
        except (psutil.Error, OSError) as exc:
            return Reading("the running programs", (), (f"the list of running programs could not be read ({exc})",))
        return parsers.processes_reading(records, "" if running_as_admin() else "run as administrator to see them")

    # -- network ----------------------------------------------------------------------------------------

    def connections(self) -> Reading[tuple[Connection, ...]]:
        return self._once("connections", self._read_connections)

    def _read_connections(self) -> Reading[tuple[Connection, ...]]:
        import psutil

        gather = _Gather()
        what = "this computer's network connections"
        try:
            sockets = psutil.net_connections(kind="inet")
        except (psutil.AccessDenied, PermissionError):
            gather.missing("network connections need administrator rights to read on this system")
            return gather.reading(what)
        except (psutil.Error, OSError) as exc:
            gather.missing(f"network connections could not be read ({exc})")
            return gather.reading(what)
        for conn in sockets:
            gather.add(parsers.connection_record(conn._asdict()))
        return gather.reading(what)

    # -- the hosts file ---------------------------------------------------------------------------------

    def hosts_entries(self) -> Reading[tuple[HostsEntry, ...]]:
        return self._once("hosts", self._read_hosts)

    def hosts_file(self) -> Path:
        if self.system == "windows":
            windir = os.environ.get("SystemRoot", r"C:\Windows")
            return Path(windir) / "System32" / "drivers" / "etc" / "hosts"
        return self._path("/etc/hosts")

    def _read_hosts(self) -> Reading[tuple[HostsEntry, ...]]:
        gather = _Gather()
        path = self.hosts_file()
        text = self._read_text(path, gather)  # no hosts file means no overrides
        if text is not None:
            gather.add(parsers.parse_hosts(text, str(path)))
        return gather.reading("the hosts file")

    # -- SSH --------------------------------------------------------------------------------------------

    def sshd_config_file(self) -> Path:
        if self.system == "windows":
            return Path(os.environ.get("ProgramData", r"C:\ProgramData")) / "ssh" / "sshd_config"
        return self._path("/etc/ssh/sshd_config")

    def sshd_settings(self) -> Reading[SshdSettings]:
        return self._once("sshd", self._read_sshd)

    def _read_sshd(self) -> Reading[SshdSettings]:
        gather = _Gather()
        files: list[tuple[str, parsers.SshdConfigFile]] = []
        main = self.sshd_config_file()
        self._read_sshd_file(main, main.parent, gather, files, 0)
        settings = parsers.merge_sshd(files)
        return Reading("the SSH server's settings", settings, tuple(gather.not_read), tuple(gather.unrecognised))

    def _read_sshd_file(
        self, path: Path, base: Path, gather: _Gather, files: list[tuple[str, parsers.SshdConfigFile]], depth: int
    ) -> None:
        text = self._read_text(path, gather)
        if text is None:
            return  # no configuration: sshd's defaults (or no SSH server at all)
        parsed = parsers.parse_sshd_config(text, str(path))
        gather.gaps(parsed)
        files.append((str(path), parsed.value))
        for pattern in parsed.value.includes:
            if depth + 1 >= MAX_INCLUDE_DEPTH:
                gather.unrecognised.append(f"{_shown(path)}: Include nested more than {MAX_INCLUDE_DEPTH} deep")
                break
            # Relative includes are under /etc/ssh (sshd_config(5)); absolute ones are under the root.
            target = self._path(pattern) if pattern.startswith("/") else base / pattern
            folder, name = target.parent, target.name
            if any(ch in str(folder) for ch in "*?["):
                why = f"Include {literal(pattern, 80)} has a pattern in a folder name"
                gather.unrecognised.append(f"{_shown(path)}: {why}")
                continue
            included = self._list(folder, name, gather) if any(ch in name for ch in "*?[") else [target]
            for each in included:
                self._read_sshd_file(each, base, gather, files, depth + 1)

    def ssh_keys(self) -> Reading[tuple[AuthorizedKey, ...]]:
        return self._once("ssh_keys", self._read_ssh_keys)

    def _key_files(self, settings: SshdSettings) -> list[Path]:
        """Every file sshd might take keys from, for every home this tool can read (sshd_config(5) tokens)."""
        paths: list[Path] = []
        for home in self.homes():
            user = home.name
            try:
                uid = str(home.stat().st_uid)
            except OSError:
                uid = ""
            for pattern in settings.authorized_keys_files:
                if "%U" in pattern and not uid:
                    continue
                expanded = (
                    pattern.replace("%%", "\0").replace("%h", str(home)).replace("%u", user).replace("%U", uid)
                ).replace("\0", "%")
                path = Path(expanded)
                if not path.is_absolute():
                    path = home / expanded
                elif not expanded.startswith(str(home)):
                    path = self._path(expanded)
                if path not in paths:
                    paths.append(path)
        return paths

    def _read_ssh_keys(self) -> Reading[tuple[AuthorizedKey, ...]]:
        gather = _Gather()
        settings = self.sshd_settings()
        # Without the server's settings the tool may not know every file keys are taken from.
        gather.gaps(settings)
        for path in self._key_files(settings.value):
            text = self._read_text(path, gather)
            if text is not None:
                gather.add(parsers.parse_authorized_keys(text, str(path)))
        return gather.reading("the SSH keys that can log in")

    # -- autostart --------------------------------------------------------------------------------------

    def autostart_entries(self) -> Reading[tuple[AutostartEntry, ...]]:
        return self._once("autostart", self._read_autostart)

    def _read_autostart(self) -> Reading[tuple[AutostartEntry, ...]]:
        gather = _Gather()
        readers = {
            "linux": self._autostart_linux,
            "macos": self._autostart_macos,
            "windows": self._autostart_windows,
        }
        readers[self.system](gather)
        return gather.reading("the places where programs are set to start")

    def _autostart_linux(self, gather: _Gather) -> None:
        places: list[tuple[Path, str, str]] = []
        for home in self.homes():
            places.append((home / ".config" / "autostart", "*.desktop", "user"))
            places.append((home / ".config" / "systemd" / "user", "*.service", "user"))
            places.append((home / ".local" / "share" / "systemd" / "user", "*.service", "user"))
        places.append((self._path("/etc/xdg/autostart"), "*.desktop", "system"))
        places.append((self._path("/etc/systemd/user"), "*.service", "system"))
        places.append((self._path("/etc/systemd/system"), "*.service", "system"))
        for folder, pattern, scope in places:
            for path in self._list(folder, pattern, gather):
                text = self._read_text(path, gather)
                if text is None:
                    continue
                if pattern == "*.desktop":
                    gather.add(parsers.parse_desktop_entry(text, str(path), scope))
                else:
                    gather.add(parsers.parse_systemd_unit(text, str(path), scope))
        self._crontabs(gather, ["/var/spool/cron/crontabs", "/var/spool/cron"])

    def _crontabs(self, gather: _Gather, spools: list[str]) -> None:
        system_tabs = [self._path("/etc/crontab"), *self._list(self._path("/etc/cron.d"), "*", gather)]
        for path in system_tabs:
            text = self._read_text(path, gather)
            if text is not None:
                gather.add(parsers.parse_crontab(text, str(path), "system", system_format=True))
        for spool in (self._path(s) for s in spools):
            what = f"users' crontabs in {_shown(spool)}"
            tabs = self._list(spool, "*", gather, what=what, denied_hint="run as administrator to read them")
            for path in tabs:
                text = self._read_text(path, gather, what=f"{literal(path.name, 60)}'s crontab ({_shown(path)})")
                if text is not None:
                    gather.add(parsers.parse_crontab(text, str(path), "user"))

    def _autostart_macos(self, gather: _Gather) -> None:
        places = [(home / "Library" / "LaunchAgents", "user") for home in self.homes()]
        places += [
            (self._path("/Library/LaunchAgents"), "system"),
            (self._path("/Library/LaunchDaemons"), "system"),
        ]
        for folder, scope in places:
            for path in self._list(folder, "*.plist", gather):
                data = self._read_bytes(path, gather)
                if data is not None:
                    gather.add(parsers.parse_launchd_plist(data, str(path), scope))
        self._crontabs(gather, ["/var/at/tabs"])  # /usr/lib/cron/tabs is a link to it

    def _autostart_windows(self, gather: _Gather) -> None:  # pragma: no cover - Windows only
        if sys.platform != "win32":
            gather.missing("Windows autostart entries can only be read on Windows")
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
                    values: list[tuple[object, object]] = []
                    index = 0
                    while True:
                        try:
                            name, value, _ = winreg.EnumValue(key, index)
                        except OSError:
                            break
                        values.append((name, value))
                        index += 1
                gather.add(parsers.run_key_entries(values, sub, scope))
            except FileNotFoundError:
                continue
            except OSError as exc:
                gather.missing(f"registry key {sub}: {_why(exc)}")
        startup = [Path(os.environ.get("APPDATA", "")) / r"Microsoft\Windows\Start Menu\Programs\Startup"]
        startup.append(Path(os.environ.get("PROGRAMDATA", "")) / r"Microsoft\Windows\Start Menu\Programs\StartUp")
        for folder in startup:
            for path in self._list(folder, "*", gather):
                gather.items.append(AutostartEntry("startup-folder", str(folder), path.name, str(path), "user"))
        try:
            result = subprocess.run(
                ["schtasks", "/query", "/fo", "CSV", "/v"], capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.SubprocessError) as exc:
            gather.missing(f"scheduled tasks could not be listed ({exc})")
            return
        if result.returncode != 0:
            gather.missing(f"scheduled tasks could not be listed (schtasks ended with {result.returncode})")
            return
        gather.add(parsers.parse_schtasks_csv(result.stdout))


def _process_fields(proc: Any) -> dict[str, Any] | None:
    """One process's fields for :func:`parsers.process_record`: None for a field that was denied; None for
    the whole process if it ended while being read (it is no longer running)."""
    import psutil

    record: dict[str, Any] = {"pid": proc.pid}
    try:
        with proc.oneshot():
            for field in ("name", "exe", "cmdline", "username"):
                try:
                    record[field] = getattr(proc, field)()
                except psutil.ZombieProcess:
                    if field == "name":
                        return None  # it has exited and runs nothing
                    record[field] = [] if field == "cmdline" else ""  # exited: only its name is left
                except psutil.NoSuchProcess:
                    return None
                except (psutil.Error, OSError):
                    record[field] = None
    except psutil.NoSuchProcess:
        return None
    return record


def hostname() -> str:
    return platform.node() or "this computer"


def running_as_admin() -> bool:
    if sys.platform == "win32":  # pragma: no cover
        return False
    return os.geteuid() == 0
