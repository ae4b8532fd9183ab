"""ios.stalkerware_apps — checks/ios/stalkerware_apps.py; playbook playbooks/ios-stalkerware.yaml.

An app whose bundle ID the stalkerware indicator set lists (or that is the package name of the stalkerware's
Android app) is found; an app only named like stalkerware is a question.
"""

from __future__ import annotations

from ios.conftest import StartPhone, audit_iphone, by_check
from ios.readings import ChosenIPhone, apps, run_check

from auditor.checkapi.ios import IOSApp
from auditor.model import Severity, Status
from auditor.safetext import literal

HOSTILE = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202eevil"
TARGET = "iPhone 13 Pro (test)"

CHECK = "ios.stalkerware_apps"
SPY = IOSApp("com.apspy.app", "Sync Services", "1.0", "User")  # TheTruthSpy's Android package name


def test_a_listed_app_is_found_and_one_only_named_like_it_asked_about() -> None:
    named = IOSApp("com.example.notes", "TheTruthSpy", "1.0", "User")
    findings = run_check(CHECK, ChosenIPhone(installed=apps(SPY, named)))
    assert [(f.status, f.subject) for f in findings] == [
        (Status.FOUND, "com.apspy.app"),
        (Status.REVIEW, "com.example.notes"),
    ]
    assert findings[0].title == "Stalkerware “TheTruthSpy” is installed on this iPhone: “Sync Services” (com.apspy.app)"
    assert findings[1].severity is Severity.HIGH


def test_ordinary_apps_over_a_whole_reading_are_clear() -> None:
    (finding,) = run_check(CHECK, ChosenIPhone())
    assert (finding.status, finding.title) == (Status.CLEAR, "No known stalkerware app is installed (2 apps checked)")


def test_a_partial_app_list_is_couldnt_check_and_the_stalkerware_still_found() -> None:
    assert [f.status for f in run_check(CHECK, ChosenIPhone(installed=apps(not_read=("Browse: cut off",))))] == [
        Status.ERROR
    ]
    partial = apps(SPY, unrecognised=("Browse item 4: CFBundleIdentifier is not text",))
    assert {f.status for f in run_check(CHECK, ChosenIPhone(installed=partial))} == {Status.FOUND, Status.ERROR}


def test_a_hostile_app_name_is_literal() -> None:
    (finding,) = run_check(CHECK, ChosenIPhone(installed=apps(IOSApp("com.apspy.app", HOSTILE, "", "User"))))
    assert literal(HOSTILE, 80) in finding.title and HOSTILE not in finding.title and HOSTILE not in finding.detail


def test_the_name_match_alone_is_only_a_question(practice: StartPhone) -> None:
    practice("stalkerware")  # the shipped set knows mSpy by name, not this bundle ID
    (named,) = by_check(audit_iphone())["ios.stalkerware_apps"]
    assert named.status is Status.REVIEW and "mSpy" in named.title and named.severity is Severity.HIGH
