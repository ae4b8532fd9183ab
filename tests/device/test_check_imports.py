"""The device checks see this computer only through their context: they import the check API, the model,
safetext and their own helpers — never the collector, the parsers, the catalog or the indicator loader."""

from __future__ import annotations

import ast
from pathlib import Path

CHECKS = Path(__file__).resolve().parents[2] / "checks" / "device"
ALLOWED = {
    "__future__",
    "typing",
    "auditor.checkapi",
    "auditor.checkapi.device",
    "auditor.model",
    "auditor.safetext",
    "_common",  # from ._common import ...: the device checks' own helpers
}


def imported(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_device_checks_import_only_the_check_api() -> None:
    files = sorted(CHECKS.glob("*.py"))
    assert len(files) >= 9  # eight checks and their helpers
    offenders = {p.name: sorted(imported(p) - ALLOWED) for p in files if imported(p) - ALLOWED}
    assert offenders == {}
