"""Shape fuzzing of everything an iPhone or a backup can answer: malformed input is never "Looks clear".

Each property starts from a well-formed answer (the documented shape) and breaks it — a key dropped, a value
of another type, a null, a list where a record belongs, bytes cut short, hostile text — then runs the parser
and the checks that rest on it. A broken answer must leave its reading incomplete and its checks
found/review/error/manual/skipped, never clear; and nothing may raise out of a parser or a check.
"""

from __future__ import annotations

import inspect
import plistlib
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from auditor.checkapi import CheckContext, Source
from auditor.checkapi.ios import FileRead
from auditor.iocs import installed_indicators
from auditor.ios import parsers
from auditor.ios.backup import BackupFolder, BackupIPhone
from auditor.ios.collector import UsbAnswers
from auditor.ios.parsers import Answer
from auditor.ios.phone import UsbIPhone
from auditor.model import Status
from auditor.safetext import BIDI_CONTROLS

from .backupbuild import BackupSpec, build_backup
from .conftest import ios_checks

CHECKS = {c.spec.id: c for c in ios_checks()}
INDICATORS = installed_indicators()
HOSTILE = st.sampled_from(
    [
        "[bold red]Security[/]",
        "\x1b[2J\x1b[31mALL CLEAR\x1b[0m",
        "\x1b]8;;https://evil.example/\x07x\x1b]8;;\x07",
        "invoice\u202egnp.exe",
        "pay\u200bpal\u200d",
        "\u2066isolated\u2069",
        "",
        "A" * 3000,
    ]
)
SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), st.binary(max_size=8)
)
ANY = st.recursive(
    st.one_of(SCALAR, st.text(max_size=12)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8,
)


def not_a(kind: type) -> st.SearchStrategy[Any]:
    """Any value that is not of ``kind`` (bool is not an int here, as plists keep them apart)."""
    return ANY.filter(lambda v: not isinstance(v, kind) or (kind is int and isinstance(v, bool)))


def broken(
    base: dict[str, Any], required: tuple[str, ...], typed: dict[str, type]
) -> st.SearchStrategy[dict[str, Any]]:
    """``base`` with one thing wrong: a required key dropped, or a typed key of another type (None included)."""
    drop = st.sampled_from(required).map(lambda key: {k: v for k, v in base.items() if k != key})
    retype = st.sampled_from(sorted(typed)).flatmap(lambda key: not_a(typed[key]).map(lambda v: {**base, key: v}))
    return st.one_of(drop, retype) if required else retype


# --- well-formed answers ------------------------------------------------------------------------------------

VALUES = {"DeviceName": "Sam's iPhone", "ProductType": "iPhone15,2", "ProductVersion": "26.5", "BuildVersion": "23F79"}
APP = {"CFBundleIdentifier": "com.life360.safetymap", "CFBundleDisplayName": "Life360", "ApplicationType": "User"}
SYSTEM_APP = {
    "CFBundleIdentifier": "com.apple.mobilesafari",
    "CFBundleDisplayName": "Safari",
    "ApplicationType": "System",
}
PROFILE_META = {"PayloadDisplayName": "VPN", "PayloadOrganization": "Org", "PayloadUUID": "U", "PayloadVersion": 1}
PROFILES = {
    "Status": "Acknowledged",
    "OrderedIdentifiers": ["com.x"],
    "ProfileManifest": {"com.x": {"Description": "VPN", "IsActive": True}},
    "ProfileMetadata": {"com.x": PROFILE_META},
}


def answers(**changes: Answer) -> UsbAnswers:
    base = UsbAnswers(
        udid="u",
        values=Answer(dict(VALUES)),
        chaperone=Answer({"DeviceIsChaperoned": False}),
        backup_settings=Answer({"CloudBackupEnabled": False}),
        developer_mode=Answer(False),
        apps=Answer([dict(SYSTEM_APP)]),
        profiles=Answer({"Status": "Acknowledged", "ProfileMetadata": {}}),
        cloud_configuration=Answer(None),
        afc2=Answer(False),
    )
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def run_checks(phone: Any, only: tuple[str, ...] | None = None) -> dict[str, set[Status]]:
    """Each check's run() called directly: an exception here is a traceback escaping a check."""
    source = Source("ios", "iPhone", clients={"iphone": phone, "indicators": INDICATORS})
    out: dict[str, set[Status]] = {}
    for check_id, check in CHECKS.items():
        if only is not None and check_id not in only:
            continue
        findings = check.run(CheckContext(spec=check.spec, source=source))
        assert not inspect.isawaitable(findings), f"{check_id} runs synchronously, as the phone's checks do"
        assert findings, check_id
        out[check_id] = {f.status for f in findings}
        for finding in findings:
            text = finding.title + finding.detail
            assert "\x1b" not in text and "\x07" not in text and not (set(text) & BIDI_CONTROLS), finding.title
    return out


def never_clear(found: dict[str, set[Status]], checks: tuple[str, ...]) -> None:
    for check in checks:
        assert Status.CLEAR not in found[check], (check, found[check])


# --- USB answers --------------------------------------------------------------------------------------------

APP_CHECKS = ("ios.stalkerware_apps", "ios.dual_use_apps", "ios.sideloaded_apps", "ios.jailbreak")


@given(
    broken(
        APP,
        ("CFBundleIdentifier",),
        {"CFBundleIdentifier": str, "CFBundleDisplayName": str, "ApplicationType": str, "SignerIdentity": str},
    ),
    st.integers(0, 3),
)
def test_a_broken_app_record_is_never_clear(record: dict[str, Any], position: int) -> None:
    listing = [dict(SYSTEM_APP)] * 3
    listing.insert(position, record)
    reading = parsers.apps_from_browse(Answer(listing))
    assert not reading.whole
    never_clear(run_checks(UsbIPhone(answers(apps=Answer(listing))), APP_CHECKS), APP_CHECKS)


@given(not_a(list) | st.just([]) | st.lists(not_a(dict), min_size=1, max_size=4))
def test_an_app_listing_of_another_shape_is_never_clear(listing: Any) -> None:
    assert not parsers.apps_from_browse(Answer(listing)).whole
    never_clear(run_checks(UsbIPhone(answers(apps=Answer(listing))), APP_CHECKS), APP_CHECKS)


@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "CFBundleIdentifier": st.text(min_size=1, max_size=40),
                "CFBundleDisplayName": HOSTILE,
                "ApplicationType": st.just("User"),
                "SignerIdentity": HOSTILE,
            }
        ),
        min_size=1,
        max_size=5,
    )
)
def test_hostile_app_names_are_shown_literally(listing: list[dict[str, Any]]) -> None:
    run_checks(UsbIPhone(answers(apps=Answer([dict(SYSTEM_APP), *listing]))))  # asserts on every title inside


@given(
    broken(
        VALUES,
        ("DeviceName", "ProductType", "ProductVersion"),
        {"DeviceName": str, "ProductType": str, "ProductVersion": str},
    )
    | not_a(dict)
)
def test_broken_device_values_are_never_clear(values: Any) -> None:
    assert not parsers.device_from_lockdown(Answer(values)).whole
    never_clear(
        run_checks(UsbIPhone(answers(values=Answer(values))), ("ios.software_update",)), ("ios.software_update",)
    )


@given(
    broken(
        PROFILES,
        ("Status", "ProfileMetadata"),
        {"Status": str, "ProfileMetadata": dict, "OrderedIdentifiers": list, "ProfileManifest": dict},
    )
    | broken(
        PROFILE_META,
        (),
        {"PayloadDisplayName": str, "PayloadOrganization": str, "PayloadUUID": str, "PayloadVersion": int},
    ).map(lambda meta: {**PROFILES, "ProfileMetadata": {"com.x": meta}})
    | not_a(dict)
)
def test_a_broken_profile_list_is_never_clear(answer: Any) -> None:
    assert not parsers.profiles_from_list(Answer(answer)).whole
    found = run_checks(UsbIPhone(answers(profiles=Answer(answer))), ("ios.profiles",))
    never_clear(found, ("ios.profiles",))


@given(
    st.one_of(
        broken(
            {"IsSupervised": False, "OrganizationName": "O", "ConfigurationURL": "https://m"},
            (),
            {"IsSupervised": bool, "OrganizationName": str, "ConfigurationURL": str},
        ),
        not_a(dict).filter(lambda v: v is not None),
    ),
    st.one_of(
        broken({"DeviceIsChaperoned": False}, ("DeviceIsChaperoned",), {"DeviceIsChaperoned": bool}), not_a(dict)
    ),
)
def test_broken_management_answers_are_never_clear(cloud: Any, chaperone: Any) -> None:
    reading = parsers.management_from(Answer(cloud), Answer(chaperone))
    assert not reading.whole
    found = run_checks(
        UsbIPhone(answers(cloud_configuration=Answer(cloud), chaperone=Answer(chaperone))), ("ios.device_management",)
    )
    never_clear(found, ("ios.device_management",))


@given(not_a(bool))
def test_single_settings_of_another_type_are_never_clear(value: Any) -> None:
    phone = UsbIPhone(
        answers(developer_mode=Answer(value), backup_settings=Answer({"CloudBackupEnabled": value}), afc2=Answer(value))
    )
    found = run_checks(phone, ("ios.developer_mode", "ios.icloud_backup", "ios.jailbreak"))
    never_clear(found, ("ios.developer_mode", "ios.icloud_backup", "ios.jailbreak"))


@given(
    st.sampled_from(
        ["values", "chaperone", "backup_settings", "developer_mode", "apps", "profiles", "cloud_configuration", "afc2"]
    ),
    st.text(st.characters(categories=("L", "N", "Zs", "P")), min_size=1, max_size=60),
)
def test_a_read_that_failed_is_never_clear(read: str, why: str) -> None:
    depends = {
        "values": ("ios.software_update",),
        "chaperone": ("ios.device_management",),
        "backup_settings": ("ios.icloud_backup",),
        "developer_mode": ("ios.developer_mode",),
        "apps": APP_CHECKS,
        "profiles": ("ios.profiles",),
        "cloud_configuration": ("ios.device_management",),
        "afc2": ("ios.jailbreak",),
    }[read]
    found = run_checks(UsbIPhone(answers(**{read: Answer(error=why)})))
    never_clear(found, depends)
    for check in depends:
        assert Status.ERROR in found[check] or Status.MANUAL in found[check], (check, found[check])


# --- backups -------------------------------------------------------------------------------------------------

BASE_BACKUP = Path(tempfile.mkdtemp(prefix="auditor-fuzz-backup-")) / "backup"
build_backup(BASE_BACKUP, BackupSpec(apps=["com.life360.safetymap", "net.whatsapp.WhatsApp"]))
INFO = plistlib.loads((BASE_BACKUP / "Info.plist").read_bytes())
MANIFEST = plistlib.loads((BASE_BACKUP / "Manifest.plist").read_bytes())


@given(st.data())
def test_cut_or_damaged_plist_bytes_never_raise(data: st.DataObject) -> None:
    raw = (BASE_BACKUP / data.draw(st.sampled_from(["Info.plist", "Manifest.plist"]))).read_bytes()
    at = data.draw(st.integers(0, len(raw) - 1))
    damaged = raw[:at] + data.draw(st.binary(max_size=6)) if data.draw(st.booleans()) else raw[:at]
    answer = parsers.load_plist(damaged, "Info.plist")
    if answer.error:
        reading = parsers.backup_apps(answer, answer, None, None, None, None)
        assert not reading.whole


@given(
    st.one_of(
        broken(
            INFO,
            ("Installed Applications",),
            {"Installed Applications": list, "Product Version": str, "Product Type": str, "Device Name": str},
        ),
        st.lists(not_a(str), min_size=1, max_size=3).map(
            lambda bad: {**INFO, "Installed Applications": [*INFO["Installed Applications"], *bad]}
        ),
    ),
    st.booleans(),
)
def test_a_broken_info_plist_is_never_clear(info: dict[str, Any], as_binary: bool) -> None:
    try:
        content = plistlib.dumps(info, fmt=plistlib.FMT_BINARY if as_binary else plistlib.FMT_XML)
    except (TypeError, ValueError, OverflowError):
        content = b"<?xml version='1.0'?><plist><dict><key>Device Name</key>"  # what cannot be written is cut short
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "b"
        shutil.copytree(BASE_BACKUP, folder)
        (folder / "Info.plist").write_bytes(content)
        backup = BackupFolder(folder)
        try:
            phone = BackupIPhone(backup)
            assert not phone.apps().whole or not phone.device().whole
            found = run_checks(phone, (*APP_CHECKS, "ios.software_update"))
        finally:
            backup.close()
    assert Status.CLEAR not in found["ios.stalkerware_apps"] or Status.CLEAR not in found["ios.software_update"]


@given(
    st.one_of(
        broken(
            {
                "PayloadIdentifier": "com.x",
                "PayloadDisplayName": "X",
                "PayloadContent": [{"PayloadType": "com.apple.mdm"}],
            },
            ("PayloadIdentifier",),
            {"PayloadIdentifier": str, "PayloadDisplayName": str, "PayloadContent": list},
        ),
        st.lists(not_a(dict), min_size=1, max_size=3).map(
            lambda content: {"PayloadIdentifier": "com.x", "PayloadContent": content}
        ),
    )
)
def test_a_broken_profile_record_is_never_clear(record: dict[str, Any]) -> None:
    file = FileRead("ab/abcd", "0" * 64)
    _profile, not_read, strange = parsers.profile_from_record(Answer(record), file)
    assert not_read or strange


ROW_VALUE = st.one_of(
    st.none(), st.integers(-5, 5), st.text(max_size=20), st.binary(max_size=20), st.floats(allow_nan=False)
)


@given(
    st.lists(
        st.tuples(
            ROW_VALUE | st.just("../" * 3 + "etc/passwd") | st.just("f" * 40),
            st.just("SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles") | ROW_VALUE,
            st.just("Library/ConfigurationProfiles/profile-x.stub") | ROW_VALUE,
            st.just(1) | ROW_VALUE,
            ROW_VALUE,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_manifest_db_rows_of_any_type_never_raise_and_never_clear(rows: list[tuple[Any, ...]]) -> None:
    import sqlite3

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "b"
        shutil.copytree(BASE_BACKUP, folder)
        connection = sqlite3.connect(folder / "Manifest.db")
        connection.execute("DELETE FROM Files WHERE domain LIKE 'SysShared%'")
        for row in rows:
            connection.execute("INSERT OR IGNORE INTO Files VALUES (?, ?, ?, ?, ?)", row)
        connection.commit()
        recorded = connection.execute(
            "SELECT fileID, domain, relativePath, flags, file FROM Files WHERE domain = ?", (parsers.PROFILES_DOMAIN,)
        ).fetchall()
        connection.close()
        backup = BackupFolder(folder)
        try:
            phone = BackupIPhone(backup)
            reading = phone.profiles()
            found = run_checks(phone, ("ios.profiles", "ios.device_management"))
        finally:
            backup.close()
    # Nothing here is a profile record the tool can read: either the folder is missing or a record is unreadable.
    if not recorded or any(r[3] == 1 and parsers.is_profile_record(str(r[2])) for r in recorded):
        assert not reading.whole
        never_clear(found, ("ios.profiles",))


@given(HOSTILE, HOSTILE, HOSTILE)
def test_hostile_names_in_a_backup_are_shown_literally(device: str, profile: str, organisation: str) -> None:
    from .backupbuild import profile_file, profile_record

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "b"
        spec = BackupSpec(
            device_name=device,
            apps=["com.life360.safetymap", device or "x"],
            files=[profile_file("p", profile_record("com.x" + profile, profile, organisation))],
        )
        build_backup(folder, spec)
        backup = BackupFolder(folder)
        try:
            found = run_checks(BackupIPhone(backup))  # asserts every title and detail is literal
        finally:
            backup.close()
    assert Status.REVIEW in found["ios.profiles"]
