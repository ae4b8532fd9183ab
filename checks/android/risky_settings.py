"""Settings that make a phone easier to put spyware on: Play Protect off, unknown sources, USB debugging."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.android import PHONE
from auditor.model import CheckSpec, Finding, Severity

SPEC = CheckSpec(
    id="android.risky_settings",
    title="Phone settings that make spyware easier to install",
    kind="android",
    severity=Severity.MEDIUM,
    reads=("global and secure settings (adb shell settings list)",),
    playbooks=("android-settings",),
    needs=("phone",),
)

# (setting table, key, value that is risky, subject, title, why)
RISKY = (
    (
        "global",
        "package_verifier_enable",
        "0",
        "play-protect-off",
        "Google Play Protect (app scanning) is turned off",
        "Play Protect warns about harmful apps, including known stalkerware. Someone may have turned it off.",
    ),
    (
        "global",
        "verifier_verify_adb_installs",
        "0",
        "adb-installs-unchecked",
        "Apps installed from a computer are not checked by Play Protect",
        "Stalkerware is often installed from a computer over USB; this setting lets it skip the check.",
    ),
    (
        "secure",
        "install_non_market_apps",
        "1",
        "unknown-sources",
        "Installing apps from unknown sources is allowed",
        "Any app file can be installed without an app store's checks.",
    ),
    (
        "global",
        "development_settings_enabled",
        "1",
        "developer-options",
        "Developer options are on",
        "Developer options are needed for this audit; turn them off afterwards unless you use them.",
    ),
    (
        "global",
        "adb_enabled",
        "1",
        "usb-debugging",
        "USB debugging is on",
        "USB debugging lets a connected computer install apps and read data. Turn it off when the audit is done.",
    ),
)


def run(ctx: CheckContext) -> list[Finding]:
    phone = ctx.client(PHONE)
    readings = {"global": phone.global_settings(), "secure": phone.secure_settings()}
    findings = []
    for table, key, risky, subject, title, why in RISKY:
        if readings[table].value.get(key) != risky:
            continue
        severity = Severity.LOW if subject in ("developer-options", "usb-debugging") else Severity.MEDIUM
        made = ctx.review_or_found(
            f"{title} — you did not change this",
            f"{title} — did you change this?",
            subject=subject,
            detail=why,
            evidence={"setting": f"{table}/{key}", "value": risky},
            severity=severity,
        )
        if made:
            findings.append(made)
    return ctx.conclude(findings, *readings.values(), clear="The phone's protection settings look normal")
