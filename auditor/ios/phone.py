"""A phone read over USB, as the checks see it: :class:`~auditor.checkapi.ios.IOSReads` over its answers."""

from __future__ import annotations

from auditor.checkapi import Reading
from auditor.checkapi.ios import IOSApp, Management, Part, PhoneInfo, Profile
from auditor.ios import parsers
from auditor.ios.collector import UsbAnswers


class UsbIPhone:
    """Every read is parsed from what the phone answered once at the start of the audit."""

    origin = "usb"

    def __init__(self, answers: UsbAnswers) -> None:
        self.answers = answers

    @property
    def udid(self) -> str:
        return self.answers.udid

    def holds(self, part: Part) -> bool:
        return True

    def device(self) -> Reading[PhoneInfo]:
        return parsers.device_from_lockdown(self.answers.values)

    def apps(self) -> Reading[tuple[IOSApp, ...]]:
        return parsers.apps_from_browse(self.answers.apps)

    def profiles(self) -> Reading[tuple[Profile, ...]]:
        return parsers.profiles_from_list(self.answers.profiles)

    def management(self) -> Reading[Management]:
        return parsers.management_from(self.answers.cloud_configuration, self.answers.chaperone)

    def developer_mode(self) -> Reading[bool | None]:
        return parsers.developer_mode_from(self.answers.developer_mode, self.device().value.ios_version)

    def icloud_backup(self) -> Reading[bool]:
        return parsers.icloud_backup_from(self.answers.backup_settings)

    def jailbreak_service(self) -> Reading[bool]:
        return parsers.afc2_from(self.answers.afc2)
