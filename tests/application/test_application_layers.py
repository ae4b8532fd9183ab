"""The layers go one way, and the command line and the app go through the same application functions.

Read from the source (every import statement, those under TYPE_CHECKING and inside functions too), so a
lazy import inside a handler counts as much as one at the top of a module.
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import auditor

AUDITOR = Path(auditor.__file__).parent


def _checks_folder() -> Path:
    spec = importlib.util.find_spec("auditor.checks")
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations)))


def modules(*parts: str) -> list[Path]:
    """The Python files of auditor/<parts> (a package folder, or a module without .py)."""
    target = AUDITOR.joinpath(*parts)
    return sorted(target.rglob("*.py")) if target.is_dir() else [target.with_suffix(".py")]


def imported(path: Path) -> set[str]:
    """Every module an import statement in ``path`` names; ``from a.b import c`` names a.b and a.b.c."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def offenders(files: Iterable[Path], forbidden: Iterable[str]) -> dict[str, list[str]]:
    """Which files import which of the forbidden modules (or anything inside them)."""
    banned = tuple(forbidden)
    out: dict[str, list[str]] = {}
    for path in files:
        bad = sorted(n for n in imported(path) if any(n == b or n.startswith(b + ".") for b in banned))
        if bad:
            out[str(path)] = bad
    return out


# What only the application layer reaches: running checks and opening sources (and auditor.audit, which keeps
# the application's names for scripts).
ENGINE_SIDE = (
    "auditor.engine",
    "auditor.checkapi",
    "auditor.sources",
    "auditor.connectors",
    "auditor.manual",
    "auditor.audit",
)


def test_neither_the_command_line_nor_the_app_imports_the_engine_or_the_connectors() -> None:
    assert offenders(modules("cli"), ENGINE_SIDE) == {}
    # The app also starts no practice server itself and reaches nothing inside the store's package.
    assert offenders(modules("tui"), (*ENGINE_SIDE, "auditor.sandbox", "auditor.store.")) == {}
    tui_store = {n for p in modules("tui") for n in imported(p) if n.startswith("auditor.store")}
    assert tui_store <= {"auditor.store", "auditor.store.CaseStore"}, tui_store


def test_the_store_connectors_checks_timeline_and_sessions_never_import_the_engine() -> None:
    below = [*modules("store"), *modules("connectors"), *modules("timeline"), *modules("session")]
    below += sorted(_checks_folder().rglob("*.py"))
    assert offenders(below, ("auditor.engine", "auditor.application", "auditor.audit")) == {}
    # The store stands on the model alone: nothing of running checks, nothing of the layers above it.
    above = ("auditor.checkapi", "auditor.timeline", "auditor.session", "auditor.tui", "auditor.cli")
    assert offenders(modules("store"), above) == {}


def test_the_engine_imports_no_guided_check_loader_and_no_application() -> None:
    assert offenders(modules("engine"), ("auditor.manual", "auditor.application", "auditor.audit")) == {}
    probe = (
        "import sys, auditor.engine, auditor.store\n"
        "print(' '.join(m for m in ('auditor.manual', 'auditor.engine', 'auditor.checkapi') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    # The engine loads the check API it runs checks with, and nothing of the guided-check loader.
    assert result.stdout.split() == ["auditor.engine", "auditor.checkapi"]
    only_store = (
        "import sys, auditor.store\nprint([m for m in ('auditor.engine', 'auditor.checkapi') if m in sys.modules])\n"
    )
    result = subprocess.run([sys.executable, "-c", only_store], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "[]", result.stdout + result.stderr


def callers(function: str, *parts: str) -> set[str]:
    """The modules under auditor/<parts> that import ``function`` from the application layer."""
    found = set()
    for path in modules(*parts):
        for name in imported(path):
            if name.startswith("auditor.application.") and name.rsplit(".", 1)[-1] == function:
                found.add(str(path.relative_to(AUDITOR)))
    return found


# The work both faces do. Each function must be imported by at least one command and by the app.
SHARED = (
    "open_case",  # unlock or create a case
    "audit_into_case",  # audit, save the run and its findings, register accounts
    "run_plan",  # an audit of a plan (the command line without a case; the app through audit_into_case)
    "practice_servers",  # the practice servers
    "practice_plan",  # what a practice audit reads
    "answer_review",  # "Is this yours?"
    "answer_guided",  # a guided question's answer
    "guided_question",  # a guided question's words
    "connection_warning",  # what to know before connecting an account
    "connect_account",  # the sign-in
)


def test_the_command_line_and_the_app_call_the_same_application_functions() -> None:
    missing = {
        function: {"cli": callers(function, "cli"), "tui": callers(function, "tui")}
        for function in SHARED
        if not callers(function, "cli") or not (callers(function, "tui") or function == "run_plan")
    }
    assert missing == {}
    # The app's audit runs through audit_into_case, which is built on run_plan: one path to the engine.
    assert callers("audit_into_case", "tui") == {"tui/app.py"}
    assert callers("audit_into_case", "cli") == {"cli/case.py"}


def test_the_app_no_longer_has_its_own_copy_of_the_audit() -> None:
    assert not (AUDITOR / "tui" / "auditing.py").exists()
    assert importlib.util.find_spec("auditor.tui.auditing") is None
