"""Reading the stalkerware-indicators YAML format (Echap's ioc.yaml and watchware.yaml).

Quirks handled: some entries spell the C2 IP list ``c2.ip`` instead of ``c2.ips``; watchware adds
``ios_bundles``. Unknown extra fields are tolerated (the format grows); wrong shapes are rejected with the
file, line and field.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from auditor.errors import IndicatorError
from auditor.iocs.model import IndicatorApp, Indicators
from auditor.yamlfile import parse_yaml, validate_list

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Strings = list[str]


class C2Entry(BaseModel):
    model_config = ConfigDict(extra="allow")
    domains: Strings = Field(default_factory=list)
    ips: Strings = Field(default_factory=list)
    ip: Strings = Field(default_factory=list)


class AppEntry(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str = Field(min_length=1)
    names: Strings = Field(default_factory=list)
    type: str = "stalkerware"
    packages: Strings = Field(default_factory=list)
    certificates: Strings = Field(default_factory=list)
    websites: Strings = Field(default_factory=list)
    distribution: Strings = Field(default_factory=list)
    c2: C2Entry = Field(default_factory=C2Entry)
    ios_bundles: Strings = Field(default_factory=list)

    def to_app(self) -> IndicatorApp:
        return IndicatorApp(
            name=self.name,
            names=tuple(self.names),
            type=self.type,
            packages=tuple(self.packages),
            certificates=tuple(self.certificates),
            websites=tuple(self.websites),
            c2_domains=tuple(self.c2.domains),
            c2_ips=tuple(self.c2.ips) + tuple(self.c2.ip),
            ios_bundles=tuple(self.ios_bundles),
        )


_ENTRIES = TypeAdapter(list[AppEntry])


def parse_indicator_text(text: str, name: str) -> list[IndicatorApp]:
    """Parse one indicator file's text. Fast path first; line numbers are found only for errors."""
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError:
        parse_yaml(text, name, IndicatorError)  # raises with the line
        raise
    if not isinstance(data, list) or not data:
        raise IndicatorError(name, "must be a non-empty list of apps (the stalkerware-indicators format)", line=1)
    try:
        entries = _ENTRIES.validate_python(data)
    except ValidationError:
        validate_list(AppEntry, parse_yaml(text, name, IndicatorError), IndicatorError, what="apps")
        raise
    return [entry.to_app() for entry in entries]


def load_indicator_files(paths: Sequence[Path | str]) -> Indicators:
    apps: list[IndicatorApp] = []
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise IndicatorError(str(path), f"not UTF-8 text ({exc.reason})") from None
        except OSError as exc:
            raise IndicatorError(str(path), f"cannot be read: {exc.strerror or exc}") from None
        apps.extend(parse_indicator_text(text, str(path)))
    return Indicators(apps, source=", ".join(str(p) for p in paths))
