"""Closing an access path through the application layer: what `auditor fix` and the app's "Close this" both run.

The guided changes (this computer, a phone) are tested on this computer with a real program running under a
stalkerware name: the person's "done" is recorded and the check runs again for real. The changes the tool
sends itself are tested through the practice servers in test_fixing_providers.py.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from android.conftest import FIXTURES as ANDROID_FIXTURES
from android.conftest import HERE as ANDROID_TESTS
from android.conftest import SERIALS, FakeAdb
from device.conftest import start_named

from auditor.application import fixing
from auditor.application.auditing import AuditPlan, audit_into_case
from auditor.application.restoring import plan_restore
from auditor.errors import UsageError
from auditor.model import Finding, Severity, Status
from auditor.remedy import Change, Permission
from auditor.session.access_map import case_map
from auditor.store import CaseStore
from auditor.timeline import Timeline

DEVICE = AuditPlan(kinds=("device",))
STALKERWARE = "device.stalkerware_processes"


@pytest.fixture
def fake_adb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeAdb:
    """The Android tests' fake adb (tests/android/fakeadb.py) first on PATH, serving the fixture phones."""
    folder = tmp_path / "fakebin"
    folder.mkdir()
    exe = folder / "adb"
    exe.write_text(
        f"#!{sys.executable}\nimport runpy, sys\nsys.argv[0] = 'adb'\n"
        f"runpy.run_path({str(ANDROID_TESTS / 'fakeadb.py')!r}, run_name='__main__')\n"
    )
    exe.chmod(0o755)
    scratch = tmp_path / "adb-answers"
    scratch.mkdir()
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_ADB_LOG", str(tmp_path / "adb-calls.jsonl"))
    monkeypatch.setenv("FAKE_ADB_ROOT", str(ANDROID_FIXTURES))
    monkeypatch.setenv("FAKE_ADB_SERIALS", ",".join(f"{s}={f}" for s, f in SERIALS.items()))
    monkeypatch.delenv("FAKE_ADB_FAULTS", raising=False)
    fake = FakeAdb(folder, tmp_path / "adb-calls.jsonl", monkeypatch, scratch)
    fake.devices("devices_one.txt")
    fake.apks({})
    return fake


@pytest.fixture
def spy(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A real program named like TheTruthSpy, running on this computer until the test ends (or kills it)."""
    proc = start_named(tmp_path, "thetruthspy")
    yield proc
    proc.kill()
    proc.wait(timeout=5)


def found_spy(case: CaseStore, spy: subprocess.Popen[bytes]) -> Finding:
    """The finding about this test's own program (another test on this machine may run one of the same name)."""
    run = asyncio.run(audit_into_case(case, DEVICE)).run
    exe = str(spy.args[0])  # type: ignore[index]
    return next(f for f in run.findings if f.check == STALKERWARE and f.status is Status.FOUND and exe in f.subject)


def test_a_guided_change_records_the_persons_done_and_the_check_again_says_closed(
    case: CaseStore, spy: subprocess.Popen[bytes]
) -> None:
    finding = found_spy(case, spy)
    plan = fixing.plan_fix(case, finding.fingerprint)
    # The playbook's safety note first; one change, made by hand: no permission, nothing sent.
    assert plan.safety and plan.safety[0].startswith("Removing monitoring software can alert")
    assert plan.guided and plan.permissions == [] and plan.forwarding_warning is None
    [change] = plan.changes
    assert change.permission is None and not change.restorable
    assert change.request.startswith("1. ") and "\n2. " in change.request  # the playbook's steps, numbered
    evidence = fixing.freeze_evidence(case, plan)
    assert evidence.finding_fingerprint == finding.fingerprint
    confirmed = fixing.confirm(plan, [change], evidence)
    spy.kill()  # what the person does by hand, following the steps
    spy.wait(timeout=5)
    result = asyncio.run(fixing.apply_fix(case, confirmed, DEVICE))
    assert result.outcome == fixing.CLOSED and result.closed
    assert [f.status for f in result.recheck] == [Status.CLEAR]
    [applied] = result.applied
    assert applied.answer == {"done": "done by hand"}
    # One event: the change as confirmed, the record as found, the evidence kept, closed.
    row = case.path_event_row(result.event_id)
    assert row is not None and row.kind == "fix" and row.summary.startswith("Closed by you at ")
    record = row.payload
    assert record["outcome"] == "closed" and record["guided"] is True and record["evidence_id"] == evidence.id
    assert record["changes"][0]["before"] == dict(finding.evidence)
    assert record["changes"][0]["answer"] == {"done": "done by hand"}
    # The timeline, the reports' list and the access map all say closed by you.
    still_open, closed = Timeline(case).findings_summary()
    assert finding.fingerprint in {f.fingerprint for f in closed}
    assert finding.fingerprint not in {f.fingerprint for f in still_open}
    edges = [e for e in case_map(case).edges if e.fingerprint == finding.fingerprint]
    assert edges and all(not e.open and e.why_closed.startswith("closed by you at") for e in edges)
    # Closed once is closed: planning it again is refused until an audit finds it again.
    with pytest.raises(UsageError, match="closed by you"):
        fixing.plan_fix(case, finding.fingerprint)
    # A change made by hand cannot be put back by the tool.
    with pytest.raises(UsageError, match="cannot put this back"):
        plan_restore(case, result.event_id)


def test_done_while_the_program_still_runs_is_still_open(case: CaseStore, spy: subprocess.Popen[bytes]) -> None:
    finding = found_spy(case, spy)
    plan = fixing.plan_fix(case, finding.fingerprint)
    confirmed = fixing.confirm(plan, plan.changes, fixing.freeze_evidence(case, plan))
    result = asyncio.run(fixing.apply_fix(case, confirmed, DEVICE))
    assert result.outcome == fixing.STILL_OPEN and not result.closed
    assert finding.fingerprint in {f.fingerprint for f in result.recheck}
    assert Timeline(case).path_states() == {}
    assert finding.fingerprint in {f.fingerprint for f in Timeline(case).findings_summary()[0]}
    row = case.path_event_row(result.event_id)
    assert row is not None and row.payload["outcome"] == "still-open" and "still open" in row.summary


def test_the_plan_refuses_what_is_not_an_open_access_path(case: CaseStore) -> None:
    with pytest.raises(UsageError, match="no finding with id 0123"):
        fixing.plan_fix(case, "0123")
    run = asyncio.run(audit_into_case(case, DEVICE)).run
    clear = next(f for f in run.findings if f.status is Status.CLEAR)
    with pytest.raises(UsageError, match="no access path to close"):
        fixing.plan_fix(case, clear.fingerprint)


def test_only_the_plans_own_changes_can_be_confirmed_after_its_own_evidence(
    case: CaseStore, spy: subprocess.Popen[bytes]
) -> None:
    finding = found_spy(case, spy)
    plan = fixing.plan_fix(case, finding.fingerprint)
    evidence = fixing.freeze_evidence(case, plan)
    stranger = Change(
        fingerprint=finding.fingerprint,
        kind="device",
        target=finding.target,
        action="kill",
        subject="",
        words="Stop the program",
        request="kill -9",
        before={},
    )
    with pytest.raises(UsageError, match="not among this finding's changes"):
        fixing.confirm(plan, [stranger], evidence)
    with pytest.raises(UsageError, match="no change was chosen"):
        fixing.confirm(plan, [], evidence)
    other = next(f for f in Timeline(case).case.findings_of(case.runs()[-1].id) if f.fingerprint != finding.fingerprint)
    foreign = Timeline(case).add_finding_evidence(other.fingerprint)
    with pytest.raises(UsageError, match="not this finding's"):
        fixing.confirm(plan, plan.changes, foreign)
    assert case.path_event_rows() == []  # nothing was attempted, nothing recorded


def test_forwarding_found_or_unanswered_on_the_account_is_warned_of_before_a_write_permission(
    case: CaseStore,
) -> None:
    account = "ann.example@gmail.com"

    def on_account(check: str, status: Status, playbook: str, subject: str = "") -> Finding:
        return Finding(
            check, account, status, Severity.HIGH, f"{check} {status.value}", subject=subject, playbooks=(playbook,)
        )

    drive = on_account("google.drive_link_sharing", Status.FOUND, "google-drive-sharing", "file-1")
    from auditor.model import AuditRun, utcnow

    def audit(*findings: Finding) -> None:
        case.save_run(AuditRun(started_at=utcnow(), finished_at=utcnow(), findings=[drive, *findings]))

    write = Permission("https://www.googleapis.com/auth/drive", "see, edit and delete your Drive files", True, "why")
    change = Change(
        drive.fingerprint, "google", account, "remove-link", "file-1", "Remove the link", "DELETE", {}, write
    )

    def plan() -> fixing.FixPlan:
        return fixing.FixPlan(drive, "google", (), None, (change,), tuple(fixing.forwarding_findings(case, drive)))

    audit(on_account("google.gmail_forwarding", Status.CLEAR, "google-mail-forwarding"))
    assert plan().forwarding_warning is None  # forwarding checked and clear
    audit(on_account("google.gmail_forwarding", Status.ERROR, "google-mail-forwarding"))
    assert plan().forwarding_warning is not None  # could not be checked: it may be there
    forwarded = on_account("google.gmail_forwarding", Status.FOUND, "google-mail-forwarding", "x@example.net")
    audit(forwarded)
    warning = plan().forwarding_warning
    assert warning is not None and "may make Google e-mail you a security alert" in warning
    assert "google.gmail_forwarding found" in warning and account in warning
    case.set_decision(forwarded.fingerprint, "mine")
    assert plan().forwarding_warning is None  # the person said the forwarding is theirs
    # A guided change asks for no permission: nothing is granted, so there is no alert to warn of.
    guided = fixing.FixPlan(
        drive, "google", (), None, (Change(**{**change.__dict__, "permission": None}),), (forwarded,)
    )
    assert guided.forwarding_warning is None


def test_permissions_are_said_in_plain_words_the_broad_one_first() -> None:
    narrow = Permission("gmail.settings.basic", "change your Gmail settings")
    broad = Permission("drive", "see, edit and delete all your Drive files", True, "Google has no narrower one.")
    lines = fixing.permission_lines([narrow, broad])
    assert lines[0].startswith("A BROAD permission: see, edit and delete all your Drive files (drive).")
    assert lines[0].endswith("Google has no narrower one.")
    assert lines[1] == "change your Gmail settings (gmail.settings.basic)"


def test_an_android_phone_is_guided_and_the_tool_sends_the_phone_no_change(case: CaseStore, fake_adb: FakeAdb) -> None:
    """TheTruthSpy on a phone (the fake adb serving a compromised Pixel): the steps say how to remove it; the tool
    never does. Once the person has removed it (the phone no longer lists the package), "done" and the check again
    say closed; every command the tool sent the phone was a read."""
    phone = AuditPlan(kinds=("android",))
    run = asyncio.run(audit_into_case(case, phone)).run
    spy = next(f for f in run.findings if f.check == "android.stalkerware_packages" and f.subject == "com.thetruth")
    plan = fixing.plan_fix(case, spy.fingerprint)
    [change] = plan.changes
    assert plan.guided and change.kind == "android" and "1. " in change.request
    assert plan.safety and plan.forwarding_warning is None
    confirmed = fixing.confirm(plan, [change], fixing.freeze_evidence(case, plan))
    # What the person does on the phone: the package is gone from every list the phone gives.
    folder = ANDROID_FIXTURES / "pixel14"
    for command, name in (
        ("shell pm list packages -f -i -U", "packages.txt"),
        ("shell pm list packages -3", "third.txt"),
    ):
        kept = [line for line in (folder / name).read_text().splitlines(True) if "com.thetruth" not in line]
        fake_adb.answer(command, "".join(kept), serial="38211FDH300ABC")
    result = asyncio.run(fixing.apply_fix(case, confirmed, phone))
    assert result.outcome == fixing.CLOSED
    assert spy.fingerprint not in {f.fingerprint for f in result.recheck}
    calls = fake_adb.calls()
    assert calls
    for call in calls:
        argv = call[2:] if call[:1] == ["-s"] else call
        assert argv[:1] in (["devices"], ["shell"], ["pull"]) and "uninstall" not in argv, call
