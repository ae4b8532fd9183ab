"""Accessibility services of non-system apps: they can read the screen and act as the person."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.android import PHONE
from auditor.model import CheckSpec, Finding, Severity

from ._common import by_name, component_findings, indicators

SPEC = CheckSpec(
    id="android.accessibility_services",
    title="Apps allowed to read the screen and act for you (accessibility)",
    kind="android",
    severity=Severity.HIGH,
    reads=("enabled accessibility services (settings and dumpsys accessibility)", "the indicator set"),
    playbooks=("android-permissions",),
    needs=("phone",),
)


def run(ctx: CheckContext) -> list[Finding]:
    phone = ctx.client(PHONE)
    services = phone.accessibility_services()
    packages = phone.packages()
    matcher = indicators(ctx)
    findings = component_findings(
        ctx,
        services.value,
        by_name(packages.value),
        matcher.value,
        power="can read your screen and act for you",
        why=(
            "Accessibility services see everything on the screen and can tap for you. Screen readers and "
            "password managers need this; spyware uses it to read messages."
        ),
    )
    return ctx.conclude(
        findings,
        services,
        packages,
        matcher,
        clear=f"No non-system app can read your screen ({len(services.value)} services checked)",
    )
