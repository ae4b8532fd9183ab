"""ios.jailbreak — checks/ios/jailbreak.py; playbook playbooks/ios-settings.yaml.

A jailbreak tool among the apps (auditor/ios/data/jailbreak.yaml) or the jailbreak's root file service (afc2) is
a question: a jailbroken phone runs what Apple would not allow, spyware included.
"""

from __future__ import annotations

from ios.readings import MAPS, ChosenIPhone, apps, run_check

from auditor.checkapi import Reading
from auditor.checkapi.ios import IOSApp
from auditor.model import Status
from auditor.safetext import literal

HOSTILE = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202eevil"
TARGET = "iPhone 13 Pro (test)"

CHECK = "ios.jailbreak"
CYDIA = IOSApp("com.saurik.Cydia", "Cydia", "1.1", "User")


def test_a_jailbreak_tool_and_the_afc2_service_are_asked_about() -> None:
    phone = ChosenIPhone(installed=apps(MAPS, CYDIA), afc2=Reading("the jailbreak file service", True))
    findings = run_check(CHECK, phone)
    assert [(f.status, f.subject) for f in findings] == [(Status.REVIEW, "com.saurik.Cydia"), (Status.REVIEW, "afc2")]
    assert (
        findings[0].title
        == "A jailbreak tool, Cydia, is on this iPhone — did you jailbreak it? “Cydia” (com.saurik.Cydia)"
    )


def test_no_sign_over_whole_readings_is_clear() -> None:
    (finding,) = run_check(CHECK, ChosenIPhone())
    assert (finding.status, finding.title) == (Status.CLEAR, "No sign of a jailbreak")


def test_a_partial_reading_is_couldnt_check() -> None:
    phone = ChosenIPhone(afc2=Reading("the jailbreak file service", False, not_read=("StartService timed out",)))
    assert [f.status for f in run_check(CHECK, phone)] == [Status.ERROR]
    assert [f.status for f in run_check(CHECK, ChosenIPhone(installed=apps(not_read=("Browse: cut off",))))] == [
        Status.ERROR
    ]


def test_a_hostile_app_name_is_literal() -> None:
    (finding,) = run_check(CHECK, ChosenIPhone(installed=apps(IOSApp("com.saurik.Cydia", HOSTILE, "", "User"))))
    assert literal(HOSTILE, 80) in finding.title and HOSTILE not in finding.title
