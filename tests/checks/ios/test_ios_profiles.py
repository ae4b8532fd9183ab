"""ios.profiles — checks/ios/profiles.py; playbook playbooks/ios-profiles.yaml.

Each configuration profile (VPN, certificates, device management) is a question: it can route the phone's
traffic, trust someone's certificates or enrol the phone in management.
"""

from __future__ import annotations

from ios.readings import ChosenIPhone, run_check

from auditor.checkapi import Reading
from auditor.checkapi.ios import Profile
from auditor.model import Status
from auditor.safetext import literal

HOSTILE = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202eevil"
TARGET = "iPhone 13 Pro (test)"

CHECK = "ios.profiles"
VPN = Profile("com.example.vpn", "Free VPN", "Example Ltd", payload_types=("com.apple.vpn.managed",))


def profiles(*found: Profile, **gaps: tuple[str, ...]) -> ChosenIPhone:
    return ChosenIPhone(installed_profiles=Reading("the profiles", found, **gaps))


def test_a_profile_is_asked_about() -> None:
    (finding,) = run_check(CHECK, profiles(VPN))
    assert (finding.status, finding.subject) == (Status.REVIEW, "com.example.vpn")
    assert (
        finding.title == "A configuration profile is on this iPhone: “Free VPN” from Example Ltd — did you install it?"
    )


def test_no_profile_over_a_whole_reading_is_clear() -> None:
    (finding,) = run_check(CHECK, profiles())
    assert (finding.status, finding.title) == (Status.CLEAR, "No configuration profile is installed")


def test_profiles_not_all_read_are_couldnt_check() -> None:
    assert {f.status for f in run_check(CHECK, profiles(VPN, not_read=("GetProfileList: refused",)))} == {
        Status.REVIEW,
        Status.ERROR,
    }


def test_a_hostile_profile_name_is_literal() -> None:
    (finding,) = run_check(CHECK, profiles(Profile("com.example.x", HOSTILE, HOSTILE)))
    assert literal(HOSTILE, 80) in finding.title and HOSTILE not in finding.title
    assert finding.evidence["name"] == HOSTILE
