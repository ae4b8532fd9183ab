"""android.stalkerware_packages — checks/android/stalkerware_packages.py;
playbook playbooks/android-stalkerware.yaml.

An installed app whose package name is in the stalkerware indicator set is found.
"""

from __future__ import annotations

from android.readings import SPY_PACKAGE, ChosenPhone, installed, run_check

from auditor.checkapi.android import Package
from auditor.model import Status
from auditor.safetext import literal

HOSTILE = "com.x[bold red]y[/]\x1b]8;;https://evil.example\x07\u202eevil"

CHECK = "android.stalkerware_packages"
SPY = Package(SPY_PACKAGE, "/data/app/base.apk", None, 10201)
MAPS = Package("com.example.maps", "/data/app/maps.apk", "com.android.vending", 10202)


def test_a_known_stalkerware_package_is_found() -> None:
    (finding,) = run_check(CHECK, ChosenPhone(apps=installed(MAPS, SPY)))
    assert (finding.status, finding.subject) == (Status.FOUND, SPY_PACKAGE)
    assert finding.title == f"Stalkerware “TheTruthSpy” is installed on this phone ({SPY_PACKAGE})"


def test_ordinary_apps_over_a_whole_reading_are_clear() -> None:
    (finding,) = run_check(CHECK, ChosenPhone(apps=installed(MAPS)))
    assert (finding.status, finding.title) == (Status.CLEAR, "No known stalkerware app is installed (2 apps checked)")


def test_a_partial_app_list_is_couldnt_check_and_the_stalkerware_still_found() -> None:
    assert [f.status for f in run_check(CHECK, ChosenPhone(apps=installed(MAPS, not_read=("pm: timed out",))))] == [
        Status.ERROR
    ]
    partial = installed(SPY, unrecognised=("pm list packages line 4: not understood",))
    assert {f.status for f in run_check(CHECK, ChosenPhone(apps=partial))} == {Status.FOUND, Status.ERROR}


def test_a_hostile_app_path_stays_in_the_record_and_out_of_the_words() -> None:
    spy = Package(SPY_PACKAGE, f"/data/app/{HOSTILE}/base.apk", HOSTILE, 10201)
    (finding,) = run_check(CHECK, ChosenPhone(apps=installed(spy)))
    assert finding.evidence["path"] == f"/data/app/{HOSTILE}/base.apk"
    assert literal(finding.title, None) == finding.title and literal(finding.detail, None) == finding.detail
