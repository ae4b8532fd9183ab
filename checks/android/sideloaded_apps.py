"""Apps installed from outside an app store: how most stalkerware gets onto a phone."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.android import PHONE, sideload_origin
from auditor.model import CheckSpec, Finding, Severity
from auditor.safetext import literal

from ._common import package_evidence

SPEC = CheckSpec(
    id="android.sideloaded_apps",
    title="Apps installed from outside an app store",
    kind="android",
    severity=Severity.MEDIUM,
    reads=("each app's installer (adb shell pm list packages -i)",),
    playbooks=("android-stalkerware",),
    needs=("phone",),
)


def run(ctx: CheckContext) -> list[Finding]:
    packages = ctx.client(PHONE).third_party()
    findings = []
    for package in packages.value:
        origin = sideload_origin(package.installer)
        if origin is None:
            continue
        name = literal(package.name, 120)
        made = ctx.review_or_found(
            f"An app you don't recognise was {origin.split(' (')[0]}: {name}",
            f"{name} was {origin.split(' (')[0]} — is this yours?",
            subject=package.name,
            detail=(
                f"{name} was {literal(origin, 200)}. Stalkerware is installed this way because app stores do "
                "not allow it; apps you installed yourself from a website also show up here."
            ),
            evidence=package_evidence(package),
        )
        if made:
            findings.append(made)
    return ctx.conclude(
        findings, packages, clear=f"Every app came from an app store ({len(packages.value)} apps checked)"
    )
