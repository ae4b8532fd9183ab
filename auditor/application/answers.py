"""The person's answers, recorded in the case: "Is this yours?" on a finding, and guided questions.

Later audits apply them (the engine is handed them as decisions). A guided answer also gives, at once, the
finding as the next audit will show it, so the app can show it without running an audit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from auditor.application.checks import guided_question
from auditor.errors import UsageError
from auditor.model import Finding, fingerprint

if TYPE_CHECKING:
    from auditor.store import CaseStore

REVIEW_ANSWERS = ("mine", "not-mine")
GUIDED_ANSWERS = ("looks-fine", "found-something", "not-sure")


def answer_review(case: CaseStore, finding: str, answer: str, note: str = "", *, stored_only: bool = True) -> None:
    """ "mine" or "not-mine" on the finding with fingerprint ``finding``; later audits apply it.

    With ``stored_only``, a fingerprint no saved audit has is refused (a mistyped id on the command line);
    the app passes False, as it may show a finding of the audit still running.
    """
    if answer not in REVIEW_ANSWERS:
        raise UsageError(f"{answer!r} is not an answer to 'Is this yours?'; use {' or '.join(REVIEW_ANSWERS)}")
    if stored_only and not case.has_finding(finding):
        raise UsageError(f"the case {case.name!r} has no finding with id {finding}")
    case.set_decision(finding, answer, note)


@dataclass(frozen=True)
class GuidedAnswer:
    """A guided answer recorded: the finding as it now reads, its account, and whether the account was new."""

    finding: Finding
    target: str
    account_added: bool


def guided_target(case: CaseStore, kind: str, target: str | None) -> tuple[str, bool]:
    """The account a guided answer is about, and whether it had to join the case.

    Given, it joins the case if new (an answer about an account the case does not know would never be asked
    about again). Not given: the case's only account of that kind, or the general one when it has none.
    """
    from auditor.guided.source import GENERAL_TARGETS

    targets = [str(a["target"]) for a in case.accounts() if a["kind"] == kind]
    if target is not None:
        if not target.strip():
            raise UsageError("the account is empty: name the account the answer is about")
        if target in targets:
            return target, False
        case.add_account(kind, target)
        return target, True
    if len(targets) == 1:
        return targets[0], False
    if targets:
        raise UsageError(f"the case has several {kind} accounts: say which with --target")
    general = GENERAL_TARGETS.get(kind, "")
    if not general:
        raise UsageError(f"the case has no {kind} account: say which with --target")
    return general, False


def answer_guided(case: CaseStore, check_id: str, target: str | None, answer: str, note: str = "") -> GuidedAnswer:
    """Record the answer to the guided question ``check_id`` about ``target`` (see :func:`guided_target`).

    Refused, recording nothing, when a note comes with it and the session's consent refused notes.
    """
    from auditor.checkapi import CheckContext, Decisions, Source
    from auditor.manual import manual_finding
    from auditor.session.store import refuse_note_without_consent

    manual = guided_question(check_id)
    if answer not in GUIDED_ANSWERS:
        raise UsageError(f"{answer!r} is not an answer to a guided question; use one of {', '.join(GUIDED_ANSWERS)}")
    if target is not None and not target.strip():
        raise UsageError("the account is empty: name the account the answer is about")
    refuse_note_without_consent(case, note)
    account, added = guided_target(case, manual.kind, target)
    answered = fingerprint(manual.id, account, "")
    case.set_decision(answered, answer, note)
    ctx = CheckContext(
        spec=manual.spec(),
        source=Source(manual.kind, account),
        decisions=Decisions({answered: f"{answer}:{note}"}),
    )
    return GuidedAnswer(manual_finding(ctx, manual), account, added)
