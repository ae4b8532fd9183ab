"""A listening SSH server: anyone with a key or the password can log in from the network."""

from __future__ import annotations

from auditor.checkapi.device import DEVICE, CheckContext, program_name
from auditor.model import CheckSpec, Finding, Severity

SPEC = CheckSpec(
    id="device.ssh_server",
    title="An SSH server accepting logins",
    kind="device",
    severity=Severity.MEDIUM,
    reads=("listening network ports", "names of running programs", "the SSH server's settings (its ports)"),
    playbooks=("device-ssh-access",),
    needs=("device",),
)

SSH_DAEMONS = {"sshd", "dropbear", "openssh", "sshd-session"}


def run(ctx: CheckContext) -> list[Finding]:
    device = ctx.client(DEVICE)
    processes = device.processes()
    connections = device.connections()
    settings = device.sshd_settings()
    ports = set(settings.value.ports) | {22}
    listening = sorted(
        {c.local for c in connections.value if c.status == "LISTEN" and not c.remote_ip and c.local_port in ports}
    )
    daemons = sorted({p.name for p in processes.value if program_name(p.exe or p.name) in SSH_DAEMONS})
    findings: list[Finding] = []
    if listening or daemons:
        made = ctx.review_or_found(
            "An SSH server you did not set up is accepting logins on this computer",
            "An SSH server is accepting logins on this computer — did you set it up?",
            subject="ssh-server",
            detail=(
                "An SSH server lets anyone with a key or your password log in to this computer from the "
                "network and run programs. Many people never need one."
            ),
            evidence={"listening": listening, "processes": daemons, "ports": sorted(ports)},
        )
        if made:
            findings.append(made)
    # Without the port list (or the server's settings) a server under another name would be missed.
    return ctx.conclude(
        findings,
        processes,
        connections,
        settings,
        clear="The SSH server here is yours" if (listening or daemons) else "No SSH server is accepting logins",
    )
