"""A stand-in `adb` executable for tests: answers like real devices from fixture files and logs every call.

Configured by environment variables the test sets: FAKE_ADB_DEVICES (the `adb devices -l` answer),
FAKE_ADB_ROOT (fixture folders per serial, mapped in FAKE_ADB_SERIALS as SERIAL=folder,...), FAKE_ADB_APKS
(JSON: device path -> local APK file) and FAKE_ADB_LOG (where each call's arguments are appended as JSON).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

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


def main(argv: list[str]) -> int:
    with open(os.environ["FAKE_ADB_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(argv) + "\n")
    serial = None
    if argv[:1] == ["-s"]:
        serial, argv = argv[1], argv[2:]
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
    name = FILES.get(tuple(argv))
    if name is None:
        sys.stderr.write(f"fake adb: unknown command {argv}\n")
        return 1
    sys.stdout.write((root / name).read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
