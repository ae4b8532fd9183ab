"""Helpers shared by the Android checks (the leading underscore keeps this out of check discovery)."""

from __future__ import annotations

from typing import Any

from auditor.android.parsers import Component, Package
from auditor.iocs import IndicatorMatch, Indicators

# Device-admin and accessibility components that ship with the system or Google Play services.
TRUSTED_PREFIXES = ("com.android.", "com.google.android.", "android")


def package_evidence(package: Package) -> dict[str, Any]:
    return {"package": package.name, "path": package.path, "installer": package.installer, "uid": package.uid}


def component_match(indicators: Indicators | None, component: Component) -> IndicatorMatch | None:
    return indicators.match_package(component.package) if indicators is not None else None


def is_system(component: Component, packages: dict[str, Package]) -> bool:
    package = packages.get(component.package)
    if package is not None:
        return package.system
    return component.package.startswith(TRUSTED_PREFIXES)


def component_findings(
    ctx: Any,
    components: list[Component],
    packages: dict[str, Package],
    *,
    power: str,
    why: str,
    noun: str,
) -> list[Any]:
    """Findings for privileged components (accessibility, notification access, device admin) of
    non-system apps: `found` when the app is known stalkerware, otherwise "Is this yours?". Without an
    indicator set the comparison is reported as `error`, so the result never reads as clear."""
    from auditor.model import Severity, Status
    from auditor.safetext import literal

    indicators = ctx.source.clients.get("indicators")
    findings = []
    for component in components:
        if is_system(component, packages):
            continue
        name = literal(component.package, 120)
        evidence = {"component": component.flat, "package": component.package}
        match = component_match(indicators, component)
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
    if indicators is None:
        findings.append(
            ctx.finding(
                Status.ERROR,
                f"Couldn't compare apps with {noun} with the stalkerware list",
                subject="no-indicators",
                detail=ctx.source.unavailable.get("indicators", "no indicator set is installed"),
            )
        )
    return findings
