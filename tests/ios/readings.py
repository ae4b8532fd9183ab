"""One iPhone check run over readings a test chooses: a phone (or backup) that speaks
:class:`~auditor.checkapi.ios.IOSReads` with the records a test gives, and the shipped stalkerware indicator set.
For the tests in tests/checks/ios/."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from auditor.checkapi import CheckContext, Decisions, Reading, Source
from auditor.checkapi.ios import IOSApp, Management, Part, PhoneInfo, Profile
from auditor.engine import LoadedCheck, discover_checks
from auditor.iocs import Indicators, load_indicator_files
from auditor.model import Finding

SHIPPED = Path(__file__).resolve().parents[2] / "auditor" / "iocs" / "data"
TARGET = "iPhone 13 Pro (test)"
APP_STORE = "Apple iPhone OS Application Signing"
MAPS = IOSApp("com.example.maps", "Maps Plus", "2.1", "User", APP_STORE, ("installation_proxy",))
SETTINGS = IOSApp("com.apple.Preferences", "Settings", "", "System", "", ("installation_proxy",))


@cache
def shipped_indicators() -> Indicators:
    return load_indicator_files([SHIPPED / "ioc.yaml", SHIPPED / "watchware.yaml"])


def apps(*found: IOSApp, **gaps: tuple[str, ...]) -> Reading[tuple[IOSApp, ...]]:
    return Reading("the installed apps", (SETTINGS, *found), **gaps)


@dataclass
class ChosenIPhone:
    """Speaks IOSReads with the readings a test chose (a phone over USB holding every part, whole and
    unremarkable unless set); ``parts`` narrows what the source can say anything about, as a backup does."""

    info: Reading[PhoneInfo] = field(
        default_factory=lambda: Reading("the phone's iOS version", PhoneInfo("Ann's iPhone", "iPhone14,2", "26.5"))
    )
    installed: Reading[tuple[IOSApp, ...]] = field(default_factory=lambda: apps(MAPS))
    installed_profiles: Reading[tuple[Profile, ...]] = field(default_factory=lambda: Reading("the profiles", ()))
    managed: Reading[Management] = field(
        default_factory=lambda: Reading("the device management", Management(supervised=False))
    )
    developer: Reading[bool | None] = field(default_factory=lambda: Reading("Developer Mode", False))
    cloud_backup: Reading[bool] = field(default_factory=lambda: Reading("iCloud Backup", False))
    afc2: Reading[bool] = field(default_factory=lambda: Reading("the jailbreak file service", False))
    parts: frozenset[Part] = frozenset(Part)
    origin: str = "usb"

    def holds(self, part: Part) -> bool:
        return part in self.parts

    def device(self) -> Reading[PhoneInfo]:
        return self.info

    def apps(self) -> Reading[tuple[IOSApp, ...]]:
        return self.installed

    def profiles(self) -> Reading[tuple[Profile, ...]]:
        return self.installed_profiles

    def management(self) -> Reading[Management]:
        return self.managed

    def developer_mode(self) -> Reading[bool | None]:
        return self.developer

    def icloud_backup(self) -> Reading[bool]:
        return self.cloud_backup

    def jailbreak_service(self) -> Reading[bool]:
        return self.afc2


@cache
def iphone_checks() -> dict[str, LoadedCheck]:
    return {k: v for k, v in discover_checks(include_entry_points=False).items() if k.startswith("ios.")}


def run_check(check_id: str, phone: ChosenIPhone, decisions: Decisions | None = None) -> list[Finding]:
    """One iPhone check, called directly (an exception fails the test), over the chosen phone."""
    source = Source("ios", TARGET, clients={"iphone": phone, "indicators": shipped_indicators()})
    check = iphone_checks()[check_id]
    ran = check.run(CheckContext(spec=check.spec, source=source, decisions=decisions or Decisions()))
    assert not inspect.isawaitable(ran), f"{check_id} runs synchronously, as the phone's checks do"
    findings = list(ran)
    assert findings and all(isinstance(f, Finding) for f in findings), check_id
    return findings
