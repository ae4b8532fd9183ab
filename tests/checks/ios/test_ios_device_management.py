"""ios.device_management — checks/ios/device_management.py; playbook playbooks/iphone-device-security.yaml.

A supervised iPhone, or one whose setup record enrolls it in a management (MDM) server, is a question: is it
a work or school phone?
"""

from __future__ import annotations

from ios.conftest import StartPhone, audit_iphone, by_check
from ios.readings import ChosenIPhone, run_check

from auditor.checkapi import Reading
from auditor.checkapi.ios import Management
from auditor.model import Status
from auditor.safetext import literal
from auditor.sandbox.iphone import IPhoneScenario, PracticePhone
from auditor.sandbox.iphone.scenario import PracticeFaults

HOSTILE = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202eevil"
TARGET = "iPhone 13 Pro (test)"

CHECK = "ios.device_management"


def managed(record: Management, **gaps: tuple[str, ...]) -> ChosenIPhone:
    return ChosenIPhone(managed=Reading("the device management", record, **gaps))


def test_supervision_and_enrolment_are_asked_about() -> None:
    record = Management(supervised=True, organisation="Example Corp", enrolment_server="https://mdm.example/enroll")
    findings = run_check(CHECK, managed(record))
    assert [(f.status, f.subject) for f in findings] == [(Status.REVIEW, "supervised"), (Status.REVIEW, "enrolment")]
    assert findings[0].title == "This iPhone is supervised by Example Corp — is it a work or school phone?"


def test_unmanaged_over_a_whole_reading_is_clear() -> None:
    (finding,) = run_check(CHECK, ChosenIPhone())
    assert (finding.status, finding.title) == (Status.CLEAR, "No organisation supervises or manages this iPhone")


def test_a_partial_reading_is_couldnt_check() -> None:
    record = Management(supervised=False)
    assert [f.status for f in run_check(CHECK, managed(record, not_read=("GetCloudConfiguration: refused",)))] == [
        Status.ERROR
    ]


def test_a_hostile_organisation_is_literal() -> None:
    (finding,) = run_check(CHECK, managed(Management(supervised=True, organisation=HOSTILE)))
    assert literal(HOSTILE, 80) in finding.title and HOSTILE not in finding.title


def test_supervision_alone_is_found_even_when_the_cloud_configuration_breaks(practice: StartPhone) -> None:
    spec = PracticePhone(supervised=True, faults=PracticeFaults(cloud="wrong-shape"))
    practice(IPhoneScenario(name="supervised", phones=[spec]))
    found = by_check(audit_iphone())["ios.device_management"]
    assert {f.subject for f in found if f.status is Status.REVIEW} == {"supervised"}
    assert any(f.status is Status.ERROR for f in found)
