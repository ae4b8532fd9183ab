"""Adding an iPhone from the app: over a cable (the practice iPhone, read with the real pymobiledevice3 through
USBMUXD_SOCKET_ADDRESS) after the Trust notice and Safety Check, or from a synthetic backup folder, encrypted or
not. Nothing connects before the person goes on; problems are said in their words with "Try again"; what an
attacker named is shown literally; a backup's password is found nowhere in the case afterwards."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3
from ios.backupbuild import BackupSpec, build_backup
from textual.pilot import Pilot
from textual.widgets import Button, Input, OptionList

from auditor.application import phones
from auditor.application.cases import open_case
from auditor.iocs import install_from_files
from auditor.ios import backup as backup_module
from auditor.ios import collector
from auditor.model import Status
from auditor.safetext import BIDI_CONTROLS, ZERO_WIDTH
from auditor.sandbox.iphone import IPhoneScenario, PracticeIPhone, PracticePhone
from auditor.sandbox.iphone.scenario import PracticeFaults
from auditor.store import case_path
from auditor.tui.app import AuditorApp
from auditor.tui.screens.add_phone import AddPhoneScreen
from tui.helpers import SIZE, click, open_finding, press_button, wait_for, wait_for_audit
from tui.screen_text import screen_text

CASE = "ann"
PASSPHRASE = "a long passphrase"
PASSWORD = "correct horse battery staple"
WRONG = "Tr0ub4dor&3"
HOSTILE_NAME = "[bold red]Mum[/] \x1b]8;;https://evil.example/\x07iPhone\x1b]8;;\x07 \u202egnp.exe"

# The phone drops the connection at lockdown's first GetValue: "the connection was lost".
LOST = IPhoneScenario(name="connection-lost", phones=[PracticePhone(faults=PracticeFaults(values="drop"))])


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """No real usbmuxd and no real backups: a closed loopback port, no backup location on this machine."""
    for name in ("AUDITOR_IOS_BACKUP_PATH", "AUDITOR_IOS_BACKUP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AUDITOR_IOS_PAIR_TIMEOUT", "2")
    monkeypatch.setenv("USBMUXD_SOCKET_ADDRESS", f"127.0.0.1:{closed_port()}")
    monkeypatch.setattr(phones, "current_system", lambda: "Linux")


@pytest.fixture
def iphones(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[PracticeIPhone]]:
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


async def create_case(pilot: Pilot[int], app: AuditorApp) -> None:
    app.screen.query_one("#case-name", Input).value = CASE
    app.screen.query_one("#passphrase", Input).value = PASSPHRASE
    app.screen.query_one("#passphrase-again", Input).value = PASSPHRASE
    await click(pilot, "#create")
    await wait_for(pilot, lambda: app.case is not None, "the new case")


async def open_add_phone(pilot: Pilot[int], app: AuditorApp) -> None:
    """From the add screen with its key, as a person would."""
    await pilot.press("n")
    await wait_for(pilot, lambda: app.current_mode == "add_source", "the add screen")
    await pilot.press("i")
    await wait_for(pilot, lambda: app.current_mode == "add_phone", "the add-phone screen")


def status_text(app: AuditorApp) -> str:
    return str(app.screen.query_one("#phone-status").render())


async def read_and_wait(pilot: Pilot[int], app: AuditorApp, button: str) -> str:
    await click(pilot, button)
    screen = app.screen
    await wait_for(pilot, lambda: not getattr(screen, "reading", True), "the read to end", timeout=60)
    await wait_for(pilot, lambda: not app.audit_running, "the app to take the read's end")
    return status_text(app)


def assert_nothing_raw(app: AuditorApp) -> None:
    svg = app.export_screenshot()
    for ch in ("\x1b", "\x07", *BIDI_CONTROLS, *ZERO_WIDTH):
        assert ch not in svg, f"raw {ch!r} reached the screen"


# -- over a cable --------------------------------------------------------------------------------------------


async def test_the_trust_notice_comes_before_anything_connects_then_a_clean_iphone_is_read(
    iphones: list[PracticeIPhone], monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = start(iphones, "clean", monkeypatch)
    app = AuditorApp(include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await create_case(pilot, app)
        await open_add_phone(pilot, app)
        await click(pilot, "#way-cable")
        notice = str(app.screen.query_one("#trust-notice").render())
        flat = " ".join(notice.split())
        assert flat.index("Safety Check") < flat.index("Trust This Computer?")
        assert "Settings › Privacy & Security › scroll to the bottom › Safety Check" in flat
        for point in phones.TRUST_NOTICE:
            assert point in flat
        assert phone.log() == [], "nothing is sent to the phone before the person goes on"

        status = await read_and_wait(pilot, app, "#read-cable")
        assert "Read iPhone Sam's iPhone (iPhone15,2)" in status
        assert phone.log() != [] and phone.writes() == []
        reminder = " ".join(str(app.screen.query_one("#remove-trust").render()).split())
        assert reminder == phones.REMOVE_TRUST
        assert app.screen.query_one("#remove-trust").display
        [run] = app.case.runs()
        kept = app.case.findings_of(run.id)
        assert {f.target for f in kept} == {"iPhone Sam's iPhone (iPhone15,2)"}
        assert {f.target for f in app.book.all() if f.check.startswith("ios.")} == {"iPhone Sam's iPhone (iPhone15,2)"}
        await click(pilot, "#see-findings")
        await wait_for(pilot, lambda: app.current_mode == "findings", "the findings")
        await pilot.press("o")
        await wait_for(pilot, lambda: app.current_mode == "overview", "the overview")
        await pilot.pause(0.3)
        assert "iPhone Sam's iPhone (iPhone15,2)" in screen_text(app)
        await pilot.press("ctrl+q")


async def test_a_compromised_iphones_findings_appear_in_the_case(
    iphones: list[PracticeIPhone], monkeypatch: pytest.MonkeyPatch, shipped_iocs: Path, tmp_path: Path
) -> None:
    # The practice phone's spy app, renamed, as an indicator set would list it (as tests/ios/test_usb_audit.py).
    extra = tmp_path / "renamed-ios-spy.yaml"
    extra.write_text("- name: RenamedSpy\n  type: stalkerware\n  ios_bundles: [com.system.sync.helper]\n")
    install_from_files([shipped_iocs / "ioc.yaml", shipped_iocs / "watchware.yaml", extra])
    start(iphones, "stalkerware", monkeypatch)
    app = AuditorApp(include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await create_case(pilot, app)
        await open_add_phone(pilot, app)
        await click(pilot, "#way-cable")
        status = await read_and_wait(pilot, app, "#read-cable")
        assert "Found" in status and "Is this yours?" in status
        found = [f for f in app.book.all() if f.target.startswith("iPhone Sam's iPhone")]
        assert any(f.check == "ios.stalkerware_apps" and f.status is Status.FOUND for f in found)
        assert any(f.check == "ios.jailbreak" and f.status is Status.REVIEW for f in found)
        assert any(f.check == "ios.profiles" and "Family Safety Services" in f.title for f in found)
        assert not any(f.status is Status.CLEAR for f in found)
        assert app.audits_finished == 1 and not app.audit_running
        assert [(a["kind"], a["target"]) for a in app.case.accounts()] == [("ios", found[0].target)]
        await pilot.press("f")
        await wait_for(pilot, lambda: app.current_mode == "findings", "the findings")
        await pilot.pause(0.3)
        assert "Family Safety Services" in screen_text(app)
        await pilot.press("ctrl+q")


@pytest.mark.parametrize(
    ("scenario", "words"),
    [
        (None, collector.USBMUXD_MISSING),
        ("none", collector.NO_PHONE),
        ("several", collector.SEVERAL.format(count=2)),
        ("denied", collector.DENIED),
        ("untrusted", collector.NOT_TRUSTED),
        ("locked", collector.LOCKED),
        (LOST, collector.DROPPED.format(why="ConnectionTerminatedError: Connection was terminated abruptly.")),
    ],
)
async def test_a_phone_that_cannot_be_read_is_said_in_its_words_with_try_again(
    iphones: list[PracticeIPhone], monkeypatch: pytest.MonkeyPatch, scenario: str | IPhoneScenario | None, words: str
) -> None:
    if scenario is not None:
        start(iphones, scenario, monkeypatch)
    app = AuditorApp(include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await create_case(pilot, app)
        await open_add_phone(pilot, app)
        await click(pilot, "#way-cable")
        status = await read_and_wait(pilot, app, "#read-cable")
        assert status.startswith("Couldn't read the iPhone:")
        assert " ".join(words.split()) in " ".join(status.split())
        assert app.screen.query_one("#try-again", Button).display
        assert not app.screen.query_one("#remove-trust").display
        assert app.case.runs() == [] and app.case.accounts() == []
        await pilot.press("ctrl+q")


async def test_waiting_for_trust_then_try_again_reads_the_phone_once_it_is_there(
    iphones: list[PracticeIPhone], monkeypatch: pytest.MonkeyPatch
) -> None:
    start(iphones, "untrusted", monkeypatch)  # "Trust This Computer?" is never answered
    app = AuditorApp(include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await create_case(pilot, app)
        await open_add_phone(pilot, app)
        await click(pilot, "#way-cable")
        await click(pilot, "#read-cable")
        await wait_for(pilot, lambda: "Waiting for Trust on the phone…" in status_text(app), "the wait for Trust")
        assert app.screen.query_one("#read-cable", Button).disabled
        screen = app.screen
        await wait_for(pilot, lambda: not getattr(screen, "reading", True), "the pairing to time out", timeout=60)
        assert collector.NOT_TRUSTED.split(".")[0] in " ".join(status_text(app).split())

        iphones.pop().stop()
        phone = start(iphones, "accepts", monkeypatch)  # this time Trust is tapped
        status = await read_and_wait(pilot, app, "#try-again")
        assert "Read iPhone Sam's iPhone" in status
        assert ("lockdown", "Pair") in {(c.service, c.request) for c in phone.log()}
        assert app.screen.query_one("#remove-trust").display
        assert len(app.case.runs()) == 1
        await pilot.press("ctrl+q")


async def test_hostile_names_on_the_phone_are_shown_literally(
    iphones: list[PracticeIPhone], monkeypatch: pytest.MonkeyPatch
) -> None:
    start(iphones, "hostile", monkeypatch)
    app = AuditorApp(include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await create_case(pilot, app)
        await open_add_phone(pilot, app)
        await click(pilot, "#way-cable")
        status = await read_and_wait(pilot, app, "#read-cable")
        assert "[bold red]Security[/]" in status  # the markup did not take effect
        assert "\\x1b]8;;https://evil.example/\\x07iPhone" in status
        assert_nothing_raw(app)
        await pilot.press("f")
        await wait_for(pilot, lambda: app.current_mode == "findings", "the findings")
        await pilot.pause(0.3)
        shown = screen_text(app)
        assert "[bold red]Security[/]" in shown or "[link=https://evil.example]Apple Security[/link]" in shown
        assert_nothing_raw(app)
        await pilot.press("ctrl+q")


# -- from a backup folder ------------------------------------------------------------------------------------


def mac_backups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *specs: tuple[str, BackupSpec]) -> Path:
    """A Mac's backup location under a scratch home folder, holding the given backups."""
    home = tmp_path / "home"
    root = home / "Library" / "Application Support" / "MobileSync" / "Backup"
    root.mkdir(parents=True)
    for name, spec in specs:
        build_backup(root / name, spec)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(phones, "current_system", lambda: "Darwin")
    return root


def spied(password: str | None = None, name: str = "Sam's iPhone") -> BackupSpec:
    return BackupSpec(
        device_name=name,
        password=password,
        apps=["net.whatsapp.WhatsApp", "com.life360.safetymap", "org.coolstar.SileoStore"],
    )


async def choose_backup(pilot: Pilot[int], app: AuditorApp, index: int) -> None:
    listing = app.screen.query_one("#backups-found", OptionList)
    listing.focus()
    listing.highlighted = index
    await pilot.press("enter")
    await pilot.pause(0.2)


async def test_the_backups_in_the_usual_place_are_listed_and_an_unencrypted_one_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = mac_backups(
        tmp_path, monkeypatch, ("00008110-000A", spied()), ("00008110-000B", spied(PASSWORD, HOSTILE_NAME))
    )
    app = AuditorApp(include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await create_case(pilot, app)
        await open_add_phone(pilot, app)
        await click(pilot, "#way-backup")
        listing = app.screen.query_one("#backups-found", OptionList)
        await wait_for(pilot, lambda: listing.option_count == 2, "the backups found")
        folder = app.screen.query_one("#backup-folder", Input)
        assert folder.value == str(root)  # the usual place, pre-filled
        shown = screen_text(app)
        assert "Sam's iPhone, made 2026-11-30, not encrypted — 00008110-000A" in shown
        assert "[bold red]Mum[/]" in shown and "<U+202E>gnp.exe" in shown  # the hostile name, literally
        assert_nothing_raw(app)

        await choose_backup(pilot, app, [o.id for o in listing.options].index(str(root / "00008110-000A")))
        assert folder.value == str(root / "00008110-000A")
        assert not app.screen.query_one("#backup-password").display  # not encrypted: no password asked
        status = await read_and_wait(pilot, app, "#read-backup")
        assert "Read iPhone Sam's iPhone (iPhone15,2) backup, made 2026-11-30" in status
        assert "Is this yours?" in status
        [run] = app.case.runs()
        assert any(f.check == "ios.dual_use_apps" for f in app.case.findings_of(run.id))
        await pilot.press("ctrl+q")


def case_dump(passphrase: str) -> str:
    """Every row of every table of the case, decrypted, as text (blobs also as hexadecimal and as UTF-8)."""
    connection = sqlcipher3.connect(str(case_path(CASE)))
    lines: list[str] = []
    try:
        connection.execute("PRAGMA key = '" + passphrase.replace("'", "''") + "'")
        for (table,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
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


async def test_an_encrypted_backup_asks_for_its_password_says_a_wrong_one_and_keeps_neither(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    root = mac_backups(tmp_path, monkeypatch, ("00008110-000B", spied(PASSWORD)))
    monkeypatch.setattr("sys.stdin", None)  # nothing may be read from the terminal the app draws on
    app = AuditorApp(include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await create_case(pilot, app)
        await open_add_phone(pilot, app)
        await click(pilot, "#way-backup")
        listing = app.screen.query_one("#backups-found", OptionList)
        await wait_for(pilot, lambda: listing.option_count == 1, "the backup found")
        assert "Sam's iPhone, made 2026-11-30, encrypted — 00008110-000B" in screen_text(app)
        await choose_backup(pilot, app, 0)
        field = app.screen.query_one("#backup-password", Input)
        await wait_for(pilot, lambda: field.display, "the password field")
        assert field.password and field.placeholder == "Backup password — not stored, and not the phone's passcode"
        assert "Backup password — not stored, and not the phone's passcode" in screen_text(app)

        await click(pilot, "#read-backup")  # no password: nothing is tried
        assert "type its password first" in status_text(app)
        assert app.case.runs() == []

        field.value = WRONG
        status = await read_and_wait(pilot, app, "#read-backup")
        assert field.value == ""  # the form keeps no password
        assert status.startswith("Couldn't read the backup:")
        assert " ".join(backup_module.WRONG_PASSWORD.split()) in " ".join(status.split())
        assert app.screen.query_one("#try-again", Button).display
        assert app.case.runs() == []

        field.value = PASSWORD
        status = await read_and_wait(pilot, app, "#try-again")
        assert "Read iPhone Sam's iPhone (iPhone15,2) backup" in status
        assert field.value == ""
        assert len(app.case.runs()) == 1
        shown = screen_text(app)
        assert PASSWORD not in shown and WRONG not in shown
        assert str(root) in app.screen.query_one("#backup-folder", Input).value
        await pilot.press("ctrl+q")

    dump = case_dump(PASSPHRASE)
    assert "TABLE findings" in dump and "ios.dual_use_apps" in dump  # the dump is the decrypted case
    for secret in (PASSWORD, WRONG):
        for form in (secret, secret.encode().hex()):
            assert form not in dump, "a backup password is in the case"
        for path in isolated_home.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path
    with open_case(CASE, PASSPHRASE) as case:
        assert case.get_secret("backup") is None and all("password" not in str(e) for e in case.events(limit=1000))


async def test_a_folder_that_is_not_a_backup_is_said_with_try_again(tmp_path: Path) -> None:
    folder = tmp_path / "holiday photos"
    folder.mkdir()
    app = AuditorApp(include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await create_case(pilot, app)
        await open_add_phone(pilot, app)
        await click(pilot, "#way-backup")
        await wait_for(pilot, lambda: "No backup folder in the usual place" in screen_text(app), "the note")
        app.screen.query_one("#backup-folder", Input).value = str(folder)
        status = await read_and_wait(pilot, app, "#read-backup")
        assert status.startswith("Couldn't read the backup:")
        assert "is not an iPhone backup folder" in status and "Manifest.plist" in status
        assert app.screen.query_one("#try-again", Button).display
        assert app.case.runs() == []
        await pilot.press("ctrl+q")


# -- reaching the screen, and how it looks -------------------------------------------------------------------


async def test_the_command_palette_and_the_add_screens_button_reach_it_and_escape_goes_back() -> None:
    app = AuditorApp(practice=True, include_device=False, autostart=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.current_mode == "overview", "the overview")
        await pilot.press("ctrl+p", *"add an iphone", "enter")
        await wait_for(pilot, lambda: app.current_mode == "add_phone", "the add-phone screen")
        lines = screen_text(app).splitlines()
        assert len(lines) == 24 and lines[0].startswith("PRACTICE —") and "^q Quick exit" in lines[-1]
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.current_mode == "add_source", "the add screen")
        await click(pilot, "#kind-iphone")
        await wait_for(pilot, lambda: app.current_mode == "add_phone", "the add-phone screen")
        await click(pilot, "#way-cable")
        lines = screen_text(app).splitlines()
        assert len(lines) == 24 and lines[0].startswith("PRACTICE —") and "^q Quick exit" in lines[-1]
        await pilot.press("ctrl+q")


def test_the_cable_choice_shows_the_trust_notice(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        app = pilot.app
        assert isinstance(app, AuditorApp)
        await wait_for(pilot, lambda: app.current_mode == "overview", "the overview")
        await pilot.press("n")
        await wait_for(pilot, lambda: app.current_mode == "add_source", "the add screen")
        await pilot.press("i")
        await wait_for(pilot, lambda: app.current_mode == "add_phone", "the add-phone screen")
        await press_button(pilot, "#way-cable")

    app = AuditorApp(practice=True, include_device=False, autostart=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


async def test_at_80_by_24_the_result_and_the_reminder_are_brought_into_view(
    iphones: list[PracticeIPhone], monkeypatch: pytest.MonkeyPatch
) -> None:
    start(iphones, "clean", monkeypatch)
    app = AuditorApp(include_device=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await create_case(pilot, app)
        await open_add_phone(pilot, app)
        await click(pilot, "#way-cable")
        await read_and_wait(pilot, app, "#read-cable")
        await pilot.pause(0.3)
        shown = " ".join(screen_text(app).split())
        assert "This computer is now trusted by the iPhone" in shown  # the reminder, on screen
        lines = screen_text(app).splitlines()
        assert len(lines) == 24 and "^q Quick exit" in lines[-1]
        await pilot.press("ctrl+q")


# -- practice mode -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("address", [None, "192.0.2.10:27015"])
async def test_practice_mode_reads_no_real_phone_and_offers_nothing_that_connects_without_a_practice_iphone(
    monkeypatch: pytest.MonkeyPatch, address: str | None
) -> None:
    # No practice iPhone: the system's usbmuxd (or one on another computer) would reach a real phone plugged in.
    if address is None:
        monkeypatch.delenv("USBMUXD_SOCKET_ADDRESS", raising=False)
    else:
        monkeypatch.setenv("USBMUXD_SOCKET_ADDRESS", address)
    app = AuditorApp(practice=True, include_device=False, autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.current_mode == "overview", "the overview")
        runs_before = len(app.case.runs())
        await open_add_phone(pilot, app)
        await click(pilot, "#way-cable")
        shown = " ".join(screen_text(app).split())
        assert phones.PRACTICE_NO_REAL_PHONE in shown
        assert "No practice iPhone is being served, so there is nothing to read here." in shown
        assert not app.screen.query_one("#read-cable", Button).display
        shown_buttons = [b for b in app.screen.query(Button) if all(w.display for w in b.ancestors_with_self[:-2])]
        assert [str(b.label) for b in shown_buttons if not b.disabled] == ["Over a cable", "From a backup folder"]
        screen = app.screen
        assert isinstance(screen, AddPhoneScreen)
        screen.read_cable_pressed()  # even reached another way, nothing connects
        await pilot.pause(0.2)
        assert not getattr(app.screen, "reading", True) and not app.audit_running

        await click(pilot, "#way-backup")
        await pilot.pause(0.2)
        shown = " ".join(screen_text(app).split())
        assert phones.PRACTICE_NO_BACKUP in shown
        assert not app.screen.query_one("#backup-part").display
        assert app.case.runs()[runs_before:] == [] and app.case.accounts() == []
        await pilot.press("ctrl+q")


async def test_practice_mode_reads_the_practice_iphone_alone_beside_the_practice_accounts(
    iphones: list[PracticeIPhone], monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = start(iphones, "clean", monkeypatch)
    app = AuditorApp(practice=True, include_device=False, autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.current_mode == "overview", "the overview")
        await pilot.press("a")  # the practice accounts, audited as a case's accounts are
        await wait_for_audit(pilot)
        accounts = {f.fingerprint for f in app.book.all()}
        assert accounts and app.sandbox is not None
        requests_before = len(app.sandbox.requests)

        await open_add_phone(pilot, app)
        await click(pilot, "#way-cable")
        shown = " ".join(screen_text(app).split())
        assert phones.PRACTICE_NO_REAL_PHONE in shown and "It reads the practice iPhone" in shown
        assert str(app.screen.query_one("#read-cable", Button).label) == "Read the practice iPhone"
        assert phone.log() == []
        status = await read_and_wait(pilot, app, "#read-cable")
        assert "Read iPhone Sam's iPhone (iPhone15,2)" in status
        assert phone.log() != [] and phone.writes() == []
        assert len(app.sandbox.requests) == requests_before, "reading the phone sent requests to the accounts"
        last = app.case.runs()[-1]
        assert last.practice
        assert {f.target for f in app.case.findings_of(last.id)} == {"iPhone Sam's iPhone (iPhone15,2)"}
        assert accounts <= {f.fingerprint for f in app.book.all()}  # the accounts' findings are still shown

        await pilot.press("o")
        await wait_for(pilot, lambda: app.current_mode == "overview", "the overview")
        await pilot.pause(0.3)
        changes = " ".join(str(app.screen.query_one("#changes").render()).split())
        assert " 0 resolved" in changes and "RESOLVED" not in changes
        note = " ".join(str(app.screen.query_one("#iphones").render()).split())
        assert note.startswith("An audit of the case (a) does not read an iPhone: it is read only from Add an iPhone")
        assert "iPhone Sam's iPhone (iPhone15,2): last read over the cable 20" in note
        await pilot.press("ctrl+q")

    # Opened again, the practice case shows each account and the phone as last read.
    again = AuditorApp(practice=True, include_device=False, autostart=False)
    async with again.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: again.current_mode == "overview", "the overview")
        listed = {f.fingerprint for f in again.book.all()}
        assert accounts <= listed
        assert any(f.target == "iPhone Sam's iPhone (iPhone15,2)" for f in again.book.all())
        await pilot.press("ctrl+q")


# -- the case's audit afterwards -----------------------------------------------------------------------------


async def test_an_audit_of_the_case_does_not_read_the_iphone_and_the_overview_says_how_and_when(
    iphones: list[PracticeIPhone], monkeypatch: pytest.MonkeyPatch
) -> None:
    start(iphones, "stalkerware", monkeypatch)
    app = AuditorApp(include_device=False)
    async with app.run_test(size=SIZE) as pilot:
        await create_case(pilot, app)
        await open_add_phone(pilot, app)
        await click(pilot, "#way-cable")
        await read_and_wait(pilot, app, "#read-cable")
        target = "iPhone Sam's iPhone (iPhone12,1)"
        assert ("ios", target) in {(a["kind"], a["target"]) for a in app.case.accounts()}
        iphones.pop().stop()
        phone = start(iphones, "stalkerware", monkeypatch)  # still plugged in: it would answer

        await pilot.press("o")
        await wait_for(pilot, lambda: app.current_mode == "overview", "the overview")
        await pilot.press("a")
        await wait_for(pilot, lambda: len(app.case.runs()) == 2 and not app.audit_running, "the audit")
        assert phone.log() == [], "the audit of the case connected to the iPhone"
        assert any(f.target == target and f.check == "ios.jailbreak" for f in app.book.all())
        await pilot.press("o")
        await wait_for(pilot, lambda: app.current_mode == "overview", "the overview")
        await pilot.pause(0.3)
        shown = " ".join(screen_text(app).split())
        assert "An audit of the case (a) does not read an iPhone" in shown
        assert f"{target}: last read over the cable 20" in shown
        assert "(iPhone, read only from Add an iPhone)" in shown
        changes = " ".join(str(app.screen.query_one("#changes").render()).split())
        assert "0 resolved" in changes
        # Checking one of the phone's findings again does not connect either, and is not said to have checked.
        jailbreak = next(f for f in app.book.all() if f.target == target and f.check == "ios.jailbreak")
        await open_finding(pilot, jailbreak)
        assert not app.recheck(jailbreak.check)
        await pilot.press("r")
        await pilot.pause(0.3)
        assert phone.log() == [], "checking again connected to the iPhone"
        assert not [e for e in app.case.events() if e["kind"] == "recheck"]
        assert app.book.get(jailbreak.fingerprint) == jailbreak
        await pilot.press("ctrl+q")


async def test_checking_an_iphone_finding_again_outside_the_add_screen_reads_nothing() -> None:
    from auditor.application.auditing import AuditPlan, check_again
    from auditor.application.kinds import READ_WHEN_ASKED_WORDS
    from auditor.errors import UsageError

    with open_case("ann", "pw", create=True) as case:
        with pytest.raises(UsageError) as refused:
            await check_again(case, AuditPlan(kinds=("device",)), "ios.stalkerware_apps")
        assert str(refused.value) == READ_WHEN_ASKED_WORDS
        assert case.events() == []


def test_the_overview_shows_a_phones_name_literally() -> None:
    from datetime import datetime, timezone

    from auditor.model import Finding, Severity
    from auditor.tui.screens.overview import iphones_text

    name = "iPhone [bold red]Mum[/] \x1b]8;;https://evil.example/\x07x \u202egnp.exe"
    finding = Finding(
        check="ios.jailbreak",
        target=name,
        status=Status.REVIEW,
        severity=Severity.HIGH,
        title="t",
        observed_at=datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc),
    )
    text = iphones_text([{"kind": "ios", "target": name}], [finding]).plain
    assert "[bold red]Mum[/]" in text and "<U+202E>gnp.exe" in text
    assert "last read over the cable 2026-12-01 09:30 UTC; 1 of its findings from then are still open" in text
    for ch in ("\x1b", "\x07", *BIDI_CONTROLS, *ZERO_WIDTH):
        assert ch not in text
    assert iphones_text([], []).plain == ""
