"""Practice mode: local servers imitating compromised accounts, and the audit that reads them.

``auditor demo`` and the app's practice mode use the same servers and the same plan: the simulated accounts
through the real connectors, plus a real read-only scan of this computer.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.application.auditing import AuditPlan
from auditor.application.kinds import practice_kinds

if TYPE_CHECKING:
    from auditor.sandbox import Sandbox


def practice_servers(scenario: str = "compromised", faults: Sequence[str] = (), workdir: Path | None = None) -> Sandbox:
    """The practice servers for ``scenario``, not yet started (``with`` starts and stops them).

    ``faults`` are as `auditor sandbox serve --fault` takes them.
    """
    from auditor.sandbox import FaultRule, Sandbox

    return Sandbox(scenario, faults=[FaultRule.parse(spec) for spec in faults], workdir=workdir)


def practice_plan(sandbox: Sandbox, include_device: bool = True) -> AuditPlan:
    """Every provider the running practice servers imitate, and (unless left out) this computer."""
    endpoints = sandbox.endpoints()
    return AuditPlan(kinds=tuple(practice_kinds(endpoints, include_device)), endpoints=endpoints, practice=True)
