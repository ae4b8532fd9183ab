"""Notification listeners of non-system apps: they receive every notification, message previews included."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checks.android._common import component_findings
from auditor.model import CheckSpec, Finding, Severity

SPEC = CheckSpec(
    id="android.notification_listeners",
    title="Apps that read all your notifications",
    kind="android",
    severity=Severity.HIGH,
    reads=("enabled notification listeners (secure settings)", "the indicator set"),
    playbooks=("android-permissions",),
    needs=("phone",),
)


def run(ctx: CheckContext) -> list[Finding]:
    phone = ctx.client("phone")
    listeners = phone.notification_listeners()
    findings = component_findings(
        ctx,
        listeners,
        {p.name: p for p in phone.packages()},
        power="reads all your notifications",
        why=(
            "Notification access shows an app every notification, including message previews and sign-in "
            "codes. Smartwatch apps need it; spyware uses it to copy messages."
        ),
        noun="notification access",
    )
    return findings or [ctx.clear(f"No non-system app reads your notifications ({len(listeners)} checked)")]
