"""Signing certificates of apps installed from outside a store, against the indicator set.

Stalkerware is often renamed to look like a system app; its signing certificate still gives it away.
"""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.android import INDICATORS, PHONE, sideload_origin
from auditor.model import CheckSpec, Finding, Severity, Status
from auditor.safetext import literal

from ._common import package_evidence

SPEC = CheckSpec(
    id="android.signing_certificates",
    title="Sideloaded apps signed by known stalkerware makers",
    kind="android",
    severity=Severity.CRITICAL,
    reads=(
        "the APK files of apps installed from outside an app store (copied read-only)",
        "the indicator set",
    ),
    playbooks=("android-stalkerware",),
    needs=("phone", "indicators"),
    timeout=300,
)


def run(ctx: CheckContext) -> list[Finding]:
    indicators = ctx.client(INDICATORS)
    phone = ctx.client(PHONE)
    apps = phone.third_party()
    sideloaded = [p for p in apps.value if sideload_origin(p.installer)]
    findings: list[Finding] = []
    signatures = []
    for package in sideloaded:
        signature = phone.signing_certificates(package)
        signatures.append(signature)
        for sha1 in signature.value:
            match = indicators.match_certificate(sha1)
            if match is None:
                continue
            app = literal(match.app.name, 80)
            findings.append(
                ctx.finding(
                    Status.FOUND,
                    f"“{literal(package.name, 120)}” is stalkerware “{app}” under another name",
                    subject=f"{package.name}:{sha1}",
                    detail=(
                        f"The app calls itself {literal(package.name, 120)}, but it is signed with a certificate "
                        f"of {app} (SHA-1 {sha1}). Stalkerware often disguises itself as a system app."
                    ),
                    evidence={**package_evidence(package), "certificate_sha1": sha1, "app": match.app.name},
                )
            )
    return ctx.conclude(
        findings,
        apps,
        *signatures,
        clear=f"No sideloaded app is signed by a known stalkerware maker ({len(sideloaded)} checked)",
    )
