"""Hosts-file entries for stalkerware domains (names are compared; no indicator domain is ever resolved)."""

from __future__ import annotations

from auditor.checkapi.device import DEVICE, INDICATORS, CheckContext
from auditor.model import CheckSpec, Finding, Severity, Status
from auditor.safetext import literal

SPEC = CheckSpec(
    id="device.hosts_file",
    title="Stalkerware domains in the hosts file",
    kind="device",
    severity=Severity.HIGH,
    reads=("the hosts file", "the stalkerware indicator set (C2 domains)"),
    playbooks=("device-monitoring-software",),
    needs=("device", "indicators"),
)


def run(ctx: CheckContext) -> list[Finding]:
    indicators = ctx.client(INDICATORS)
    reading = ctx.client(DEVICE).hosts_entries()
    findings = []
    for entry in reading.value:
        match = indicators.match_domain(entry.hostname)
        if match is None:
            continue
        host = literal(entry.hostname, 120)
        findings.append(
            ctx.finding(
                Status.FOUND,
                f"The hosts file names a stalkerware server: {host} ({literal(match.app.name, 80)})",
                subject=f"{entry.hostname}:{entry.address}",
                detail=(
                    f"Line {entry.line} of {literal(entry.file or 'the hosts file', 200)} points {host} at "
                    f"{literal(entry.address, 60)}. Stalkerware installers sometimes add such lines; it shows "
                    "the software was here."
                ),
                evidence={"hostname": entry.hostname, "address": entry.address, "line": entry.line},
            )
        )
    return ctx.conclude(
        findings, reading, clear=f"No stalkerware domain in the hosts file ({len(reading.value)} names checked)"
    )
