"""The encrypted case store (SQLCipher 4): one database per case, keyed from the person's passphrase."""

from auditor.store.case import (
    CaseStore,
    Changes,
    DecisionRow,
    RunSummary,
    case_path,
    changes_between,
    delete_case,
    import_case,
    list_cases,
)
from auditor.store.fixes import PathEventRow
from auditor.store.schema import MIGRATIONS, VERSION
from auditor.store.sessions import SessionItemRow, SessionNoteRow, SessionRow
from auditor.store.takedown import (
    ContentLocationRow,
    EvidenceRow,
    FollowUpRow,
    PerceptualHashRow,
    ReportRow,
    ResponseRow,
)

__all__ = [
    "MIGRATIONS",
    "VERSION",
    "CaseStore",
    "Changes",
    "ContentLocationRow",
    "DecisionRow",
    "EvidenceRow",
    "FollowUpRow",
    "PathEventRow",
    "PerceptualHashRow",
    "ReportRow",
    "ResponseRow",
    "RunSummary",
    "SessionItemRow",
    "SessionNoteRow",
    "SessionRow",
    "case_path",
    "changes_between",
    "delete_case",
    "import_case",
    "list_cases",
]
