"""Where things live, and one name for each: checks/ and playbooks/ at the top of the repository, installed inside
the package (auditor.checks, auditor.playbooks.data); a check's file, test file and ID say the same name; the
checks import only the check API; no module is importable twice under two names."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from importlib.resources import files
from pathlib import Path
from types import ModuleType

import pytest

import auditor.checks
from auditor.audit import load_checks
from auditor.engine import LoadedCheck
from auditor.manual import guided_files, load_manual_file
from auditor.playbooks import builtin_playbooks

REPO = Path(__file__).resolve().parents[2]
CHECKS = REPO / "checks"
# Where the checks are imported from: checks/ itself under an editable install, a copy of it in site-packages
# under `pip install .` (what the README's test command does).
INSTALLED_CHECKS = Path(auditor.checks.__file__ or "").resolve().parent
PLAYBOOKS = REPO / "playbooks"
TESTS = REPO / "tests" / "checks"
# What a check module may import besides the standard library (and its own provider's ``_common``).
ALLOWED = ("auditor.checkapi", "auditor.model", "auditor.safetext")


def automated() -> list[LoadedCheck]:
    return sorted((c for c in load_checks().values() if c.spec.automated), key=lambda c: c.spec.id)


AUTOMATED = automated()
CHECK_FILES = sorted(p for p in CHECKS.rglob("*.py") if "__pycache__" not in p.parts)


# --- one name per module ------------------------------------------------------------------------------------


def test_checks_and_playbooks_cannot_be_imported_by_their_folder_names() -> None:
    assert importlib.util.find_spec("checks") is None
    assert importlib.util.find_spec("playbooks") is None
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("checks")
    assert not [entry for entry in sys.path if Path(entry or ".").resolve() == REPO]


def _file_of(module: ModuleType) -> Path | None:
    """Where a module was loaded from (None for built-in and namespace modules)."""
    file = getattr(module, "__file__", None)
    return Path(file).resolve() if file else None


def test_every_check_module_is_loaded_once_under_auditor_checks() -> None:
    loaded = load_checks()
    for check in loaded.values():
        if check.spec.automated:
            assert check.run.__module__.startswith("auditor.checks."), (check.spec.id, check.run.__module__)
    from_checks_folder = {
        name: file
        for name, module in list(sys.modules.items())
        if module is not None and (file := _file_of(module)) is not None and file.is_relative_to(INSTALLED_CHECKS)
    }
    assert from_checks_folder
    misnamed = [n for n in from_checks_folder if n != "auditor.checks" and not n.startswith("auditor.checks.")]
    assert misnamed == []
    files = list(from_checks_folder.values())
    assert len(files) == len(set(files)), "a file of checks/ is loaded under two names"


def test_no_stale_folder_in_the_package_shadows_the_installed_names() -> None:
    # An editable install maps auditor.checks to checks/; a left-over auditor/checks/ (of __pycache__) would win.
    for stale in ("checks", "manual"):
        assert not (REPO / "auditor" / stale).exists(), f"remove the left-over folder auditor/{stale}/"
    assert not (REPO / "auditor" / "playbooks" / "data").exists()


# --- one name per check -------------------------------------------------------------------------------------


@pytest.mark.parametrize("check", AUTOMATED, ids=lambda c: c.spec.id)
def test_a_checks_file_is_named_by_its_id(check: LoadedCheck) -> None:
    provider, leaf = check.spec.id.split(".", 1)
    assert check.spec.kind == provider
    module = sys.modules[check.run.__module__]
    assert module.__name__ == f"auditor.checks.{provider}.{leaf}"
    assert Path(module.__file__ or "").resolve() == INSTALLED_CHECKS / provider / f"{leaf}.py"
    assert (CHECKS / provider / f"{leaf}.py").is_file()


def test_every_module_in_checks_is_a_check_or_a_helper() -> None:
    by_file = {CHECKS / c.spec.kind / (c.spec.id.split(".", 1)[1] + ".py") for c in AUTOMATED}
    for path in CHECK_FILES:
        if path.name.startswith("_"):
            assert path.name in ("__init__.py", "_common.py"), f"{path}: a provider's shared helper is _common.py"
        else:
            assert path in by_file, f"{path.relative_to(REPO)} holds no check (or its ID does not match its name)"


@pytest.mark.parametrize("provider", sorted(guided_files()))
def test_a_guided_check_lives_in_its_providers_guided_yaml(provider: str) -> None:
    path = guided_files()[provider]
    assert Path(str(path)).resolve() == INSTALLED_CHECKS / provider / "guided.yaml"
    assert (CHECKS / provider / "guided.yaml").is_file()
    for manual in load_manual_file(path):
        assert manual.kind == provider, manual.id
        assert manual.id.startswith(provider + "."), manual.id


def test_guided_yaml_is_the_only_data_in_checks() -> None:
    data = sorted(p for p in CHECKS.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc"))
    assert data == sorted(CHECKS / provider / "guided.yaml" for provider in guided_files())


@pytest.mark.parametrize("check", AUTOMATED, ids=lambda c: c.spec.id)
def test_a_check_has_its_test_file(check: LoadedCheck) -> None:
    provider, leaf = check.spec.id.split(".", 1)
    path = TESTS / provider / f"test_{provider}_{leaf}.py"
    assert path.is_file(), f"{check.spec.id}: its tests belong in {path.relative_to(REPO)}"
    assert f'"{check.spec.id}"' in path.read_text(encoding="utf-8"), f"{path.name} does not run {check.spec.id}"


def test_every_test_file_under_tests_checks_belongs_to_a_check() -> None:
    expected = {TESTS / c.spec.kind / f"test_{c.spec.id.replace('.', '_')}.py" for c in AUTOMATED}
    present = set(TESTS.rglob("test_*.py"))
    assert present == expected, {"without a check": sorted(map(str, present - expected))}
    # tests/ is on sys.path, so no module may sit in tests/checks/ itself (nor may the folder become a package
    # named `checks`); each provider's folder is its own import root, so no two files there share a name.
    assert not list(TESTS.glob("*.py"))
    assert not list(TESTS.rglob("__init__.py"))
    names = [p.name for p in TESTS.rglob("*.py") if p.name != "conftest.py"]
    assert len(names) == len(set(names))


def test_a_playbook_file_is_named_by_its_id() -> None:
    installed = Path(str(files("auditor.playbooks.data"))).resolve()
    for playbook_id, origin in builtin_playbooks().files.items():
        assert Path(str(origin)).resolve() == installed / f"{playbook_id}.yaml"
        assert (PLAYBOOKS / f"{playbook_id}.yaml").is_file()
    assert sorted(p.name for p in PLAYBOOKS.iterdir() if p.suffix != ".yaml" and p.name != "__pycache__") == [
        "__init__.py"
    ]


# --- what a check may import --------------------------------------------------------------------------------


def imports_of(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            out.add("." * node.level + (node.module or ""))
    return out


def allowed(name: str) -> bool:
    if name == "._common":
        return True  # the provider's own helper, relative so it resolves the same installed and under mypy
    if name.startswith("."):
        return False
    if name == "__future__" or name.split(".")[0] in sys.stdlib_module_names:
        return True
    return any(name == a or name.startswith(a + ".") for a in ALLOWED)


@pytest.mark.parametrize("path", CHECK_FILES, ids=lambda p: str(p.relative_to(CHECKS)))
def test_a_check_imports_only_the_check_api(path: Path) -> None:
    offenders = sorted(name for name in imports_of(path) if not allowed(name))
    assert offenders == [], f"{path.relative_to(REPO)} imports {offenders}"


def test_the_import_rule_can_fail() -> None:
    assert not allowed("auditor.engine") and not allowed("auditor.connectors.google") and not allowed("psutil")
    assert not allowed("..device._common") and not allowed(".gmail_filters")
    assert allowed("auditor.checkapi.google") and allowed("._common") and allowed("collections.abc")


# --- the wheel ----------------------------------------------------------------------------------------------


def discovered_packages() -> set[str]:
    """Every package the wheel must hold: each folder of auditor/ and checks/ (as auditor.checks) holding
    Python or data files, and playbooks/ (as auditor.playbooks.data)."""
    out = {"auditor.playbooks.data"}
    for root, prefix in ((REPO / "auditor", "auditor"), (CHECKS, "auditor.checks")):
        for folder in [root, *root.rglob("*")]:
            if not folder.is_dir() or folder.name == "__pycache__" or folder.name.endswith(".egg-info"):
                continue
            if any(p.is_file() and p.suffix != ".pyc" for p in folder.iterdir()):
                out.add(".".join([prefix, *folder.relative_to(root).parts]))
    return out


def test_the_package_list_in_pyproject_names_every_package() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 and later
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    assert config["package-dir"] == {"auditor.checks": "checks", "auditor.playbooks.data": "playbooks"}
    missing, extra = discovered_packages() - listed, listed - discovered_packages()
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"
    assert not extra, f"listed in pyproject.toml but not in the tree: {sorted(extra)}"


def sources_copy(into: Path) -> Path:
    """The files a wheel is built from, without caches (and without touching the working tree)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    tree = into / "src"
    tree.mkdir()
    for name in ("pyproject.toml", "README.md", "NOTICE"):
        shutil.copy(REPO / name, tree / name)
    for name in ("auditor", "checks", "playbooks"):
        shutil.copytree(REPO / name, tree / name, ignore=ignore)
    return tree


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("wheel")
    tree = sources_copy(base)
    out = base / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(tree), "--no-deps", "--quiet", "-w", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=base,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (built,) = out.glob("auditor-*.whl")
    return built


def test_the_wheel_holds_checks_playbooks_and_guided_checks_inside_the_package(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    top = {name.split("/")[0] for name in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"auditor"}, top
    for check in AUTOMATED:
        provider, leaf = check.spec.id.split(".", 1)
        assert f"auditor/checks/{provider}/{leaf}.py" in names, check.spec.id
    for provider in guided_files():
        assert f"auditor/checks/{provider}/guided.yaml" in names, provider
    for playbook_id in builtin_playbooks():
        assert f"auditor/playbooks/data/{playbook_id}.yaml" in names, playbook_id
    tracked = {
        "auditor/" + str(p.relative_to(REPO / "auditor"))
        for p in (REPO / "auditor").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix in (".py", ".yaml", ".tcss", ".json")
    }
    assert tracked <= names, sorted(tracked - names)[:10]


def test_the_installed_wheel_lists_every_check(wheel: Path, tmp_path: Path) -> None:
    """Installed (without the editable install's mapping, without the repository on the path), `auditor checks`
    finds every check and the playbooks they name."""
    target = tmp_path / "site"
    install = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)]
    result = subprocess.run(install, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    dependencies = next(p for p in sys.path if p.endswith("site-packages") and Path(p, "pydantic").is_dir())
    # -S: no site processing, so neither the editable install's .pth nor the working directory is on the path.
    code = (
        "import sys; sys.path[:0] = [sys.argv[1]]; sys.path.append(sys.argv[2])\n"
        "import auditor, auditor.checks\n"
        "print(auditor.__file__); print(auditor.checks.__file__)\n"
        "from auditor.cli import main\n"
        "sys.exit(main(['checks']))\n"
    )
    run = subprocess.run(
        [sys.executable, "-S", "-c", code, str(target), dependencies],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.splitlines()
    assert lines[0].startswith(str(target)) and lines[1].startswith(str(target)), lines[:2]
    listed = {line.split()[0] for line in lines[2:] if line and not line.startswith(" ")}
    assert listed == set(load_checks())
