"""The accounts and devices a case audits: those its audits' findings name join it, so later audits read them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from auditor.model import KINDS, Finding

if TYPE_CHECKING:
    from auditor.store import CaseStore


def register_accounts(
    case: CaseStore, findings: Iterable[Finding], check_kinds: Mapping[str, str] | None = None
) -> list[tuple[str, str]]:
    """Add each (kind, account or device) the findings are about to the case; returns those that were new.

    A finding's kind is its check's (``check_kinds``, from the loaded checks); without that, the first word of
    the check's ID when it names a kind. A check of no known kind registers nothing: an account of a kind no
    source can open would make every later audit of the case fail.
    """
    if check_kinds is None:
        from auditor.application.checks import load_checks

        check_kinds = {check_id: check.spec.kind for check_id, check in load_checks().items()}
    known = {(str(a["kind"]), str(a["target"])) for a in case.accounts()}
    wanted: set[tuple[str, str]] = set()
    for finding in findings:
        kind = check_kinds.get(finding.check) or finding.check.split(".", 1)[0]
        if kind in KINDS and finding.target:
            wanted.add((kind, finding.target))
    added = []
    for kind, target in sorted(wanted):
        if (kind, target) not in known:
            case.add_account(kind, target)
            added.append((kind, target))
    return added
