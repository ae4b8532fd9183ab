"""Device administrators other than the system's: hard to uninstall, can lock or wipe the phone."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.android import PHONE
from auditor.model import CheckSpec, Finding, Severity

from ._common import by_name, component_findings, indicators

SPEC = CheckSpec(
    id="android.device_admins",
    title="Apps with device-administrator rights",
    kind="android",
    severity=Severity.HIGH,
    reads=("active device admins and device owners (dumpsys device_policy)", "the indicator set"),
    playbooks=("android-permissions",),
    needs=("phone",),
)


def run(ctx: CheckContext) -> list[Finding]:
    phone = ctx.client(PHONE)
    admins = phone.device_admins()
    packages = phone.packages()
    matcher = indicators(ctx)
    components = admins.value.components
    findings = component_findings(
        ctx,
        components,
        by_name(packages.value),
        matcher.value,
        power="has device-administrator rights",
        why=(
            "A device administrator can lock or wipe the phone and cannot be uninstalled until its rights are "
            "removed — stalkerware uses this to stay on the phone. Work phones may have a company app here."
        ),
    )
    return ctx.conclude(
        findings,
        admins,
        packages,
        matcher,
        clear=f"No app other than the system's is a device administrator ({len(components)})",
    )
