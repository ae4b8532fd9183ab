"""Output a parser does not recognise, and commands that fail or hang, end in "Couldn't check" naming the command.

A clean phone (the moto g, Android 9, every check clear but USB debugging) is served through the fake adb with
one command's answer replaced. Before the collector returned readings, each of these answers parsed to
"nothing" and the checks that rest on it said "Looks clear".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from android.audits import audit, of
from android.conftest import FakeAdb
from auditor.android.collector import Adb
from auditor.iocs import install_from_files
from auditor.model import Status

FIXTURES = Path(__file__).parent.parent / "fixtures" / "android"
MOTO = FIXTURES / "moto9"

PACKAGE_READERS = {
    "android.stalkerware_packages",
    "android.dual_use_apps",
    "android.sideloaded_apps",
    "android.signing_certificates",
    "android.accessibility_services",
    "android.notification_listeners",
    "android.device_admins",
}

# (command, what it printed, the checks that rest on it)
NOT_UNDERSTOOD = [
    pytest.param(
        "shell dumpsys device_policy",
        "Can't find service: device_policy\n",
        {"android.device_admins"},
        id="device_policy-without-its-header",
    ),
    pytest.param(
        "shell dumpsys device_policy",
        "Current Device Policy Manager state:\n  Device policy cache:\n    Password quality for user 0: 0\n",
        {"android.device_admins"},
        id="device_policy-without-an-admins-section",
    ),
    pytest.param(
        "shell dumpsys accessibility",
        "Service accessibility is not ready yet\n",
        {"android.accessibility_services"},
        id="accessibility-without-its-header",
    ),
    pytest.param(
        "shell pm list packages -f -i -U",
        (MOTO / "packages.txt").read_text() + "Failure [Exception: java.lang.SecurityException: Shell cannot...]\n",
        PACKAGE_READERS,
        id="pm-list-with-a-line-that-is-not-package",
    ),
    pytest.param(
        "shell pm list packages -f -i -U",
        "package:/data/app/org.mozilla.firefox-2/base.apk=org.mozilla.firefox  installer=com.android.vending uid:100",
        PACKAGE_READERS,
        id="pm-list-cut-short-mid-line",
    ),
    pytest.param(
        "shell settings list global",
        "cmd: Failure calling service settings: Failed transaction (2147483646)\n",
        {"android.risky_settings"},
        id="settings-that-are-not-key-value",
    ),
    pytest.param(
        "shell settings list secure",
        "",
        {"android.risky_settings", "android.notification_listeners", "android.accessibility_services"},
        id="settings-empty",
    ),
]


@pytest.mark.parametrize(("command", "printed", "checks"), NOT_UNDERSTOOD)
def test_output_not_understood_is_couldnt_check_naming_the_command(
    fake_adb: FakeAdb, shipped_iocs: Path, command: str, printed: str, checks: set[str]
) -> None:
    install_from_files([shipped_iocs / "ioc.yaml"])
    fake_adb.devices("devices_moto9.txt")
    fake_adb.answer(command, printed)
    run = audit()
    for check in checks:
        findings = of(run, check)
        assert Status.CLEAR not in {f.status for f in findings}, (check, findings)
        errors = [f for f in findings if f.status is Status.ERROR]
        assert errors, (check, findings)
        assert any(f"`adb {command}`" in f.detail for f in errors), (check, [f.detail for f in errors])
        assert any("not understood" in f.detail for f in errors)
    others = {f.status for f in run.findings if f.check not in checks}
    assert others and Status.ERROR not in others, "the checks that do not read this command conclude as before"
    assert run.exit_code in (1, 3)


@pytest.mark.parametrize(
    ("command", "checks"),
    [
        ("shell dumpsys device_policy", {"android.device_admins"}),
        ("shell settings list secure", {"android.notification_listeners", "android.risky_settings"}),
        ("shell pm list packages -s", {"android.stalkerware_packages", "android.sideloaded_apps"}),
    ],
)
def test_a_command_that_fails_is_couldnt_check_naming_it(
    fake_adb: FakeAdb, shipped_iocs: Path, command: str, checks: set[str]
) -> None:
    install_from_files([shipped_iocs / "ioc.yaml"])
    fake_adb.devices("devices_moto9.txt")
    fake_adb.answer(command, exit=255, stderr="error: closed\n")
    run = audit()
    for check in checks:
        findings = of(run, check)
        errors = [f for f in findings if f.status is Status.ERROR]
        assert len(errors) == 1 and Status.CLEAR not in {f.status for f in findings}, (check, findings)
        assert f"`adb {command}` failed: error: closed" in errors[0].detail


def test_a_command_that_hangs_is_couldnt_check_naming_it(fake_adb: FakeAdb, shipped_iocs: Path) -> None:
    install_from_files([shipped_iocs / "ioc.yaml"])
    fake_adb.devices("devices_moto9.txt")
    fake_adb.answer("shell dumpsys device_policy", "Current Device Policy Manager state:\n", sleep=60)
    run = audit(Adb(timeout=5))
    admins = of(run, "android.device_admins")
    assert [f.status for f in admins] == [Status.ERROR]
    assert "did not answer `adb shell dumpsys device_policy` within 5 s" in admins[0].detail
    assert {f.status for f in of(run, "android.dual_use_apps")} == {Status.CLEAR}


def test_a_line_of_adb_devices_not_understood_is_a_phone_that_could_not_be_checked(
    fake_adb: FakeAdb, shipped_iocs: Path
) -> None:
    install_from_files([shipped_iocs / "ioc.yaml"])
    listing = FIXTURES / "devices_moto9.txt"
    fake_adb.answer("devices -l", listing.read_text() + "ZX1G22\x1b[2J   sideloading-now\n")
    run = audit()
    odd = [f for f in run.findings if f.target == "Android phone (adb's list of phones)"]
    assert odd and {f.status for f in odd} == {Status.ERROR}
    assert "ZX1G22\\x1b[2J" in odd[0].detail and "\x1b" not in odd[0].detail
    assert {f.status for f in of(run, "android.dual_use_apps", "ZY2243XKLM")} == {Status.CLEAR}
    assert run.exit_code in (1, 3)
