"""Running programs whose name is that of known stalkerware (the stalkerware indicator set)."""

from __future__ import annotations

from auditor.checkapi.device import DEVICE, INDICATORS, CheckContext
from auditor.model import CheckSpec, Finding, Severity, Status
from auditor.safetext import literal

from ._common import match_program, process_evidence, process_label

SPEC = CheckSpec(
    id="device.stalkerware_processes",
    title="Known stalkerware running on this computer",
    kind="device",
    severity=Severity.CRITICAL,
    reads=("names and file locations of running programs", "the stalkerware indicator set"),
    playbooks=("device-monitoring-software",),
    needs=("device", "indicators"),
)


def run(ctx: CheckContext) -> list[Finding]:
    indicators = ctx.client(INDICATORS)
    reading = ctx.client(DEVICE).processes()
    findings = []
    for process in reading.value:
        match = match_program(indicators, process.name, process.exe)
        if match is None:
            continue
        app = literal(match.app.name, 80)
        findings.append(
            ctx.finding(
                Status.FOUND,
                f"Stalkerware “{app}” is running on this computer ({process_label(process)})",
                subject=f"{match.app.name}:{process.exe or process.name}",
                detail=(
                    f"A running program's name matches “{app}”, listed in the stalkerware indicator set as "
                    f"{literal(match.app.type)}. It may record what you do and send it to someone else."
                ),
                evidence={**process_evidence(process), "indicator": match.indicator, "app": match.app.name},
            )
        )
    return ctx.conclude(
        findings,
        reading,
        clear=f"No known stalkerware is running ({len(reading.value)} programs checked)",
        evidence={"processes_checked": len(reading.value)},
    )
