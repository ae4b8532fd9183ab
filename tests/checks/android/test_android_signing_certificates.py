"""android.signing_certificates — checks/android/signing_certificates.py;
playbook playbooks/android-stalkerware.yaml.

A sideloaded app signed with a stalkerware maker's certificate (the indicator set's SHA-1s) is found, whatever
name it gives itself.
"""

from __future__ import annotations

from android.readings import SPY_CERTIFICATE, ChosenPhone, installed, run_check

from auditor.checkapi import Reading
from auditor.checkapi.android import Package
from auditor.model import Status
from auditor.safetext import literal

HOSTILE = "com.x[bold red]y[/]\x1b]8;;https://evil.example\x07\u202eevil"

CHECK = "android.signing_certificates"
DISGUISED = Package("com.android.systemupdate", "/data/app/upd.apk", None, 10205)
ORDINARY = Package("com.example.tool", "/data/app/tool.apk", None, 10203)


def signed(*apps: tuple[Package, str], **gaps: tuple[str, ...]) -> ChosenPhone:
    return ChosenPhone(
        apps=installed(*(app for app, _ in apps)),
        certificates={app.name: Reading(f"the signature of {app.name}", (sha1,), **gaps) for app, sha1 in apps},
    )


def test_an_app_signed_by_a_stalkerware_maker_is_found_under_its_disguise() -> None:
    findings = run_check(CHECK, signed((DISGUISED, SPY_CERTIFICATE), (ORDINARY, "AB" * 20)))
    assert [(f.status, f.subject) for f in findings] == [(Status.FOUND, f"com.android.systemupdate:{SPY_CERTIFICATE}")]
    assert findings[0].title == "“com.android.systemupdate” is stalkerware “TheTruthSpy” under another name"


def test_ordinary_signatures_over_whole_readings_are_clear() -> None:
    (finding,) = run_check(CHECK, signed((ORDINARY, "AB" * 20)))
    assert (finding.status, finding.title) == (
        Status.CLEAR,
        "No sideloaded app is signed by a known stalkerware maker (1 checked)",
    )


def test_a_signature_that_could_not_be_read_is_couldnt_check() -> None:
    findings = run_check(CHECK, signed((ORDINARY, "AB" * 20), not_read=("adb pull: failed",)))
    assert [f.status for f in findings] == [Status.ERROR]


def test_a_hostile_package_name_is_literal() -> None:
    (finding,) = run_check(CHECK, signed((Package(HOSTILE, "/data/app/x.apk", None, 1), SPY_CERTIFICATE)))
    assert literal(HOSTILE, 120) in finding.title and HOSTILE not in finding.title and HOSTILE not in finding.detail
