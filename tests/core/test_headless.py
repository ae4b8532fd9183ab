"""The core is headless: importing it (and running --help) never loads textual or provider libraries."""

from __future__ import annotations

import subprocess
import sys

CORE = [
    "auditor.model",
    "auditor.engine",
    "auditor.errors",
    "auditor.config",
    "auditor.playbooks",
    "auditor.audit",
    "auditor.render",
    "auditor.sources",
    "auditor.cli",
]
HEAVY = ["textual", "googleapiclient", "msal", "exchangelib", "httpx", "psutil", "sqlcipher3"]


def loaded_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint(' '.join(sorted(sys.modules)))\n"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def test_core_modules_do_not_import_textual() -> None:
    modules = loaded_after("\n".join(f"import {m}" for m in CORE))
    assert "textual" not in modules


def test_help_imports_no_provider_library_and_no_textual() -> None:
    modules = loaded_after(
        "from auditor.cli import build_parser\nimport contextlib, io\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    build_parser().parse_args(['--help'])\n"
    )
    assert not (set(HEAVY) & modules), set(HEAVY) & modules
    assert "pydantic" not in modules  # keeps --help well under its 0.3 s target
