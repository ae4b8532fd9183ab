"""iCloud Backup: whoever can sign in to the Apple Account can download and read the backup."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.ios import IPHONE, Part
from auditor.model import CheckSpec, Finding, Severity

from ._common import not_applicable

SPEC = CheckSpec(
    id="ios.icloud_backup",
    title="iCloud Backup of the iPhone",
    kind="ios",
    severity=Severity.HIGH,
    reads=("whether iCloud Backup is on (lockdown com.apple.mobile.backup / CloudBackupEnabled)",),
    playbooks=("ios-icloud-backup", "apple-account-security"),
    needs=("iphone",),
)

WHY = (
    "With iCloud Backup on, a copy of the phone — messages, photos, notes, call history — is kept in iCloud. "
    "Some spyware sold for iPhones never touches the phone: it signs in to the Apple Account with a password "
    "someone knows and reads that backup. The backup is safe only if nobody else can sign in to your Apple "
    "Account: check its devices, trusted phone numbers and recovery (the Apple Account guided checks)."
)


def run(ctx: CheckContext) -> list[Finding]:
    skipped = not_applicable(ctx, Part.ICLOUD_BACKUP)
    if skipped is not None:
        return skipped
    reading = ctx.client(IPHONE).icloud_backup()
    if reading.value and reading.whole:
        made = ctx.review_or_found(
            "iCloud Backup is on and someone else may be able to sign in to your Apple Account",
            "iCloud Backup is on — are you sure only you can sign in to your Apple Account?",
            subject="icloud-backup",
            detail=WHY,
            evidence={"CloudBackupEnabled": True},
        )
        if made:
            return [made]
        return [ctx.clear("iCloud Backup is on, and you said only you can sign in to your Apple Account", reading)]
    return [ctx.clear("iCloud Backup is off", reading)]
