"""The Exchange checks see a mailbox only through their context: they import the check API (and its Exchange
module), the model, safetext and their own helpers — never the connector, exchangelib or the engine."""

from __future__ import annotations

import ast
from pathlib import Path

CHECKS = Path(__file__).resolve().parents[2] / "checks" / "exchange"
ALLOWED = {
    "__future__",
    "collections.abc",
    "datetime",
    "re",
    "typing",
    "auditor.checkapi",
    "auditor.checkapi.exchange",
    "auditor.model",
    "auditor.safetext",
    "_common",  # from ._common import ...: the Exchange checks' own helpers
}


def imported(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_exchange_checks_import_only_the_check_api() -> None:
    files = sorted(CHECKS.glob("*.py"))
    assert len(files) >= 5  # three checks, their helpers and the package
    offenders = {p.name: sorted(imported(p) - ALLOWED) for p in files if imported(p) - ALLOWED}
    assert offenders == {}


def test_the_exchange_check_api_needs_nothing_of_the_connector() -> None:
    """auditor.checkapi.exchange is what checks may import: it must not pull the connector or exchangelib in."""
    assert not {
        m
        for m in imported(CHECKS.parents[1] / "auditor" / "checkapi" / "exchange.py")
        if "connectors" in m or "exchangelib" in m
    }
