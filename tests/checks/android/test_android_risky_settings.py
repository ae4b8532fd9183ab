"""android.risky_settings — checks/android/risky_settings.py; playbook playbooks/android-settings.yaml.

Protection settings switched off (Play Protect, checks of apps installed from a computer, unknown sources,
developer options, USB debugging) are a question: someone may have changed them.
"""

from __future__ import annotations

from android.readings import ChosenPhone, run_check

from auditor.checkapi import Reading
from auditor.model import Status

HOSTILE = "com.x[bold red]y[/]\x1b]8;;https://evil.example\x07\u202eevil"

CHECK = "android.risky_settings"


def settings(secure: dict[str, str] | None = None, **global_: str) -> ChosenPhone:
    return ChosenPhone(
        secure=Reading("the secure settings", secure or {}), global_=Reading("the global settings", global_)
    )


def test_play_protect_off_is_asked_about() -> None:
    (finding,) = run_check(CHECK, settings(package_verifier_enable="0"))
    assert (finding.status, finding.subject) == (Status.REVIEW, "play-protect-off")
    assert finding.title == "Google Play Protect (app scanning) is turned off — did you change this?"


def test_normal_settings_over_whole_readings_are_clear() -> None:
    (finding,) = run_check(CHECK, settings({"install_non_market_apps": "0"}, package_verifier_enable="1"))
    assert (finding.status, finding.title) == (Status.CLEAR, "The phone's protection settings look normal")


def test_settings_not_read_are_couldnt_check() -> None:
    phone = settings(package_verifier_enable="1")
    phone.secure = Reading("the secure settings", {}, not_read=("settings list secure: failed",))
    assert [f.status for f in run_check(CHECK, phone)] == [Status.ERROR]


def test_hostile_setting_values_never_reach_the_words() -> None:
    findings = run_check(CHECK, settings({HOSTILE: HOSTILE}, package_verifier_enable=HOSTILE))
    assert [f.status for f in findings] == [Status.CLEAR]  # only the documented values are judged
    assert all(HOSTILE not in f.title + f.detail for f in findings)
