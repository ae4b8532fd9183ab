"""Autostart and persistence entries: known-bad ones, and unfamiliar ones set up in the person's account."""

from __future__ import annotations

from auditor.checkapi.device import CATALOG, DEVICE, INDICATORS, AutostartEntry, CheckContext, command_program
from auditor.model import CheckSpec, Finding, Severity, Status
from auditor.safetext import literal

from ._common import match_program

SPEC = CheckSpec(
    id="device.autostart",
    title="Programs set to start by themselves",
    kind="device",
    severity=Severity.HIGH,
    reads=(
        "autostart entries (Linux: XDG autostart, systemd units, crontabs; macOS: LaunchAgents, "
        "LaunchDaemons and crontabs; Windows: Run keys, Startup folders, scheduled tasks)",
        "the stalkerware indicator set",
    ),
    playbooks=("device-autostart",),
    needs=("device", "indicators", "catalog"),
)

_WHERE = {
    "xdg-autostart": "starts when you log in",
    "systemd-user": "starts as a background service when you log in",
    "systemd": "starts as a background service",
    "cron": "runs on a schedule",
    "launchd": "starts when you log in",
    "run-key": "starts when you log in",
    "startup-folder": "starts when you log in",
    "scheduled-task": "runs as a scheduled task",
}


def _evidence(entry: AutostartEntry) -> dict[str, object]:
    return {
        "mechanism": entry.mechanism,
        "location": entry.location,
        "name": entry.name,
        "command": entry.command,
        "scope": entry.scope,
    }


def run(ctx: CheckContext) -> list[Finding]:
    indicators = ctx.client(INDICATORS)
    catalog = ctx.client(CATALOG)
    reading = ctx.client(DEVICE).autostart_entries()
    findings: list[Finding] = []
    for entry in reading.value:
        if not entry.enabled:
            continue
        program = command_program(entry.command)
        if catalog.remote_tool(program):
            continue  # reported by the remote-access check
        label = literal(entry.name, 80)
        when = _WHERE.get(entry.mechanism, "starts by itself")
        subject = f"{entry.mechanism}:{entry.location}:{entry.name}"
        match = match_program(indicators, program)
        product = catalog.monitoring_product(entry.command)
        if match is not None or (product is not None and product.category == "covert"):
            what = literal(match.app.name if match else product.name if product else "", 80)
            findings.append(
                ctx.finding(
                    Status.FOUND,
                    f"Monitoring software “{what}” is set to start on this computer ({label})",
                    subject=subject,
                    detail=f"“{label}” {when}. Its program matches {what}, known monitoring software.",
                    evidence=_evidence(entry),
                    severity=Severity.CRITICAL,
                )
            )
        elif entry.scope == "user":
            made = ctx.review_or_found(
                f"A program you don't recognise {when}: {label}",
                f"“{label}” {when} — is this yours?",
                subject=subject,
                detail=(
                    f"It runs: {literal(entry.command, 300)}. Programs set to start by themselves are how "
                    "monitoring software survives a restart. If you installed it, mark it as yours."
                ),
                evidence=_evidence(entry),
                severity=Severity.MEDIUM,
            )
            if made:
                findings.append(made)
    return ctx.conclude(
        findings,
        reading,
        clear=f"Nothing unfamiliar is set to start ({len(reading.value)} entries checked)",
        evidence={"entries_checked": len(reading.value)},
    )
