"""The Exchange checks see a mailbox only through their context; what they import is held to the check API for
every provider by tests/core/test_layout.py. Here: the Exchange check API itself pulls in nothing of the
connector."""

from __future__ import annotations

import ast
from pathlib import Path

CHECK_API = Path(__file__).resolve().parents[2] / "auditor" / "checkapi" / "exchange.py"


def imported(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_the_exchange_check_api_needs_nothing_of_the_connector() -> None:
    """auditor.checkapi.exchange is what checks may import: it must not pull the connector or exchangelib in."""
    assert not {m for m in imported(CHECK_API) if "connectors" in m or "exchangelib" in m}
