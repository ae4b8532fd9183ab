"""adb output parsers on fixture files from two Android versions, and the APK signature reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from android.apkbuild import make_certificate, sha1_of, v1_apk, v2_apk  # type: ignore[import-not-found]
from auditor.android import parsers
from auditor.android.apk import ApkError, certificate_sha1s

FIX = Path(__file__).parent / "fixtures"


def test_devices_with_models_and_states() -> None:
    two = parsers.parse_devices((FIX / "devices_two.txt").read_text())
    assert [(d.serial, d.state, d.model) for d in two] == [
        ("38211FDH300ABC", "device", "Pixel 8 Pro"),
        ("ZY2243XKLM", "device", "moto g 5  plus"),
    ]
    assert parsers.parse_devices((FIX / "devices_unauthorized.txt").read_text())[0].state == "unauthorized"
    assert parsers.parse_devices((FIX / "devices_none.txt").read_text()) == []


def test_packages_android14_paths_with_equals_signs() -> None:
    packages = {p.name: p for p in parsers.parse_packages((FIX / "pixel14" / "packages.txt").read_text())}
    spy = packages["com.thetruth"]
    assert spy.path.endswith("/base.apk") and "==" in spy.path
    assert spy.installer is None and spy.uid == 10245 and not spy.system
    assert packages["com.android.systemservice.update"].installer == "com.google.android.packageinstaller"
    assert packages["com.google.android.gms"].system


def test_packages_android9_double_spaces() -> None:
    packages = parsers.parse_packages((FIX / "moto9" / "packages.txt").read_text())
    assert next((p.name, p.installer, p.uid) for p in packages) == ("org.mozilla.firefox", "com.android.vending", 10098)


def test_accessibility_from_dumpsys_and_settings() -> None:
    dumped = parsers.parse_accessibility_dumpsys((FIX / "pixel14" / "dumpsys_accessibility.txt").read_text())
    assert [c.flat for c in dumped] == ["com.android.systemservice.update/com.android.systemservice.update.AccService"]
    assert parsers.parse_accessibility_dumpsys((FIX / "moto9" / "dumpsys_accessibility.txt").read_text()) == []
    listed = parsers.parse_component_list("a.b/.Svc:c.d/c.d.Other")
    assert [c.flat for c in listed] == ["a.b/a.b.Svc", "c.d/c.d.Other"]
    assert parsers.parse_component_list("null") == []


def test_device_policy_admins() -> None:
    admins, owners = parsers.parse_device_policy((FIX / "pixel14" / "dumpsys_device_policy.txt").read_text())
    assert [a.package for a in admins] == ["com.google.android.gms", "com.android.systemservice.update"]
    assert owners == []
    none, _ = parsers.parse_device_policy((FIX / "moto9" / "dumpsys_device_policy.txt").read_text())
    assert none == []
    _, owner = parsers.parse_device_policy("  Device Owner: \n    admin=ComponentInfo{com.mdm/com.mdm.Admin}\n")
    assert owner[0].flat == "com.mdm/com.mdm.Admin"


def test_settings_and_getprop() -> None:
    settings = parsers.parse_settings((FIX / "pixel14" / "settings_global.txt").read_text())
    assert settings["package_verifier_enable"] == "0"
    props = parsers.parse_getprop((FIX / "pixel14" / "getprop.txt").read_text())
    assert props["ro.build.version.sdk"] == "34"


def test_v1_signature_certificate_sha1() -> None:
    key, cert = make_certificate("v1 signer")
    assert certificate_sha1s(v1_apk(key, cert)) == [sha1_of(cert)]


@pytest.mark.parametrize("scheme", [0x7109871A, 0xF05368C0])
def test_v2_and_v3_signing_block_certificate_sha1(scheme: int) -> None:
    _, cert = make_certificate("v2 signer")
    assert certificate_sha1s(v2_apk(cert, scheme)) == [sha1_of(cert)]


def test_not_an_apk() -> None:
    with pytest.raises(ApkError):
        certificate_sha1s(b"this is not a zip file at all" * 10)
