"""Every test runs with its own AUDITOR_HOME and no endpoint variables from the machine."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

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
    return home


@pytest.fixture(scope="session")
def shipped_iocs() -> Path:
    """The real stalkerware indicator data set (Echap, CC-BY 4.0) as shipped inside the package."""
    assert (SHIPPED_IOCS / "ioc.yaml").is_file(), f"indicator data set missing at {SHIPPED_IOCS}"
    return SHIPPED_IOCS
