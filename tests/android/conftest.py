"""Puts a fake `adb` first on PATH for the Android tests; the real collector code runs it."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HERE = Path(__file__).parent
FIXTURES = HERE.parent / "fixtures" / "android"
SERIALS = {
    "38211FDH300ABC": "pixel14",  # built: a compromised Pixel 8 Pro, Android 14
    "ZY2243XKLM": "moto9",  # built: a clean moto g(5) plus, Android 9
    "emulator-5554": "emu14",  # MVT's Android 14 accessibility capture (an enabled service) + built reads
    "R58M40ABCDE": "galaxy10",  # MVT's Samsung captures (accessibility, settings, getprop) + built reads
}


@dataclass
class FakeAdb:
    bin: Path
    log: Path
    monkeypatch: pytest.MonkeyPatch
    scratch: Path
    faults: dict[str, dict[str, object]] = field(default_factory=dict)

    def devices(self, name: str) -> None:
        self.monkeypatch.setenv("FAKE_ADB_DEVICES", str(FIXTURES / name))

    def apks(self, mapping: dict[str, Path]) -> None:
        self.monkeypatch.setenv("FAKE_ADB_APKS", json.dumps({k: str(v) for k, v in mapping.items()}))

    def answer(
        self,
        command: str,
        stdout: str | bytes = b"",
        *,
        serial: str | None = None,
        exit: int = 0,
        stderr: str = "",
        sleep: float = 0,
    ) -> None:
        """Make `adb [-s serial] <command>` print ``stdout`` (exactly), exit with ``exit``, or hang ``sleep`` s."""
        key = f"{serial} {command}" if serial else command
        out = self.scratch / f"answer-{len(self.faults)}.out"
        out.write_bytes(stdout.encode() if isinstance(stdout, str) else stdout)
        self.faults[key] = {"stdout_file": str(out), "exit": exit, "stderr": stderr, "sleep": sleep}
        self.monkeypatch.setenv("FAKE_ADB_FAULTS", json.dumps(self.faults))

    def calls(self) -> list[list[str]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]


@pytest.fixture
def fake_adb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeAdb:
    folder = tmp_path / "fakebin"
    folder.mkdir()
    exe = folder / "adb"
    exe.write_text(
        f"#!{sys.executable}\nimport runpy, sys\nsys.argv[0] = 'adb'\n"
        f"runpy.run_path({str(HERE / 'fakeadb.py')!r}, run_name='__main__')\n"
    )
    exe.chmod(0o755)
    log = tmp_path / "adb-calls.jsonl"
    scratch = tmp_path / "adb-answers"
    scratch.mkdir()
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_ADB_LOG", str(log))
    monkeypatch.setenv("FAKE_ADB_ROOT", str(FIXTURES))
    monkeypatch.setenv("FAKE_ADB_SERIALS", ",".join(f"{s}={f}" for s, f in SERIALS.items()))
    monkeypatch.delenv("FAKE_ADB_FAULTS", raising=False)
    fake = FakeAdb(folder, log, monkeypatch, scratch)
    fake.devices("devices_one.txt")
    fake.apks({})
    return fake
