"""Current connections to servers known to receive stalkerware data (indicator C2 IP addresses)."""

from __future__ import annotations

from auditor.checkapi.device import DEVICE, INDICATORS, CheckContext
from auditor.model import CheckSpec, Finding, Severity, Status
from auditor.safetext import literal

SPEC = CheckSpec(
    id="device.c2_connections",
    title="Connections to known stalkerware servers",
    kind="device",
    severity=Severity.CRITICAL,
    reads=("this computer's current network connections", "the stalkerware indicator set (C2 IPs)"),
    playbooks=("device-monitoring-software",),
    needs=("device", "indicators"),
)


def run(ctx: CheckContext) -> list[Finding]:
    indicators = ctx.client(INDICATORS)
    reading = ctx.client(DEVICE).connections()
    findings = []
    remote = [c for c in reading.value if c.remote_ip]
    for conn in remote:
        match = indicators.match_ip(conn.remote_ip)
        if match is None:
            continue
        app = literal(match.app.name, 80)
        findings.append(
            ctx.finding(
                Status.FOUND,
                f"This computer is connected to a server used by stalkerware “{app}” ({literal(conn.remote_ip, 60)})",
                subject=f"{conn.remote_ip}:{conn.remote_port}",
                detail="A program on this computer is talking to a server that stalkerware sends data to.",
                evidence={
                    "remote": f"{conn.remote_ip}:{conn.remote_port}",
                    "local": conn.local,
                    "status": conn.status,
                    "pid": conn.pid,
                    "app": match.app.name,
                },
            )
        )
    return ctx.conclude(
        findings,
        reading,
        clear=f"No connection to a known stalkerware server ({len(remote)} connections checked)",
        evidence={"connections_checked": len(remote)},
    )
