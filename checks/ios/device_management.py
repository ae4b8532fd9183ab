"""Supervision and Automated Device Enrollment: an organisation managing the phone from the moment it was set up."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.ios import IPHONE, Part
from auditor.model import CheckSpec, Finding, Severity
from auditor.safetext import literal

from ._common import files, not_applicable

SPEC = CheckSpec(
    id="ios.device_management",
    title="Supervision and management of the iPhone by an organisation",
    kind="ios",
    severity=Severity.CRITICAL,
    reads=(
        "the cloud configuration (MCInstall GetCloudConfiguration) and the supervision flag (lockdown), "
        "or CloudConfigurationDetails.plist in a backup",
    ),
    playbooks=("ios-profiles",),
    needs=("iphone",),
)


def run(ctx: CheckContext) -> list[Finding]:
    skipped = not_applicable(ctx, Part.MANAGEMENT)
    if skipped is not None:
        return skipped
    reading = ctx.client(IPHONE).management()
    managed = reading.value
    by = f" by {literal(managed.organisation, 80)}" if managed.organisation else ""
    evidence: dict[str, object] = {
        "supervised": managed.supervised,
        "organisation": managed.organisation,
        "enrolment_server": managed.enrolment_server,
        "mdm_unremovable": managed.mdm_unremovable,
    }
    if managed.files:
        evidence["files"] = files(managed.files)
    findings: list[Finding] = []
    if managed.supervised:
        made = ctx.review_or_found(
            f"This iPhone is supervised{by}, and it is not a work or school phone",
            f"This iPhone is supervised{by} — is it a work or school phone?",
            subject="supervised",
            detail=(
                "A supervised iPhone can be controlled far more than a personal one: whoever supervises it can "
                "install and hide apps, block changes and see the device without asking. Supervision is set up "
                "with a computer (Apple Configurator) or by an organisation's device enrollment."
            ),
            evidence=evidence,
        )
        if made:
            findings.append(made)
    if managed.enrolment_server:
        made = ctx.review_or_found(
            f"This iPhone enrolls in device management{by} ({literal(managed.enrolment_server, 120)}), and you did "
            "not agree to it",
            f"This iPhone enrolls in device management{by} ({literal(managed.enrolment_server, 120)}) — is it a "
            "work or school phone?",
            subject="enrolment",
            detail=(
                "Its setup record sends it to a management (MDM) server that can install apps and profiles and "
                "see the device."
                + (" The management cannot be removed on the phone." if managed.mdm_unremovable else "")
            ),
            evidence=evidence,
        )
        if made:
            findings.append(made)
    return ctx.conclude(findings, reading, clear="No organisation supervises or manages this iPhone")
