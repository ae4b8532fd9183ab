"""SSH authorized keys: each key lets whoever holds it log in to this computer without a password."""

from __future__ import annotations

from auditor.checkapi.device import DEVICE, AuthorizedKey, CheckContext
from auditor.model import CheckSpec, Finding, Severity
from auditor.safetext import literal

SPEC = CheckSpec(
    id="device.ssh_keys",
    title="Keys that can log in to this computer over SSH",
    kind="device",
    severity=Severity.HIGH,
    reads=(
        "the SSH server's settings (where it takes keys from)",
        "~/.ssh/authorized_keys (and any AuthorizedKeysFile) of the accounts this tool can read",
    ),
    playbooks=("device-ssh-access",),
    needs=("device",),
)


def run(ctx: CheckContext) -> list[Finding]:
    reading = ctx.client(DEVICE).ssh_keys()
    findings: list[Finding] = []
    by_fingerprint: dict[str, list[AuthorizedKey]] = {}
    for key in reading.value:
        by_fingerprint.setdefault(key.fingerprint, []).append(key)
    for same in by_fingerprint.values():
        key = same[0]
        label = literal(key.comment, 80) if key.comment else key.fingerprint
        made = ctx.review_or_found(
            f"An SSH key you don't recognise can log in to this computer: {label}",
            f"An SSH key can log in to this computer: {label} — is this yours?",
            subject=key.fingerprint,
            detail=(
                f"{literal(key.file, 200)}, line {key.line}: a {key.key_type} key ({key.fingerprint}). "
                "Whoever has the matching private key can log in without your password."
            ),
            evidence={
                "type": key.key_type,
                "fingerprint": key.fingerprint,
                "entries": [{"file": k.file, "line": k.line, "comment": k.comment, "options": k.options} for k in same],
            },
        )
        if made:
            findings.append(made)
    title = "No SSH key can log in to this computer" if not reading.value else "Every SSH key here is yours"
    return ctx.conclude(findings, reading, clear=title)
