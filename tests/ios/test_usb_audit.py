"""iPhone audits over USB: the real opener and collector (pymobiledevice3) against the practice iPhone.

The practice iPhone speaks usbmuxd, lockdown (with its TLS session) and the services on 127.0.0.1; the tool
reaches it only through USBMUXD_SOCKET_ADDRESS, as it would a usbmuxd on another machine.
"""

from __future__ import annotations

import asyncio
import json
import plistlib
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.iocs import install_from_files
from auditor.ios import collector
from auditor.model import Severity, Status
from auditor.render import table
from auditor.sandbox.iphone import IPhoneScenario, PracticePhone
from auditor.sandbox.iphone.scenario import Fault, PracticeApp, PracticeFaults
from auditor.sandbox.iphone.server import READS

from .conftest import FIXTURES, StartPhone, audit_iphone, by_check, ios_checks, open_iphone, statuses

IOS_CHECKS = {c.spec.id for c in ios_checks()}


def test_a_clean_iphone_looks_clear_and_only_reads(practice: StartPhone) -> None:
    phone = practice("clean")
    run = audit_iphone()
    found = statuses(run)
    assert set(found) == IOS_CHECKS
    clear = {check for check, s in found.items() if s == {Status.CLEAR}}
    assert clear == IOS_CHECKS - {"ios.software_update"}
    # The release table is older than its 120 days on the test machine's clock: the version is left to the person.
    assert found["ios.software_update"] <= {Status.MANUAL, Status.CLEAR}
    assert {f.target for f in run.findings} == {"iPhone Sam's iPhone (iPhone15,2)"}
    assert run.exit_code == 0
    assert phone.writes() == []
    sent = {(c.service, c.request) for c in phone.log() if c.service != "usbmuxd"}
    assert sent <= set(collector.READ_ONLY_REQUESTS) | {("com.apple.afc2", "(connected)")}
    assert {("com.apple.mobile.installation_proxy", "Browse"), ("com.apple.mobile.MCInstall", "GetProfileList")} <= sent


def test_a_compromised_iphone(practice: StartPhone, shipped_iocs: Path, tmp_path: Path) -> None:
    extra = tmp_path / "renamed-ios-spy.yaml"
    extra.write_text("- name: RenamedSpy\n  type: stalkerware\n  ios_bundles: [com.system.sync.helper]\n")
    install_from_files([shipped_iocs / "ioc.yaml", shipped_iocs / "watchware.yaml", extra])
    phone = practice("stalkerware")
    run = audit_iphone()
    found = by_check(run)

    (spy,) = found["ios.stalkerware_apps"]
    assert (spy.status, spy.severity) == (Status.FOUND, Severity.CRITICAL)
    assert "RenamedSpy" in spy.title and "com.system.sync.helper" in spy.title
    assert (
        spy.evidence["bundle_id"] == "com.system.sync.helper" and spy.evidence["indicator"] == "com.system.sync.helper"
    )

    dual = {f.subject: f for f in found["ios.dual_use_apps"]}
    assert set(dual) == {"com.life360.safetymap", "com.glympse.iphone.glympse"}
    assert all(f.status is Status.REVIEW for f in dual.values())
    assert "indicator" in dual["com.life360.safetymap"].evidence  # Echap's watchware names it too

    sideloaded = {f.subject for f in found["ios.sideloaded_apps"]}
    assert sideloaded == {"org.coolstar.SileoStore", "com.system.sync.helper"}
    jailbreak = {f.subject for f in found["ios.jailbreak"]}
    assert jailbreak == {"org.coolstar.SileoStore", "afc2"}
    (profile,) = found["ios.profiles"]
    assert profile.status is Status.REVIEW and "Family Safety Services" in profile.title
    assert profile.evidence["removal_disallowed"] is True
    assert {f.subject for f in found["ios.device_management"]} == {"supervised", "enrolment"}
    assert [f.subject for f in found["ios.developer_mode"]] == ["developer-mode"]
    (icloud,) = found["ios.icloud_backup"]
    assert icloud.status is Status.REVIEW and icloud.playbooks == ("ios-icloud-backup", "apple-account-security")
    (update,) = found["ios.software_update"]
    assert update.status is Status.REVIEW and "26.5" in update.title and update.evidence["judged"] == "out-of-date"
    assert not [f for f in run.findings if f.status in (Status.CLEAR, Status.ERROR)]
    assert run.exit_code == 1
    assert phone.writes() == []


@pytest.mark.parametrize(
    ("scenario", "words"),
    [
        ("untrusted", "has not trusted this computer"),
        ("denied", "Don't Trust"),
        ("locked", "The iPhone is locked"),
        ("several", "2 iPhones or iPads are connected"),
        ("none", "No iPhone is connected by cable"),
    ],
)
def test_a_phone_that_cannot_be_read_is_a_source_error_with_steps(
    practice: StartPhone, scenario: str, words: str
) -> None:
    phone = practice(scenario)
    (source,) = open_iphone()
    assert source.error is not None and words in source.error
    run = audit_iphone()
    assert {f.check for f in run.findings} == IOS_CHECKS
    assert {f.status for f in run.findings} == {Status.ERROR}
    assert all(words in f.detail for f in run.findings)
    assert run.exit_code == 3
    assert phone.writes() == []


def test_untrusted_says_to_remove_the_trust_afterwards(practice: StartPhone) -> None:
    practice("untrusted")
    (source,) = open_iphone()
    assert source.error and "Reset Location & Privacy" in source.error and "tap Trust" in source.error


def test_no_usbmuxd_is_a_source_error_with_install_steps() -> None:
    (source,) = open_iphone()  # USBMUXD_SOCKET_ADDRESS points at a closed loopback port
    assert source.error == collector.USBMUXD_MISSING
    assert "sudo apt install usbmuxd" in source.error and "Apple Devices" in source.error


def test_tapping_trust_pairs_then_reads(practice: StartPhone) -> None:
    phone = practice("accepts")
    run = audit_iphone()
    assert Status.ERROR not in {f.status for f in run.findings}
    kinds = [(c.service, c.request) for c in phone.log() if c.kind == "pairing"]
    assert ("lockdown", "Pair") in kinds
    assert phone.writes() == []


@pytest.mark.parametrize("fault", ["drop", "malformed", "wrong-shape", "endless", "hang"])
def test_a_broken_app_listing_is_never_clear(practice: StartPhone, fault: Fault) -> None:
    spec = PracticePhone(
        apps=[PracticeApp(bundle="com.life360.safetymap", name="Life360")], faults=PracticeFaults(browse=fault)
    )
    practice(IPhoneScenario(name=f"browse-{fault}", phones=[spec]))
    found = statuses(audit_iphone(service_timeout=1.5))
    for check in ("ios.stalkerware_apps", "ios.dual_use_apps", "ios.sideloaded_apps", "ios.jailbreak"):
        assert Status.CLEAR not in found[check], (fault, check, found[check])
        assert Status.ERROR in found[check], (fault, check)
    assert found["ios.profiles"] == {Status.CLEAR}  # the other reads are still judged


def test_an_empty_app_listing_is_not_read(practice: StartPhone) -> None:
    spec = PracticePhone(faults=PracticeFaults(browse="refuse"))
    practice(IPhoneScenario(name="browse-refuse", phones=[spec]))
    found = by_check(audit_iphone())
    assert {f.status for f in found["ios.stalkerware_apps"]} == {Status.ERROR}
    assert "no apps at all" in found["ios.stalkerware_apps"][0].detail


@pytest.mark.parametrize("fault", ["drop", "malformed", "wrong-shape", "refuse", "hang"])
@pytest.mark.parametrize(
    ("read", "checks"),
    [
        ("profiles", ("ios.profiles",)),
        ("cloud", ("ios.device_management",)),
        ("backup", ("ios.icloud_backup",)),
        ("developer", ("ios.developer_mode",)),
        ("chaperone", ("ios.device_management",)),
        ("values", ("ios.software_update",)),
    ],
)
def test_each_broken_read_makes_its_checks_couldnt_check(
    practice: StartPhone, read: str, checks: tuple[str, ...], fault: Fault
) -> None:
    spec = PracticePhone(supervised=True, faults=PracticeFaults.model_validate({read: fault}))
    practice(IPhoneScenario(name=f"{read}-{fault}", phones=[spec]))
    found = statuses(audit_iphone(service_timeout=1.5))
    for check in checks:
        assert Status.CLEAR not in found[check], (read, fault, check, found[check])
        assert Status.ERROR in found[check], (read, fault, check, found[check])
    if read != "values":  # the device values are read while pairing: without them nothing opens at all
        assert found["ios.stalkerware_apps"] == {Status.CLEAR}, "the apps are still judged"


def test_isdi_published_app_list_through_the_practice_phone(practice: StartPhone) -> None:
    answer = plistlib.loads((FIXTURES / "isdi_browse_answer.plist").read_bytes())
    practice(
        IPhoneScenario(
            name="isdi", phones=[PracticePhone(browse_answer=answer, ios_version="11.4", developer_mode=None)]
        )
    )
    found = by_check(audit_iphone())
    assert {f.subject for f in found["ios.jailbreak"]} == {"org.coolstar.electra"}
    assert {f.subject for f in found["ios.sideloaded_apps"]} == {
        "com.nianticlabs.pokemongo",
        "com.tweakmo.TwekMo-Silver",
        "org.coolstar.electra",
    }
    dual = {f.subject for f in found["ios.dual_use_apps"]}
    assert {"com.TrackView", "com.isharing.iSharing-Lite"} <= dual
    assert {f.status for f in found["ios.developer_mode"]} == {Status.SKIPPED}  # iOS 11 has no Developer Mode
    (update,) = found["ios.software_update"]
    assert update.status is Status.REVIEW  # an iPhone on iOS 11


def test_hostile_names_stay_literal(practice: StartPhone) -> None:
    practice("hostile")
    run = audit_iphone()
    text = table(run, details=True)
    for raw in ("\x1b", "\x07", "\u202e", "\u2066", "\u200b"):
        assert raw not in text, repr(raw)
    assert "[bold red]Security[/]" in text  # markup shown as the characters it is
    assert "\\x1b[2J" in text and "<U+202E>" in text
    titles = " ".join(f.title for f in run.findings)
    assert "\x1b" not in titles and "\u202e" not in titles
    # the record itself keeps the exact characters (evidence), only their display is made literal
    dual = [f for f in run.findings if f.check == "ios.dual_use_apps"]
    assert any(f.evidence.get("name") == "\x1b[2J\x1b[31mALL CLEAR\x1b[0m" for f in dual)


def test_command_line_audit_of_a_practice_iphone(practice: StartPhone, capsys: pytest.CaptureFixture[str]) -> None:
    practice("stalkerware")
    code = main(["audit", "--only", "ios", "--format", "json"])
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert code == 1 and data["exit_code"] == 1
    assert {f["check"] for f in data["findings"]} == IOS_CHECKS
    assert "Trust This Computer?" in err and "Reset Location & Privacy" in err
    assert all(f["playbooks"] for f in data["findings"])


def test_path_goes_with_ios_backup_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--only", "ios", "--path", "/nowhere"]) == 2
    assert "--path goes with --only ios-backup" in capsys.readouterr().err


def test_tcp_lockdown_client_reads_the_practice_phone_with_its_pairing_record(practice: StartPhone) -> None:
    """pymobiledevice3's TCP lockdown client (create_using_tcp) works against the practice lockdown port too."""
    from pymobiledevice3.lockdown import create_using_tcp

    phone = practice("stalkerware")

    async def read() -> collector.UsbAnswers:
        lockdown = await create_using_tcp(
            "127.0.0.1", port=phone.lockdown_port(), pair_record=phone.pair_record(), autopair=False
        )
        try:
            return await collector.read_answers(lockdown, timeout=3.0)
        finally:
            await lockdown.close()

    answers = asyncio.run(read())
    assert answers.values.value["DeviceName"] == "Sam's iPhone"
    assert answers.afc2.value is True
    assert any(app["CFBundleIdentifier"] == "com.life360.safetymap" for app in answers.apps.value)
    assert phone.writes() == []
    assert all((c.service, c.request) in READS for c in phone.log())


def test_the_practice_phones_answers_fit_the_documented_shapes(practice: StartPhone) -> None:
    """What the practice iPhone answers is validated against the same models the parsers use (from libimobiledevice
    and pymobiledevice3), so the practice phone cannot drift from what the tool is written against."""
    from auditor.ios.parsers import (
        BackupDomain,
        BrowsedApp,
        ChaperoneValues,
        CloudConfiguration,
        LockdownValues,
        ProfileListAnswer,
        ProfileManifestEntry,
        ProfileMetadata,
    )

    practice("stalkerware")
    answers = asyncio.run(collector.read_phone(None, pair_timeout=0, service_timeout=3))
    LockdownValues.model_validate(answers.values.value)
    ChaperoneValues.model_validate(answers.chaperone.value)
    BackupDomain.model_validate(answers.backup_settings.value)
    assert isinstance(answers.developer_mode.value, bool)
    for app in answers.apps.value:
        BrowsedApp.model_validate(app)
    listing = ProfileListAnswer.model_validate(answers.profiles.value)
    for identifier in listing.OrderedIdentifiers:
        ProfileMetadata.model_validate(listing.ProfileMetadata[identifier])
        ProfileManifestEntry.model_validate(listing.ProfileManifest[identifier])
    CloudConfiguration.model_validate(answers.cloud_configuration.value)
    assert answers.afc2.value is True


def test_a_malformed_scenario_names_file_line_and_field(tmp_path: Path) -> None:
    from auditor.errors import ScenarioError
    from auditor.sandbox.iphone import load_scenario

    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nphones:\n  - name: x\n    trust: maybe\n")
    with pytest.raises(ScenarioError, match=r"bad.yaml, line 4: phones.0.trust"):
        load_scenario(bad)
    with pytest.raises(ScenarioError, match="no practice iPhone scenario 'nonesuch'"):
        load_scenario("nonesuch")
