"""Unlocking a case on the command line: AUDITOR_PASSPHRASE for schedulers, otherwise asked without echo."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditor.store import CaseStore


def unlock(name: str, creating_allowed: bool = False) -> CaseStore:
    """The case ``name``, unlocked; with ``creating_allowed``, created (its passphrase asked twice) if new."""
    from auditor.application.cases import case_exists, open_case
    from auditor.store.passphrase import ask

    if creating_allowed and not case_exists(name):
        return open_case(name, ask("New case passphrase: ", confirm=True), create=True)
    return open_case(name, ask())
