"""The pure parsers on published and documented answers, and the project lists they are judged against."""

from __future__ import annotations

import plistlib
from datetime import date
from pathlib import Path

import pytest

from auditor.errors import DataFileError
from auditor.ios import catalog
from auditor.ios.parsers import (
    Answer,
    BrowsedApp,
    apps_from_browse,
    developer_mode_from,
    device_from_lockdown,
    icloud_backup_from,
    management_from,
    profiles_from_list,
)

from .conftest import FIXTURES

ISDI = plistlib.loads((FIXTURES / "isdi_browse_answer.plist").read_bytes())


def test_isdi_published_browse_answer_is_read_whole() -> None:
    reading = apps_from_browse(Answer(ISDI))
    assert reading.whole
    assert len(reading.value) == 96
    users = {a.bundle_id: a for a in reading.value if not a.system}
    assert len(users) == 11
    assert users["org.coolstar.electra"].signer.startswith("iPhone Developer:")
    assert users["com.teamviewer.rc"].signer == catalog.APP_STORE_SIGNER
    assert catalog.signing_kind(users["org.coolstar.electra"].signer) == "development"
    assert catalog.jailbreak_tool("org.coolstar.electra") == "Electra (jailbreak)"
    for raw in ISDI:  # every record of the published answer fits the documented shape
        BrowsedApp.model_validate(raw)


def test_one_broken_record_leaves_the_others_judged() -> None:
    broken = [*ISDI[:3], {"CFBundleDisplayName": 7}, "not a record", {**ISDI[90], "ApplicationType": ["User"]}]
    reading = apps_from_browse(Answer(broken))
    assert not reading.whole
    assert len(reading.value) == 4  # the three good ones and the one with a readable bundle ID
    assert any("app 4" in u and "CFBundleIdentifier is missing" in u for u in reading.unrecognised)
    assert any("app 5 is str" in u for u in reading.unrecognised)


def test_device_values() -> None:
    values = {"DeviceName": "Sam's iPhone", "ProductType": "iPhone14,2", "ProductVersion": "17.5.1"}
    reading = device_from_lockdown(Answer(values))
    assert reading.whole and reading.value.ios_version == "17.5.1"
    assert not device_from_lockdown(Answer({**values, "ProductVersion": 17})).whole
    assert not device_from_lockdown(Answer({**values, "ProductVersion": "seventeen"})).whole
    assert not device_from_lockdown(Answer(error="the phone went away")).whole


def test_profile_list_as_pymobiledevice3_documents_it() -> None:
    answer = {
        "Status": "Acknowledged",
        "OrderedIdentifiers": ["com.example.vpn"],
        "ProfileManifest": {"com.example.vpn": {"Description": "VPN", "IsActive": True}},
        "ProfileMetadata": {
            "com.example.vpn": {
                "PayloadDisplayName": "Example VPN",
                "PayloadOrganization": "Example Org",
                "PayloadUUID": "A1",
                "PayloadVersion": 1,
                "PayloadRemovalDisallowed": False,
            }
        },
    }
    reading = profiles_from_list(Answer(answer))
    assert reading.whole
    (profile,) = reading.value
    assert (profile.name, profile.organisation, profile.active) == ("Example VPN", "Example Org", True)
    empty = profiles_from_list(Answer({"Status": "Acknowledged", "ProfileMetadata": {}}))
    assert empty.whole and empty.value == ()
    missing = profiles_from_list(Answer({"Status": "Acknowledged"}))
    assert not missing.whole, "an answer without ProfileMetadata is not 'no profiles'"
    odd = profiles_from_list(Answer({**answer, "ProfileMetadata": {"com.example.vpn": {"PayloadDisplayName": 3}}}))
    assert not odd.whole and [p.identifier for p in odd.value] == ["com.example.vpn"]


def test_management_needs_a_supervision_answer() -> None:
    assert management_from(Answer(None), Answer({"DeviceIsChaperoned": False})).whole
    assert not management_from(Answer(None), Answer({})).whole
    assert not management_from(Answer(None), Answer(error="refused")).whole
    supervised = management_from(Answer({"IsSupervised": True}), Answer(error="refused"))
    assert supervised.whole and supervised.value.supervised
    dep = management_from(Answer({"ConfigurationURL": "https://mdm.example"}), Answer({"DeviceIsChaperoned": False}))
    assert dep.value.managed and dep.value.enrolment_server == "https://mdm.example"


def test_developer_mode_exists_from_ios_16() -> None:
    assert developer_mode_from(Answer(absent=True), "15.8").whole
    assert developer_mode_from(Answer(absent=True), "15.8").value is None
    assert not developer_mode_from(Answer(absent=True), "17.0").whole
    assert developer_mode_from(Answer(True), "17.0").value is True
    assert not developer_mode_from(Answer("yes"), "17.0").whole


def test_icloud_backup_setting() -> None:
    assert icloud_backup_from(Answer({"CloudBackupEnabled": True})).value is True
    assert not icloud_backup_from(Answer({"WillEncrypt": False})).whole, "a missing key is not 'off'"
    assert not icloud_backup_from(Answer({"CloudBackupEnabled": 1})).whole


@pytest.mark.parametrize(
    ("version", "model", "today", "state"),
    [
        ("26.5", "iPhone15,2", date(2026, 6, 1), "current"),
        ("26.6", "iPhone15,2", date(2026, 6, 1), "current"),
        ("26.4.1", "iPhone15,2", date(2026, 6, 1), "out-of-date"),
        ("18.7.9", "iPhone12,1", date(2026, 6, 1), "out-of-date"),  # an iPhone 11 can run iOS 26
        ("18.7.9", "iPhone11,8", date(2026, 6, 1), "current"),  # an iPhone XR cannot
        ("18.6", "iPhone11,8", date(2026, 6, 1), "out-of-date"),
        ("15.8.8", "iPhone8,1", date(2026, 6, 1), "current"),
        ("12.5.7", "iPhone7,2", date(2026, 6, 1), "unsupported"),
        ("26.5", "iPhone15,2", date(2026, 12, 7), "unknown"),  # the table is too old to call anything current
        ("26.4", "iPhone15,2", date(2026, 12, 7), "out-of-date"),  # but older than the table is still old
        ("17.1", "iPad13,1", date(2026, 6, 1), "out-of-date"),
        ("seventeen", "iPhone15,2", date(2026, 6, 1), "unknown"),
    ],
)
def test_release_table(version: str, model: str, today: date, state: str) -> None:
    judged = catalog.judge_release(version, model, today)
    assert judged.state == state, judged
    assert judged.table_date == catalog.release_table_date()


def test_release_table_file_errors_name_the_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "ios_releases.yaml"
    text = (catalog.DATA / "ios_releases.yaml").read_text().replace('latest: "26.5"', 'latest: "twenty-six"')
    bad.write_text(text)
    monkeypatch.setattr(catalog, "DATA", tmp_path)
    catalog._table.cache_clear()
    try:
        with pytest.raises(DataFileError, match=r"ios_releases.yaml, line \d+: lines.0.latest"):
            catalog.judge_release("26.5", "iPhone15,2")
    finally:
        catalog._table.cache_clear()


def test_dual_use_list_carries_its_licence_and_leaves_apple_out() -> None:
    import json

    data = json.loads((catalog.DATA / "dual_use_isdi.json").read_text(encoding="utf-8"))
    assert data["licence"] == "MIT" and "Permission is hereby granted" in data["licence_text"]
    assert catalog.dual_use_app("com.life360.safetymap") is not None
    assert catalog.dual_use_app("COM.LIFE360.SAFETYMAP") is not None
    assert catalog.dual_use_app("com.apple.findmy") is None, "Apple's own sharing is the Apple checks' job"
    assert all(not a["bundle"].startswith("com.apple.") for a in data["apps"])
    assert catalog.dual_use_app("net.whatsapp.WhatsApp") is None


@pytest.mark.parametrize(
    ("signer", "kind"),
    [
        ("Apple iPhone OS Application Signing", "app-store"),
        ("iPhone Developer: someone (ABCDE12345)", "development"),
        ("Apple Development: someone (ABCDE12345)", "development"),
        ("iPhone Distribution: Example Corp", "distribution"),
        ("Something else", "other"),
        ("", ""),
    ],
)
def test_signing_kinds(signer: str, kind: str) -> None:
    assert catalog.signing_kind(signer) == kind
