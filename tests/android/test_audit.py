"""Android audits through the real collector, a fake `adb` on PATH, the real engine and the real indicator set."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from android.apkbuild import make_certificate, sha1_of, v1_apk, v2_apk
from android.audits import android_checks, audit, of
from android.conftest import FakeAdb
from auditor.android.collector import READ_ONLY, allowed
from auditor.cli import main
from auditor.iocs import install_from_files
from auditor.model import Status

SPY_PATH = "/data/app/~~Jk1bQ2hQYy1n3v0bPp7a9w==/com.android.systemservice.update-Rk2Hh1M5n7Vq1g2f3h4j5k==/base.apk"
TRUTH_PATH = "/data/app/~~QkD0Ie5bOpA6U1t4Pd9f-A==/com.thetruth-8Yw8RlCmRMNcYsrvqZG4Xw==/base.apk"


def install_real_and_test_cert(shipped_iocs: Path, tmp_path: Path, sha1: str) -> None:
    extra = tmp_path / "renamed-spy.yaml"
    extra.write_text(
        f"- name: RenamedSpy\n  type: stalkerware\n  packages: [com.renamed.spy]\n  certificates: [{sha1}]\n"
    )
    install_from_files([shipped_iocs / "ioc.yaml", extra])


def test_compromised_phone(fake_adb: FakeAdb, shipped_iocs: Path, tmp_path: Path) -> None:
    _key, cert = make_certificate("Renamed spy maker")
    spy_apk = tmp_path / "spy.apk"
    spy_apk.write_bytes(v2_apk(cert))
    truth_apk = tmp_path / "truth.apk"
    truth_apk.write_bytes(v1_apk(*make_certificate("someone else")))
    fake_adb.apks({SPY_PATH: spy_apk, TRUTH_PATH: truth_apk})
    install_real_and_test_cert(shipped_iocs, tmp_path, sha1_of(cert))

    run = audit()
    assert {f.target for f in run.findings} == {"Android phone Pixel 8 Pro (38211FDH300ABC)"}
    stalker = of(run, "android.stalkerware_packages")
    assert [(f.status, f.severity.value) for f in stalker] == [(Status.FOUND, "critical")]
    assert "TheTruthSpy" in stalker[0].title and "com.thetruth" in stalker[0].title

    renamed = of(run, "android.signing_certificates")
    assert [f.status for f in renamed] == [Status.FOUND]
    assert "RenamedSpy" in renamed[0].title and "com.android.systemservice.update" in renamed[0].title
    assert renamed[0].evidence["certificate_sha1"] == sha1_of(cert)

    access = of(run, "android.accessibility_services")
    assert [f.status for f in access] == [Status.REVIEW]
    assert access[0].evidence["component"].startswith("com.android.systemservice.update/")
    listeners = of(run, "android.notification_listeners")
    assert [f.status for f in listeners] == [Status.REVIEW]  # the Google Play services listener is the system's
    admins = of(run, "android.device_admins")
    assert [f.evidence["package"] for f in admins] == ["com.android.systemservice.update"]

    sideloaded = {f.subject for f in of(run, "android.sideloaded_apps")}
    assert sideloaded == {"com.thetruth", "com.android.systemservice.update"}
    dual = of(run, "android.dual_use_apps")
    assert [(f.status, f.evidence["app"]) for f in dual] == [(Status.REVIEW, "Life360")]
    settings = {f.subject for f in of(run, "android.risky_settings")}
    assert settings == {
        "play-protect-off",
        "adb-installs-unchecked",
        "unknown-sources",
        "developer-options",
        "usb-debugging",
    }
    assert run.exit_code == 1


def test_only_read_only_commands_are_sent(fake_adb: FakeAdb, shipped_iocs: Path, tmp_path: Path) -> None:
    install_from_files([shipped_iocs / "ioc.yaml"])
    fake_adb.devices("devices_two.txt")
    audit()
    calls = fake_adb.calls()
    assert calls, "adb was never run"
    for call in calls:
        args = call[2:] if call[:1] == ["-s"] else call
        assert allowed(args), call
    serials = {call[1] for call in calls if call[:1] == ["-s"]}
    assert serials == {"38211FDH300ABC", "ZY2243XKLM"}
    assert not allowed(["shell", "pm", "uninstall", "com.thetruth"])
    assert not allowed(["shell", "settings", "put", "global", "adb_enabled", "0"])
    assert not allowed(["shell", "dumpsys", "package", "x;", "reboot"])
    assert ("install",) not in READ_ONLY


def test_two_devices_each_audited_and_a_clean_phone_is_clear(fake_adb: FakeAdb, shipped_iocs: Path) -> None:
    install_from_files([shipped_iocs / "ioc.yaml"])
    fake_adb.devices("devices_two.txt")
    run = audit()
    moto = [f for f in run.findings if "ZY2243XKLM" in f.target]
    assert {f.check for f in moto} == set(android_checks())
    not_clear = {f.check: f.status for f in moto if f.status is not Status.CLEAR}
    assert not_clear == {"android.risky_settings": Status.REVIEW}  # USB debugging is on during the audit
    assert all(
        f.subject in ("developer-options", "usb-debugging")
        for f in of(run, "android.risky_settings")
        if "ZY2243XKLM" in f.target
    )


def test_an_indicator_set_that_cannot_be_loaded_means_error_for_indicator_checks(fake_adb: FakeAdb) -> None:
    # The shipped set is always there; a damaged installed record is what leaves the checks without one.
    from auditor.config import paths

    folder = paths().indicators
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "installed.json").write_text("{not json", encoding="utf-8")
    run = audit()
    assert {f.status for f in of(run, "android.stalkerware_packages")} == {Status.ERROR}
    assert {f.status for f in of(run, "android.signing_certificates")} == {Status.ERROR}
    access = of(run, "android.accessibility_services")
    assert Status.ERROR in {f.status for f in access}


def test_unauthorized_device_is_explained(
    fake_adb: FakeAdb, shipped_iocs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install_from_files([shipped_iocs / "ioc.yaml"])
    fake_adb.devices("devices_unauthorized.txt")
    assert main(["audit", "--only", "android"]) == 3
    out = capsys.readouterr().out
    assert "Allow USB debugging?" in out and "Looks clear" not in out


def test_no_device_is_explained(fake_adb: FakeAdb, shipped_iocs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    install_from_files([shipped_iocs / "ioc.yaml"])
    fake_adb.devices("devices_none.txt")
    assert main(["audit", "--only", "android", "--format", "json"]) == 3
    data = json.loads(capsys.readouterr().out)
    assert {f["status"] for f in data["findings"]} == {"error"}
    assert "No Android phone is connected" in data["findings"][0]["evidence"]["reason"]


def test_adb_missing_is_explained_with_install_steps(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert main(["audit", "--only", "android"]) == 3
    out = capsys.readouterr().out
    assert "sudo apt install adb" in out and "android-platform-tools" in out


def test_cli_json_for_the_compromised_phone(
    fake_adb: FakeAdb, shipped_iocs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install_from_files([shipped_iocs / "ioc.yaml"])
    assert main(["audit", "--only", "android", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    found = [f for f in data["findings"] if f["status"] == "found"]
    assert found[0]["check"] == "android.stalkerware_packages" and found[0]["playbooks"] == ["android-stalkerware"]


def strings(value: object) -> list[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def test_hostile_package_and_component_names_are_shown_literally(
    fake_adb: FakeAdb, shipped_iocs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile_root = tmp_path / "hostile"
    (hostile_root / "pixel14").mkdir(parents=True)
    for file in (Path(__file__).parent.parent / "fixtures" / "android" / "pixel14").iterdir():
        (hostile_root / "pixel14" / file.name).write_text(file.read_text())
    evil = "com.evil\x1b]8;;http://x\x07[b]x[/b]\u202egpj"
    with open(hostile_root / "pixel14" / "packages.txt", "a") as handle:
        handle.write(f"package:/data/app/x/base.apk={evil} installer=null uid:10999\n")
    fake_adb.monkeypatch.setenv("FAKE_ADB_ROOT", str(hostile_root))
    install_from_files([shipped_iocs / "ioc.yaml"])
    assert main(["audit", "--only", "android", "--details"]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert main(["audit", "--only", "android", "--format", "json"]) == 1
    shown = " ".join(strings(json.loads(capsys.readouterr().out)["findings"]))
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert "com.evil\\x1b]8;;http://x\\x07[b]x[/b]<U+202E>gpj" in shown
    assert "does not end in an Android package name" in shown
    assert os.environ["FAKE_ADB_ROOT"] == str(hostile_root)


EMU_MALWARE_PATH = "/data/app/~~u3Tb9Wq0Lk2Zx8Vc5Nm1Aw==/com.malware.accessibility-Hq4Rt6Yu8Io0Pa2Sd4Fg6Q==/base.apk"


def test_phones_answering_with_mvts_public_captures(fake_adb: FakeAdb, shipped_iocs: Path, tmp_path: Path) -> None:
    """MVT's Android 14 capture names an enabled accessibility service; its Samsung captures name none."""
    install_from_files([shipped_iocs / "ioc.yaml"])
    apk = tmp_path / "malware.apk"
    apk.write_bytes(v2_apk(make_certificate("someone")[1]))
    fake_adb.apks({EMU_MALWARE_PATH: apk})
    fake_adb.devices("devices_mvt.txt")
    run = audit()
    emulator = {f.check: f for f in run.findings if "emulator-5554" in f.target and f.status is not Status.CLEAR}
    assert set(emulator) == {"android.accessibility_services", "android.sideloaded_apps", "android.risky_settings"}
    access = emulator["android.accessibility_services"]
    assert access.status is Status.REVIEW
    assert access.evidence["component"] == "com.malware.accessibility/com.malware.service.malwareservice"
    assert emulator["android.sideloaded_apps"].subject == "com.malware.accessibility"
    galaxy = [f for f in run.findings if "R58M40ABCDE" in f.target]
    assert {f.check for f in galaxy} == set(android_checks())
    assert {f.status for f in galaxy} == {Status.CLEAR}, [f for f in galaxy if f.status is not Status.CLEAR]
    served = {tuple(call[2:]) for call in fake_adb.calls() if call[:2] == ["-s", "R58M40ABCDE"]}
    assert ("shell", "dumpsys", "accessibility") in served and ("shell", "settings", "list", "global") in served
