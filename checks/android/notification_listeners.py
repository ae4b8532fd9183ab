"""Notification listeners of non-system apps: they receive every notification, message previews included."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.android import PHONE
from auditor.model import CheckSpec, Finding, Severity

from ._common import by_name, component_findings, indicators

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
    phone = ctx.client(PHONE)
    listeners = phone.notification_listeners()
    packages = phone.packages()
    matcher = indicators(ctx)
    findings = component_findings(
        ctx,
        listeners.value,
        by_name(packages.value),
        matcher.value,
        power="reads all your notifications",
        why=(
            "Notification access shows an app every notification, including message previews and sign-in "
            "codes. Smartwatch apps need it; spyware uses it to copy messages."
        ),
    )
    return ctx.conclude(
        findings,
        listeners,
        packages,
        matcher,
        clear=f"No non-system app reads your notifications ({len(listeners.value)} checked)",
    )
