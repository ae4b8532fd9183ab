"""Remote-access tools running or set to start: someone could see and control this computer."""

from __future__ import annotations

from typing import Any

from auditor.checkapi.device import CATALOG, DEVICE, CheckContext, command_program
from auditor.model import CheckSpec, Finding, Severity
from auditor.safetext import literal

from ._common import process_evidence

SPEC = CheckSpec(
    id="device.remote_access",
    title="Remote-access tools running or set to start",
    kind="device",
    severity=Severity.HIGH,
    reads=("names of running programs", "autostart entries", "the project's list of remote-access tools"),
    playbooks=("device-remote-access",),
    needs=("device", "catalog"),
)


def run(ctx: CheckContext) -> list[Finding]:
    catalog = ctx.client(CATALOG)
    device = ctx.client(DEVICE)
    processes = device.processes()
    autostart = device.autostart_entries()
    running: dict[str, list[dict[str, Any]]] = {}
    starting: dict[str, list[dict[str, Any]]] = {}
    for process in processes.value:
        tool = catalog.remote_tool(process.name, process.exe)
        if tool is not None:
            running.setdefault(tool.name, []).append(process_evidence(process))
    for entry in autostart.value:
        tool = catalog.remote_tool(command_program(entry.command))
        if tool is not None and entry.enabled:
            starting.setdefault(tool.name, []).append(
                {"mechanism": entry.mechanism, "location": entry.location, "command": entry.command}
            )
    findings = []
    for name in sorted(set(running) | set(starting)):
        how = "is running" if name in running else "is set to start automatically"
        if name in running and name in starting:
            how = "is running and set to start automatically"
        shown = literal(name, 80)
        made = ctx.review_or_found(
            f"{shown} (remote access) {how} — you said it is not yours",
            f"{shown} (remote access) {how} — is this yours?",
            subject=name,
            detail=(
                f"{shown} lets someone see and control this computer from elsewhere. If you or someone you "
                "trust set it up (IT support, family help), it may be fine; if not, someone may be using it."
            ),
            evidence={"tool": name, "running": running.get(name, []), "autostart": starting.get(name, [])},
        )
        if made:
            findings.append(made)
    yours = sorted(set(running) | set(starting))
    return ctx.conclude(
        findings,
        processes,
        autostart,
        clear=(
            f"Remote-access tools you said are yours: {literal(', '.join(yours))}"
            if yours
            else "No remote-access tool is running or set to start"
        ),
    )
