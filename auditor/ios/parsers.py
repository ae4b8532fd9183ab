"""Pure parsers: what an iPhone (or its backup) answered, turned into Readings of typed records.

Nothing here talks to a phone or opens a file: the collector and the backup reader hand over what they got,
as :class:`Answer` values (the decoded plist, or why it could not be had), and every function returns a
:class:`~auditor.checkapi.Reading` that says what was missing and what was not understood. An answer of
the wrong shape is never taken for "nothing there".

Apple does not publish the lockdown protocol or its services. The shapes below are the ones the two
open implementations read and write — libimobiledevice (``src/lockdown.c``, ``src/installation_proxy.c``,
``tools/ideviceinfo.c``, ``tools/idevicedevmodectl.c``) and pymobiledevice3 (``lockdown.py``,
``services/installation_proxy.py``, ``services/mobile_config.py``) — and, for backups, Apple's backup
folder layout as the forensic literature describes it (Manifest.plist, Info.plist, Manifest.db; MVT's
``ios/modules/backup``). Each pydantic model names its source; every field a conclusion rests on is typed
strictly (a number where text belongs is "not understood", never coerced).
"""

from __future__ import annotations

import plistlib
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from auditor.checkapi import Reading
from auditor.checkapi.ios import FileRead, IOSApp, Management, PhoneInfo, Profile
from auditor.safetext import literal

WHAT_DEVICE = "the iPhone's details (lockdown)"
WHAT_APPS = "the list of installed apps (installation_proxy)"
WHAT_PROFILES = "the configuration profiles (MCInstall)"
WHAT_MANAGEMENT = "supervision and device management (MCInstall, lockdown)"
WHAT_DEVELOPER_MODE = "the Developer Mode setting (lockdown)"
WHAT_ICLOUD = "the iCloud Backup setting (lockdown)"
WHAT_AFC2 = "the jailbreak file service (com.apple.afc2)"

WHAT_BACKUP_DEVICE = "the phone's details in the backup (Info.plist, Manifest.plist)"
WHAT_BACKUP_APPS = "the apps recorded in the backup (Info.plist, Manifest.plist, Manifest.db)"
WHAT_BACKUP_PROFILES = "the configuration profiles recorded in the backup"
WHAT_BACKUP_MANAGEMENT = "device management recorded in the backup (CloudConfigurationDetails.plist)"

PROFILES_DOMAIN = "SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles"
PROFILES_FOLDER = "Library/ConfigurationProfiles"
CLOUD_DETAILS = "Library/ConfigurationProfiles/CloudConfigurationDetails.plist"
APP_DOMAIN = "AppDomain-"
MAX_PROBLEMS = 50  # per reading: a thousand broken items are reported as fifty and a count


@dataclass(frozen=True)
class Answer:
    """One answer from the phone or the backup: its decoded value, or why there is none.

    ``error`` says in plain words why nothing came (the service refused, the connection dropped, the file is
    missing). ``absent`` marks the phone saying the value does not exist at all (lockdown's MissingValue),
    which some reads take as an answer (an iOS without Developer Mode) and others as a gap.
    """

    value: Any = None
    error: str = ""
    absent: bool = False

    @property
    def ok(self) -> bool:
        return not self.error and not self.absent


def quoted(value: object, limit: int = 120) -> str:
    """A value from the phone or the backup, shown literally inside a description."""
    return f"“{literal(value, limit)}”"


def _type_name(value: object) -> str:
    return "nothing" if value is None else type(value).__name__


def _problems(exc: ValidationError, where: str) -> list[str]:
    out = []
    for error in exc.errors():
        field = ".".join(str(p) for p in error["loc"]) or "the answer"
        if error["type"] == "missing":
            out.append(f"{where}: {literal(field, 80)} is missing")
        else:
            out.append(f"{where}: {literal(field, 80)} is {_type_name(error.get('input'))}, not what was expected")
    return out


def _capped(problems: Sequence[str]) -> tuple[str, ...]:
    if len(problems) <= MAX_PROBLEMS:
        return tuple(problems)
    return (*problems[:MAX_PROBLEMS], f"and {len(problems) - MAX_PROBLEMS} more problems of the same kind")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


# --- lockdown values --------------------------------------------------------------------------------------


class LockdownValues(BaseModel):
    """lockdownd's answer to GetValue with no domain and no key: the device's own values.

    Source: libimobiledevice ``tools/ideviceinfo.c`` (prints this dictionary) and pymobiledevice3
    ``LockdownClient.all_values`` / ``product_version`` (reads ``ProductVersion``, ``ProductType``,
    ``DeviceName``, ``DeviceClass``, ``BuildVersion`` from it).
    """

    model_config = ConfigDict(extra="allow", strict=True)
    DeviceName: str
    ProductType: str = Field(min_length=1)
    ProductVersion: str = Field(min_length=1)
    BuildVersion: str = ""
    DeviceClass: str = ""


def device_from_lockdown(answer: Answer) -> Reading[PhoneInfo]:
    empty = PhoneInfo(name="", product_type="", ios_version="")
    if not answer.ok:
        return Reading(WHAT_DEVICE, empty, not_read=(answer.error or "the phone gave no device values",))
    if not isinstance(answer.value, Mapping):
        return Reading(WHAT_DEVICE, empty, unrecognised=(f"the device values are {_type_name(answer.value)}",))
    try:
        values = LockdownValues.model_validate(dict(answer.value))
    except ValidationError as exc:
        partial = PhoneInfo(
            name=_text(answer.value.get("DeviceName")),
            product_type=_text(answer.value.get("ProductType")),
            ios_version=_text(answer.value.get("ProductVersion")),
        )
        return Reading(WHAT_DEVICE, partial, unrecognised=tuple(_problems(exc, "GetValue")))
    info = PhoneInfo(
        name=values.DeviceName,
        product_type=values.ProductType,
        ios_version=values.ProductVersion,
        build=values.BuildVersion,
        device_class=values.DeviceClass,
    )
    return Reading(WHAT_DEVICE, info, unrecognised=_version_problems(info.ios_version, "ProductVersion"))


def _version_problems(version: str, field: str) -> tuple[str, ...]:
    from auditor.ios.catalog import version_tuple

    if version_tuple(version) is None:
        return (f"{field} {quoted(version)} is not an iOS version number",)
    return ()


# --- installed apps -------------------------------------------------------------------------------------


class BrowsedApp(BaseModel):
    """One entry of installation_proxy's Browse answer (its ``CurrentList``).

    Source: libimobiledevice ``src/installation_proxy.c`` (``instproxy_browse``: CurrentList items are the
    apps' Info.plist dictionaries plus ``ApplicationType``) and pymobiledevice3
    ``InstallationProxyService.browse``; ``SignerIdentity`` as ISDi's ``tests/ios_apps.plist`` (a real answer)
    shows it.
    """

    model_config = ConfigDict(extra="allow", strict=True)
    CFBundleIdentifier: str = Field(min_length=1)
    CFBundleDisplayName: str = ""
    CFBundleName: str = ""
    CFBundleShortVersionString: str = ""
    CFBundleVersion: str = ""
    ApplicationType: str = ""
    SignerIdentity: str = ""


def _browsed_app(raw: Any, index: int) -> tuple[IOSApp | None, list[str]]:
    where = f"app {index + 1}"
    if not isinstance(raw, Mapping):
        return None, [f"{where} is {_type_name(raw)}, not an app record"]
    bundle = raw.get("CFBundleIdentifier")
    problems: list[str] = []
    try:
        app = BrowsedApp.model_validate(dict(raw))
    except ValidationError as exc:
        problems = _problems(exc, f"{where} ({quoted(bundle) if isinstance(bundle, str) else 'no bundle ID'})")
        if not isinstance(bundle, str) or not bundle:
            return None, problems
        return (
            IOSApp(
                bundle_id=bundle,
                name=_text(raw.get("CFBundleDisplayName")) or _text(raw.get("CFBundleName")),
                version=_text(raw.get("CFBundleShortVersionString")),
                kind=_text(raw.get("ApplicationType")),
                signer=_text(raw.get("SignerIdentity")),
                read_from=("installation_proxy",),
            ),
            problems,
        )
    return (
        IOSApp(
            bundle_id=app.CFBundleIdentifier,
            name=app.CFBundleDisplayName or app.CFBundleName,
            version=app.CFBundleShortVersionString or app.CFBundleVersion,
            kind=app.ApplicationType,
            signer=app.SignerIdentity,
            read_from=("installation_proxy",),
        ),
        problems,
    )


def apps_from_browse(answer: Answer) -> Reading[tuple[IOSApp, ...]]:
    if not answer.ok:
        return Reading(WHAT_APPS, (), not_read=(answer.error or "the phone did not list its apps",))
    if not isinstance(answer.value, list):
        return Reading(WHAT_APPS, (), unrecognised=(f"the app list is {_type_name(answer.value)}, not a list",))
    if not answer.value:
        # Every iPhone has system apps: an empty list is a phone that did not really answer.
        return Reading(WHAT_APPS, (), not_read=("the phone listed no apps at all; is it unlocked?",))
    apps: dict[str, IOSApp] = {}
    problems: list[str] = []
    for index, raw in enumerate(answer.value):
        app, item_problems = _browsed_app(raw, index)
        problems += item_problems
        if app is not None:
            apps.setdefault(app.bundle_id, app)
    return Reading(WHAT_APPS, tuple(apps.values()), unrecognised=_capped(problems))


# --- configuration profiles ------------------------------------------------------------------------------


class ProfileListAnswer(BaseModel):
    """MCInstall's answer to ``{"RequestType": "GetProfileList"}``.

    Source: pymobiledevice3 ``services/mobile_config.py`` (``get_profile_list``, and ``remove_profile``
    reading ``ProfileMetadata[identifier]``'s ``PayloadUUID`` / ``PayloadVersion``) and its ``profile list``
    command, which prints this dictionary: ``Status``, ``OrderedIdentifiers``, ``ProfileManifest`` (per
    identifier: ``Description``, ``IsActive``) and ``ProfileMetadata`` (per identifier: the profile's
    ``Payload…`` keys).
    """

    model_config = ConfigDict(extra="allow", strict=True)
    Status: str
    OrderedIdentifiers: list[str] = Field(default_factory=list)
    ProfileManifest: dict[str, Any] = Field(default_factory=dict)
    ProfileMetadata: dict[str, Any]


class ProfileMetadata(BaseModel):
    """One ``ProfileMetadata`` entry: the profile's top-level payload keys (Apple's Configuration Profile
    Reference: PayloadDisplayName, PayloadOrganization, PayloadDescription, PayloadUUID,
    PayloadRemovalDisallowed, PayloadVersion)."""

    model_config = ConfigDict(extra="allow", strict=True)
    PayloadDisplayName: str = ""
    PayloadOrganization: str = ""
    PayloadDescription: str = ""
    PayloadUUID: str = ""
    PayloadRemovalDisallowed: bool | None = None
    PayloadVersion: int | None = None


class ProfileManifestEntry(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    Description: str = ""
    IsActive: bool | None = None


def profiles_from_list(answer: Answer) -> Reading[tuple[Profile, ...]]:
    if not answer.ok:
        return Reading(WHAT_PROFILES, (), not_read=(answer.error or "the phone did not list its profiles",))
    if not isinstance(answer.value, Mapping):
        return Reading(WHAT_PROFILES, (), unrecognised=(f"the profile list is {_type_name(answer.value)}",))
    raw = dict(answer.value)
    try:
        listing = ProfileListAnswer.model_validate(raw)
    except ValidationError as exc:
        # The identifiers still show which profiles exist, even when the answer is not whole.
        problems = _problems(exc, "GetProfileList")
        found = _profiles_from_parts(
            raw.get("OrderedIdentifiers"), raw.get("ProfileMetadata"), raw.get("ProfileManifest")
        )
        return Reading(WHAT_PROFILES, found[0], unrecognised=_capped(problems + found[1]))
    problems = []
    if listing.Status != "Acknowledged":
        problems.append(f"GetProfileList: Status is {quoted(listing.Status)}, not Acknowledged")
    profiles, item_problems = _profiles_from_parts(
        listing.OrderedIdentifiers, listing.ProfileMetadata, listing.ProfileManifest
    )
    return Reading(WHAT_PROFILES, profiles, unrecognised=_capped(problems + item_problems))


def _profiles_from_parts(ordered: Any, metadata: Any, manifest: Any) -> tuple[tuple[Profile, ...], list[str]]:
    problems: list[str] = []
    ids: list[str] = []
    for source in (ordered, metadata, manifest):
        if isinstance(source, Mapping):
            ids += [k for k in source if isinstance(k, str)]
        elif isinstance(source, list):
            ids += [k for k in source if isinstance(k, str)]
    metadata = metadata if isinstance(metadata, Mapping) else {}
    manifest = manifest if isinstance(manifest, Mapping) else {}
    out = []
    for identifier in dict.fromkeys(ids):
        meta_raw = metadata.get(identifier, {})
        man_raw = manifest.get(identifier, {})
        where = f"profile {quoted(identifier)}"
        try:
            meta = ProfileMetadata.model_validate(dict(meta_raw) if isinstance(meta_raw, Mapping) else meta_raw)
        except ValidationError as exc:
            problems += _problems(exc, where)
            meta = ProfileMetadata()
        try:
            man = ProfileManifestEntry.model_validate(dict(man_raw) if isinstance(man_raw, Mapping) else man_raw)
        except ValidationError as exc:
            problems += _problems(exc, where)
            man = ProfileManifestEntry()
        out.append(
            Profile(
                identifier=identifier,
                name=meta.PayloadDisplayName or man.Description,
                organisation=meta.PayloadOrganization,
                description=meta.PayloadDescription,
                uuid=meta.PayloadUUID,
                removal_disallowed=meta.PayloadRemovalDisallowed,
                active=man.IsActive,
            )
        )
    return tuple(out), problems


# --- supervision and device management --------------------------------------------------------------------


class CloudConfiguration(BaseModel):
    """MCInstall's ``CloudConfiguration`` (answer to GetCloudConfiguration), the Automated Device Enrollment
    record set during setup.

    Source: pymobiledevice3 ``services/mobile_config.py`` (``get_cloud_configuration`` /
    ``set_cloud_configuration`` and its ``supervise`` command, which writes ``IsSupervised``,
    ``OrganizationName``, ``IsMDMUnremovable``, ``ConfigurationURL`` among others), matching Apple's Device
    Management documentation of the cloud configuration (``is_supervised``, ``is_mdm_removable``, ``url``).
    """

    model_config = ConfigDict(extra="allow", strict=True)
    IsSupervised: bool | None = None
    OrganizationName: str = ""
    ConfigurationURL: str = ""
    IsMDMUnremovable: bool | None = None


class ChaperoneValues(BaseModel):
    """lockdown's ``com.apple.mobile.chaperone`` domain (listed by libimobiledevice ``tools/ideviceinfo.c``):
    ``DeviceIsChaperoned`` is whether the phone is supervised ("chaperoned")."""

    model_config = ConfigDict(extra="allow", strict=True)
    DeviceIsChaperoned: bool


def management_from(cloud: Answer, chaperone: Answer) -> Reading[Management]:
    not_read: list[str] = []
    unrecognised: list[str] = []
    config = CloudConfiguration()
    if cloud.error:
        not_read.append(cloud.error)
    elif cloud.value is not None:  # None: the phone has no cloud configuration (not enrolled by an organisation)
        if not isinstance(cloud.value, Mapping):
            unrecognised.append(f"the cloud configuration is {_type_name(cloud.value)}")
        else:
            try:
                config = CloudConfiguration.model_validate(dict(cloud.value))
            except ValidationError as exc:
                unrecognised += _problems(exc, "CloudConfiguration")
                config = CloudConfiguration(
                    OrganizationName=_text(cloud.value.get("OrganizationName")),
                    ConfigurationURL=_text(cloud.value.get("ConfigurationURL")),
                )
    supervised: bool | None = config.IsSupervised
    if chaperone.ok and isinstance(chaperone.value, Mapping):
        try:
            chaperoned = ChaperoneValues.model_validate(dict(chaperone.value)).DeviceIsChaperoned
            supervised = bool(supervised) or chaperoned
        except ValidationError as exc:
            if supervised is None:
                unrecognised += _problems(exc, "com.apple.mobile.chaperone")
    elif supervised is None:
        if chaperone.ok:
            unrecognised.append(f"the supervision domain is {_type_name(chaperone.value)}")
        else:
            not_read.append(chaperone.error or "the phone did not say whether it is supervised")
    value = Management(
        supervised=supervised,
        organisation=config.OrganizationName,
        enrolment_server=config.ConfigurationURL,
        mdm_unremovable=config.IsMDMUnremovable,
    )
    return Reading(WHAT_MANAGEMENT, value, tuple(not_read), _capped(unrecognised))


# --- single settings ------------------------------------------------------------------------------------


def developer_mode_from(answer: Answer, ios_version: str) -> Reading[bool | None]:
    """``com.apple.security.mac.amfi`` / ``DeveloperModeStatus`` (libimobiledevice ``idevicedevmodectl``:
    "only available on iOS 16+"). A missing value before iOS 16 means there is no Developer Mode at all."""
    from auditor.ios.catalog import version_tuple

    if answer.error:
        return Reading(WHAT_DEVELOPER_MODE, None, not_read=(answer.error,))
    if answer.absent:
        version = version_tuple(ios_version)
        if version is not None and version < (16,):
            return Reading(WHAT_DEVELOPER_MODE, None)
        return Reading(WHAT_DEVELOPER_MODE, None, not_read=("the phone did not report Developer Mode",))
    if not isinstance(answer.value, bool):
        return Reading(WHAT_DEVELOPER_MODE, None, unrecognised=(f"DeveloperModeStatus is {_type_name(answer.value)}",))
    return Reading(WHAT_DEVELOPER_MODE, answer.value)


class BackupDomain(BaseModel):
    """lockdown's ``com.apple.mobile.backup`` domain (listed by libimobiledevice ``tools/ideviceinfo.c``;
    ``WillEncrypt`` read by ``tools/idevicebackup2.c``). ``CloudBackupEnabled`` is whether iCloud Backup is
    on; the phone leaves the key out when it never recorded the setting, which is reported as not read."""

    model_config = ConfigDict(extra="allow", strict=True)
    CloudBackupEnabled: bool


def icloud_backup_from(answer: Answer) -> Reading[bool]:
    if not answer.ok:
        return Reading(WHAT_ICLOUD, False, not_read=(answer.error or "the phone has no backup settings",))
    if not isinstance(answer.value, Mapping):
        return Reading(WHAT_ICLOUD, False, unrecognised=(f"the backup settings are {_type_name(answer.value)}",))
    if "CloudBackupEnabled" not in answer.value:
        return Reading(WHAT_ICLOUD, False, not_read=("the phone did not say whether iCloud Backup is on",))
    try:
        return Reading(WHAT_ICLOUD, BackupDomain.model_validate(dict(answer.value)).CloudBackupEnabled)
    except ValidationError as exc:
        return Reading(WHAT_ICLOUD, False, unrecognised=tuple(_problems(exc, "com.apple.mobile.backup")))


def afc2_from(answer: Answer) -> Reading[bool]:
    """True when lockdown started ``com.apple.afc2`` (ISDi's jailbreak test); False when it said there is
    no such service (InvalidService), which is what a phone that was never jailbroken answers."""
    if answer.error:
        return Reading(WHAT_AFC2, False, not_read=(answer.error,))
    if not isinstance(answer.value, bool):
        return Reading(WHAT_AFC2, False, unrecognised=(f"the service answer is {_type_name(answer.value)}",))
    return Reading(WHAT_AFC2, answer.value)


# --- backups ----------------------------------------------------------------------------------------------


def load_plist(data: bytes, name: str) -> Answer:
    """A plist file's content (XML or binary), or why it is not one."""
    try:
        return Answer(plistlib.loads(data))
    except RecursionError:
        return Answer(error=f"{name} is nested too deeply to read")
    except Exception as exc:  # plistlib raises expat, struct, value and index errors on damaged input: all mean this
        return Answer(error=f"{name} is not a readable property list ({type(exc).__name__})")


class InfoPlist(BaseModel):
    """A backup's Info.plist (written by Finder/iTunes/idevicebackup2; MVT ``backup_info.py`` reads it):
    the device's identity and ``Installed Applications`` (the bundle IDs of the apps on the phone)."""

    model_config = ConfigDict(extra="allow", strict=True)
    device_name: str = Field("", alias="Device Name")
    product_type: str = Field("", alias="Product Type")
    product_version: str = Field("", alias="Product Version")
    build_version: str = Field("", alias="Build Version")
    last_backup: datetime | None = Field(None, alias="Last Backup Date")
    installed: list[str] | None = Field(None, alias="Installed Applications")


class ManifestLockdown(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    DeviceName: str = ""
    ProductType: str = ""
    ProductVersion: str = ""
    BuildVersion: str = ""


class ManifestPlist(BaseModel):
    """A backup's Manifest.plist (libimobiledevice ``tools/idevicebackup2.c`` writes and reads it):
    ``IsEncrypted``, ``Applications`` (bundle ID -> the app's record), ``Lockdown`` (device values),
    ``Date``, and for an encrypted backup ``BackupKeyBag`` and ``ManifestKey``."""

    model_config = ConfigDict(extra="allow", strict=True)
    IsEncrypted: bool = False
    Applications: dict[str, Any] | None = None
    Lockdown: ManifestLockdown | None = None
    Date: datetime | None = None
    BackupKeyBag: bytes | None = None
    ManifestKey: bytes | None = None


def _validated(model: type[BaseModel], answer: Answer, name: str) -> tuple[Any, list[str], list[str]]:
    """(model or None, not read, not understood) for one backup file's answer."""
    if answer.error:
        return None, [answer.error], []
    if not isinstance(answer.value, Mapping):
        return None, [], [f"{name} holds {_type_name(answer.value)}, not a dictionary"]
    try:
        return model.model_validate(dict(answer.value)), [], []
    except ValidationError as exc:
        return None, [], _problems(exc, name)


def backup_device(info: Answer, manifest: Answer, files: Sequence[FileRead]) -> Reading[PhoneInfo]:
    info_model, not_read, strange = _validated(InfoPlist, info, "Info.plist")
    manifest_model, more_not_read, more_strange = _validated(ManifestPlist, manifest, "Manifest.plist")
    lockdown = manifest_model.Lockdown if manifest_model is not None else None
    name = (info_model.device_name if info_model else "") or (lockdown.DeviceName if lockdown else "")
    product = (info_model.product_type if info_model else "") or (lockdown.ProductType if lockdown else "")
    version = (info_model.product_version if info_model else "") or (lockdown.ProductVersion if lockdown else "")
    build = (info_model.build_version if info_model else "") or (lockdown.BuildVersion if lockdown else "")
    when = (info_model.last_backup if info_model else None) or (manifest_model.Date if manifest_model else None)
    value = PhoneInfo(
        name=name,
        product_type=product,
        ios_version=version,
        build=build,
        device_class="iPhone" if product.startswith("iPhone") else "",
        as_of=when.date().isoformat() if when else "",
        files=tuple(files),
    )
    gaps = not_read + more_not_read
    if info_model is None and manifest_model is None:
        return Reading(WHAT_BACKUP_DEVICE, value, tuple(gaps), _capped(strange + more_strange))
    problems = strange + more_strange
    if not version:
        problems.append("neither Info.plist nor Manifest.plist names the iOS version")
    else:
        problems += list(_version_problems(version, "Product Version"))
    if not product:
        problems.append("neither Info.plist nor Manifest.plist names the model")
    # One of the two files is enough for the phone's identity; the other's absence is no gap here.
    if info_model is not None or manifest_model is not None:
        gaps = []
    return Reading(WHAT_BACKUP_DEVICE, value, tuple(gaps), _capped(problems))


def backup_apps(
    info: Answer,
    manifest: Answer,
    domains: Iterable[str] | None,
    info_file: FileRead | None,
    manifest_file: FileRead | None,
    db_file: FileRead | None,
) -> Reading[tuple[IOSApp, ...]]:
    """Every app the backup records, from three places, each naming the file it was read from.

    Info.plist's ``Installed Applications`` and Manifest.plist's ``Applications`` list the apps; Manifest.db
    has one ``AppDomain-<bundle ID>`` domain per app whose data was backed up. Each file that could not be
    read or understood is a gap of the reading; the apps the others list are still judged.
    """
    found: dict[str, set[str]] = {}
    not_read: list[str] = []
    strange: list[str] = []

    def add(bundle: Any, where: str, index: str) -> None:
        if isinstance(bundle, str) and bundle.strip():
            found.setdefault(bundle.strip(), set()).add(where)
        else:
            strange.append(f"{where}: {index} is {_type_name(bundle)}, not a bundle ID")

    info_model, nr, st = _validated(InfoPlist, info, "Info.plist")
    not_read += nr
    strange += st
    if info_model is not None:
        if info_model.installed is None:
            strange.append("Info.plist has no Installed Applications list")
        else:
            for i, bundle in enumerate(info_model.installed):
                add(bundle, "Info.plist", f"entry {i + 1}")
    elif info.ok and isinstance(info.value, Mapping) and isinstance(info.value.get("Installed Applications"), list):
        for i, bundle in enumerate(info.value["Installed Applications"]):
            add(bundle, "Info.plist", f"entry {i + 1}")

    manifest_model, nr, st = _validated(ManifestPlist, manifest, "Manifest.plist")
    not_read += nr
    strange += st
    if manifest_model is not None:
        if manifest_model.Applications is None:
            strange.append("Manifest.plist has no Applications list")
        else:
            for bundle in manifest_model.Applications:
                add(bundle, "Manifest.plist", "a key")
    elif (
        manifest.ok and isinstance(manifest.value, Mapping) and isinstance(manifest.value.get("Applications"), Mapping)
    ):
        for bundle in manifest.value["Applications"]:
            add(bundle, "Manifest.plist", "a key")

    if domains is None:
        not_read.append("Manifest.db (the backup's file index) could not be read")
    else:
        for domain in domains:
            if domain.startswith(APP_DOMAIN) and len(domain) > len(APP_DOMAIN):
                add(domain[len(APP_DOMAIN) :], "Manifest.db", "a domain")

    file_of = {"Info.plist": info_file, "Manifest.plist": manifest_file, "Manifest.db": db_file}
    apps = tuple(
        IOSApp(
            bundle_id=bundle,
            read_from=tuple(sorted(places)),
            files=tuple(f for place in sorted(places) if (f := file_of[place]) is not None),
        )
        for bundle, places in sorted(found.items())
    )
    return Reading(WHAT_BACKUP_APPS, apps, tuple(not_read), _capped(strange))


class ProfileRecord(BaseModel):
    """A profile record a backup keeps (``profile-<hash>.stub`` in the configuration-profiles system group;
    MVT ``configuration_profiles.py`` reads them): the profile's own keys, from Apple's Configuration Profile
    Reference — ``PayloadIdentifier``, ``PayloadUUID``, ``PayloadDisplayName``, ``PayloadOrganization``,
    ``PayloadDescription``, ``PayloadRemovalDisallowed``, ``PayloadContent`` (each payload's
    ``PayloadType``) — and ``InstallDate``."""

    model_config = ConfigDict(extra="allow", strict=True)
    PayloadIdentifier: str = Field(min_length=1)
    PayloadUUID: str = ""
    PayloadDisplayName: str = ""
    PayloadOrganization: str = ""
    PayloadDescription: str = ""
    PayloadRemovalDisallowed: bool | None = None
    PayloadContent: list[Any] = Field(default_factory=list)
    InstallDate: datetime | None = None


def is_profile_record(relative_path: str) -> bool:
    return posixpath.basename(relative_path).startswith("profile-")


def profile_from_record(answer: Answer, file: FileRead) -> tuple[Profile | None, list[str], list[str]]:
    """(profile or None, not read, not understood) for one profile record file."""
    name = file.backup_path or file.path
    if answer.error:
        return None, [answer.error], []
    if not isinstance(answer.value, Mapping):
        return None, [], [f"{name} holds {_type_name(answer.value)}, not a profile"]
    raw = dict(answer.value)
    strange: list[str] = []
    try:
        record = ProfileRecord.model_validate(raw)
    except ValidationError as exc:
        strange = _problems(exc, name)
        identifier = _text(raw.get("PayloadIdentifier")) or _text(raw.get("PayloadUUID")) or name
        return (
            Profile(
                identifier=identifier,
                name=_text(raw.get("PayloadDisplayName")),
                organisation=_text(raw.get("PayloadOrganization")),
                payload_types=_payload_types(raw.get("PayloadContent"), name, []),
                files=(file,),
            ),
            [],
            strange,
        )
    types = _payload_types(record.PayloadContent, name, strange)
    profile = Profile(
        identifier=record.PayloadIdentifier,
        name=record.PayloadDisplayName,
        organisation=record.PayloadOrganization,
        description=record.PayloadDescription,
        uuid=record.PayloadUUID,
        removal_disallowed=record.PayloadRemovalDisallowed,
        payload_types=types,
        installed=record.InstallDate.isoformat() if record.InstallDate else "",
        files=(file,),
    )
    return profile, [], strange


def _payload_types(content: Any, name: str, strange: list[str]) -> tuple[str, ...]:
    out = []
    for i, payload in enumerate(content if isinstance(content, list) else []):
        kind = payload.get("PayloadType") if isinstance(payload, Mapping) else None
        if isinstance(kind, str) and kind:
            out.append(kind)
        else:
            strange.append(f"{name}: payload {i + 1} has no PayloadType")
    return tuple(dict.fromkeys(out))


def backup_management(answer: Answer, file: FileRead) -> Reading[Management]:
    """CloudConfigurationDetails.plist: the same keys as MCInstall's cloud configuration."""
    if answer.error:
        return Reading(WHAT_BACKUP_MANAGEMENT, Management(files=(file,)), not_read=(answer.error,))
    if not isinstance(answer.value, Mapping):
        return Reading(
            WHAT_BACKUP_MANAGEMENT,
            Management(files=(file,)),
            unrecognised=(f"{CLOUD_DETAILS} holds {_type_name(answer.value)}",),
        )
    try:
        config = CloudConfiguration.model_validate(dict(answer.value))
    except ValidationError as exc:
        raw = answer.value
        value = Management(
            organisation=_text(raw.get("OrganizationName")),
            enrolment_server=_text(raw.get("ConfigurationURL")),
            files=(file,),
        )
        return Reading(WHAT_BACKUP_MANAGEMENT, value, unrecognised=tuple(_problems(exc, CLOUD_DETAILS)))
    value = Management(
        supervised=bool(config.IsSupervised),
        organisation=config.OrganizationName,
        enrolment_server=config.ConfigurationURL,
        mdm_unremovable=config.IsMDMUnremovable,
        files=(file,),
    )
    return Reading(WHAT_BACKUP_MANAGEMENT, value)
