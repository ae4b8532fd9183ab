"""android.dual_use_apps — checks/android/dual_use_apps.py; playbook playbooks/android-dual-use.yaml.

Location-sharing and parental-control apps (the project's list, auditor/android/data/dual_use.yaml) are a
question: sold for family safety, also installed to watch a partner.
"""

from __future__ import annotations

from android.readings import ChosenPhone, installed, run_check

from auditor.checkapi.android import Package
from auditor.model import Status
from auditor.safetext import literal

HOSTILE = "com.x[bold red]y[/]\x1b]8;;https://evil.example\x07\u202eevil"

CHECK = "android.dual_use_apps"
BARK = Package("com.bark.bark", "/data/app/bark.apk", "com.android.vending", 10206)
MAPS = Package("com.example.maps", "/data/app/maps.apk", "com.android.vending", 10202)


def test_a_parental_control_app_is_asked_about() -> None:
    (finding,) = run_check(CHECK, ChosenPhone(apps=installed(MAPS, BARK)))
    assert (finding.status, finding.title) == (Status.REVIEW, "Bark is on this phone — did you set it up?")


def test_no_such_app_over_a_whole_reading_is_clear() -> None:
    (finding,) = run_check(CHECK, ChosenPhone(apps=installed(MAPS)))
    assert (finding.status, finding.title) == (Status.CLEAR, "No location-sharing or parental-control app is installed")


def test_a_partial_app_list_is_couldnt_check() -> None:
    partial = installed(BARK, unrecognised=("pm list packages line 3: not understood",))
    assert {f.status for f in run_check(CHECK, ChosenPhone(apps=partial))} == {Status.REVIEW, Status.ERROR}


def test_a_hostile_app_path_stays_in_the_record_and_out_of_the_words() -> None:
    bark = Package("com.bark.bark", f"/data/app/{HOSTILE}.apk", HOSTILE, 10206)
    (finding,) = run_check(CHECK, ChosenPhone(apps=installed(bark)))
    assert finding.evidence["path"] == f"/data/app/{HOSTILE}.apk"
    assert literal(finding.title, None) == finding.title and literal(finding.detail, None) == finding.detail
