"""One Android check run over readings a test chooses: a phone that speaks
:class:`~auditor.checkapi.android.AndroidReads` with the records a test gives, and the shipped stalkerware
indicator set. For the tests in tests/checks/android/."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from auditor.checkapi import CheckContext, Decisions, Reading, Source
from auditor.checkapi.android import Component, DeviceAdmins, Package
from auditor.engine import LoadedCheck, discover_checks
from auditor.iocs import Indicators, load_indicator_files
from auditor.model import Finding

SHIPPED = Path(__file__).resolve().parents[2] / "auditor" / "iocs" / "data"
TARGET = "Android phone Pixel 8 Pro (TEST0001)"
# From the shipped indicator set: TheTruthSpy's package name and signing certificate.
SPY_PACKAGE = "com.apspy.app"
SPY_CERTIFICATE = "31A6ECECD97CF39BC4126B8745CD94A7C30BF81C"
SYSTEM_PACKAGES = (Package("com.android.settings", "/system/priv-app/Settings.apk", None, 1000, system=True),)


@cache
def shipped_indicators() -> Indicators:
    return load_indicator_files([SHIPPED / "ioc.yaml", SHIPPED / "watchware.yaml"])


def installed(*packages: Package, **gaps: tuple[str, ...]) -> Reading[tuple[Package, ...]]:
    return Reading("the installed apps", (*SYSTEM_PACKAGES, *packages), **gaps)


def components(
    *flat: str, what: str = "the enabled services", not_read: tuple[str, ...] = (), unrecognised: tuple[str, ...] = ()
) -> Reading[tuple[Component, ...]]:
    return Reading(what, tuple(Component(*f.split("/", 1)) for f in flat), not_read, unrecognised)


@dataclass
class ChosenPhone:
    """Speaks AndroidReads with the readings a test chose (whole and holding only a system app unless set)."""

    apps: Reading[tuple[Package, ...]] = field(default_factory=installed)
    secure: Reading[dict[str, str]] = field(default_factory=lambda: Reading("the secure settings", {}))
    global_: Reading[dict[str, str]] = field(default_factory=lambda: Reading("the global settings", {}))
    accessibility: Reading[tuple[Component, ...]] = field(default_factory=components)
    listeners: Reading[tuple[Component, ...]] = field(default_factory=lambda: components(what="the listeners"))
    admins: Reading[DeviceAdmins] = field(default_factory=lambda: Reading("the device administrators", DeviceAdmins()))
    certificates: dict[str, Reading[tuple[str, ...]]] = field(default_factory=dict)

    @property
    def serial(self) -> str:
        return "TEST0001"

    def packages(self) -> Reading[tuple[Package, ...]]:
        return self.apps

    def third_party(self) -> Reading[tuple[Package, ...]]:
        return Reading(
            self.apps.what,
            tuple(p for p in self.apps.value if not p.system),
            not_read=self.apps.not_read,
            unrecognised=self.apps.unrecognised,
        )

    def secure_settings(self) -> Reading[dict[str, str]]:
        return self.secure

    def global_settings(self) -> Reading[dict[str, str]]:
        return self.global_

    def properties(self) -> Reading[dict[str, str]]:
        return Reading("the phone's properties", {})

    def accessibility_services(self) -> Reading[tuple[Component, ...]]:
        return self.accessibility

    def notification_listeners(self) -> Reading[tuple[Component, ...]]:
        return self.listeners

    def device_admins(self) -> Reading[DeviceAdmins]:
        return self.admins

    def signing_certificates(self, package: Package) -> Reading[tuple[str, ...]]:
        return self.certificates.get(package.name, Reading(f"the signature of {package.name}", ()))


@cache
def android_checks() -> dict[str, LoadedCheck]:
    return {k: v for k, v in discover_checks(include_entry_points=False).items() if k.startswith("android.")}


def run_check(check_id: str, phone: ChosenPhone, decisions: Decisions | None = None) -> list[Finding]:
    """One Android check, called directly (an exception fails the test), over the chosen phone."""
    source = Source("android", TARGET, clients={"phone": phone, "indicators": shipped_indicators()})
    check = android_checks()[check_id]
    ran = check.run(CheckContext(spec=check.spec, source=source, decisions=decisions or Decisions()))
    assert not inspect.isawaitable(ran), f"{check_id} runs synchronously, as the phone's checks do"
    findings = list(ran)
    assert findings and all(isinstance(f, Finding) for f in findings), check_id
    return findings
