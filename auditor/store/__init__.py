"""The encrypted case store (SQLCipher 4): one database per case, keyed from the person's passphrase."""

from auditor.store.case import (
    CaseStore,
    Changes,
    RunSummary,
    case_path,
    changes_between,
    delete_case,
    import_case,
    list_cases,
)
from auditor.store.schema import MIGRATIONS, VERSION

__all__ = [
    "MIGRATIONS",
    "VERSION",
    "CaseStore",
    "Changes",
    "RunSummary",
    "case_path",
    "changes_between",
    "delete_case",
    "import_case",
    "list_cases",
]
