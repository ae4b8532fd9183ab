"""ios.icloud_backup — checks/ios/icloud_backup.py; playbooks playbooks/ios-icloud-backup.yaml and
playbooks/apple-account-security.yaml.

iCloud Backup on is a question: whoever can sign in to the Apple Account can restore the phone's data.
"""

from __future__ import annotations

from ios.readings import ChosenIPhone, run_check

from auditor.checkapi import Reading
from auditor.checkapi.ios import Part, PhoneInfo
from auditor.model import Status
from auditor.safetext import literal

HOSTILE = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202eevil"
TARGET = "iPhone 13 Pro (test)"

CHECK = "ios.icloud_backup"


def backup(value: bool, **gaps: tuple[str, ...]) -> ChosenIPhone:
    return ChosenIPhone(cloud_backup=Reading("iCloud Backup", value, **gaps))


def test_icloud_backup_on_is_asked_about() -> None:
    (finding,) = run_check(CHECK, backup(True))
    assert finding.status is Status.REVIEW
    assert finding.title == "iCloud Backup is on — are you sure only you can sign in to your Apple Account?"


def test_off_over_a_whole_reading_is_clear_and_a_backup_folder_is_not_applicable() -> None:
    assert [(f.status, f.title) for f in run_check(CHECK, backup(False))] == [(Status.CLEAR, "iCloud Backup is off")]
    local = ChosenIPhone(parts=frozenset(Part) - {Part.ICLOUD_BACKUP}, origin="backup")
    assert [f.status for f in run_check(CHECK, local)] == [Status.SKIPPED]


def test_a_partial_reading_is_couldnt_check() -> None:
    for value in (False, True):
        statuses = {f.status for f in run_check(CHECK, backup(value, not_read=("com.apple.mobile.backup: refused",)))}
        assert Status.CLEAR not in statuses and Status.ERROR in statuses, value


def test_the_words_are_ours_whatever_the_phone_is_called() -> None:
    phone = backup(True)
    phone.info = Reading("the phone's iOS version", PhoneInfo(HOSTILE, "iPhone14,2", "26.5"))
    (finding,) = run_check(CHECK, phone)
    assert HOSTILE not in finding.title + finding.detail and literal(finding.detail, None) == finding.detail
