"""android.accessibility_services — checks/android/accessibility_services.py;
playbook playbooks/android-permissions.yaml.

Accessibility services (apps that read the screen and act for you) of apps that are not the system's:
known stalkerware is found, any other app is a question.
"""

from __future__ import annotations

from android.readings import SPY_PACKAGE, ChosenPhone, components, installed, run_check

from auditor.checkapi import Decisions
from auditor.checkapi.android import Package
from auditor.model import Severity, Status, fingerprint
from auditor.safetext import literal

HOSTILE = "com.x[bold red]y[/]\x1b]8;;https://evil.example\x07\u202eevil"
HOSTILE_PACKAGE = HOSTILE.replace("/", "")  # a component is package/class

CHECK = "android.accessibility_services"
HELPER = Package("com.example.helper", "/data/app/helper.apk", "com.android.vending", 10200)
SPY = Package(SPY_PACKAGE, "/data/app/base.apk", None, 10201)


def phone(*flat: str, not_read: tuple[str, ...] = (), unrecognised: tuple[str, ...] = ()) -> ChosenPhone:
    return ChosenPhone(
        apps=installed(HELPER, SPY), accessibility=components(*flat, not_read=not_read, unrecognised=unrecognised)
    )


def test_known_stalkerware_is_found_and_another_app_asked_about() -> None:
    findings = run_check(CHECK, phone(f"{SPY_PACKAGE}/.Svc", "com.example.helper/.Svc", "com.android.settings/.Svc"))
    assert (findings[0].status, findings[0].severity) == (Status.FOUND, Severity.CRITICAL)
    assert findings[0].title == f"Stalkerware “TheTruthSpy” can read your screen and act for you ({SPY_PACKAGE})"
    assert [(f.status, f.subject) for f in findings[1:]] == [(Status.REVIEW, "com.example.helper/.Svc")]


def test_only_the_systems_own_over_whole_readings_is_clear() -> None:
    (finding,) = run_check(CHECK, phone("com.android.settings/.Svc"))
    assert (finding.status, finding.title) == (
        Status.CLEAR,
        "No non-system app can read your screen (1 services checked)",
    )
    mine = Decisions({fingerprint(CHECK, "Android phone Pixel 8 Pro (TEST0001)", "com.example.helper/.Svc"): "mine"})
    assert [f.status for f in run_check(CHECK, phone("com.example.helper/.Svc"), mine)] == [Status.CLEAR]


def test_a_partial_reading_is_couldnt_check_and_the_stalkerware_still_found() -> None:
    assert [f.status for f in run_check(CHECK, phone(not_read=("dumpsys failed: error: closed",)))] == [Status.ERROR]
    cut = ChosenPhone(
        apps=installed(SPY, not_read=("pm list packages: timed out",)), accessibility=components(f"{SPY_PACKAGE}/.S")
    )
    assert {f.status for f in run_check(CHECK, cut)} == {Status.FOUND, Status.ERROR}


def test_a_hostile_package_name_is_literal() -> None:
    (finding,) = run_check(CHECK, phone(f"{HOSTILE_PACKAGE}/.Svc"))
    assert literal(HOSTILE_PACKAGE, 120) in finding.title and HOSTILE_PACKAGE not in finding.title
    assert finding.evidence["package"] == HOSTILE_PACKAGE
