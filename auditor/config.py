"""Where the tool keeps things, and the person's settings.

- ``AUDITOR_HOME`` moves everything the tool writes (cases, settings, indicator sets) to one folder.
  Without it, the platformdirs data and config folders for "auditor" are used.
- ``AUDITOR_CONFIG`` points at another settings file (the test seam); otherwise ``settings.yaml`` in the
  config folder is read if it exists.
- ``AUDITOR_GOOGLE_API_URL``, ``AUDITOR_GRAPH_API_URL``, ``AUDITOR_EWS_URL`` and ``AUDITOR_BEARER_TOKEN``
  point the connectors at any server speaking the providers' APIs (the practice sandbox uses this seam).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from auditor.errors import ConfigError
from auditor.weburl import checked_url
from auditor.yamlfile import read_yaml, validate

APP_NAME = "auditor"


@dataclass(frozen=True)
class Paths:
    data: Path
    config: Path

    @property
    def cases(self) -> Path:
        return self.data / "cases"

    @property
    def indicators(self) -> Path:
        return self.data / "indicators"

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.yaml"

    def ensure(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return folder


def paths(env: Mapping[str, str] | None = None) -> Paths:
    env = os.environ if env is None else env
    home = env.get("AUDITOR_HOME")
    if home:
        base = Path(home).expanduser()
        return Paths(data=base, config=base)
    import platformdirs

    return Paths(
        data=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        config=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
    )


class GoogleSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_file: Path | None = Field(default=None, description="OAuth client JSON you created")
    workspace_admin: bool = Field(default=False, description="ask for Admin SDK read-only scopes too")
    delegation_key_file: Path | None = Field(
        default=None, description="Workspace service account key with domain-wide delegation: reads Gmail delegates"
    )


class MicrosoftSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_id: str | None = Field(default=None, description="Application (client) ID of your app")
    authority: Literal["common", "consumers", "organizations"] = "common"


class ExchangeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str | None = Field(default=None, description="EWS endpoint, https://mail.example.org/EWS/Exchange.asmx")
    username: str | None = None
    auth: Literal["ntlm", "basic", "oauth"] = Field(default="ntlm", description="ntlm, basic or oauth")

    @field_validator("url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return checked_url(value, "the address")
        except ConfigError as exc:
            raise ValueError(str(exc)) from None


class OrganisationSettings(BaseModel):
    """Written by `auditor settings import`: whose settings bundle was imported, and which values came from it
    (so the app can say which sign-in path applies). The name and contact are the bundle's words: shown literally."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=200, description="the organisation that made the bundle")
    contact: str | None = Field(default=None, max_length=500, description="how to reach it")
    imported_at: str | None = None
    google_client_file: Path | None = None
    microsoft_client_id: str | None = None
    exchange_url: str | None = None


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organisation: OrganisationSettings | None = None
    google: GoogleSettings = GoogleSettings()
    microsoft: MicrosoftSettings = MicrosoftSettings()
    exchange: ExchangeSettings = ExchangeSettings()
    concurrency: int = Field(default=8, ge=1, le=64, description="checks run at once")
    request_timeout: float = Field(default=20.0, gt=0, le=300, description="seconds per provider request")
    retry_budget: float = Field(default=60.0, gt=0, le=900, description="seconds of retrying per request")
    followup_hours: int = Field(default=48, ge=1, le=87840, description="TAKE IT DOWN Act removal window")


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    pointed = env.get("AUDITOR_CONFIG")
    path = Path(pointed).expanduser() if pointed else paths(env).settings_file
    if not path.exists():
        if pointed:
            raise ConfigError(f"AUDITOR_CONFIG points at {path}, which does not exist")
        return Settings()
    located = read_yaml(path)
    return validate(Settings, located.data or {}, located)


@dataclass(frozen=True)
class Endpoints:
    """API base URLs and a bearer token taken from the environment, for tests, practice and scripts."""

    google: str | None
    graph: str | None
    ews: str | None
    token: str | None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Endpoints:
        env = os.environ if env is None else env

        def address(name: str) -> str | None:
            value = env.get(name) or None
            return checked_url(value, name) if value else None

        return cls(
            google=address("AUDITOR_GOOGLE_API_URL"),
            graph=address("AUDITOR_GRAPH_API_URL"),
            ews=address("AUDITOR_EWS_URL"),
            token=env.get("AUDITOR_BEARER_TOKEN") or None,
        )

    def for_kind(self, kind: str) -> str | None:
        return {"google": self.google, "microsoft": self.graph, "exchange": self.ews}.get(kind)
