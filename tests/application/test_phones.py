"""auditor.application.phones: an iPhone audited into a case, over USB (the practice iPhone, through the real
pymobiledevice3) or from a synthetic backup folder, encrypted or not; the backup locations and listings; the
password passed for one read and found nowhere in the case afterwards."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import plistlib
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlcipher3
from ios.backupbuild import BackupSpec, build_backup

from auditor.application.auditing import AuditPlan, audit_into_case
from auditor.application.cases import open_case
from auditor.application.kinds import READ_ONLY_WHEN_ASKED, case_kinds
from auditor.application.phones import (
    BEFORE_CONNECTING,
    REMOVE_TRUST,
    TRUST_NOTICE,
    PhoneAudit,
    PhoneRequest,
    Stage,
    audit_phone,
    backup_is_encrypted,
    backup_roots,
    current_findings,
    default_backup_root,
    describe_backup,
    iphone_reads,
    is_iphone_check,
    list_backups,
    not_read_words,
    practice_iphone_address,
)
from auditor.config import Endpoints, Settings
from auditor.ios import backup as backup_module
from auditor.ios import collector
from auditor.model import Status
from auditor.sandbox import Sandbox
from auditor.sandbox.iphone import IPhoneScenario, PracticeIPhone, PracticePhone
from auditor.sandbox.iphone.scenario import PracticeFaults
from auditor.store import CaseStore, case_path

PASSWORD = "correct horse battery staple"
CASE_PASSPHRASE = "correct horse"
FAST = Settings(request_timeout=2.0, retry_budget=4.0)
NO_ENDPOINTS = Endpoints(google=None, graph=None, ews=None, token=None)
PLAN = AuditPlan(kinds=(), endpoints=NO_ENDPOINTS, settings=FAST)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "iphone.md"
OPEN = (Status.FOUND, Status.REVIEW, Status.ERROR, Status.MANUAL)

# The phone drops the connection at lockdown's first GetValue: "the connection was lost".
LOST = IPhoneScenario(name="connection-lost", phones=[PracticePhone(faults=PracticeFaults(values="drop"))])


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """No real usbmuxd, ever: a closed loopback port unless a test starts the practice iPhone."""
    for name in ("AUDITOR_IOS_BACKUP_PATH", "AUDITOR_IOS_BACKUP_PASSWORD", "AUDITOR_IOS_PAIR_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("USBMUXD_SOCKET_ADDRESS", f"127.0.0.1:{closed_port()}")


@pytest.fixture
def case(isolated_home: Path) -> Iterator[CaseStore]:
    store = open_case("ann", CASE_PASSPHRASE, create=True)
    yield store
    store.close()


@pytest.fixture
def iphone(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[PracticeIPhone]]:
    started: list[PracticeIPhone] = []
    yield started
    for phone in started:
        phone.stop()


def start(
    started: list[PracticeIPhone], scenario: str | IPhoneScenario, monkeypatch: pytest.MonkeyPatch
) -> PracticeIPhone:
    phone = PracticeIPhone(scenario).start()
    started.append(phone)
    monkeypatch.setenv("USBMUXD_SOCKET_ADDRESS", phone.usbmux_address)
    return phone


def case_dump(name: str, passphrase: str) -> str:
    """Every row of every table of the case, decrypted, as text (blobs also as hexadecimal and as UTF-8)."""
    connection = sqlcipher3.connect(str(case_path(name)))
    lines: list[str] = []
    try:
        connection.execute("PRAGMA key = '" + passphrase.replace("'", "''") + "'")
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            lines.append(f"TABLE {table}")
            for row in connection.execute(f'SELECT * FROM "{table}"'):
                for value in row:
                    if isinstance(value, bytes):
                        lines += [value.hex(), value.decode("utf-8", "replace")]
                    else:
                        lines.append(str(value))
    finally:
        connection.close()
    return "\n".join(lines)


def assert_nowhere(secret: str, case_name: str, home: Path) -> None:
    dump = case_dump(case_name, CASE_PASSPHRASE)
    assert "TABLE findings" in dump and "TABLE runs" in dump  # the dump really is the decrypted case
    for form in (secret, secret.encode().hex(), secret.encode().hex().upper()):
        assert form not in dump, "the backup password is in the case"
    for path in home.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def stages_of(
    request: PhoneRequest, case: CaseStore | None = None, stop_if_unreadable: bool = False
) -> tuple[list[Stage], PhoneAudit]:
    seen: list[Stage] = []
    result = asyncio.run(
        audit_phone(request, plan=PLAN, case=case, on_stage=seen.append, stop_if_unreadable=stop_if_unreadable)
    )
    return seen, result


# -- the words said before connecting ---------------------------------------------------------------------


def test_the_trust_notice_is_the_one_docs_iphone_md_gives() -> None:
    docs = " ".join(DOCS.read_text(encoding="utf-8").split()).replace("**", "")
    for point in TRUST_NOTICE:
        assert point in docs, point
    assert "Reset Location & Privacy" in REMOVE_TRUST
    assert BEFORE_CONNECTING == collector.BEFORE_CONNECTING


# -- over USB, the practice iPhone ------------------------------------------------------------------------


def test_a_compromised_iphone_is_audited_into_the_case(
    case: CaseStore, iphone: list[PracticeIPhone], monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = start(iphone, "stalkerware", monkeypatch)
    seen, result = stages_of(PhoneRequest(pair_timeout=0, service_timeout=3.0), case)
    assert seen == [Stage.CONNECTING, Stage.CHECKING, Stage.SAVING]
    assert result.problem is None and result.saved is not None
    [run] = case.runs()
    kept = case.findings_of(run.id)
    assert {f.target for f in kept} == {result.target}
    assert any(f.check == "ios.jailbreak" and f.status is Status.REVIEW for f in kept)
    assert ("ios", result.target) in {(a["kind"], a["target"]) for a in case.accounts()}
    assert phone.writes() == []


def test_a_plan_naming_iphones_reads_the_phone_once(
    case: CaseStore, iphone: list[PracticeIPhone], monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = start(iphone, "clean", monkeypatch)
    plan = AuditPlan(kinds=("ios", "ios-backup"), endpoints=NO_ENDPOINTS, settings=FAST)
    result = asyncio.run(audit_phone(PhoneRequest(pair_timeout=0, service_timeout=3.0), plan=plan, case=case))
    assert result.run is not None
    assert {f.target for f in result.run.findings} == {"iPhone Sam's iPhone (iPhone15,2)"}
    browses = [c for c in phone.log() if c.request == "Browse"]
    assert len(browses) == 1


@pytest.mark.parametrize(
    ("scenario", "words"),
    [
        ("none", collector.NO_PHONE),
        ("several", collector.SEVERAL.format(count=2)),
        ("denied", collector.DENIED),
        ("untrusted", collector.NOT_TRUSTED),
        ("locked", collector.LOCKED),
        (LOST, collector.DROPPED.format(why="ConnectionTerminatedError: Connection was terminated abruptly.")),
    ],
)
def test_a_phone_that_cannot_be_read_is_its_problem_and_nothing_is_saved(
    case: CaseStore,
    iphone: list[PracticeIPhone],
    monkeypatch: pytest.MonkeyPatch,
    scenario: str | IPhoneScenario,
    words: str,
) -> None:
    start(iphone, scenario, monkeypatch)
    _, result = stages_of(PhoneRequest(pair_timeout=0, service_timeout=3.0), case, stop_if_unreadable=True)
    assert result.problem == words
    assert result.run is None and result.saved is None
    assert case.runs() == [] and case.accounts() == []


def test_no_usbmuxd_says_how_to_install_it(case: CaseStore) -> None:
    _, result = stages_of(PhoneRequest(pair_timeout=0), case, stop_if_unreadable=True)
    assert result.problem == collector.USBMUXD_MISSING
    assert case.runs() == []


def test_without_stopping_an_unreadable_phone_is_couldnt_check_on_every_check(case: CaseStore) -> None:
    result = asyncio.run(audit_phone(PhoneRequest(pair_timeout=0), plan=PLAN, case=case))
    assert result.run is not None and result.saved is not None
    assert {f.status for f in result.run.findings} == {Status.ERROR}
    assert all(collector.USBMUXD_MISSING in f.detail for f in result.run.findings)
    assert result.run.exit_code == 3


# -- from a backup folder ---------------------------------------------------------------------------------


def spied_backup(password: str | None = None, name: str = "Sam's iPhone") -> BackupSpec:
    return BackupSpec(
        device_name=name,
        password=password,
        apps=["net.whatsapp.WhatsApp", "com.life360.safetymap", "org.coolstar.SileoStore"],
    )


@pytest.mark.parametrize("password", [None, PASSWORD])
def test_a_backup_is_audited_into_the_case_and_its_password_is_nowhere(
    case: CaseStore, tmp_path: Path, isolated_home: Path, password: str | None
) -> None:
    folder = build_backup(tmp_path / "bk", spied_backup(password))
    request = PhoneRequest(backup=folder, password=password)
    assert password is None or password not in repr(request)
    seen, result = stages_of(request, case)
    assert seen == [Stage.OPENING_BACKUP, Stage.CHECKING, Stage.SAVING]
    assert result.problem is None and result.run is not None
    [run] = case.runs()
    kept = case.findings_of(run.id)
    assert any(f.check == "ios.dual_use_apps" and f.status is Status.REVIEW for f in kept)
    assert not any(f.status is Status.ERROR and f.check == "ios.stalkerware_apps" for f in kept)
    assert result.target.startswith("iPhone Sam's iPhone") and "backup, made 2026-11-30" in result.target
    case.close()
    if password:
        assert_nowhere(password, "ann", isolated_home)


def test_a_wrong_password_is_the_problem_and_nothing_is_saved(
    case: CaseStore, tmp_path: Path, isolated_home: Path
) -> None:
    folder = build_backup(tmp_path / "bk", spied_backup(PASSWORD))
    _, result = stages_of(PhoneRequest(backup=folder, password="Tr0ub4dor&3"), case, stop_if_unreadable=True)
    assert result.problem == backup_module.WRONG_PASSWORD
    assert case.runs() == []
    case.close()
    assert_nowhere("Tr0ub4dor&3", "ann", isolated_home)


def test_a_folder_that_is_not_a_backup_is_the_problem(case: CaseStore, tmp_path: Path) -> None:
    folder = tmp_path / "holiday photos"
    folder.mkdir()
    _, result = stages_of(PhoneRequest(backup=folder), case, stop_if_unreadable=True)
    assert result.problem == backup_module.NOT_A_BACKUP.format(path=folder)
    assert case.runs() == []


def test_without_a_case_the_run_is_not_saved(tmp_path: Path, isolated_home: Path) -> None:
    folder = build_backup(tmp_path / "bk", spied_backup())
    result = asyncio.run(audit_phone(PhoneRequest(backup=folder), plan=PLAN))
    assert result.run is not None and result.saved is None
    assert result.run.exit_code == 1
    assert not list((isolated_home).rglob("*.db"))


# -- where backups are kept, and which are there -----------------------------------------------------------


def test_the_platforms_backup_locations(tmp_path: Path) -> None:
    mac = backup_roots("Darwin", {}, Path("/Users/sam"))
    assert mac == [Path("/Users/sam/Library/Application Support/MobileSync/Backup")]
    windows = backup_roots(
        "Windows", {"APPDATA": "C:/Users/sam/AppData/Roaming", "USERPROFILE": "C:/Users/sam"}, Path("/unused")
    )
    assert windows == [
        Path("C:/Users/sam/AppData/Roaming/Apple Computer/MobileSync/Backup"),
        Path("C:/Users/sam/Apple/MobileSync/Backup"),
    ]
    assert backup_roots("Windows", {}, Path("/unused")) == []
    assert backup_roots("Linux", {}, tmp_path) == []
    assert default_backup_root("Darwin", {}, tmp_path) is None  # only a folder that exists
    root = tmp_path / "Library" / "Application Support" / "MobileSync" / "Backup"
    root.mkdir(parents=True)
    assert default_backup_root("Darwin", {}, tmp_path) == root
    second = tmp_path / "profile" / "Apple" / "MobileSync" / "Backup"
    second.mkdir(parents=True)
    found = default_backup_root(
        "Windows", {"APPDATA": str(tmp_path / "none"), "USERPROFILE": str(tmp_path / "profile")}
    )
    assert found == second


def test_the_backups_in_a_folder_by_name_and_date(tmp_path: Path) -> None:
    hostile = "[bold red]Mum[/] \x1b]8;;https://evil.example/\x07iPhone\u202e"
    build_backup(tmp_path / "00008110-000A", spied_backup(name="Sam's iPhone"))
    older = build_backup(tmp_path / "00008110-000B", spied_backup(PASSWORD, name=hostile))
    # The older one: its Info.plist gives an earlier date (Info.plist wins over Manifest.plist, as the reader's).
    info = plistlib.loads((older / "Info.plist").read_bytes())
    info["Last Backup Date"] = info["Last Backup Date"].replace(year=2025)
    (older / "Info.plist").write_bytes(plistlib.dumps(info, fmt=plistlib.FMT_BINARY))
    (tmp_path / "not a backup").mkdir()
    (tmp_path / "a file").write_text("x")
    listed = list_backups(tmp_path)
    assert [(b.path.name, b.device_name, b.made, b.encrypted) for b in listed] == [
        ("00008110-000A", "Sam's iPhone", "2026-11-30", False),
        ("00008110-000B", hostile, "2025-11-30", True),  # kept exactly; the app shows it literally
    ]
    assert backup_is_encrypted(older) is True and backup_is_encrypted(tmp_path / "not a backup") is None
    assert describe_backup(tmp_path / "not a backup") is None
    assert list_backups(tmp_path / "missing") == []


def test_a_backup_whose_manifests_say_nothing_is_still_listed(tmp_path: Path) -> None:
    folder = build_backup(tmp_path / "bk", spied_backup())
    (folder / "Info.plist").write_bytes(b"not a plist")
    (folder / "Manifest.plist").write_bytes(json.dumps({"IsEncrypted": "yes"}).encode())
    (listed,) = list_backups(tmp_path)
    assert (listed.device_name, listed.made, listed.encrypted) == ("", "", None)


def test_the_search_of_the_case_finds_a_password_that_was_kept(case: CaseStore, isolated_home: Path) -> None:
    """The check above can fail: a password written into the case is found by it."""
    case.put_secret("planted", PASSWORD.encode())
    case.close()
    with pytest.raises(AssertionError, match="the backup password is in the case"):
        assert_nowhere(PASSWORD, "ann", isolated_home)


def test_a_backup_is_not_kept_as_a_device_the_next_audit_reads_over_usb(case: CaseStore, tmp_path: Path) -> None:
    folder = build_backup(tmp_path / "bk", spied_backup())
    result = asyncio.run(audit_phone(PhoneRequest(backup=folder), plan=PLAN, case=case))
    assert result.saved is not None and result.saved.accounts_added == ()
    assert case.accounts() == []
    [run] = case.runs()
    assert {f.target for f in case.findings_of(run.id)} == {result.target}


# -- the phone alone, and the case's audits without it ------------------------------------------------------


def accounts_of_case(case: CaseStore, accounts_plan: AuditPlan) -> AuditPlan:
    """What an audit of the case reads (the app's `a`, `auditor audit --case`), at the practice servers."""
    return dataclasses.replace(accounts_plan, kinds=tuple(case_kinds(case.accounts(), include_device=False)))


def test_a_case_audit_never_reads_an_iphone() -> None:
    accounts = [
        {"kind": "google", "target": "ann@example.com"},
        {"kind": "ios", "target": "iPhone Sam's iPhone (iPhone15,2)"},
        {"kind": "ios-backup", "target": "a backup"},
    ]
    assert case_kinds(accounts) == ["device", "google"]
    assert case_kinds(accounts, include_device=False) == ["google"]
    assert READ_ONLY_WHEN_ASKED == {"ios", "ios-backup"}


def test_reading_the_phone_reads_no_account_and_resolves_nothing_of_them(
    case: CaseStore,
    iphone: list[PracticeIPhone],
    monkeypatch: pytest.MonkeyPatch,
    practice: Sandbox,
    accounts_plan: AuditPlan,
) -> None:
    asyncio.run(audit_into_case(case, accounts_plan))
    accounts_found = [f for f in case.findings_of(case.runs()[-1].id) if f.status in OPEN]
    assert accounts_found, "the practice accounts have open findings"
    requests_before = len(practice.requests)

    start(iphone, "stalkerware", monkeypatch)
    # The plan the app had passed before: every account of the case. Only the phone is read now.
    result = asyncio.run(
        audit_phone(
            PhoneRequest(pair_timeout=0, service_timeout=3.0), plan=accounts_of_case(case, accounts_plan), case=case
        )
    )
    assert result.run is not None and result.saved is not None
    assert {f.target for f in result.run.findings} == {result.target}
    assert len(practice.requests) == requests_before, "reading the phone sent a request to an account"
    assert len(case.runs()) == 2  # saved as an audit of its own

    changes = case.latest_changes()
    assert changes is not None
    assert changes.resolved == []
    assert {f.target for f in changes.new + changes.unchanged} == {result.target}
    # The accounts keep their findings as last read; the phone's join them.
    current = current_findings(case)
    assert {f.fingerprint for f in accounts_found} <= {f.fingerprint for f in current}
    assert any(f.check == "ios.jailbreak" and f.status is Status.REVIEW for f in current)


def test_a_case_audit_after_reading_the_phone_does_not_read_it_and_keeps_its_findings(
    case: CaseStore,
    iphone: list[PracticeIPhone],
    monkeypatch: pytest.MonkeyPatch,
    practice: Sandbox,
    accounts_plan: AuditPlan,
) -> None:
    asyncio.run(audit_into_case(case, accounts_plan))
    start(iphone, "stalkerware", monkeypatch)
    phone_read = asyncio.run(audit_phone(PhoneRequest(pair_timeout=0, service_timeout=3.0), plan=PLAN, case=case))
    assert ("ios", phone_read.target) in {(a["kind"], a["target"]) for a in case.accounts()}
    iphone.pop().stop()
    fresh = start(iphone, "stalkerware", monkeypatch)  # still plugged in, and it would answer

    asyncio.run(audit_into_case(case, accounts_of_case(case, accounts_plan)))
    assert fresh.log() == [], "an audit of the case connected to the iPhone"
    [last] = case.runs()[-1:]
    assert not any(is_iphone_check(f.check) for f in case.findings_of(last.id))

    changes = case.latest_changes()
    assert changes is not None
    assert not any(is_iphone_check(f.check) for f in changes.resolved), "the phone's findings called resolved"
    # The accounts are compared with the audit that last read them, not with the phone's read: nothing is "new".
    assert changes.new == [] and changes.resolved == []
    assert changes.unchanged and not any(is_iphone_check(f.check) for f in changes.unchanged)

    current = current_findings(case)
    jailbreak = [f for f in current if f.check == "ios.jailbreak" and f.status is Status.REVIEW]
    assert jailbreak and all(f.target == phone_read.target for f in jailbreak)
    [read] = iphone_reads(case.accounts(), current)
    assert read.target == phone_read.target and read.over_usb and read.still_open > 0
    assert phone_read.run is not None and read.last_read == max(f.observed_at for f in phone_read.run.findings)
    words = not_read_words([read], "ann")
    assert words[0].startswith("This audit did not read the iPhone")
    assert "`auditor audit --only ios --case ann`" in words[0]
    assert words[1].startswith(f"{phone_read.target}: last read over the cable {read.last_read:%Y-%m-%d %H:%M} UTC")


def test_a_backup_read_is_said_as_read_from_its_backup(case: CaseStore, tmp_path: Path) -> None:
    folder = build_backup(tmp_path / "bk", spied_backup())
    result = asyncio.run(audit_phone(PhoneRequest(backup=folder), plan=PLAN, case=case))
    [read] = iphone_reads(case.accounts(), current_findings(case))
    assert read.target == result.target and not read.over_usb
    assert "last read from its backup" in not_read_words([read])[1]
    assert not_read_words([]) == []
    assert not_read_words([read])[0].startswith("An audit of the case (a) does not read an iPhone")


@pytest.mark.parametrize(
    ("address", "served"),
    [
        ("127.0.0.1:27015", True),
        ("localhost:5000", True),
        ("[::1]:5000", True),
        (None, False),
        ("", False),
        ("192.0.2.10:27015", False),  # a usbmuxd on another computer reaches a real phone
        ("UNIX:/var/run/usbmuxd", False),
        ("127.0.0.1", False),
    ],
)
def test_practice_mode_reads_only_a_usbmuxd_on_this_computers_loopback(address: str | None, served: bool) -> None:
    environ = {} if address is None else {"USBMUXD_SOCKET_ADDRESS": address}
    assert practice_iphone_address(environ) == (address if served else None)
