"""Running the Android checks the way the engine does, without importing every other provider's checks."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil
from collections.abc import Mapping, Sequence
from pathlib import Path

import auditor.checks.android as android_checks_package
from android.fakeadb import FILES, answer_file
from auditor.android.collector import Adb, AndroidDevice, allowed, command_text
from auditor.android.source import android_sources
from auditor.checkapi import CheckContext, Source
from auditor.checkapi.android import AdbDevice
from auditor.engine import LoadedCheck, run_audit
from auditor.errors import CheckUnavailable
from auditor.model import AuditRun, Finding


def android_checks() -> dict[str, LoadedCheck]:
    """Every check module under auditor.checks.android (the engine's own discovery loads all providers)."""
    out = {}
    for info in pkgutil.iter_modules(android_checks_package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"auditor.checks.android.{info.name}")
        out[module.SPEC.id] = LoadedCheck(spec=module.SPEC, run=module.run, origin=module.__name__)
    return out


CHECKS = android_checks()


def audit(adb: Adb | None = None) -> AuditRun:
    """Every Android check over every phone the (fake) adb lists, through the real collector and engine."""
    return asyncio.run(run_audit(android_checks(), android_sources(adb)))


def of(run: AuditRun, check: str, target: str | None = None) -> list[Finding]:
    return [f for f in run.findings if f.check == check and (target is None or target in f.target)]


# --- in-process phones, for properties that run thousands of cases --------------------------------------

FIXTURES = Path(__file__).parent.parent / "fixtures" / "android"
PHONES = ("pixel14", "moto9", "emu14", "galaxy10")


def phone_outputs(folder: str) -> dict[tuple[str, ...], str]:
    """What each read-only command prints on one fixture phone (the files the fake adb serves for it)."""
    root = FIXTURES / folder
    out = {}
    for command in FILES:
        path = answer_file(root, list(command))
        assert path is not None
        out[command] = path.read_bytes().decode("utf-8", "replace")
    return out


class TextAdb(Adb):
    """The real collector's adb, answering from memory: a command's text, or None for a command that fails."""

    def __init__(self, answers: Mapping[tuple[str, ...], str | None]) -> None:
        super().__init__(executable="adb (in memory)", timeout=1)
        self.answers = dict(answers)

    def run(self, args: Sequence[str], serial: str | None = None) -> str:
        if not allowed(args):
            raise PermissionError(f"not read-only: {args}")
        if args[:1] == ["pull"]:
            raise CheckUnavailable(f"{command_text(args[:2])} failed: no APK served in memory")
        answer = self.answers.get(tuple(args))
        if answer is None:
            raise CheckUnavailable(f"{command_text(args)} failed: error: closed")
        return answer


def phone_source(answers: Mapping[tuple[str, ...], str | None], indicators: object) -> Source:
    phone = AndroidDevice(TextAdb(answers), AdbDevice(serial="FUZZ0001", state="device", model="Fuzz"))
    return Source("android", "Android phone Fuzz (FUZZ0001)", clients={"phone": phone, "indicators": indicators})


def run_checks(source: Source) -> dict[str, list[Finding]]:
    """Each Android check's findings, run directly (an exception here is a traceback the engine would hide)."""
    found: dict[str, list[Finding]] = {}
    for check_id, check in CHECKS.items():
        ran = check.run(CheckContext(spec=check.spec, source=source))
        assert not inspect.isawaitable(ran), f"{check_id} runs synchronously, as the phone's checks do"
        found[check_id] = list(ran)
    return found
