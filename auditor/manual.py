"""Guided manual checks, declared as data: ``checks/<provider>/guided.yaml`` in the repository, installed inside
the package with the automated checks (``auditor.checks``) and read from there.

Where no API reaches (Google's device list, Apple Account, social accounts) a check is a question with
exact where-to-look steps. Until the person answers, it is shown as ``manual`` ("Check by hand"); their
answer is recorded in the case and becomes ``clear`` (looks fine), ``found`` (found something) or stays
``manual`` (not sure).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from auditor.checkapi import LoadedCheck, Reading
from auditor.model import CheckSpec, Finding, Severity, Status
from auditor.yamlfile import read_yaml, validate_list

if TYPE_CHECKING:
    from importlib.abc import Traversable  # importlib.resources.abc from Python 3.11 on

    from auditor.checkapi import CheckContext

GUIDED_FILE = "guided.yaml"
ANSWERS = {"looks-fine": Status.CLEAR, "found-something": Status.FOUND, "not-sure": Status.MANUAL}


class ManualCheck(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    kind: str
    title: str = Field(min_length=3, description="what to look at, in plain words")
    question: str = Field(min_length=5, description="the question the person answers")
    severity: Severity = Severity.MEDIUM
    where_to_look: tuple[str, ...] = Field(min_length=1)
    playbooks: tuple[str, ...] = Field(min_length=1)
    order: int = Field(default=100, description="lower comes first in a guided session")

    def spec(self) -> CheckSpec:
        return CheckSpec(
            id=self.id,
            title=self.title,
            kind=self.kind,
            severity=self.severity,
            reads=("your answer to a guided question",),
            playbooks=self.playbooks,
            automated=False,
            timeout=5,
        )


def guided_files() -> dict[str, Traversable]:
    """Each provider's guided checks file (``checks/<provider>/guided.yaml``), keyed by the provider's folder."""
    folders = sorted((f for f in files("auditor.checks").iterdir() if f.is_dir()), key=lambda f: f.name)
    return {f.name: f / GUIDED_FILE for f in folders if (f / GUIDED_FILE).is_file()}


def load_manual_file(path: Traversable) -> list[ManualCheck]:
    return validate_list(ManualCheck, read_yaml(path), what="manual checks")


def manual_finding(ctx: CheckContext, manual: ManualCheck) -> Finding:
    answer_record = ctx.decision("")
    answer, _, note = (answer_record or "").partition(":")
    status = ANSWERS.get(answer, Status.MANUAL)
    titles = {
        Status.CLEAR: f"You checked: {manual.title} — looks fine",
        Status.FOUND: f"You found something: {manual.title}",
        Status.MANUAL: f"Check by hand: {manual.title}",
    }
    evidence: dict[str, object] = {"question": manual.question, "where_to_look": list(manual.where_to_look)}
    if answer in ANSWERS:
        evidence["answer"] = answer
    if note:
        evidence["note"] = note
    if status is Status.CLEAR:
        # The person's own answer is the whole reading a guided "looks fine" rests on.
        answered = Reading("your answer to the guided question", answer)
        return ctx.clear(titles[status], answered, detail=manual.question, evidence=evidence)
    return ctx.finding(status, titles[status], detail=manual.question, evidence=evidence, severity=manual.severity)


def _loaded(manual: ManualCheck, origin: str) -> LoadedCheck:
    def run(ctx: CheckContext) -> list[Finding]:
        return [manual_finding(ctx, manual)]

    return LoadedCheck(spec=manual.spec(), run=run, origin=origin)


@lru_cache(maxsize=1)
def manual_definitions() -> Mapping[str, ManualCheck]:
    out: dict[str, ManualCheck] = {}
    for path in guided_files().values():
        for manual in load_manual_file(path):
            out[manual.id] = manual
    return out


def manual_checks() -> list[LoadedCheck]:
    out = []
    for provider, path in guided_files().items():
        for manual in load_manual_file(path):
            out.append(_loaded(manual, f"checks/{provider}/{GUIDED_FILE}: {manual.id}"))
    return out
