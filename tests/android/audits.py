"""Running the Android checks the way the engine does, without importing every other provider's checks."""

from __future__ import annotations

import asyncio
import importlib
import pkgutil

import auditor.checks.android as android_checks_package
from auditor.android.collector import Adb
from auditor.android.source import android_sources
from auditor.engine import LoadedCheck, run_audit
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


def audit(adb: Adb | None = None) -> AuditRun:
    """Every Android check over every phone the (fake) adb lists, through the real collector and engine."""
    return asyncio.run(run_audit(android_checks(), android_sources(adb)))


def of(run: AuditRun, check: str, target: str | None = None) -> list[Finding]:
    return [f for f in run.findings if f.check == check and (target is None or target in f.target)]
