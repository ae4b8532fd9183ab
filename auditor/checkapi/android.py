"""What the Android checks may use: the phone's reads, the indicator matching they need, and the records.

A phone is read over adb (``auditor.android.collector``); the checks never see adb, a parser or the indicator
loader. They ask ``ctx.client(PHONE)`` — anything that speaks :class:`AndroidReads` — and every read returns
a :class:`~auditor.checkapi.Reading`: the parsed records, plus the commands that failed or timed out
(``not_read``) and the output a parser did not recognise (``unrecognised``, naming the command and line).
Indicator matching reaches them as ``ctx.client(INDICATORS)`` (:class:`AndroidIndicators`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from auditor.android.catalog import DualUseApp, dual_use_by_package, sideload_origin
from auditor.checkapi import ClientKey, Reading
from auditor.errors import CheckUnavailable
from auditor.iocs.model import IndicatorApp, IndicatorMatch

__all__ = [
    "INDICATORS",
    "PHONE",
    "AdbDevice",
    "AndroidIndicators",
    "AndroidReads",
    "CheckUnavailable",
    "Component",
    "DeviceAdmins",
    "DualUseApp",
    "IndicatorApp",
    "IndicatorMatch",
    "Package",
    "Reading",
    "dual_use_by_package",
    "sideload_origin",
]

# --- records ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdbDevice:
    """One line of `adb devices -l`."""

    serial: str
    state: str  # device | unauthorized | offline | recovery | no permissions | ...
    model: str = ""


@dataclass(frozen=True)
class Package:
    """One installed app, from `pm list packages -f -i -U` (and `-s` for whether it is the system's)."""

    name: str
    path: str = ""
    installer: str | None = None
    uid: int | None = None
    system: bool = False


@dataclass(frozen=True)
class Component:
    """An app component (``package/class``), as Android's ComponentName flattens it."""

    package: str
    name: str

    @property
    def flat(self) -> str:
        return f"{self.package}/{self.name}"


@dataclass(frozen=True)
class DeviceAdmins:
    """`dumpsys device_policy`: the active device administrators and the device or profile owners."""

    admins: tuple[Component, ...] = ()
    owners: tuple[Component, ...] = ()

    @property
    def components(self) -> tuple[Component, ...]:
        return tuple(dict.fromkeys(self.admins + self.owners))


# --- the clients ------------------------------------------------------------------------------------


class AndroidReads(Protocol):
    """One connected phone. Each read runs its adb commands once per audit and says what it could not read."""

    @property
    def serial(self) -> str: ...

    def packages(self) -> Reading[tuple[Package, ...]]:
        """Every installed app with its path, installer and uid."""
        ...

    def third_party(self) -> Reading[tuple[Package, ...]]:
        """The installed apps that are not part of the system."""
        ...

    def secure_settings(self) -> Reading[dict[str, str]]: ...

    def global_settings(self) -> Reading[dict[str, str]]: ...

    def properties(self) -> Reading[dict[str, str]]: ...

    def accessibility_services(self) -> Reading[tuple[Component, ...]]:
        """Enabled accessibility services (the secure setting and `dumpsys accessibility` together)."""
        ...

    def notification_listeners(self) -> Reading[tuple[Component, ...]]: ...

    def device_admins(self) -> Reading[DeviceAdmins]: ...

    def signing_certificates(self, package: Package) -> Reading[tuple[str, ...]]:
        """Upper-case hex SHA-1 of each certificate that signed the app's APK (copied off the phone read-only)."""
        ...


class AndroidIndicators(Protocol):
    """The stalkerware indicator set, as far as the Android checks match against it."""

    def match_package(self, package: str) -> IndicatorMatch | None: ...

    def match_certificate(self, sha1: str) -> IndicatorMatch | None: ...


PHONE: ClientKey[AndroidReads] = ClientKey("phone")
INDICATORS: ClientKey[AndroidIndicators] = ClientKey("indicators")
