"""Dual-use apps: family locators and parental controls that can also be used to track a partner."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.android import PHONE, dual_use_by_package
from auditor.model import CheckSpec, Finding, Severity

from ._common import package_evidence

SPEC = CheckSpec(
    id="android.dual_use_apps",
    title="Location-sharing and parental-control apps",
    kind="android",
    severity=Severity.HIGH,
    reads=("the phone's list of installed apps", "the project's list of dual-use apps"),
    playbooks=("android-dual-use",),
    needs=("phone",),
)


def run(ctx: CheckContext) -> list[Finding]:
    packages = ctx.client(PHONE).packages()
    known = dual_use_by_package()
    findings = []
    for package in packages.value:
        app = known.get(package.name)
        if app is None:
            continue
        made = ctx.review_or_found(
            f"{app.name} is on this phone and you didn't set it up",
            f"{app.name} is on this phone — did you set it up?",
            subject=package.name,
            detail=app.context,
            evidence={**package_evidence(package), "app": app.name},
        )
        if made:
            findings.append(made)
    return ctx.conclude(findings, packages, clear="No location-sharing or parental-control app is installed")
