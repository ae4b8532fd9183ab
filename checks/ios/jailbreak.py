"""Signs of a jailbreak: jailbreak tools and their app stores, and the root file service a jailbreak adds."""

from __future__ import annotations

from typing import Any

from auditor.checkapi import CheckContext, Reading
from auditor.checkapi.ios import IPHONE, Part, jailbreak_tool
from auditor.model import CheckSpec, Finding, Severity
from auditor.safetext import literal

from ._common import app_evidence, app_name, read_from

SPEC = CheckSpec(
    id="ios.jailbreak",
    title="Signs that the iPhone is jailbroken",
    kind="ios",
    severity=Severity.CRITICAL,
    reads=(
        "the installed apps, against the project's list of jailbreak tools",
        "whether the phone starts com.apple.afc2 (a jailbroken phone's root file service), over USB only",
    ),
    playbooks=("ios-stalkerware",),
    needs=("iphone",),
)

WHY = (
    "A jailbreak removes the iPhone's protections so that any software can be installed, out of sight. Spyware "
    "that lives on an iPhone itself (rather than reading its iCloud backup) needs one, and it is installed by "
    "someone who had the phone unlocked in their hands."
)


def run(ctx: CheckContext) -> list[Finding]:
    phone = ctx.client(IPHONE)
    apps = phone.apps()
    readings: list[Reading[Any]] = [apps]
    findings: list[Finding] = []
    for app in apps.value:
        tool = jailbreak_tool(app.bundle_id)
        if tool is None:
            continue
        made = ctx.review_or_found(
            f"A jailbreak tool, {literal(tool, 60)}, is on this iPhone and you did not jailbreak it: {app_name(app)}",
            f"A jailbreak tool, {literal(tool, 60)}, is on this iPhone — did you jailbreak it? {app_name(app)}",
            subject=app.bundle_id,
            detail=WHY,
            evidence={**app_evidence(app), "tool": tool},
        )
        if made:
            findings.append(made)
    if phone.holds(Part.JAILBREAK_SERVICE):
        service = phone.jailbreak_service()
        readings.append(service)
        if service.value:
            made = ctx.review_or_found(
                "The iPhone has a jailbreak's root file service (afc2), and you did not jailbreak it",
                "The iPhone has a jailbreak's root file service (afc2) — did you jailbreak it?",
                subject="afc2",
                detail=WHY + " The afc2 service lets a connected computer read and change every file on the phone.",
                evidence={"service": "com.apple.afc2", "started": True},
            )
            if made:
                findings.append(made)
    clear = (
        "No sign of a jailbreak"
        if phone.holds(Part.JAILBREAK_SERVICE)
        else "No jailbreak tool is among the apps the backup records"
    )
    return ctx.conclude(findings, *readings, clear=clear, evidence=read_from(apps.value))
