"""Apps not signed by the App Store: put on the phone from a computer, or by an organisation's certificate."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.ios import IPHONE, Part, signing_kind
from auditor.model import CheckSpec, Finding, Severity
from auditor.safetext import literal

from ._common import app_evidence, app_name, not_applicable

SPEC = CheckSpec(
    id="ios.sideloaded_apps",
    title="Apps installed on the iPhone from outside the App Store",
    kind="ios",
    severity=Severity.HIGH,
    reads=("the certificate that signed each installed app (installation_proxy's SignerIdentity)",),
    playbooks=("ios-stalkerware",),
    needs=("iphone",),
)

HOW = {
    "development": (
        "was put on this iPhone from a computer, signed with a developer's own certificate ({signer})",
        "An app signed with a developer certificate can only be installed by someone with the unlocked phone and a "
        "computer (Xcode or a sideloading tool). Spyware for iPhones is sometimes installed this way.",
    ),
    "distribution": (
        "was installed outside the App Store with an organisation's certificate ({signer})",
        "Companies install their own apps this way on work phones. On a personal phone, an app signed by an "
        "organisation you do not know did not come from the App Store's review.",
    ),
    "other": (
        "is signed by {signer}, not by the App Store",
        "The App Store signs every app it installs; this one was installed another way.",
    ),
}


def run(ctx: CheckContext) -> list[Finding]:
    skipped = not_applicable(ctx, Part.SIGNERS)
    if skipped is not None:
        return skipped
    apps = ctx.client(IPHONE).apps()
    findings: list[Finding] = []
    unsigned = []
    for app in apps.value:
        if app.system:
            continue
        kind = signing_kind(app.signer)
        if kind == "app-store":
            continue
        if not kind:
            unsigned.append(app.bundle_id)
            continue
        title, why = HOW[kind]
        what = title.format(signer=f"“{literal(app.signer, 100)}”")
        made = ctx.review_or_found(
            f"{app_name(app)} {what}, and you did not install it",
            f"{app_name(app)} {what} — did you install it?",
            subject=app.bundle_id,
            detail=why,
            evidence={**app_evidence(app), "app": app.label, "signing": kind},
        )
        if made:
            findings.append(made)
    if unsigned:
        shown = ", ".join(literal(b, 80) for b in unsigned[:10])
        apps = apps.missing(f"{len(unsigned)} app(s) did not say which certificate signed them ({shown})")
    user = sum(1 for a in apps.value if not a.system)
    return ctx.conclude(findings, apps, clear=f"Every app came from the App Store ({user} installed apps checked)")
