"""Installed apps that the stalkerware indicator set names: by iOS bundle ID, Android package or app name."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.ios import INDICATORS, IPHONE, IndicatorMatch
from auditor.model import CheckSpec, Finding, Severity, Status
from auditor.safetext import literal

from ._common import app_evidence, app_name, read_from

SPEC = CheckSpec(
    id="ios.stalkerware_apps",
    title="Known stalkerware installed on the iPhone",
    kind="ios",
    severity=Severity.CRITICAL,
    reads=(
        "the iPhone's installed apps (installation_proxy Browse), or the apps a backup records",
        "the stalkerware indicator set (ios_bundles, package names, app names)",
    ),
    playbooks=("ios-stalkerware",),
    needs=("iphone", "indicators"),
)


def _stalkerware(match: IndicatorMatch | None) -> IndicatorMatch | None:
    # Watchware (family trackers) in the same set is judged by the dual-use check, as "Is this yours?".
    return match if match is not None and match.app.type == "stalkerware" else None


def run(ctx: CheckContext) -> list[Finding]:
    indicators = ctx.client(INDICATORS)
    apps = ctx.client(IPHONE).apps()
    findings: list[Finding] = []
    for app in apps.value:
        match = _stalkerware(indicators.match_ios_bundle(app.bundle_id))
        how = "its bundle ID is listed for it"
        if match is None:
            match = _stalkerware(indicators.match_package(app.bundle_id))
            how = "its bundle ID is the package name of its Android app"
        if match is not None:
            spy = literal(match.app.name, 80)
            findings.append(
                ctx.finding(
                    Status.FOUND,
                    f"Stalkerware “{spy}” is installed on this iPhone: {app_name(app)}",
                    subject=app.bundle_id,
                    detail=(
                        f"The app {app_name(app)} is {spy} ({how} in the stalkerware indicator set). It can report "
                        "what you do on the phone to whoever installed it."
                    ),
                    evidence={**app_evidence(app), "app": match.app.name, "indicator": match.indicator},
                )
            )
            continue
        if app.system or not app.name:
            continue
        named = _stalkerware(indicators.match_app_name(app.name))
        if named is None:
            continue
        spy = literal(named.app.name, 80)
        made = ctx.review_or_found(
            f"An app named like stalkerware “{spy}” is on this iPhone: {app_name(app)}",
            f"An app named like stalkerware “{spy}” is on this iPhone: {app_name(app)} — is it yours?",
            subject=app.bundle_id,
            detail=(
                f"Its name matches {spy} in the stalkerware indicator set, but its bundle ID is not listed; it may "
                "be a different app with a similar name."
            ),
            evidence={**app_evidence(app), "app": named.app.name, "indicator": named.indicator},
            severity=Severity.HIGH,
        )
        if made:
            findings.append(made)
    return ctx.conclude(
        findings,
        apps,
        clear=f"No known stalkerware app is installed ({len(apps.value)} apps checked)",
        evidence=read_from(apps.value),
    )
