"""Guided remedies for this computer, Android phones and iPhones: the person makes the change by hand.

Uninstalling stalkerware can escalate danger and destroys evidence, so the tool never removes anything from a
device. A finding's change is its playbook's steps for that device; the person follows them, says "done", and
the check runs again to see whether the path is closed. Nothing here sends a request or needs a permission
(``permission`` is None: a guided change), and nothing can be put back by the tool.
"""

from __future__ import annotations

import platform
from collections.abc import Sequence

from auditor.errors import UsageError
from auditor.model import Finding
from auditor.playbooks import Playbook, builtin_playbooks
from auditor.remedy import Applied, Change, WriterRequest

GUIDED_KINDS = ("device", "android", "ios")
DONE_BY_HAND = "done by hand"
NOT_RESTORABLE = (
    "The tool cannot put this back: you made the change by hand. The record as it was found is kept in the "
    "case's evidence."
)
# The playbook platforms whose steps apply to each kind of device ("any" always applies).
_PLATFORMS = {"android": ("android",), "ios": ("iphone",)}
_THIS_COMPUTER = {"Linux": "linux", "Darwin": "macos", "Windows": "windows"}


def platforms_for(kind: str, system: str | None = None) -> tuple[str, ...]:
    """The playbook platforms a kind of device follows; for this computer, its operating system's."""
    if kind == "device":
        name = _THIS_COMPUTER.get(system or platform.system())
        return (name, "any") if name else ("any",)
    return (*_PLATFORMS.get(kind, ()), "any")


def guided_steps(playbook: Playbook, kind: str, system: str | None = None) -> list[str]:
    """The playbook's steps for this kind of device, numbered as one list; every step when none match."""
    wanted = platforms_for(kind, system)
    chosen = [step for name in wanted for step in playbook.steps.get(name, ())]
    if not chosen:
        chosen = [step for steps in playbook.steps.values() for step in steps]
    return [f"{number}. {text}" for number, text in enumerate(chosen, 1)]


class GuidedWriter:
    """Sends nothing: ``apply`` records the person's "done" for a change they made by hand."""

    async def apply(self, change: Change) -> Applied:
        if not change.guided:
            raise UsageError("a change that needs a permission is not made by hand")
        return Applied(change, answer={"done": DONE_BY_HAND})

    async def restore(self, applied: Applied) -> Applied:
        raise UsageError(NOT_RESTORABLE)

    async def aclose(self) -> None:
        return None


class GuidedRemedies:
    kind = "guided"

    def by_hand(self, change: Change, request: WriterRequest) -> str | None:
        return None  # every change planned here can be asked for and sent

    def changes_for(self, finding: Finding) -> list[Change]:
        """One guided change: the first playbook of the finding, its steps for this device."""
        kind = finding.check.split(".", 1)[0]
        playbooks = builtin_playbooks().for_finding(finding)
        if kind not in GUIDED_KINDS or not playbooks:
            return []
        playbook = playbooks[0]
        return [
            Change(
                fingerprint=finding.fingerprint,
                kind=kind,
                target=finding.target,
                action="by-hand",
                subject=finding.subject,
                words=f"By hand, on {finding.target}: {playbook.title}",
                request="\n".join(guided_steps(playbook, kind)),
                before=dict(finding.evidence),
                permission=None,
                restorable=False,
                restore_note=NOT_RESTORABLE,
            )
        ]

    async def open_writer(self, request: WriterRequest) -> GuidedWriter:
        refused: Sequence[Change] = [c for c in request.changes if not c.guided]
        if refused:
            raise UsageError("a change that needs a permission is not made by hand")
        return GuidedWriter()


REMEDIES = GuidedRemedies()
