"""Puts a fake `adb` first on PATH for the Android tests; the real collector code runs it."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"


@dataclass
class FakeAdb:
    bin: Path
    log: Path
    monkeypatch: pytest.MonkeyPatch

    def devices(self, name: str) -> None:
        self.monkeypatch.setenv("FAKE_ADB_DEVICES", str(FIXTURES / name))

    def apks(self, mapping: dict[str, Path]) -> None:
        self.monkeypatch.setenv("FAKE_ADB_APKS", json.dumps({k: str(v) for k, v in mapping.items()}))

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
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_ADB_LOG", str(log))
    monkeypatch.setenv("FAKE_ADB_ROOT", str(FIXTURES))
    monkeypatch.setenv("FAKE_ADB_SERIALS", "38211FDH300ABC=pixel14,ZY2243XKLM=moto9")
    fake = FakeAdb(folder, log, monkeypatch)
    fake.devices("devices_one.txt")
    fake.apks({})
    return fake
