"""Helpers shared by the Android checks (the leading underscore keeps this out of check discovery)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from auditor.checkapi import CheckContext
from auditor.checkapi.android import (
    INDICATORS,
    AndroidIndicators,
    CheckUnavailable,
    Component,
    Package,
    Reading,
)
from auditor.model import Finding, Severity, Status
from auditor.safetext import literal

INDICATOR_SET = "the stalkerware indicator set"


def package_evidence(package: Package) -> dict[str, Any]:
    return {"package": package.name, "path": package.path, "installer": package.installer, "uid": package.uid}


def indicators(ctx: CheckContext) -> Reading[AndroidIndicators | None]:
    """The indicator set as a reading: when it could not be loaded the comparison is a gap, never a clear."""
    try:
        return Reading(INDICATOR_SET, ctx.client(INDICATORS))
    except CheckUnavailable as exc:
        return Reading(INDICATOR_SET, None, not_read=(str(exc),))


def by_name(packages: Iterable[Package]) -> dict[str, Package]:
    return {p.name: p for p in packages}


def is_system(component: Component, packages: dict[str, Package]) -> bool:
    """Only an app the phone itself lists as a system app counts as the system's.

    A component of a package missing from the list (another user's app, or a list that was cut short) is
    judged like any other app: a name such as com.android.something proves nothing, stalkerware uses it.
    """
    package = packages.get(component.package)
    return package is not None and package.system


def component_findings(
    ctx: CheckContext,
    components: Iterable[Component],
    packages: dict[str, Package],
    matcher: AndroidIndicators | None,
    *,
    power: str,
    why: str,
) -> list[Finding]:
    """Findings for privileged components (accessibility, notification access, device admin) of
    non-system apps: `found` when the app is known stalkerware, otherwise "Is this yours?"."""
    findings = []
    for component in components:
        if is_system(component, packages):
            continue
        name = literal(component.package, 120)
        evidence = {"component": component.flat, "package": component.package}
        match = matcher.match_package(component.package) if matcher is not None else None
        if match is not None:
            findings.append(
                ctx.finding(
                    Status.FOUND,
                    f"Stalkerware “{literal(match.app.name, 80)}” {power} ({name})",
                    subject=component.flat,
                    detail=why,
                    evidence={**evidence, "app": match.app.name},
                    severity=Severity.CRITICAL,
                )
            )
            continue
        made = ctx.review_or_found(
            f"An app you don't recognise {power}: {name}",
            f"{name} {power} — is this yours?",
            subject=component.flat,
            detail=why,
            evidence=evidence,
        )
        if made:
            findings.append(made)
    return findings
