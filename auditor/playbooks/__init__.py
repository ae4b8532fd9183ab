"""Safety-first remediation playbooks: loaded from the repository's ``playbooks/*.yaml`` (installed inside
the package as ``auditor.playbooks.data``) and validated on load.

Every playbook starts with safety considerations and the evidence to preserve, then numbered steps per
platform, how to verify (re-run the check), and when and where to escalate. Remediation prose lives only
in these YAML files, never in code.

Which checks a playbook closes is written once, in each check's ``playbooks`` (a module's ``SPEC`` or a
guided check's YAML); :func:`covering_checks` derives the other direction from the checks.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, field_validator

from auditor.errors import PlaybookError
from auditor.model import CheckSpec, Finding
from auditor.yamlfile import read_yaml, validate

if TYPE_CHECKING:
    from importlib.abc import Traversable  # importlib.resources.abc from Python 3.11 on

PLATFORMS = ("any", "linux", "macos", "windows", "android", "iphone", "web", "gmail", "outlook", "exchange")
_ID = re.compile(r"^[a-z][a-z0-9-]*$")

Text = str


class Escalation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    when: Text = Field(min_length=3)
    where: Text = Field(min_length=3)


class Playbook(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: Text = Field(min_length=3)
    why: Text = Field(min_length=10, description="why the finding matters, in plain words")
    safety: tuple[Text, ...] = Field(min_length=1, description="read before acting")
    preserve_evidence: tuple[Text, ...] = Field(min_length=1, description="document before changing anything")
    steps: dict[str, tuple[Text, ...]] = Field(min_length=1, description="numbered steps per platform")
    verify: Text = Field(min_length=5)
    escalate: tuple[Escalation, ...] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"playbook ID {value!r} must be lowercase words joined by '-'")
        return value

    @field_validator("steps")
    @classmethod
    def _platforms(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for platform, steps in value.items():
            if platform not in PLATFORMS:
                raise ValueError(f"unknown platform {platform!r}; use one of {', '.join(PLATFORMS)}")
            if not steps:
                raise ValueError(f"platform {platform!r} has no steps")
        return value


class PlaybookLibrary(Mapping[str, Playbook]):
    def __init__(self, playbooks: Mapping[str, Playbook], origins: Mapping[str, Traversable]) -> None:
        self._playbooks = dict(playbooks)
        self.files = dict(origins)  # the file each playbook was read from

    def __getitem__(self, key: str) -> Playbook:
        return self._playbooks[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._playbooks)

    def __len__(self) -> int:
        return len(self._playbooks)

    def for_finding(self, finding: Finding) -> list[Playbook]:
        return [self._playbooks[p] for p in finding.playbooks if p in self._playbooks]


def shipped_playbooks() -> Traversable:
    """The folder of the playbooks that ship with the tool: the repository's playbooks/, installed inside the
    package as ``auditor.playbooks.data`` (an editable install maps the name to the repository's folder)."""
    return files("auditor.playbooks.data")


def load_playbook_file(path: Traversable) -> list[Playbook]:
    """One file holds one playbook (a mapping) or several (a list of mappings)."""
    located = read_yaml(path, PlaybookError)
    data = located.data
    if isinstance(data, Mapping):
        return [validate(Playbook, data, located, PlaybookError)]
    if isinstance(data, list) and data:
        return [validate(Playbook, item, located, PlaybookError, base=(i,)) for i, item in enumerate(data)]
    raise PlaybookError(str(path), "must hold a playbook (a mapping) or a list of playbooks", line=1)


def load_playbooks(directories: Iterable[Traversable] | None = None) -> PlaybookLibrary:
    """The playbooks in ``directories`` (folders or package resources), the shipped ones by default."""
    playbooks: dict[str, Playbook] = {}
    origins: dict[str, Traversable] = {}
    for directory in [shipped_playbooks()] if directories is None else directories:
        for path in sorted((p for p in directory.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name):
            for playbook in load_playbook_file(path):
                if playbook.id in playbooks:
                    raise PlaybookError(
                        str(path),
                        f"playbook ID {playbook.id!r} is already defined in {origins[playbook.id]}",
                        field="id",
                    )
                playbooks[playbook.id] = playbook
                origins[playbook.id] = path
    return PlaybookLibrary(playbooks, origins)


@lru_cache(maxsize=1)
def builtin_playbooks() -> PlaybookLibrary:
    return load_playbooks()


def covering_checks(playbook_id: str, checks: Iterable[CheckSpec]) -> list[str]:
    """The IDs of the checks that name this playbook, sorted: the checks are where the link is written."""
    return sorted(spec.id for spec in checks if playbook_id in spec.playbooks)


def render_playbook(playbook: Playbook, width: int = 80, covers: Iterable[str] = ()) -> str:
    """Plain text of a playbook, safety first, wrapped to ``width``. The text is ours, not a provider's.
    ``covers`` (the checks that name it, from :func:`covering_checks`) ends the text when given."""

    def item(text: str, bullet: str = "•") -> list[str]:
        return textwrap.wrap(text, width, initial_indent=f"  {bullet} ", subsequent_indent="    ")

    out = [playbook.title, "=" * len(playbook.title), "", *textwrap.wrap(playbook.why, width), ""]
    out.append("Before you do anything — safety:")
    for line in playbook.safety:
        out += item(line)
    out += ["", "Save the evidence first:"]
    for line in playbook.preserve_evidence:
        out += item(line)
    for platform, steps in playbook.steps.items():
        heading = "Steps" if platform == "any" else f"Steps ({platform})"
        out += ["", f"{heading}:"]
        for n, step in enumerate(steps, 1):
            out += item(step, f"{n}.")
    out += [
        "",
        "Check it worked:",
        *textwrap.wrap(playbook.verify, width, initial_indent="  ", subsequent_indent="  "),
    ]
    out += ["", "When to get more help:"]
    for e in playbook.escalate:
        out += item(f"{e.when}: {e.where}")
    covered = list(covers)
    if covered:
        out += ["", *textwrap.wrap(f"Covers checks: {', '.join(covered)}", width, subsequent_indent="  ")]
    return "\n".join(out)
