"""Developer Mode: needed to run apps put on the phone from a computer (iOS 16 and later)."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.ios import IPHONE, Part
from auditor.model import CheckSpec, Finding, Severity, Status

from ._common import not_applicable

SPEC = CheckSpec(
    id="ios.developer_mode",
    title="Developer Mode on the iPhone",
    kind="ios",
    severity=Severity.MEDIUM,
    reads=("Developer Mode (lockdown com.apple.security.mac.amfi / DeveloperModeStatus)",),
    playbooks=("ios-settings",),
    needs=("iphone",),
)


def run(ctx: CheckContext) -> list[Finding]:
    skipped = not_applicable(ctx, Part.DEVELOPER_MODE)
    if skipped is not None:
        return skipped
    reading = ctx.client(IPHONE).developer_mode()
    if reading.value is True:
        made = ctx.review_or_found(
            "Developer Mode is on, and you did not turn it on",
            "Developer Mode is on — did you turn it on?",
            subject="developer-mode",
            detail=(
                "Developer Mode lets apps that were put on the phone from a computer (not the App Store) run. "
                "Turning it on needs the phone unlocked and a restart; someone who installs spyware this way needs it."
            ),
            evidence={"DeveloperModeStatus": True},
        )
        if made:
            return [made, *ctx.gaps(reading)]
        return [ctx.clear("Developer Mode is on, and you said you turned it on", reading)]
    if reading.value is None and reading.whole:
        return [
            ctx.finding(
                Status.SKIPPED,
                "This iPhone's iOS has no Developer Mode (it came with iOS 16)",
                subject="developer-mode",
                detail="Before iOS 16 there is no Developer Mode setting to check.",
            )
        ]
    return [ctx.clear("Developer Mode is off", reading)]
