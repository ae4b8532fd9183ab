"""Small helpers shared by the device checks (not a check: the leading underscore keeps it out)."""

from __future__ import annotations

from typing import Any

from auditor.checkapi.device import IndicatorHit, IndicatorMatcher, ProcessInfo, program_name
from auditor.safetext import literal


def process_label(process: ProcessInfo) -> str:
    return literal(program_name(process.exe) or process.name, 80)


def process_evidence(process: ProcessInfo) -> dict[str, Any]:
    return {
        "pid": process.pid,
        "name": process.name,
        "exe": process.exe,
        "cmdline": list(process.cmdline)[:20],
        "user": process.username,
    }


def match_program(indicators: IndicatorMatcher, *names: str) -> IndicatorHit | None:
    """An indicator app name matching a program name. Short names ("Dash", "Bark") also name ordinary
    programs, so a name must be at least five letters or contain "spy" to count."""
    for name in names:
        base = program_name(name)
        if not base:
            continue
        match = indicators.match_app_name(base)
        if match is None:
            continue
        key = "".join(ch for ch in base.lower() if ch.isalnum())
        if len(key) >= 5 or "spy" in key:
            return match
    return None
