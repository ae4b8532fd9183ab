"""Runs the system's `adb` with read-only commands only, and caches what each device answered.

The collector only fetches: every command is checked against an allow-list before it runs, so nothing
that could change the phone (install, uninstall, settings put, pm disable, ...) can ever be sent. What each
command printed goes to a pure parser (:mod:`auditor.android.parsers`); every read hands the checks a
:class:`~auditor.checkapi.Reading` that names the commands which failed or timed out (``not_read``) and the
output that was not understood (``unrecognised``, naming the command and the line).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from auditor.android import parsers
from auditor.android.apk import ApkError, certificate_sha1s
from auditor.android.parsers import Parsed
from auditor.checkapi import Reading
from auditor.checkapi.android import AdbDevice, Component, DeviceAdmins, Package
from auditor.errors import CheckUnavailable
from auditor.safetext import literal

T = TypeVar("T")

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
DEVICES_NOT_UNDERSTOOD = (
    "adb's list of connected phones was not understood, so a phone may have been missed: {problems}"
)

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


def command_text(args: Sequence[str]) -> str:
    """A command as the person would type it, shown literally (an APK path comes from the phone)."""
    return "`adb " + literal(" ".join(args), 300) + "`"


class Adb:
    def __init__(self, executable: str | None = None, timeout: float = 60.0) -> None:
        found = executable or shutil.which("adb")
        if not found:
            raise CheckUnavailable(ADB_MISSING)
        self.executable = found
        self.timeout = timeout

    def run(self, args: Sequence[str], serial: str | None = None) -> str:
        """What the command printed; CheckUnavailable naming the command when it failed or timed out."""
        if not allowed(args):
            raise PermissionError(f"refusing to send a command that is not read-only: adb {' '.join(args)}")
        command = [self.executable, *(["-s", serial] if serial else []), *args]
        shown = command_text(args[:2] if args[:1] == ["pull"] else args)  # not the temporary copy's path
        try:
            result = subprocess.run(command, capture_output=True, timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired:
            raise CheckUnavailable(f"the phone did not answer {shown} within {self.timeout:g} s") from None
        except OSError as exc:
            raise CheckUnavailable(f"adb could not be run for {shown}: {exc}") from None
        if result.returncode != 0:
            message = (result.stderr or result.stdout).decode("utf-8", "replace").strip()
            raise CheckUnavailable(f"{shown} failed: {literal(message, 300)}")
        return result.stdout.decode("utf-8", "replace")

    def devices(self) -> Parsed[tuple[AdbDevice, ...]]:
        return parsers.parse_devices(self.run(["devices", "-l"]))


class AndroidDevice:
    """One authorised phone (an :class:`~auditor.checkapi.android.AndroidReads`).

    Each command runs once per audit; the checks share what it printed.
    """

    def __init__(self, adb: Adb, device: AdbDevice) -> None:
        self.adb = adb
        self.device = device
        self._cache: dict[tuple[str, ...], Reading[str]] = {}
        self._lock = threading.Lock()

    @property
    def serial(self) -> str:
        return self.device.serial

    def _shell(self, *args: str) -> Reading[str]:
        """What one read-only shell command printed, or why it could not be read."""
        with self._lock:
            if args not in self._cache:
                shown = command_text(["shell", *args])
                try:
                    self._cache[args] = Reading(shown, self.adb.run(["shell", *args], self.serial))
                except CheckUnavailable as exc:
                    self._cache[args] = Reading(shown, "", not_read=(str(exc),))
            return self._cache[args]

    def _parsed(self, what: str, parse: Callable[[str], Parsed[T]], *args: str) -> Reading[T]:
        """One command's output through its parser; anything not understood is named with the command."""
        raw = self._shell(*args)
        if not raw.complete:
            return Reading(what, parse("").value, not_read=raw.not_read)
        parsed = parse(raw.value)
        return Reading(what, parsed.value, unrecognised=tuple(f"{raw.what}: {p}" for p in parsed.unrecognised))

    def packages(self) -> Reading[tuple[Package, ...]]:
        what = "the phone's installed apps"
        listed = self._parsed(what, parsers.parse_packages, "pm", "list", "packages", "-f", "-i", "-U")
        system = self._parsed("the phone's system apps", parsers.parse_package_names, "pm", "list", "packages", "-s")
        value = tuple(replace(p, system=p.system or p.name in system.value) for p in listed.value)
        return Reading.joined(what, value, [listed, system])

    def third_party(self) -> Reading[tuple[Package, ...]]:
        return self.packages().map(lambda apps: tuple(p for p in apps if not p.system), "the phone's own apps")

    def secure_settings(self) -> Reading[dict[str, str]]:
        return self._parsed("the phone's secure settings", parsers.parse_settings, "settings", "list", "secure")

    def global_settings(self) -> Reading[dict[str, str]]:
        return self._parsed("the phone's global settings", parsers.parse_settings, "settings", "list", "global")

    def properties(self) -> Reading[dict[str, str]]:
        return self._parsed("the phone's system properties", parsers.parse_getprop, "getprop")

    def _component_setting(self, what: str, key: str) -> Reading[tuple[Component, ...]]:
        secure = self.secure_settings()
        parsed = parsers.parse_component_list(secure.value.get(key, ""))
        shown = command_text(["shell", "settings", "list", "secure"])
        return Reading(
            what,
            parsed.value,
            secure.not_read,
            secure.unrecognised + tuple(f"{shown}: {key}: {p}" for p in parsed.unrecognised),
        )

    def accessibility_services(self) -> Reading[tuple[Component, ...]]:
        what = "the apps with accessibility access"
        from_setting = self._component_setting(what, "enabled_accessibility_services")
        from_dumpsys = self._parsed(what, parsers.parse_accessibility_dumpsys, "dumpsys", "accessibility")
        both = tuple(dict.fromkeys(from_setting.value + from_dumpsys.value))
        return Reading.joined(what, both, [from_setting, from_dumpsys])

    def notification_listeners(self) -> Reading[tuple[Component, ...]]:
        return self._component_setting("the apps with notification access", "enabled_notification_listeners")

    def device_admins(self) -> Reading[DeviceAdmins]:
        return self._parsed(
            "the phone's device administrators", parsers.parse_device_policy, "dumpsys", "device_policy"
        )

    def signing_certificates(self, package: Package) -> Reading[tuple[str, ...]]:
        what = f"the signature of {literal(package.name, 120)}"
        if not package.path.startswith("/"):
            return Reading(what, (), unrecognised=(f"no APK path on the phone for {literal(package.name, 120)}",))
        try:
            data = self._pull(package.path)
        except CheckUnavailable as exc:
            return Reading(what, (), not_read=(str(exc),))
        try:
            sha1s = certificate_sha1s(data)
        except (ApkError, ValueError) as exc:
            return Reading(what, (), unrecognised=(f"{literal(package.path, 200)}: {literal(exc, 200)}",))
        if not sha1s:
            return Reading(what, (), unrecognised=(f"{literal(package.path, 200)}: no signing certificate in it",))
        return Reading(what, tuple(sha1s))

    def _pull(self, path: str) -> bytes:
        """Copy an APK off the phone (read-only) into memory; the temporary copy is removed at once."""
        with tempfile.TemporaryDirectory(prefix="auditor-apk-") as folder:
            local = Path(folder) / "base.apk"
            self.adb.run(["pull", path, str(local)], self.serial)
            size = local.stat().st_size if local.exists() else -1
            if size < 0:
                raise CheckUnavailable(f"{command_text(['pull', path])} copied nothing")
            if size > MAX_APK_BYTES:
                raise CheckUnavailable(f"{literal(path, 200)} is too large to read ({size} bytes)")
            data = local.read_bytes()
            os.remove(local)
            return data
