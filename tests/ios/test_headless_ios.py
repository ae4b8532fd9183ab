"""pymobiledevice3 is imported only when an iPhone is read: never by --help, the checks or the backup reader."""

from __future__ import annotations

import subprocess
import sys


def loaded_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint(' '.join(sorted(sys.modules)))\n"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def test_help_does_not_load_pymobiledevice3() -> None:
    modules = loaded_after(
        "from auditor.cli import build_parser\nimport contextlib, io\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    build_parser().parse_args(['audit', '--help'])\n"
    )
    assert not {m for m in modules if m.startswith("pymobiledevice3")}


def test_checks_sources_and_backups_do_not_load_it() -> None:
    modules = loaded_after(
        "import auditor.ios.source, auditor.ios.backup, auditor.checkapi.ios\n"
        "from auditor.audit import load_checks\nload_checks()\n"
    )
    assert not {m for m in modules if m.startswith("pymobiledevice3")}
    assert "auditor.ios.collector" not in modules
