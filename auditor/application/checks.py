"""What the tool checks: every check, automated and guided, validated against the shipped playbooks.

The engine discovers the automated checks; the guided ones (questions where no API reaches) are loaded here
and handed to it, so the engine and the guided-check loader do not import each other.
"""

from __future__ import annotations

from collections.abc import Mapping

from auditor.engine import LoadedCheck, discover_checks
from auditor.errors import UsageError
from auditor.manual import ManualCheck, manual_checks, manual_definitions
from auditor.playbooks import builtin_playbooks


def load_checks() -> dict[str, LoadedCheck]:
    """Every check (built in, guided, and plug-ins), keyed by ID; each must name shipped playbooks."""
    return discover_checks(playbook_ids=builtin_playbooks().keys(), extra=manual_checks())


def check_titles() -> dict[str, str]:
    """Each check's title in plain words, keyed by ID."""
    return {check_id: check.spec.title for check_id, check in load_checks().items()}


def check_kind(check_id: str) -> str:
    """The kind of account or device a check reads."""
    check = load_checks().get(check_id)
    if check is None:
        raise UsageError(f"there is no check {check_id!r}; `auditor checks` lists them")
    return check.spec.kind


def guided_questions() -> Mapping[str, ManualCheck]:
    """Every guided check (a question with where-to-look steps), keyed by check ID."""
    return manual_definitions()


def guided_question(check_id: str) -> ManualCheck:
    manual = manual_definitions().get(check_id)
    if manual is None:
        raise UsageError(f"{check_id!r} is not a guided check; `auditor checks` lists them")
    return manual
