"""Configuration profiles: each can manage the phone, route its traffic or install apps; each is asked about."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.ios import IPHONE, Profile
from auditor.model import CheckSpec, Finding, Severity
from auditor.safetext import literal

from ._common import profile_evidence, read_from

SPEC = CheckSpec(
    id="ios.profiles",
    title="Configuration profiles and device management on the iPhone",
    kind="ios",
    severity=Severity.CRITICAL,
    reads=("the installed configuration profiles (MCInstall GetProfileList), or the profile records a backup keeps",),
    playbooks=("ios-profiles",),
    needs=("iphone",),
)


def _name(profile: Profile) -> str:
    name = f"“{literal(profile.label, 80)}”"
    return f"{name} from {literal(profile.organisation, 80)}" if profile.organisation else name


def _why(profile: Profile) -> str:
    parts = [
        "A configuration profile can send the phone's traffic through someone else's server (VPN or proxy), "
        "trust their certificates so they can read secure connections, install apps or change settings."
    ]
    if profile.manages_device:
        parts.append("This one enrolls the phone in device management (MDM): its server can see and control the phone.")
    if profile.removal_disallowed:
        parts.append("It is marked so that it cannot be removed by hand.")
    parts.append("A profile from your employer or school on a work phone is normal.")
    return " ".join(parts)


def run(ctx: CheckContext) -> list[Finding]:
    profiles = ctx.client(IPHONE).profiles()
    findings: list[Finding] = []
    for profile in profiles.value:
        kind = "A device-management profile" if profile.manages_device else "A configuration profile"
        made = ctx.review_or_found(
            f"{kind} you did not install is on this iPhone: {_name(profile)}",
            f"{kind} is on this iPhone: {_name(profile)} — did you install it?",
            subject=profile.identifier,
            detail=_why(profile),
            evidence=profile_evidence(profile),
        )
        if made:
            findings.append(made)
    return ctx.conclude(
        findings, profiles, clear="No configuration profile is installed", evidence=read_from(profiles.value)
    )
