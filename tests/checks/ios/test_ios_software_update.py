"""ios.software_update — checks/ios/software_update.py; playbook playbooks/iphone-device-security.yaml.

An iOS older than the newest of its model's line (auditor/ios/data/ios_releases.yaml, dated) is a question; a
model without updates too. Past the table's shelf life nothing is called current: checked by hand instead.
"""

from __future__ import annotations

from datetime import date

import pytest
from ios.readings import ChosenIPhone, run_check

import auditor.ios.catalog
from auditor.checkapi import Reading
from auditor.checkapi.ios import PhoneInfo
from auditor.model import Status
from auditor.safetext import literal

HOSTILE = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202eevil"
TARGET = "iPhone 13 Pro (test)"

CHECK = "ios.software_update"


class Fresh(date):
    """A day while the shipped release table (as of 2026-05-18) is still fresh."""

    @classmethod
    def today(cls) -> Fresh:
        return cls(2026, 6, 1)


def phone(version: str, model: str = "iPhone14,2", **gaps: tuple[str, ...]) -> ChosenIPhone:
    return ChosenIPhone(info=Reading("the phone's iOS version", PhoneInfo("Ann's iPhone", model, version), **gaps))


def test_an_older_ios_is_asked_about() -> None:
    (finding,) = run_check(CHECK, phone("26.1"))
    assert finding.status is Status.REVIEW
    assert finding.title == "This iPhone ran iOS 26.1; iOS 26.5 has security fixes it lacks — can you update it?"


def test_the_newest_ios_over_a_whole_reading_is_clear_while_the_table_is_fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auditor.ios.catalog, "date", Fresh)
    (finding,) = run_check(CHECK, phone("26.5"))
    assert (finding.status, finding.title) == (
        Status.CLEAR,
        "iOS 26.5 is the newest release for this iPhone (release table of 2026-05-18)",
    )
    monkeypatch.undo()  # later than the table's shelf life: not called current, looked at by hand
    assert [f.status for f in run_check(CHECK, phone("26.5"))] == [Status.MANUAL]


def test_a_version_not_read_is_couldnt_check() -> None:
    assert [f.status for f in run_check(CHECK, phone("", not_read=("lockdown ProductVersion: refused",)))] == [
        Status.ERROR
    ]


def test_a_hostile_version_is_literal() -> None:
    (finding,) = run_check(CHECK, phone(HOSTILE))
    assert finding.status is Status.MANUAL
    assert literal(HOSTILE, 40) in finding.title and HOSTILE not in finding.title
