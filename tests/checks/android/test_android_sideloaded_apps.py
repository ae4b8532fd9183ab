"""android.sideloaded_apps — checks/android/sideloaded_apps.py; playbook playbooks/android-stalkerware.yaml.

Apps that did not come from an app store (installed from a file, a computer, a browser or another app) are a
question: stalkerware is installed this way.
"""

from __future__ import annotations

from android.readings import ChosenPhone, installed, run_check

from auditor.checkapi.android import Package
from auditor.model import Status
from auditor.safetext import literal

HOSTILE = "com.x[bold red]y[/]\x1b]8;;https://evil.example\x07\u202eevil"

CHECK = "android.sideloaded_apps"
SIDELOADED = Package("com.example.tool", "/data/app/tool.apk", None, 10203)
FROM_STORE = Package("com.example.maps", "/data/app/maps.apk", "com.android.vending", 10202)


def test_an_app_not_from_a_store_is_asked_about() -> None:
    (finding,) = run_check(CHECK, ChosenPhone(apps=installed(FROM_STORE, SIDELOADED)))
    assert (finding.status, finding.subject) == (Status.REVIEW, "com.example.tool")
    assert finding.title == "com.example.tool was installed from a file or a computer — is this yours?"


def test_apps_from_a_store_over_a_whole_reading_are_clear() -> None:
    (finding,) = run_check(CHECK, ChosenPhone(apps=installed(FROM_STORE)))
    assert (finding.status, finding.title) == (Status.CLEAR, "Every app came from an app store (1 apps checked)")


def test_a_partial_app_list_is_couldnt_check() -> None:
    partial = installed(SIDELOADED, not_read=("pm list packages -3: timed out",))
    assert {f.status for f in run_check(CHECK, ChosenPhone(apps=partial))} == {Status.REVIEW, Status.ERROR}


def test_a_hostile_package_and_installer_are_literal() -> None:
    app = Package(HOSTILE, "/data/app/x.apk", HOSTILE, 10204)
    (finding,) = run_check(CHECK, ChosenPhone(apps=installed(app)))
    assert literal(HOSTILE, 120) in finding.title and HOSTILE not in finding.title and HOSTILE not in finding.detail
