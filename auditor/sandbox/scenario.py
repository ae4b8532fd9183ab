"""Scenarios: YAML files describing the accounts the sandbox imitates, and the faults it injects.

Top-level keys: ``name``, ``description``, one section per provider (``google``, ``microsoft``,
``exchange``) validated by that provider's own model, and ``faults``. A malformed scenario is rejected with
the file, line and field.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from auditor.errors import ScenarioError
from auditor.sandbox.faults import FaultModel, FaultRule
from auditor.yamlfile import LocatedYaml, read_yaml, validate

SCENARIO_DIR = Path(__file__).parent / "scenarios"
# section name -> module exporting `<Data model>` and build_apps(data, *, token, endless)
PROVIDERS: dict[str, tuple[str, str]] = {
    "google": ("auditor.sandbox.google", "GoogleData"),
    "microsoft": ("auditor.sandbox.microsoft", "MicrosoftData"),
    "exchange": ("auditor.sandbox.exchange", "ExchangeData"),
}


class _Top(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    description: str = ""
    google: dict[str, Any] | None = None
    microsoft: dict[str, Any] | None = None
    exchange: dict[str, Any] | None = None
    faults: list[FaultModel] = Field(default_factory=list)


@dataclass
class Scenario:
    name: str
    description: str
    sections: dict[str, Any] = field(default_factory=dict)  # provider -> validated data model
    faults: list[FaultRule] = field(default_factory=list)
    path: str = ""


def available_providers() -> list[str]:
    return [name for name, (module, _) in PROVIDERS.items() if importlib.util.find_spec(module) is not None]


def _section(located: LocatedYaml, name: str, raw: dict[str, Any]) -> Any:
    module_name, model_name = PROVIDERS[name]
    if importlib.util.find_spec(module_name) is None:
        raise ScenarioError(
            located.path, f"this build has no {name} practice server", line=located.line_of((name,)), field=name
        )
    model = getattr(importlib.import_module(module_name), model_name)
    return validate(model, raw, located, ScenarioError, base=(name,))


def parse_scenario(located: LocatedYaml) -> Scenario:
    if not isinstance(located.data, dict):
        raise ScenarioError(located.path, "a scenario is a mapping with name, provider sections and faults", line=1)
    top = validate(_Top, located.data, located, ScenarioError)
    sections = {
        name: _section(located, name, getattr(top, name)) for name in PROVIDERS if getattr(top, name) is not None
    }
    return Scenario(
        name=top.name,
        description=top.description,
        sections=sections,
        faults=[f.rule() for f in top.faults],
        path=located.path,
    )


def shipped_scenarios() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    candidate = Path(name_or_path)
    if isinstance(name_or_path, str) and candidate.suffix == "" and "/" not in name_or_path:
        candidate = SCENARIO_DIR / f"{name_or_path}.yaml"
        if not candidate.exists():
            raise ScenarioError(
                str(name_or_path), f"no such scenario; shipped ones are {', '.join(shipped_scenarios())}"
            )
    return parse_scenario(read_yaml(candidate, ScenarioError))
