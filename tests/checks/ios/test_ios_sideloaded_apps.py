"""ios.sideloaded_apps — checks/ios/sideloaded_apps.py; playbook playbooks/ios-stalkerware.yaml.

Apps not signed by the App Store (a developer's or an organisation's certificate) are a question; an app that
did not say who signed it leaves the check incomplete. A backup does not record signers: not applicable.
"""

from __future__ import annotations

from ios.readings import MAPS, ChosenIPhone, apps, run_check

from auditor.checkapi.ios import IOSApp, Part
from auditor.model import Status
from auditor.safetext import literal

HOSTILE = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202eevil"
TARGET = "iPhone 13 Pro (test)"

CHECK = "ios.sideloaded_apps"
DEV = IOSApp("com.example.tool", "Tool", "1.0", "User", "Apple Development: Mark Example (AB12CD34EF)")


def test_an_app_put_on_from_a_computer_is_asked_about() -> None:
    (finding,) = run_check(CHECK, ChosenIPhone(installed=apps(MAPS, DEV)))
    assert (finding.status, finding.subject) == (Status.REVIEW, "com.example.tool")
    assert "developer's own certificate" in finding.title and finding.title.endswith("did you install it?")


def test_app_store_apps_over_a_whole_reading_are_clear_and_a_backup_is_not_applicable() -> None:
    (finding,) = run_check(CHECK, ChosenIPhone())
    assert (finding.status, finding.title) == (
        Status.CLEAR,
        "Every app came from the App Store (1 installed apps checked)",
    )
    backup = ChosenIPhone(parts=frozenset(Part) - {Part.SIGNERS}, origin="backup")
    assert [f.status for f in run_check(CHECK, backup)] == [Status.SKIPPED]


def test_an_app_without_a_signer_or_a_partial_list_is_couldnt_check() -> None:
    unsigned = IOSApp("com.example.quiet", "Quiet", "1.0", "User", "")
    assert [f.status for f in run_check(CHECK, ChosenIPhone(installed=apps(unsigned)))] == [Status.ERROR]
    partial = apps(DEV, not_read=("Browse: cut off",))
    assert {f.status for f in run_check(CHECK, ChosenIPhone(installed=partial))} == {Status.REVIEW, Status.ERROR}


def test_a_hostile_signer_and_name_are_literal() -> None:
    app = IOSApp("com.example.tool", HOSTILE, "1.0", "User", f"iPhone Developer: {HOSTILE}")
    (finding,) = run_check(CHECK, ChosenIPhone(installed=apps(app)))
    assert literal(HOSTILE, 80) in finding.title and HOSTILE not in finding.title and HOSTILE not in finding.detail
