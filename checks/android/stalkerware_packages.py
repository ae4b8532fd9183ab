"""Installed apps whose package name is that of known stalkerware."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.android import INDICATORS, PHONE
from auditor.model import CheckSpec, Finding, Severity, Status
from auditor.safetext import literal

from ._common import package_evidence

SPEC = CheckSpec(
    id="android.stalkerware_packages",
    title="Known stalkerware installed on the phone",
    kind="android",
    severity=Severity.CRITICAL,
    reads=(
        "the phone's list of installed apps (adb shell pm list packages)",
        "the stalkerware indicator set",
    ),
    playbooks=("android-stalkerware",),
    needs=("phone", "indicators"),
)


def run(ctx: CheckContext) -> list[Finding]:
    indicators = ctx.client(INDICATORS)
    packages = ctx.client(PHONE).packages()
    findings = []
    for package in packages.value:
        match = indicators.match_package(package.name)
        if match is None:
            continue
        app = literal(match.app.name, 80)
        findings.append(
            ctx.finding(
                Status.FOUND,
                f"Stalkerware “{app}” is installed on this phone ({literal(package.name, 120)})",
                subject=package.name,
                detail=(
                    f"The app {literal(package.name, 120)} is {app}, listed in the stalkerware indicator set as "
                    f"{literal(match.app.type)}. It can read messages, track location and record, and send it "
                    "all to whoever installed it."
                ),
                evidence={**package_evidence(package), "app": match.app.name, "type": match.app.type},
            )
        )
    return ctx.conclude(
        findings, packages, clear=f"No known stalkerware app is installed ({len(packages.value)} apps checked)"
    )
