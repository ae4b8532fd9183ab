"""Typed messages the app's workers post (from their threads) to the app or a screen."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from auditor.application.fixing import FixPlan, FixResult
    from auditor.model import AuditRun, Finding
    from auditor.timeline import EvidenceItem


class CaseReady(Message):
    """The case is open and unlocked."""

    def __init__(self, case: Any) -> None:
        super().__init__()
        self.case = case


class CaseFailed(Message):
    """The case could not be opened or created; ``reason`` says why in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class CheckBegan(Message):
    def __init__(self, check: str, target: str) -> None:
        super().__init__()
        self.check = check
        self.target = target


class CheckDone(Message):
    def __init__(self, check: str, target: str, findings: tuple[Finding, ...]) -> None:
        super().__init__()
        self.check = check
        self.target = target
        self.findings = findings


class AuditComplete(Message):
    """An audit (or a re-check, when ``full`` is False) ended; ``problem`` is set if it could not run."""

    def __init__(self, run: AuditRun | None, full: bool, problem: str | None = None) -> None:
        super().__init__()
        self.run = run
        self.full = full
        self.problem = problem


class SignInNote(Message):
    """Something the sign-in wants the person to see (a URL to open, a code to enter)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class SignInComplete(Message):
    def __init__(self, target: str | None, problem: str | None = None) -> None:
        super().__init__()
        self.target = target
        self.problem = problem


class IndicatorsUpdated(Message):
    """The indicator update ended: ``source`` where the new set came from, or ``problem`` in plain words."""

    def __init__(self, source: str | None, problem: str | None = None) -> None:
        super().__init__()
        self.source = source
        self.problem = problem


class FixPlanned(Message):
    """The change that would close a finding is ready to show, and the finding was kept as evidence."""

    def __init__(self, plan: FixPlan, evidence: EvidenceItem) -> None:
        super().__init__()
        self.plan = plan
        self.evidence = evidence


class FixSignInNote(Message):
    """What the write permission's sign-in wants the person to see (a web address to open, a code)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class FixFinished(Message):
    """The confirmed change was sent (or not) and the check ran again: closed, still open or not changed."""

    def __init__(self, result: FixResult) -> None:
        super().__init__()
        self.result = result


class FixProblem(Message):
    """The change could not be planned or the flow stopped; ``reason`` says why in plain words. Nothing was sent
    unless the case's timeline says so."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason
