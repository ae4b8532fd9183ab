"""What the iPhone checks may use: the phone's reads, the indicator matching they need, and the records.

An iPhone is read in one of two ways, and the checks see neither:

- over USB (``auditor.ios.collector``, through pymobiledevice3's lockdown client and read-only services), or
- from a backup folder a computer made (``auditor.ios.backup``: Manifest.plist, Info.plist, Manifest.db and
  the backed-up files, decrypted with the backup password when the backup is encrypted).

Both speak :class:`IOSReads`: every read returns a :class:`~auditor.checkapi.Reading` of the records below,
saying what could not be read (a service that refused, a file missing from the backup) and what was read but
not understood (a field of the wrong type, a plist cut short). A backup does not hold everything a connected
phone tells (developer mode, whether iCloud Backup is on): :meth:`IOSReads.holds` says which parts a source
holds, so a check about a part a backup lacks says "not applicable" instead of "looks clear".

Indicator matching reaches the checks as ``ctx.client(INDICATORS)`` (:class:`IOSIndicators`); the project's
lists (dual-use apps, jailbreak tools, the dated table of iOS releases) through the pure helpers re-exported
here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from auditor.checkapi import ClientKey, Reading
from auditor.iocs.model import IndicatorApp, IndicatorMatch
from auditor.ios.catalog import (
    DualUseApp,
    ReleaseJudgement,
    dual_use_app,
    jailbreak_tool,
    judge_release,
    release_table_date,
    signing_kind,
)

__all__ = [
    "INDICATORS",
    "IPHONE",
    "DualUseApp",
    "FileRead",
    "IOSApp",
    "IOSIndicators",
    "IOSReads",
    "IndicatorApp",
    "IndicatorMatch",
    "Management",
    "Part",
    "PhoneInfo",
    "Profile",
    "Reading",
    "ReleaseJudgement",
    "dual_use_app",
    "jailbreak_tool",
    "judge_release",
    "release_table_date",
    "signing_kind",
]


# --- records ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileRead:
    """A file of a backup folder that a record came from: its path in the folder and its SHA-256 as stored.

    ``decrypted_sha256`` is the SHA-256 of the plaintext for a file of an encrypted backup ("" otherwise), so
    the evidence names both what is on the disk and what was read from it.
    """

    path: str
    sha256: str
    decrypted_sha256: str = ""
    backup_path: str = ""  # the file's own domain-relative name in the phone (e.g. "Library/…/profile-x.stub")

    def as_evidence(self) -> dict[str, str]:
        out = {"file": self.path, "sha256": self.sha256}
        if self.decrypted_sha256:
            out["decrypted_sha256"] = self.decrypted_sha256
        if self.backup_path:
            out["path_in_phone"] = self.backup_path
        return out


@dataclass(frozen=True)
class PhoneInfo:
    """Who the phone says it is: its name (chosen by its owner, or by anyone who held it), model and iOS."""

    name: str
    product_type: str  # e.g. iPhone14,2 (Apple's model identifier)
    ios_version: str  # e.g. 17.5.1
    build: str = ""
    device_class: str = ""  # iPhone | iPad | iPod | ...
    as_of: str = ""  # for a backup: when it was made (ISO date); "" for a phone read now
    files: tuple[FileRead, ...] = ()


@dataclass(frozen=True)
class IOSApp:
    """One installed app. ``kind`` is installation_proxy's ApplicationType (User, System, ...) when known.

    ``signer`` is the app's SignerIdentity as installation_proxy reports it ("Apple iPhone OS Application
    Signing" for App Store apps); a backup does not record it ("").
    """

    bundle_id: str
    name: str = ""
    version: str = ""
    kind: str = ""
    signer: str = ""
    read_from: tuple[str, ...] = ()  # installation_proxy, Info.plist, Manifest.plist, Manifest.db
    files: tuple[FileRead, ...] = ()

    @property
    def system(self) -> bool:
        return self.kind in ("System", "Internal") or (not self.kind and self.bundle_id.startswith("com.apple."))

    @property
    def label(self) -> str:
        return self.name or self.bundle_id


@dataclass(frozen=True)
class Profile:
    """An installed configuration profile (MCInstall's profile list, or a profile record in a backup).

    ``payload_types`` are the PayloadType of each payload, where the source shows them (a backup's profile
    record does; MCInstall's list does not) — ``com.apple.mdm`` is device management.
    """

    identifier: str
    name: str = ""
    organisation: str = ""
    description: str = ""
    uuid: str = ""
    removal_disallowed: bool | None = None
    active: bool | None = None
    payload_types: tuple[str, ...] = ()
    installed: str = ""  # ISO timestamp where the record has one
    files: tuple[FileRead, ...] = ()

    @property
    def label(self) -> str:
        return self.name or self.identifier

    @property
    def manages_device(self) -> bool:
        return "com.apple.mdm" in self.payload_types


@dataclass(frozen=True)
class Management:
    """Whether an organisation manages the phone: supervision and Automated Device Enrollment (DEP).

    ``supervised`` is None when the source does not say. ``enrolment_server`` is the cloud configuration's
    ConfigurationURL: the MDM server the phone enrolls with during setup.
    """

    supervised: bool | None = None
    organisation: str = ""
    enrolment_server: str = ""
    mdm_unremovable: bool | None = None
    files: tuple[FileRead, ...] = ()

    @property
    def managed(self) -> bool:
        return bool(self.supervised) or bool(self.enrolment_server)


class Part(str, Enum):
    """The parts of a phone a source can hold."""

    DEVICE = "device"
    APPS = "apps"
    SIGNERS = "signers"  # which certificate signed each app
    PROFILES = "profiles"
    MANAGEMENT = "management"
    DEVELOPER_MODE = "developer_mode"
    ICLOUD_BACKUP = "icloud_backup"
    JAILBREAK_SERVICE = "jailbreak_service"


# --- the clients ------------------------------------------------------------------------------------


class IOSReads(Protocol):
    """One iPhone (connected now, or as a backup recorded it); each part is read once per audit."""

    @property
    def origin(self) -> str:
        """ "usb" for a phone connected now, "backup" for a backup folder."""
        ...

    def holds(self, part: Part) -> bool:
        """Whether this source can say anything about ``part`` at all."""
        ...

    def device(self) -> Reading[PhoneInfo]: ...

    def apps(self) -> Reading[tuple[IOSApp, ...]]:
        """Every installed app (user and system, where the source lists system apps)."""
        ...

    def profiles(self) -> Reading[tuple[Profile, ...]]: ...

    def management(self) -> Reading[Management]: ...

    def developer_mode(self) -> Reading[bool | None]:
        """Whether Developer Mode is on; None when the phone's iOS has no Developer Mode (before iOS 16)."""
        ...

    def icloud_backup(self) -> Reading[bool]:
        """Whether the phone backs itself up to iCloud."""
        ...

    def jailbreak_service(self) -> Reading[bool]:
        """Whether the phone started com.apple.afc2 (root file access over USB, present only when jailbroken)."""
        ...


class IOSIndicators(Protocol):
    """The stalkerware indicator set, as far as the iPhone checks match against it."""

    def match_ios_bundle(self, bundle: str) -> IndicatorMatch | None: ...

    def match_package(self, package: str) -> IndicatorMatch | None: ...

    def match_app_name(self, name: str) -> IndicatorMatch | None: ...


IPHONE: ClientKey[IOSReads] = ClientKey("iphone")
INDICATORS: ClientKey[IOSIndicators] = ClientKey("indicators")
