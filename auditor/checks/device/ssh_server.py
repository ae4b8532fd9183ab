"""A listening SSH server: anyone with a key or the password can log in from the network."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checks.device._common import complete
from auditor.device.catalog import program_name
from auditor.model import CheckSpec, Finding, Severity

SPEC = CheckSpec(
    id="device.ssh_server",
    title="An SSH server accepting logins",
    kind="device",
    severity=Severity.MEDIUM,
    reads=("listening network ports", "names of running programs"),
    playbooks=("device-ssh-access",),
    needs=("device",),
)

SSH_DAEMONS = {"sshd", "dropbear", "openssh", "sshd-session"}


def run(ctx: CheckContext) -> list[Finding]:
    device = ctx.client("device")
    processes = complete(device.processes())
    connections = device.connections()
    listening = [c.local for c in connections.items if c.status == "LISTEN" and c.local.rsplit(":", 1)[-1] == "22"]
    daemons = sorted({p.name for p in processes.items if program_name(p.exe or p.name) in SSH_DAEMONS})
    if listening or daemons:
        made = ctx.review_or_found(
            "An SSH server you did not set up is accepting logins on this computer",
            "An SSH server is accepting logins on this computer — did you set it up?",
            subject="ssh-server",
            detail=(
                "An SSH server lets anyone with a key or your password log in to this computer from the "
                "network and run programs. Many people never need one."
            ),
            evidence={"listening": listening, "processes": daemons},
        )
        if made:
            return [made]
        return [ctx.clear("The SSH server here is yours")]
    if connections.complete_failure:
        # Without the port list a server under another name would be missed: never a plain all-clear.
        return [
            ctx.clear("No SSH server program is running"),
            ctx.not_read("Couldn't list listening ports to look for an SSH server", connections.complete_failure),
        ]
    return [ctx.clear("No SSH server is accepting logins")]
