"""android.device_admins — checks/android/device_admins.py; playbook playbooks/android-permissions.yaml.

Device administrators and device or profile owners that are not the system's: known stalkerware is found, any
other app is a question (work phones may have a company app here).
"""

from __future__ import annotations

from android.readings import SPY_PACKAGE, ChosenPhone, components, installed, run_check

from auditor.checkapi import Reading
from auditor.checkapi.android import DeviceAdmins, Package
from auditor.model import Status
from auditor.safetext import literal

HOSTILE = "com.x[bold red]y[/]\x1b]8;;https://evil.example\x07\u202eevil"
HOSTILE_PACKAGE = HOSTILE.replace("/", "")  # a component is package/class

CHECK = "android.device_admins"
HELPER = Package("com.example.mdm", "/data/app/mdm.apk", "com.android.vending", 10200)
SPY = Package(SPY_PACKAGE, "/data/app/base.apk", None, 10201)


def admins(*flat: str, owners: tuple[str, ...] = (), **gaps: tuple[str, ...]) -> ChosenPhone:
    record = DeviceAdmins(components(*flat).value, components(*owners).value)
    return ChosenPhone(apps=installed(HELPER, SPY), admins=Reading("the device administrators", record, **gaps))


def test_stalkerware_as_administrator_is_found_and_a_device_owner_asked_about() -> None:
    findings = run_check(CHECK, admins(f"{SPY_PACKAGE}/.Admin", owners=("com.example.mdm/.Owner",)))
    assert [(f.status, f.subject) for f in findings] == [
        (Status.FOUND, f"{SPY_PACKAGE}/.Admin"),
        (Status.REVIEW, "com.example.mdm/.Owner"),
    ]
    assert findings[0].title == f"Stalkerware “TheTruthSpy” has device-administrator rights ({SPY_PACKAGE})"


def test_only_the_systems_own_over_whole_readings_is_clear() -> None:
    (finding,) = run_check(CHECK, admins("com.android.settings/.Admin"))
    assert (finding.status, finding.title) == (
        Status.CLEAR,
        "No app other than the system's is a device administrator (1)",
    )


def test_a_partial_reading_is_couldnt_check() -> None:
    assert [f.status for f in run_check(CHECK, admins(not_read=("dumpsys device_policy: timed out",)))] == [
        Status.ERROR
    ]
    findings = run_check(CHECK, admins(f"{SPY_PACKAGE}/.A", unrecognised=("dumpsys device_policy line 9",)))
    assert {f.status for f in findings} == {Status.FOUND, Status.ERROR}


def test_a_hostile_package_name_is_literal() -> None:
    (finding,) = run_check(CHECK, admins(f"{HOSTILE_PACKAGE}/.Admin"))
    assert literal(HOSTILE_PACKAGE, 120) in finding.title and HOSTILE_PACKAGE not in finding.title
