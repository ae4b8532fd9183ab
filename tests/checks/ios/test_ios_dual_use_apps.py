"""ios.dual_use_apps — checks/ios/dual_use_apps.py; playbook playbooks/ios-dual-use.yaml.

Location-sharing and parental-control apps (ISDi's published list, auditor/ios/data/dual_use_isdi.json, and the
indicator set's watchware) are a question: sold for family safety, also installed to watch a partner.
"""

from __future__ import annotations

from ios.readings import MAPS, ChosenIPhone, apps, run_check

from auditor.checkapi.ios import IOSApp
from auditor.model import Status
from auditor.safetext import literal

HOSTILE = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202eevil"
TARGET = "iPhone 13 Pro (test)"

CHECK = "ios.dual_use_apps"
LIFE360 = IOSApp("com.life360.safetymap", "Life360", "24.1", "User")
FAMILYGO = IOSApp("ai.familygo.ios.app", "FamilyGo", "3.0", "User")


def test_a_tracking_app_is_asked_about() -> None:
    findings = run_check(CHECK, ChosenIPhone(installed=apps(MAPS, LIFE360, FAMILYGO)))
    assert [(f.status, f.subject) for f in findings] == [
        (Status.REVIEW, "com.life360.safetymap"),
        (Status.REVIEW, "ai.familygo.ios.app"),
    ]
    assert findings[0].title.startswith("A tracking or parental-control app is on this iPhone: “Life360” (com.life")
    assert findings[0].title.endswith("— did you set it up?")


def test_no_such_app_over_a_whole_reading_is_clear() -> None:
    (finding,) = run_check(CHECK, ChosenIPhone())
    assert (finding.status, finding.title) == (
        Status.CLEAR,
        "No listed location-sharing or parental-control app is installed (2 apps)",
    )


def test_a_partial_app_list_is_couldnt_check() -> None:
    partial = apps(LIFE360, not_read=("Browse: the phone stopped answering",))
    assert {f.status for f in run_check(CHECK, ChosenIPhone(installed=partial))} == {Status.REVIEW, Status.ERROR}


def test_a_hostile_app_name_is_literal() -> None:
    (finding,) = run_check(CHECK, ChosenIPhone(installed=apps(IOSApp("com.life360.safetymap", HOSTILE, "", "User"))))
    assert literal(HOSTILE, 80) in finding.title and HOSTILE not in finding.title
