"""adb output parsers on fixture files — built ones from Android's documented shapes and MVT's public captures —
and the APK signature reader."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from android.apkbuild import make_certificate, sha1_of, v1_apk, v2_apk
from auditor.android import parsers
from auditor.android.apk import ApkError, certificate_sha1s
from auditor.android.parsers import Parsed

FIX = Path(__file__).parent.parent / "fixtures" / "android"
MVT = FIX / "mvt"


def test_devices_with_models_and_states() -> None:
    two = parsers.parse_devices((FIX / "devices_two.txt").read_text())
    assert [(d.serial, d.state, d.model) for d in two.value] == [
        ("38211FDH300ABC", "device", "Pixel 8 Pro"),
        ("ZY2243XKLM", "device", "moto g 5  plus"),
    ]
    assert two.unrecognised == ()
    assert parsers.parse_devices((FIX / "devices_unauthorized.txt").read_text()).value[0].state == "unauthorized"
    assert parsers.parse_devices((FIX / "devices_none.txt").read_text()) == parsers.Parsed(())


def test_devices_daemon_lines_and_no_permissions() -> None:
    text = (
        "* daemon not running; starting now at tcp:5037\n* daemon started successfully\nList of devices attached\n"
        "0123456789ABCDEF       no permissions (missing udev rules? user is in the plugdev group); see [http://x]\n"
    )
    parsed = parsers.parse_devices(text)
    assert [(d.serial, d.state) for d in parsed.value] == [("0123456789ABCDEF", "no permissions")]
    assert parsed.unrecognised == ()


def test_devices_output_not_understood() -> None:
    assert "no “List of devices attached” header" in parsers.parse_devices("adb: usage ...\n").unrecognised[0]
    odd = parsers.parse_devices("List of devices attached\nR58M40 mystery-state\n")
    assert odd.value == () and "line 2" in odd.unrecognised[0]


def test_packages_android14_paths_with_equals_signs() -> None:
    parsed = parsers.parse_packages((FIX / "pixel14" / "packages.txt").read_text())
    assert parsed.unrecognised == ()
    packages = {p.name: p for p in parsed.value}
    spy = packages["com.thetruth"]
    assert spy.path.endswith("/base.apk") and "==" in spy.path
    assert spy.installer is None and spy.uid == 10245 and not spy.system
    assert packages["com.android.systemservice.update"].installer == "com.google.android.packageinstaller"
    assert packages["com.google.android.gms"].system


def test_packages_android9_double_spaces() -> None:
    parsed = parsers.parse_packages((FIX / "moto9" / "packages.txt").read_text())
    assert parsed.value[0].name == "org.mozilla.firefox"
    assert (parsed.value[0].installer, parsed.value[0].uid) == ("com.android.vending", 10098)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "listed no apps at all"),
        ("package:/data/app/a/base.apk=com.a installer=null uid:1\nError: something\n", "line 2"),
        ("package:/data/app/a/base.apk=com.a installer=null uid:1", "cut short"),
        ("package:/data/app/a/base.apk=com.a installer=null uid:x\n", "is not a user ID"),
        ("package:/data/app/a/base.apk=com.a[b]x[/b] installer=null\n", "does not end in an Android package name"),
        ("package:\n", "names no app"),
        ("package:relative/base.apk=com.a\n", "does not start with a path on the phone"),
    ],
)
def test_packages_output_not_understood(text: str, problem: str) -> None:
    parsed = parsers.parse_packages(text)
    assert any(problem in p for p in parsed.unrecognised), parsed


def test_a_package_line_not_understood_leaves_the_others_judged() -> None:
    text = "package:/data/app/a/base.apk=com.a installer=null uid:1\ngarbage\npackage:/data/app/b/base.apk=com.b\n"
    parsed = parsers.parse_packages(text)
    assert [p.name for p in parsed.value] == ["com.a", "com.b"]
    assert parsed.unrecognised == ("line 2: “garbage” is not a “package:” line",)


def test_accessibility_from_dumpsys_and_settings() -> None:
    dumped = parsers.parse_accessibility_dumpsys((FIX / "pixel14" / "dumpsys_accessibility.txt").read_text())
    assert [c.flat for c in dumped.value] == [
        "com.android.systemservice.update/com.android.systemservice.update.AccService"
    ]
    assert parsers.parse_accessibility_dumpsys((FIX / "moto9" / "dumpsys_accessibility.txt").read_text()) == (
        parsers.Parsed(())
    )
    listed = parsers.parse_component_list("a.b/.Svc:c.d/c.d.Other")
    assert [c.flat for c in listed.value] == ["a.b/a.b.Svc", "c.d/c.d.Other"]
    assert parsers.parse_component_list("null") == parsers.Parsed(())
    assert parsers.parse_component_list("a.b/.Svc:not a component").unrecognised == (
        "in “a.b/.Svc:not a component”, “not a component” is not an app component",
    )


def test_accessibility_mvt_android14_capture() -> None:
    parsed = parsers.parse_accessibility_dumpsys(
        (MVT / "android_data" / "dumpsys_accessibility_v14_or_later.txt").read_text()
    )
    assert [c.flat for c in parsed.value] == ["com.malware.accessibility/com.malware.service.malwareservice"]
    assert parsed.unrecognised == ()


def test_accessibility_mvt_samsung_captures_list_installed_but_none_enabled() -> None:
    for name in ("android_data/dumpsys_accessibility.txt", "androidqf/dumpsys.txt"):
        assert parsers.parse_accessibility_dumpsys((MVT / name).read_text()) == parsers.Parsed(()), name


def test_accessibility_samsung_enabled_list_and_several_aosp_services() -> None:
    samsung = (MVT / "android_data" / "dumpsys_accessibility.txt").read_text()
    enabled = samsung.replace(
        "  enabled services: {\n  }",
        "  enabled services: {\n    0 : com.samsung.accessibility/.universalswitch.UniversalSwitchService\n"
        "    1 : com.spy.app/com.spy.app.Watch\n  }",
    )
    assert [c.flat for c in parsers.parse_accessibility_dumpsys(enabled).value] == [
        "com.samsung.accessibility/com.samsung.accessibility.universalswitch.UniversalSwitchService",
        "com.spy.app/com.spy.app.Watch",
    ]
    aosp = (MVT / "android_data" / "dumpsys_accessibility_v14_or_later.txt").read_text()
    two = aosp.replace(
        "Enabled services:{{com.malware.accessibility/com.malware.service.malwareservice}}",
        "Enabled services:{{com.a/com.a.One}, {com.spy.app/com.spy.app.Watch}}",
    )
    assert [c.package for c in parsers.parse_accessibility_dumpsys(two).value] == ["com.a", "com.spy.app"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda t: t.replace("ACCESSIBILITY MANAGER (dumpsys accessibility)", "Service not ready"), "header"),
        (lambda t: t.replace("Enabled services:{{", "Enabled services:{{com.a/"), "is not an app component"),
        (lambda t: t.replace("malwareservice}}", "malwareservice}"), "is not a list of services"),
        (lambda t: t.replace("     Enabled services:", "     Enabled servicez:"), "list(s) of enabled services"),
        (lambda t: t.split("User state[")[0], "no “User state”"),
    ],
)
def test_accessibility_output_not_understood(change: Callable[[str], str], problem: str) -> None:
    text = change((MVT / "android_data" / "dumpsys_accessibility_v14_or_later.txt").read_text())
    parsed = parsers.parse_accessibility_dumpsys(text)
    assert any(problem in p for p in parsed.unrecognised), parsed


def test_accessibility_samsung_list_never_closed() -> None:
    text = "ACCESSIBILITY MANAGER (dumpsys accessibility)\nUser state[\n  enabled services: {\n    0 : com.a/.B\n"
    parsed = parsers.parse_accessibility_dumpsys(text)
    assert [c.flat for c in parsed.value] == ["com.a/com.a.B"]
    assert parsed.unrecognised == ("line 3: the list of enabled services is never closed",)


def test_device_policy_admins() -> None:
    parsed = parsers.parse_device_policy((FIX / "pixel14" / "dumpsys_device_policy.txt").read_text())
    assert [a.package for a in parsed.value.admins] == ["com.google.android.gms", "com.android.systemservice.update"]
    assert parsed.value.owners == () and parsed.unrecognised == ()
    none = parsers.parse_device_policy((FIX / "moto9" / "dumpsys_device_policy.txt").read_text())
    assert none == parsers.Parsed(parsers.DeviceAdmins())
    owner = parsers.parse_device_policy(
        "Current Device Policy Manager state:\n  Device Owner: \n    admin=ComponentInfo{com.mdm/com.mdm.Admin}\n"
        "    name=\n    package=com.mdm\n\n  Enabled Device Admins (User 0, provisioningState: 3):\n"
        "    com.mdm/.Admin:\n      uid=10111\n\n    mPasswordOwner=-1\n"
    )
    assert [o.flat for o in owner.value.owners] == ["com.mdm/com.mdm.Admin"]
    assert [a.flat for a in owner.value.admins] == ["com.mdm/com.mdm.Admin"]
    assert owner.unrecognised == ()


def test_device_policy_admins_written_as_component_info_and_for_a_work_profile() -> None:
    parsed = parsers.parse_device_policy(
        "Current Device Policy Manager state:\n  Enabled Device Admins (User 0, provisioningState: 2):\n"
        "    admin=ComponentInfo{com.spy/com.spy.Admin}\n    mPasswordOwner=-1\n"
        "  Enabled Device Admins (User 10, provisioningState: 3):\n"
        "    com.work.mdm/.Receiver:\n      policies:\n        wipe-data\n    mPasswordOwner=-1\n"
        "    mAppsSuspended=false\n"
    )
    assert [a.flat for a in parsed.value.admins] == ["com.spy/com.spy.Admin", "com.work.mdm/com.work.mdm.Receiver"]
    assert parsed.unrecognised == ()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Can't find service: device_policy\n", "no “Current Device Policy Manager state:” header"),
        ("", "it printed nothing"),
        ("Current Device Policy Manager state:\n  Immutable state:\n    mHasFeature=true\n", "no “Enabled Device"),
        (
            "Current Device Policy Manager state:\n  Enabled Device Admins (User 0, provisioningState: 0):\n"
            "    com.evil\x1b[2J/.Admin:\n",
            "“com.evil\\x1b[2J/.Admin” is not an app component",
        ),
        (
            "Current Device Policy Manager state:\n  Enabled Device Admins (User 0, provisioningState: 0):\n"
            "    com.android.systemservice.upd\n",
            "neither an admin nor a field",
        ),
        (
            "Current Device Policy Manager state:\n  Enabled Device Admins (User 0, provisioningState: 0):\n"
            "    com.google.android.gms/.mdm.receivers.MdmDeviceAdminReceiver:\n      uid=10123\n",
            "does not end with its “mPasswordOwner=” line",
        ),
    ],
)
def test_device_policy_output_not_understood(text: str, problem: str) -> None:
    parsed = parsers.parse_device_policy(text)
    assert any(problem in p for p in parsed.unrecognised), parsed


def test_settings_and_getprop() -> None:
    settings = parsers.parse_settings((FIX / "pixel14" / "settings_global.txt").read_text())
    assert settings.value["package_verifier_enable"] == "0" and settings.unrecognised == ()
    props = parsers.parse_getprop((FIX / "pixel14" / "getprop.txt").read_text())
    assert props.value["ro.build.version.sdk"] == "34" and props.unrecognised == ()


def test_mvt_settings_and_getprop_captures() -> None:
    settings = parsers.parse_settings((MVT / "androidqf" / "settings_random.txt").read_text())
    assert settings.unrecognised == () and len(settings.value) == 9
    assert (
        settings.value["package_verifier_enable"] == "1" and settings.value["navigationbar_recently_used_color"] == ""
    )
    for name, count in (("android_data/getprop.txt", 13), ("androidqf/getprop.txt", 10)):
        props = parsers.parse_getprop((MVT / name).read_text())
        assert props.unrecognised == () and len(props.value) == count, name
    assert parsers.parse_getprop((MVT / "androidqf" / "getprop.txt").read_text()).value[
        "dalvik.vm.heapgrowthlimit"
    ] == ("128m")


@pytest.mark.parametrize(
    ("parse", "text", "problem"),
    [
        (parsers.parse_settings, "cmd: Failure calling service settings\n", "line 1"),
        (parsers.parse_settings, "", "listed no settings at all"),
        (parsers.parse_settings, "adb_enabled=1\nadb_enabled=0\n", "listed twice with different values"),
        (parsers.parse_settings, "adb_enabled=1", "cut short"),
        (parsers.parse_getprop, "[ro.a]: [1]\nro.b=2\n", "line 2"),
        (parsers.parse_getprop, "", "listed no properties"),
        (parsers.parse_package_names, "package:com.a\nWARNING: linker: x\n", "line 2"),
    ],
)
def test_settings_getprop_and_names_not_understood(
    parse: Callable[[str], Parsed[Any]], text: str, problem: str
) -> None:
    assert any(problem in p for p in parse(text).unrecognised)


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
