"""Dual-use apps: family locators and parental controls that can also be used to track a partner."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.ios import INDICATORS, IPHONE, dual_use_app
from auditor.model import CheckSpec, Finding, Severity
from auditor.safetext import literal

from ._common import app_evidence, app_name, read_from

SPEC = CheckSpec(
    id="ios.dual_use_apps",
    title="Location-sharing and parental-control apps on the iPhone",
    kind="ios",
    severity=Severity.HIGH,
    reads=(
        "the iPhone's installed apps, or the apps a backup records",
        "ISDi's list of dual-use App Store apps and the indicator set's watchware",
    ),
    playbooks=("ios-dual-use",),
    needs=("iphone", "indicators"),
)


def run(ctx: CheckContext) -> list[Finding]:
    indicators = ctx.client(INDICATORS)
    apps = ctx.client(IPHONE).apps()
    findings: list[Finding] = []
    for app in apps.value:
        if app.system:
            continue
        listed = dual_use_app(app.bundle_id)
        watch = indicators.match_ios_bundle(app.bundle_id)
        if watch is not None and watch.app.type == "stalkerware":
            continue  # the stalkerware check reports it
        if listed is None and watch is None:
            continue
        listed_as = listed.name if listed else watch.app.name if watch else app.bundle_id
        label = literal(listed_as, 80)
        context = listed.context if listed else "The stalkerware indicator set lists it as watchware."
        evidence = {**app_evidence(app), "app": app.name or listed_as, "listed_as": listed_as}
        if listed:
            evidence["list"] = listed.source
        if watch:
            evidence["indicator"] = watch.indicator
        made = ctx.review_or_found(
            f"A tracking or parental-control app you didn't set up is on this iPhone: {app_name(app)}, listed as "
            f"“{label}”",
            f"A tracking or parental-control app is on this iPhone: {app_name(app)}, listed as “{label}” — did you "
            "set it up?",
            subject=app.bundle_id,
            detail=context,
            evidence=evidence,
        )
        if made:
            findings.append(made)
    return ctx.conclude(
        findings,
        apps,
        clear=f"No listed location-sharing or parental-control app is installed ({len(apps.value)} apps)",
        evidence=read_from(apps.value),
    )
