"""Project lists for iPhones: dual-use apps, jailbreak tools, app signing, and the dated table of iOS releases.

Each list is package data beside this module, validated on first use (a malformed file names file, line and
field), and says where its entries come from:

- ``data/dual_use_isdi.json``: the App Store rows of Cornell Tech CETA's ISDi ``app-flags.csv`` (MIT);
- ``data/jailbreak.yaml``: jailbreak tools and the stores they install, each with its source;
- ``data/ios_releases.yaml``: the newest iOS of each line still getting security fixes, with its date.

Everything here is a pure lookup; nothing reads the phone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from auditor.errors import DataFileError
from auditor.yamlfile import read_yaml, validate, validate_list

DATA = Path(__file__).parent / "data"
APP_STORE_SIGNER = "Apple iPhone OS Application Signing"
VERSION = re.compile(r"\d{1,3}(?:\.\d{1,4}){0,3}\Z")
IPHONE_MODEL = re.compile(r"iPhone(\d{1,3}),(\d{1,3})\Z")


# --- dual-use apps ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DualUseApp:
    name: str
    bundle: str
    context: str
    source: str


class _IsdiApp(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    bundle: str = Field(min_length=3)
    title: str = Field(min_length=1)
    flag: str = Field(min_length=3)


class _IsdiList(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str
    repository: str
    path: str
    commit: str = Field(min_length=40, max_length=40)
    file_changed_at: str
    licence: str
    copyright: str
    licence_text: str = Field(min_length=100)
    edits: str
    apps: tuple[_IsdiApp, ...] = Field(min_length=1)


ISDI_CONTEXT = {
    "dual-use": (
        "ISDi (Cornell Tech's Clinic to End Tech Abuse) lists this App Store app as dual-use: it has an ordinary "
        "purpose, such as finding family or parental control, and is also used to track or watch a partner."
    ),
    "stalkerware": (
        "ISDi (Cornell Tech's Clinic to End Tech Abuse) lists this App Store app as one used to watch another "
        "person's phone."
    ),
}


@lru_cache(maxsize=1)
def _dual_use() -> dict[str, DualUseApp]:
    path = DATA / "dual_use_isdi.json"
    try:
        data = _IsdiList.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        raise DataFileError(str(path), f"the dual-use app list could not be read: {exc}") from None
    source = f"ISDi app-flags.csv ({data.repository}, commit {data.commit[:12]}, {data.licence})"
    out: dict[str, DualUseApp] = {}
    for app in data.apps:
        context = ISDI_CONTEXT.get(app.flag, ISDI_CONTEXT["dual-use"])
        out.setdefault(app.bundle.lower(), DualUseApp(app.title, app.bundle, context, source))
    return out


def dual_use_app(bundle: str) -> DualUseApp | None:
    """The dual-use app with this bundle ID (case-insensitive, as the App Store treats them), if listed."""
    return _dual_use().get(bundle.strip().lower())


# --- jailbreak tools ------------------------------------------------------------------------------------


class _JailbreakTool(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=2)
    bundles: tuple[str, ...] = Field(min_length=1)
    source: str = Field(min_length=10)


@lru_cache(maxsize=1)
def _jailbreak() -> dict[str, str]:
    tools = validate_list(_JailbreakTool, read_yaml(DATA / "jailbreak.yaml"), what="jailbreak tools")
    return {bundle.lower(): tool.name for tool in tools for bundle in tool.bundles}


def jailbreak_tool(bundle: str) -> str | None:
    """The jailbreak tool or jailbreak-only store this bundle ID belongs to, if it is one."""
    return _jailbreak().get(bundle.strip().lower())


# --- app signing ----------------------------------------------------------------------------------------


def signing_kind(signer: str) -> str:
    """How an app was signed, from installation_proxy's SignerIdentity.

    "app-store" for Apple's App Store signature; "development" for a developer's own certificate (an app put
    on the phone from a computer with Xcode or a sideloading tool); "distribution" for an organisation's
    certificate (enterprise or ad hoc distribution, outside the App Store); "" when the phone did not say.
    """
    text = signer.strip()
    if not text:
        return ""
    if text == APP_STORE_SIGNER:
        return "app-store"
    lowered = text.lower()
    if lowered.startswith(("iphone developer:", "apple development:")):
        return "development"
    if lowered.startswith(("iphone distribution:", "apple distribution:")):
        return "distribution"
    return "other"


# --- iOS releases ------------------------------------------------------------------------------------


class _Line(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    major: int = Field(ge=1, le=99)
    latest: str
    released: date
    iphones: str = Field(min_length=5)
    generations: tuple[int, ...] = ()
    generations_from: int | None = None

    @field_validator("latest")
    @classmethod
    def _a_version(cls, value: str) -> str:
        if version_tuple(value) is None:
            raise ValueError(f"{value!r} is not a version number such as 26.5 or 18.7.9")
        return value


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    as_of: date
    stale_after_days: int = Field(ge=1, le=3650)
    sources: tuple[str, ...] = Field(min_length=1)
    lines: tuple[_Line, ...] = Field(min_length=1)


@lru_cache(maxsize=1)
def _table() -> _Table:
    located = read_yaml(DATA / "ios_releases.yaml")
    table = validate(_Table, located.data, located)
    if [line.major for line in table.lines] != sorted((line.major for line in table.lines), reverse=True):
        raise DataFileError(located.path, "the lines must be listed newest first", field="lines")
    return table


def version_tuple(version: str) -> tuple[int, ...] | None:
    """(17, 5, 1) for "17.5.1"; None for anything that is not a dotted version number."""
    text = version.strip()
    if not VERSION.match(text):
        return None
    return tuple(int(part) for part in text.split("."))


def release_table_date() -> str:
    return _table().as_of.isoformat()


@dataclass(frozen=True)
class ReleaseJudgement:
    """What the release table says about one phone's iOS.

    ``state`` is one of: "current" (at or past the newest release the table knows for its line, and the
    table is recent), "out-of-date" (a newer release of its line, or a newer line for its model, exists),
    "unsupported" (no line of the table covers this model: it gets no security fixes), "unknown" (the table
    is too old to tell, or the version or model could not be placed).
    """

    state: str
    latest: str
    table_date: str
    why: str


def _iphone_generation(product_type: str) -> int | None:
    match = IPHONE_MODEL.match(product_type.strip())
    return int(match.group(1)) if match else None


def judge_release(version: str, product_type: str, today: date | None = None) -> ReleaseJudgement:
    """Whether ``version`` is the newest iOS this model can run, by the dated table."""
    table = _table()
    today = today or date.today()
    as_of = table.as_of.isoformat()
    stale = (today - table.as_of).days > table.stale_after_days
    have = version_tuple(version)
    if have is None:
        return ReleaseJudgement("unknown", "", as_of, f"the version {version!r} is not a version number")
    generation = _iphone_generation(product_type)
    line = None
    if generation is not None:
        for candidate in table.lines:
            if generation in candidate.generations or (
                candidate.generations_from is not None and generation >= candidate.generations_from
            ):
                line = candidate
                break
        if line is None:
            return ReleaseJudgement(
                "unsupported",
                "",
                as_of,
                "Apple no longer publishes security fixes for this iPhone model (the oldest line in the release "
                f"table of {as_of} is for {table.lines[-1].iphones}).",
            )
    else:
        # Not an iPhone identifier (an iPad, or a model this table cannot place): judge by the line of its major.
        line = next((c for c in table.lines if c.major == have[0]), None)
        if line is None and have[0] < table.lines[0].major:
            return ReleaseJudgement(
                "out-of-date",
                table.lines[0].latest,
                as_of,
                f"iOS {have[0]} no longer gets security fixes in the release table of {as_of}.",
            )
        if line is None:
            return _newer(have, table.lines[0].latest, as_of, stale)
    latest = version_tuple(line.latest)
    assert latest is not None
    if have < latest:
        return ReleaseJudgement(
            "out-of-date",
            line.latest,
            as_of,
            f"iOS {line.latest} ({line.released.isoformat()}) is available for {line.iphones}, with security fixes "
            "this phone does not have.",
        )
    if stale:
        return ReleaseJudgement(
            "unknown",
            line.latest,
            as_of,
            f"The release table is from {as_of}, too old to say whether a newer iOS has come out since.",
        )
    return ReleaseJudgement("current", line.latest, as_of, f"iOS {line.latest} is the newest release for its line.")


def _newer(have: tuple[int, ...], latest: str, as_of: str, stale: bool) -> ReleaseJudgement:
    if stale:
        return ReleaseJudgement(
            "unknown", latest, as_of, f"The release table is from {as_of}, too old to judge this newer iOS."
        )
    version = ".".join(map(str, have))
    return ReleaseJudgement("current", latest, as_of, f"iOS {version} is newer than every release the table knows.")
