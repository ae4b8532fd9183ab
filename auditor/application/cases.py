"""Opening a case: unlock one with its passphrase, create one, or open the practice case.

The passphrase itself is asked for by the caller (the command line asks on the terminal or reads
AUDITOR_PASSPHRASE; the app has a form); nothing here keeps it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditor.config import Paths
    from auditor.store import CaseStore

PRACTICE_CASE = "practice"
# The practice case holds simulated accounts and this computer's scan; it is kept apart from real cases
# and opened without asking, so its passphrase is fixed and says so.
PRACTICE_PASSPHRASE = "practice-case-not-secret"


def case_names(where: Paths | None = None) -> list[str]:
    """The cases on this computer (under AUDITOR_HOME, or ``where``)."""
    from auditor.store import list_cases

    return list_cases(where)


def case_exists(name: str, where: Paths | None = None) -> bool:
    from auditor.store import case_path

    return case_path(name, where).exists()


def open_case(name: str, passphrase: str, *, create: bool = False, where: Paths | None = None) -> CaseStore:
    """Unlock the case ``name`` (or, with ``create``, make it). A wrong passphrase changes nothing."""
    from auditor.store import CaseStore

    return CaseStore.create(name, passphrase, where) if create else CaseStore.open(name, passphrase, where)


def open_or_create_case(name: str, passphrase: str, where: Paths | None = None) -> CaseStore:
    from auditor.store import CaseStore

    return CaseStore.open_or_create(name, passphrase, where)


def practice_home(home: Paths) -> Paths:
    """Where practice mode keeps its case and its servers' files: apart from the real cases."""
    from auditor.config import Paths

    return Paths(data=home.data / "practice", config=home.config)


def open_practice_case(home: Paths) -> CaseStore:
    """The practice case, created the first time."""
    return open_or_create_case(PRACTICE_CASE, PRACTICE_PASSPHRASE, practice_home(home))
