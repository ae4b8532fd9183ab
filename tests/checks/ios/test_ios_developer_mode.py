"""ios.developer_mode — checks/ios/developer_mode.py; playbook playbooks/ios-settings.yaml.

Developer Mode on is a question (it lets apps put on from a computer run); before iOS 16 there is none.
"""

from __future__ import annotations

from ios.readings import ChosenIPhone, run_check

from auditor.checkapi import Decisions, Reading
from auditor.checkapi.ios import PhoneInfo
from auditor.model import Status, fingerprint
from auditor.safetext import literal

HOSTILE = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202eevil"
TARGET = "iPhone 13 Pro (test)"

CHECK = "ios.developer_mode"


def mode(value: bool | None, **gaps: tuple[str, ...]) -> ChosenIPhone:
    return ChosenIPhone(developer=Reading("Developer Mode", value, **gaps))


def test_developer_mode_on_is_asked_about() -> None:
    (finding,) = run_check(CHECK, mode(True))
    assert (finding.status, finding.title) == (Status.REVIEW, "Developer Mode is on — did you turn it on?")
    not_mine = Decisions({fingerprint(CHECK, TARGET, "developer-mode"): "not-mine"})
    assert [f.status for f in run_check(CHECK, mode(True), not_mine)] == [Status.FOUND]


def test_off_over_a_whole_reading_is_clear_and_an_old_ios_skipped() -> None:
    assert [(f.status, f.title) for f in run_check(CHECK, mode(False))] == [(Status.CLEAR, "Developer Mode is off")]
    assert [f.status for f in run_check(CHECK, mode(None))] == [Status.SKIPPED]


def test_a_partial_reading_is_couldnt_check() -> None:
    for value in (False, None, True):
        statuses = {f.status for f in run_check(CHECK, mode(value, not_read=("AMFI: refused",)))}
        assert Status.CLEAR not in statuses and Status.ERROR in statuses, value


def test_the_words_are_ours_whatever_the_phone_is_called() -> None:
    phone = mode(True)
    phone.info = Reading("the phone's iOS version", PhoneInfo(HOSTILE, "iPhone14,2", "26.5"))
    (finding,) = run_check(CHECK, phone)
    assert HOSTILE not in finding.title + finding.detail
    assert literal(finding.title, None) == finding.title
