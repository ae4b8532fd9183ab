"""A stand-in `adb` executable for tests: answers like real devices from fixture files and logs every call.

Configured by environment variables the test sets:

- FAKE_ADB_DEVICES: the file printed for `adb devices -l`.
- FAKE_ADB_ROOT and FAKE_ADB_SERIALS: one fixture folder per serial (SERIAL=folder,...). A folder answers each
  command from the file named in FILES, or from the file its own ``commands.json`` names for the command
  (paths relative to the folder: the public MVT captures are served from where they are kept).
- FAKE_ADB_APKS: JSON, device path -> local APK file, for `adb pull`.
- FAKE_ADB_FAULTS: JSON, "SERIAL shell dumpsys device_policy" (or the command without a serial, for every
  phone) -> {"stdout_file": path, "exit": code, "stderr": text, "sleep": seconds}: what that command does
  instead (prints another output, fails, or hangs past the collector's timeout).
- FAKE_ADB_LOG: where each call's arguments are appended as JSON.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

FILES = {
    ("shell", "pm", "list", "packages", "-f", "-i", "-U"): "packages.txt",
    ("shell", "pm", "list", "packages", "-s"): "system.txt",
    ("shell", "pm", "list", "packages", "-3"): "third.txt",
    ("shell", "dumpsys", "accessibility"): "dumpsys_accessibility.txt",
    ("shell", "dumpsys", "device_policy"): "dumpsys_device_policy.txt",
    ("shell", "settings", "list", "secure"): "settings_secure.txt",
    ("shell", "settings", "list", "global"): "settings_global.txt",
    ("shell", "getprop"): "getprop.txt",
}


def fault_for(serial: str | None, argv: list[str]) -> dict[str, Any] | None:
    """The fault a test set for this command (a JSON object), if any."""
    faults = json.loads(os.environ.get("FAKE_ADB_FAULTS", "{}"))
    command = " ".join(argv)
    found = faults.get(f"{serial} {command}") or faults.get(command)
    return found if isinstance(found, dict) else None


def answer_file(root: Path, argv: list[str]) -> Path | None:
    name = FILES.get(tuple(argv))
    if name is None:
        return None
    mapping = root / "commands.json"
    if mapping.exists():
        elsewhere = json.loads(mapping.read_text()).get(" ".join(argv))
        if elsewhere:
            return root / elsewhere
    return root / name


def main(argv: list[str]) -> int:
    with open(os.environ["FAKE_ADB_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(argv) + "\n")
    serial = None
    if argv[:1] == ["-s"]:
        serial, argv = argv[1], argv[2:]
    fault = fault_for(serial, argv)
    if fault is not None:
        time.sleep(float(fault.get("sleep", 0)))
        if "stdout_file" in fault:
            sys.stdout.buffer.write(Path(str(fault["stdout_file"])).read_bytes())
        sys.stderr.write(str(fault.get("stderr", "")))
        return int(fault.get("exit", 0))
    if argv == ["devices", "-l"]:
        sys.stdout.write(Path(os.environ["FAKE_ADB_DEVICES"]).read_text())
        return 0
    folders = dict(pair.split("=", 1) for pair in os.environ.get("FAKE_ADB_SERIALS", "").split(",") if pair)
    if serial not in folders:
        sys.stderr.write(f"adb: device '{serial}' not found\n")
        return 1
    root = Path(os.environ["FAKE_ADB_ROOT"]) / folders[serial]
    if argv[:1] == ["pull"] and len(argv) == 3:
        apks = json.loads(os.environ.get("FAKE_ADB_APKS", "{}"))
        if argv[1] not in apks:
            sys.stderr.write(f"adb: error: failed to stat remote object '{argv[1]}': No such file or directory\n")
            return 1
        shutil.copyfile(apks[argv[1]], argv[2])
        sys.stdout.write(f"{argv[1]}: 1 file pulled, 0 skipped.\n")
        return 0
    path = answer_file(root, argv)
    if path is None:
        sys.stderr.write(f"fake adb: unknown command {argv}\n")
        return 1
    sys.stdout.buffer.write(path.read_bytes())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
