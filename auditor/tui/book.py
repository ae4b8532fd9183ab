"""The findings the app shows, kept current as checks finish (plain Python, no Textual)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the model (pydantic) loads with the first finding, not before the first frame
    from auditor.model import Finding, Status


def counted() -> tuple[Status, ...]:
    """The statuses counted on the overview, in the order they are shown."""
    from auditor.model import Status

    return (Status.FOUND, Status.REVIEW, Status.ERROR, Status.MANUAL)


class FindingBook:
    """Findings keyed by (check, target): a check that runs again replaces what it said before."""

    def __init__(self, findings: Iterable[Finding] = ()) -> None:
        self._by_check: dict[tuple[str, str], list[Finding]] = {}
        self.load(findings)

    def load(self, findings: Iterable[Finding]) -> None:
        self._by_check.clear()
        for finding in findings:
            self._by_check.setdefault((finding.check, finding.target), []).append(finding)

    def replace(self, check: str, target: str, findings: Sequence[Finding]) -> None:
        self._by_check[(check, target)] = list(findings)

    def update(self, finding: Finding) -> None:
        """Put ``finding`` in place of the one with the same fingerprint (or add it)."""
        group = self._by_check.setdefault((finding.check, finding.target), [])
        group[:] = [f for f in group if f.fingerprint != finding.fingerprint] + [finding]

    def remove(self, fingerprint: str) -> None:
        for group in self._by_check.values():
            group[:] = [f for f in group if f.fingerprint != fingerprint]

    def all(self) -> list[Finding]:
        """Every finding, most important first: status order, then severity."""
        return sorted((f for group in self._by_check.values() for f in group), key=lambda f: f.sort_key)

    def get(self, fingerprint: str) -> Finding | None:
        return next((f for f in self.all() if f.fingerprint == fingerprint), None)

    def targets(self) -> list[str]:
        """Accounts and devices, the one with the most severe finding first."""
        order: dict[str, int] = {}
        for index, finding in enumerate(self.all()):
            order.setdefault(finding.target, index)
        return sorted(order, key=lambda t: order[t])

    def grouped(self, include_clear: bool = False) -> list[tuple[str, list[Finding]]]:
        """Findings by account or device, most severe account first, most severe finding first.

        The group's label names the kind too: one address can be a Microsoft 365 account and a mailbox on an
        Exchange server, audited and closed separately."""
        from auditor.model import Status
        from auditor.render import heading

        shown = [f for f in self.all() if f.status is not Status.SKIPPED and (include_clear or f.status in counted())]
        out: dict[str, list[Finding]] = {}
        for finding in shown:
            out.setdefault(heading(finding.check.split(".", 1)[0], finding.target, 200), []).append(finding)
        return list(out.items())

    def counts(self, target: str | None = None) -> dict[Status, int]:
        from auditor.model import Status

        out = dict.fromkeys(Status, 0)
        for finding in self.all():
            if target is None or finding.target == target:
                out[finding.status] += 1
        return out

    def __len__(self) -> int:
        return sum(len(group) for group in self._by_check.values())
