"""Every test runs with its own AUDITOR_HOME and no endpoint variables from the machine."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# One name per module. checks/ and playbooks/ sit at the repository's top level but are installed as
# auditor.checks and auditor.playbooks.data. `python -m pytest` puts the repository on sys.path, where
# `import checks` would load every check a second time under another name; and pytest puts tests/ on sys.path
# (its test packages have no parent package), where tests/checks/ would pass for a namespace package `checks`.
# So the repository leaves sys.path before any test imports anything, and neither name can be imported at all.
_REPOSITORY = Path(__file__).resolve().parents[1]
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _REPOSITORY]
for _name in ("checks", "playbooks"):
    # typeshed types the values of sys.modules as modules only; None is the import system's documented way to
    # block a name: import raises, importlib.util.find_spec says None.
    sys.modules[_name] = None  # type: ignore[assignment]

# Shape fuzzing (hypothesis): one profile for every test, so the number of cases each property runs is the
# figure docs/testing.md records. No deadline: CI machines are slow and loaded; the cases count, not time.
settings.register_profile(
    "auditor",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
    database=None,
)
settings.load_profile("auditor")

# The stalkerware indicator set shipped inside the package: tests read nothing outside the repository.
SHIPPED_IOCS = Path(__file__).resolve().parents[1] / "auditor" / "iocs" / "data"

_ENV = (
    "AUDITOR_HOME",
    "AUDITOR_CONFIG",
    "AUDITOR_PASSPHRASE",
    "AUDITOR_GOOGLE_API_URL",
    "AUDITOR_GRAPH_API_URL",
    "AUDITOR_EWS_URL",
    "AUDITOR_BEARER_TOKEN",
)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "auditor-home"
    home.mkdir()
    monkeypatch.setenv("AUDITOR_HOME", str(home))
    # A test's own programs (`python -c ...`) put their working folder first on sys.path: run them from a scratch
    # folder, never the repository, whose auditor/ would shadow the installed package (and lacks auditor.checks).
    monkeypatch.chdir(tmp_path)
    return home


@pytest.fixture(scope="session")
def shipped_iocs() -> Path:
    """The real stalkerware indicator data set (Echap, CC-BY 4.0) as shipped inside the package."""
    assert (SHIPPED_IOCS / "ioc.yaml").is_file(), f"indicator data set missing at {SHIPPED_IOCS}"
    return SHIPPED_IOCS
