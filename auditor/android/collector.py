"""Runs the system's `adb` with read-only commands only, and caches what each device answered.

The collector only fetches: every command is checked against an allow-list before it runs, so nothing
that could change the phone (install, uninstall, settings put, pm disable, ...) can ever be sent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from auditor.android import parsers
from auditor.android.parsers import AdbDevice, Component, Package
from auditor.errors import CheckUnavailable

ADB_MISSING = (
    "adb (Android Debug Bridge) is not installed, so no phone could be checked. Install it — Debian/Ubuntu: "
    "`sudo apt install adb`; macOS: `brew install android-platform-tools`; Windows: Google's \"SDK Platform "
    'Tools" — then connect the phone with USB debugging on (Settings › About phone › tap Build number '
    "seven times; then Settings › System › Developer options › USB debugging)."
)
NO_DEVICE = (
    "No Android phone is connected. Connect it with a USB cable, turn on USB debugging (Settings › About "
    "phone › tap Build number seven times; then Developer options › USB debugging) and accept the "
    '"Allow USB debugging?" question on the phone.'
)
UNAUTHORIZED = (
    "The phone {serial} is connected but has not allowed this computer yet. Unlock the phone and accept the "
    '"Allow USB debugging?" question, then run the audit again.'
)
OFFLINE = "The phone {serial} is {state}: reconnect the cable, unlock the phone, and run the audit again."

# Every command this tool may send, as a prefix of the arguments after `adb [-s SERIAL]`.
READ_ONLY: tuple[tuple[str, ...], ...] = (
    ("devices", "-l"),
    ("shell", "pm", "list", "packages", "-f", "-i", "-U"),
    ("shell", "pm", "list", "packages", "-s"),
    ("shell", "pm", "list", "packages", "-3"),
    ("shell", "dumpsys", "accessibility"),
    ("shell", "dumpsys", "device_policy"),
    ("shell", "dumpsys", "package"),
    ("shell", "settings", "list", "secure"),
    ("shell", "settings", "list", "global"),
    ("shell", "getprop"),
    ("pull",),
)
MAX_APK_BYTES = 300 * 1024 * 1024


def allowed(args: Sequence[str]) -> bool:
    if any(ch in arg for arg in args for ch in ";&|`$<>\n"):
        return False  # no shell control characters reach the phone's shell
    return any(tuple(args[: len(prefix)]) == prefix for prefix in READ_ONLY)


class Adb:
    def __init__(self, executable: str | None = None, timeout: float = 60.0) -> None:
        found = executable or shutil.which("adb")
        if not found:
            raise CheckUnavailable(ADB_MISSING)
        self.executable = found
        self.timeout = timeout

    def run(self, args: Sequence[str], serial: str | None = None) -> str:
        if not allowed(args):
            raise PermissionError(f"refusing to send a command that is not read-only: adb {' '.join(args)}")
        command = [self.executable, *(["-s", serial] if serial else []), *args]
        try:
            result = subprocess.run(command, capture_output=True, timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired:
            raise CheckUnavailable(f"the phone did not answer `adb {' '.join(args)}` in time") from None
        except OSError as exc:
            raise CheckUnavailable(f"adb could not be run: {exc}") from None
        if result.returncode != 0:
            message = (result.stderr or result.stdout).decode("utf-8", "replace").strip()
            raise CheckUnavailable(f"`adb {' '.join(args[:4])}` failed: {message[:300]}")
        return result.stdout.decode("utf-8", "replace")

    def devices(self) -> list[AdbDevice]:
        return parsers.parse_devices(self.run(["devices", "-l"]))


class AndroidDevice:
    """One authorised phone. Each kind of data is read once per audit and shared between checks."""

    def __init__(self, adb: Adb, device: AdbDevice) -> None:
        self.adb = adb
        self.device = device
        self._cache: dict[str, object] = {}
        self._lock = threading.Lock()

    @property
    def serial(self) -> str:
        return self.device.serial

    def _shell(self, *args: str) -> str:
        key = " ".join(args)
        with self._lock:
            if key not in self._cache:
                self._cache[key] = self.adb.run(["shell", *args], self.serial)
            return str(self._cache[key])

    def packages(self) -> list[Package]:
        listed = parsers.parse_packages(self._shell("pm", "list", "packages", "-f", "-i", "-U"))
        if not listed:
            raise CheckUnavailable("the phone listed no installed apps at all; is it unlocked?")
        system = parsers.parse_package_names(self._shell("pm", "list", "packages", "-s"))
        return [Package(p.name, p.path, p.installer, p.uid, system=p.system or p.name in system) for p in listed]

    def third_party(self) -> list[Package]:
        return [p for p in self.packages() if not p.system]

    def secure_settings(self) -> dict[str, str]:
        return parsers.parse_settings(self._shell("settings", "list", "secure"))

    def global_settings(self) -> dict[str, str]:
        return parsers.parse_settings(self._shell("settings", "list", "global"))

    def properties(self) -> dict[str, str]:
        return parsers.parse_getprop(self._shell("getprop"))

    def accessibility_services(self) -> list[Component]:
        from_setting = parsers.parse_component_list(self.secure_settings().get("enabled_accessibility_services", ""))
        from_dumpsys = parsers.parse_accessibility_dumpsys(self._shell("dumpsys", "accessibility"))
        return list(dict.fromkeys(from_setting + from_dumpsys))

    def notification_listeners(self) -> list[Component]:
        return parsers.parse_component_list(self.secure_settings().get("enabled_notification_listeners", ""))

    def device_admins(self) -> tuple[list[Component], list[Component]]:
        return parsers.parse_device_policy(self._shell("dumpsys", "device_policy"))

    def pull_apk(self, path: str) -> bytes:
        """Copy an APK off the phone (read-only) into memory; the temporary copy is removed at once."""
        with tempfile.TemporaryDirectory(prefix="auditor-apk-") as folder:
            local = Path(folder) / "base.apk"
            self.adb.run(["pull", path, str(local)], self.serial)
            if local.stat().st_size > MAX_APK_BYTES:
                raise CheckUnavailable(f"{path} is too large to read ({local.stat().st_size} bytes)")
            data = local.read_bytes()
            os.remove(local)
            return data
