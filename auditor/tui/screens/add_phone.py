"""Add an iPhone: read it over a cable (the Trust notice and Safety Check first), or from a backup folder.

Nothing connects to a phone until the person has read what tapping Trust means and pressed **Read the
iPhone**. The read runs in a named worker through the application layer (:mod:`auditor.application.phones`, the
same function as ``auditor audit --only ios`` / ``--only ios-backup``): the phone alone, saved in the case as an
audit, its findings reaching the app as any audit's do. A backup's password is typed into a masked field, passed to
that one read and cleared from the form at once: it is never stored.

In practice mode nothing real is read into the practice case: over the cable only the practice iPhone (when one is
served on this computer's loopback), and no backup folder.
"""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, get_current_worker

from auditor.safetext import literal, literal_multiline
from auditor.tui.messages import AuditComplete, CheckBegan, CheckDone
from auditor.tui.screens.base import AuditorScreen
from auditor.tui.widgets.literal_input import LiteralInput

if TYPE_CHECKING:
    from auditor.application.auditing import Progress
    from auditor.application.phones import BackupListing, PhoneAudit, PhoneRequest, Stage
    from auditor.model import Finding

CABLE = "cable"
BACKUP = "backup"
PASSWORD_LABEL = "Backup password — not stored, and not the phone's passcode"
WAITING_FOR_TRUST = (
    'Waiting for Trust on the phone… Keep it unlocked; if it asks "Trust This Computer?", tap Trust and enter '
    "the phone's passcode."
)
STAGE_WORDS = {
    "connecting": WAITING_FOR_TRUST,
    "opening backup": "Opening the backup folder…",
    "checking": "Checking what the iPhone holds…",
    "saving": "Saving the findings in the case…",
}


class PhoneStageReached(Message):
    """The read of the phone got to a new stage (connecting and waiting for Trust, checking, saving)."""

    def __init__(self, stage: Stage) -> None:
        super().__init__()
        self.stage = stage


class PhoneReadDone(Message):
    """The read ended: ``result`` (with the phone's ``problem`` if it could not be opened), or a ``problem`` that
    stopped it. ``way`` is how the phone was read (cable or backup)."""

    def __init__(self, way: str, result: PhoneAudit | None, problem: str | None = None) -> None:
        super().__init__()
        self.way = way
        self.result = result
        self.problem = problem


class BackupsFound(Message):
    """The platform's backup location and the backups found in it (None: there is no such folder here)."""

    def __init__(self, root: Path | None, backups: list[BackupListing]) -> None:
        super().__init__()
        self.root = root
        self.backups = backups


class BackupKindKnown(Message):
    """Whether the folder in the field is an encrypted backup (None: not a backup, or it cannot be told)."""

    def __init__(self, folder: str, encrypted: bool | None) -> None:
        super().__init__()
        self.folder = folder
        self.encrypted = encrypted


def trust_notice() -> Text:
    """Safety Check first, then the three points of docs/iphone.md, said before anything connects."""
    from auditor.application.phones import SAFETY_CHECK_FIRST, TRUST_NOTICE

    text = Text()
    text.append("Safety Check comes first. ", style="bold")
    text.append(SAFETY_CHECK_FIRST)
    text.append("\n\nThen, to read the phone over the cable:", style="bold")
    for number, point in enumerate(TRUST_NOTICE, 1):
        text.append(f"\n{number}. {point}")
    return text


def _stopped(worker: Worker[None]) -> bool:
    return worker.is_cancelled


class AddPhoneScreen(AuditorScreen):
    TITLE_WORDS = "Add an iPhone"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "back",
            "Back",
            id="back-to-add",
            tooltip="Back to adding an account or a phone; nothing is read",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.way: str | None = None
        self.encrypted: bool | None = None
        self.reading = False

    def body(self) -> ComposeResult:
        with VerticalScroll(id="phone-form"):
            yield Static(Text("How do you want to read the iPhone?"))
            with Horizontal(classes="buttons"):
                yield Button(
                    "Over a cable",
                    id="way-cable",
                    tooltip="The phone connected to this computer by USB; it will ask to trust this computer",
                )
                yield Button(
                    "From a backup folder",
                    id="way-backup",
                    tooltip="A backup made by Finder, iTunes or the Apple Devices app; nothing in it is changed",
                )
            with Vertical(id="cable-part", classes="hidden"):
                yield Static("", id="practice-note", classes="hidden")
                yield Static("", id="trust-notice")
                with Horizontal(classes="buttons"):
                    yield Button(
                        "Read the iPhone",
                        id="read-cable",
                        variant="primary",
                        tooltip="Connect now, after the notice above; only read requests are sent",
                    )
            yield Static("", id="practice-backup-note", classes="hidden")
            with Vertical(id="backup-part", classes="hidden"):
                yield Static("Backup folder (the one that holds Manifest.plist):")
                yield LiteralInput(id="backup-folder", tooltip="The backup folder to read; nothing in it is changed")
                yield Static("", id="backups-note")
                yield OptionList(id="backups-found", classes="hidden")
                yield Static(PASSWORD_LABEL, id="password-label", classes="hidden")
                yield Input(
                    placeholder=PASSWORD_LABEL,
                    password=True,
                    id="backup-password",
                    classes="hidden",
                    tooltip='The password chosen when "Encrypt local backup" was turned on; used once, not kept',
                )
                with Horizontal(classes="buttons"):
                    yield Button(
                        "Read the backup",
                        id="read-backup",
                        variant="primary",
                        tooltip="Read the backup folder above; nothing in it is written",
                    )
            yield Static("", id="phone-status")
            with Horizontal(classes="buttons hidden", id="after-buttons"):
                yield Button("Try again", id="try-again", tooltip="Read the phone again, after the steps above")
                yield Button("See the findings", id="see-findings", tooltip="What was found (f)")
            yield Static("", id="remove-trust", classes="hidden")

    # -- choosing ---------------------------------------------------------------------------------------

    @on(Button.Pressed, "#way-cable")
    def cable_chosen(self) -> None:
        self.choose(CABLE)

    @on(Button.Pressed, "#way-backup")
    def backup_chosen(self) -> None:
        self.choose(BACKUP)

    def choose(self, way: str) -> None:
        if self.reading:
            return
        self.way = way
        practice = self.auditor.practice
        self.query_one("#cable-part").set_class(way != CABLE, "hidden")
        # Practice mode reads no real backup: the folder, its listing and the password field are not shown.
        self.query_one("#backup-part").set_class(way != BACKUP or practice, "hidden")
        self.query_one("#practice-backup-note").set_class(way != BACKUP or not practice, "hidden")
        self.show_after(try_again=False, findings=False)
        self.query_one("#remove-trust").add_class("hidden")
        self.say("")
        if way == CABLE:
            self.query_one("#trust-notice", Static).update(trust_notice())
            read = self.query_one("#read-cable", Button)
            if practice:
                served = self.practice_iphone() is not None
                self.query_one("#practice-note", Static).update(practice_note(served))
                self.query_one("#practice-note").remove_class("hidden")
                read.label = "Read the practice iPhone"
                read.set_class(not served, "hidden")  # no practice iPhone: nothing here connects
                if not served:
                    self.query_one("#way-cable", Button).focus()
                    return
            read.focus()
        elif practice:
            from auditor.application.phones import PRACTICE_NO_BACKUP

            self.query_one("#practice-backup-note", Static).update(Text(PRACTICE_NO_BACKUP, style="bold"))
            self.query_one("#way-backup", Button).focus()
        else:
            self.query_one("#backups-note", Static).update(Text("Looking for backups on this computer…"))
            self.find_backups()
            self.query_one("#backup-folder", Input).focus()

    def action_back(self) -> None:
        self.auditor.action_show("add_source")

    def practice_iphone(self) -> str | None:
        """In practice mode, the practice iPhone's usbmuxd address (None: none is served; then nothing connects)."""
        from auditor.application.phones import practice_iphone_address

        return practice_iphone_address()

    def say(self, text: Text | str) -> None:
        """A plain string is shown literally (it may quote the phone or a file name), never as markup."""
        shown = Text(literal_multiline(text)) if isinstance(text, str) else text
        status = self.query_one("#phone-status", Static)
        status.update(shown)
        if shown.plain:  # below the notice at 80×24: brought into view, where the person is looking
            self.call_after_refresh(status.scroll_visible, animate=False)

    def show_after(self, *, try_again: bool, findings: bool) -> None:
        self.query_one("#after-buttons").set_class(not (try_again or findings), "hidden")
        self.query_one("#try-again").set_class(not try_again, "hidden")
        self.query_one("#see-findings").set_class(not findings, "hidden")

    # -- backups on this computer -----------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="find backups", name="find backups")
    def find_backups(self) -> None:
        from auditor.application.phones import default_backup_root, list_backups

        root = default_backup_root()
        self.post_message(BackupsFound(root, list_backups(root) if root is not None else []))

    def on_backups_found(self, message: BackupsFound) -> None:
        note = self.query_one("#backups-note", Static)
        folder = self.query_one("#backup-folder", Input)
        listing = self.query_one("#backups-found", OptionList)
        listing.clear_options()
        if message.root is None:
            note.update(Text("No backup folder in the usual place on this computer: type the folder's path."))
            listing.add_class("hidden")
            return
        if not folder.value:
            folder.value = str(message.root)
        if not message.backups:
            note.update(Text(f"No backups in {literal(message.root)}."))
            listing.add_class("hidden")
            return
        note.update(Text(f"Backups in {literal(message.root)} — choose one:"))
        for backup in message.backups:
            listing.add_option(Option(backup_line(backup), id=str(backup.path)))
        listing.remove_class("hidden")

    @on(OptionList.OptionSelected, "#backups-found")
    def backup_picked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.query_one("#backup-folder", Input).value = event.option.id

    @on(Input.Changed, "#backup-folder")
    def folder_changed(self, event: Input.Changed) -> None:
        self.learn_backup_kind(event.value)

    @work(thread=True, exclusive=True, group="backup kind", name="is the backup encrypted")
    def learn_backup_kind(self, folder: str) -> None:
        from auditor.application.phones import backup_is_encrypted

        encrypted = backup_is_encrypted(Path(folder)) if folder.strip() else None
        self.post_message(BackupKindKnown(folder, encrypted))

    def on_backup_kind_known(self, message: BackupKindKnown) -> None:
        if message.folder != self.query_one("#backup-folder", Input).value:
            return  # the field changed since: a newer answer is on its way
        self.encrypted = message.encrypted
        for selector in ("#password-label", "#backup-password"):
            self.query_one(selector).set_class(message.encrypted is not True, "hidden")

    # -- reading ----------------------------------------------------------------------------------------

    @on(Button.Pressed, "#read-cable")
    def read_cable_pressed(self) -> None:
        from auditor.application.phones import PhoneRequest

        if not self.auditor.practice:
            self.start(CABLE, PhoneRequest())
            return
        # Practice mode: the practice iPhone, at the address checked now, or nothing at all (never the system's
        # usbmuxd, which reaches a real phone plugged in).
        address = self.practice_iphone()
        if address is None:
            self.say(practice_note(served=False))
            return
        self.start(CABLE, PhoneRequest(usbmux_address=address, practice=True))

    @on(Button.Pressed, "#read-backup")
    def read_backup_pressed(self) -> None:
        from auditor.application.phones import PRACTICE_NO_BACKUP, PhoneRequest

        if self.auditor.practice:  # never a real phone's backup into the practice case
            self.say(Text(PRACTICE_NO_BACKUP, style="bold"))
            return
        folder = self.query_one("#backup-folder", Input).value.strip()
        field = self.query_one("#backup-password", Input)
        if not folder:
            self.say(Text("Type the backup folder first (the one that holds Manifest.plist).", style="bold"))
            self.query_one("#backup-folder", Input).focus()
            return
        if self.encrypted and not field.value:
            self.say(Text("This backup is encrypted: type its password first.", style="bold"))
            field.focus()
            return
        # The form keeps the password no longer than this: it goes to this one read only.
        password, field.value = field.value, ""
        request = PhoneRequest(backup=Path(folder), password=password or None, practice=self.auditor.practice)
        self.start(BACKUP, request)

    @on(Button.Pressed, "#try-again")
    def try_again(self) -> None:
        if self.way == CABLE:
            self.read_cable_pressed()
        elif self.way == BACKUP:
            self.read_backup_pressed()

    @on(Button.Pressed, "#see-findings")
    def see_findings(self) -> None:
        self.auditor.action_show("findings")

    def start(self, way: str, request: PhoneRequest) -> None:
        app = self.auditor
        if app.case is None or self.reading:
            return
        if app.audit_running:
            self.say(Text("An audit is running. Wait for it to end (see Audit progress), then read the phone."))
            return
        self.reading = True
        app.audit_running = True
        app.audit_problem = None
        app.check_states.clear()
        app.changed.publish("audit")
        for selector in ("#read-cable", "#read-backup", "#way-cable", "#way-backup"):
            self.query_one(selector, Button).disabled = True
        self.show_after(try_again=False, findings=False)
        self.query_one("#remove-trust").add_class("hidden")
        self.say(WAITING_FOR_TRUST if way == CABLE else STAGE_WORDS["opening backup"])
        if way == CABLE:
            self.read_iphone(request)
        else:
            self.read_backup(request)

    @work(thread=True, exclusive=True, group="phone", name="read the iPhone")
    def read_iphone(self, request: PhoneRequest) -> None:
        self.read(CABLE, request)

    @work(thread=True, exclusive=True, group="phone", name="read the iPhone backup")
    def read_backup(self, request: PhoneRequest) -> None:
        self.read(BACKUP, request)

    def read(self, way: str, request: PhoneRequest) -> None:
        """In the worker's thread: the phone alone (no account is read), saved in the case as an audit."""
        from auditor.application.auditing import AuditCancelled, AuditPlan
        from auditor.application.phones import audit_phone

        worker = get_current_worker()
        app = self.auditor
        case = app.case
        if case is None:
            self.post_message(PhoneReadDone(way, None, "The case is locked."))
            return
        app.check_title("")  # loads the checks' titles here, not on the event loop
        try:
            plan = AuditPlan(kinds=(), practice=app.practice)
            result = asyncio.run(
                audit_phone(
                    request,
                    plan=plan,
                    case=case,
                    stop_if_unreadable=True,
                    on_stage=lambda stage: self.post_message(PhoneStageReached(stage)),
                    on_progress=self.forward_progress,
                    should_stop=partial(_stopped, worker),
                )
            )
        except AuditCancelled:
            self.post_message(PhoneReadDone(way, None, "The read was stopped; nothing was saved."))
            return
        except Exception as exc:  # shown to the person, in words; never a silent "clear"
            self.post_message(PhoneReadDone(way, None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(PhoneReadDone(way, result))

    def forward_progress(self, event: Progress) -> None:
        """From the worker's thread: each check's start and end go to the app, as a full audit's do."""
        from auditor.application.auditing import CheckStarted

        if isinstance(event, CheckStarted):
            self.auditor.post_message(CheckBegan(event.check, event.target))
        else:
            self.auditor.post_message(CheckDone(event.check, event.target, event.findings))

    def on_phone_stage_reached(self, message: PhoneStageReached) -> None:
        if self.reading:
            self.say(STAGE_WORDS.get(message.stage.value, ""))

    def on_phone_read_done(self, message: PhoneReadDone) -> None:
        self.reading = False
        for selector in ("#read-cable", "#read-backup", "#way-cable", "#way-backup"):
            self.query_one(selector, Button).disabled = False
        result = message.result
        run = result.run if result is not None else None
        # The app's own end of an audit: the overview and the findings refresh, the next audit may start.
        self.auditor.post_message(AuditComplete(run, True))
        problem = message.problem or (result.problem if result is not None and run is None else None)
        if problem is not None or result is None:
            words = "Couldn't read the iPhone" if message.way == CABLE else "Couldn't read the backup"
            shown = Text(f"{words}:\n", style="bold")
            shown.append(literal_multiline(problem or "it stopped without saying why"))
            self.say(shown)
            self.show_after(try_again=True, findings=False)
            self.query_one("#try-again", Button).focus()
            return
        assert run is not None
        self.say(summary(result.target, [f for f in run.findings if f.target == result.target]))
        self.show_after(try_again=False, findings=True)
        if message.way == CABLE:
            from auditor.application.phones import REMOVE_TRUST

            reminder = self.query_one("#remove-trust", Static)
            reminder.update(Text(REMOVE_TRUST, style="bold"))
            reminder.remove_class("hidden")
            self.call_after_refresh(reminder.scroll_visible, animate=False)
        self.query_one("#see-findings", Button).focus()


def practice_note(served: bool) -> Text:
    """Practice mode, over the cable: no real phone is read; the practice iPhone is, when one is served."""
    from auditor.application.phones import PRACTICE_IPHONE_NOT_SERVED, PRACTICE_IPHONE_SERVED, PRACTICE_NO_REAL_PHONE

    text = Text(PRACTICE_NO_REAL_PHONE, style="bold")
    text.append(" ")
    text.append(PRACTICE_IPHONE_SERVED if served else PRACTICE_IPHONE_NOT_SERVED)
    return text


def backup_line(backup: BackupListing) -> Text:
    """One backup found: the device's name (shown literally), the date, encrypted or not, the folder's name."""
    name = literal(backup.device_name, 80) if backup.device_name else "a device that does not say its name"
    made = f", made {backup.made}" if backup.made else ""
    locked = {True: ", encrypted", False: ", not encrypted", None: ""}[backup.encrypted]
    return Text(f"{name}{made}{locked} — {literal(backup.path.name, 60)}")


def summary(target: str, findings: list[Finding]) -> Text:
    """What the read found on the phone, in words (the whole list is on the findings screen)."""
    from auditor.model import Status
    from auditor.tui.widgets.text import STATUS_STYLE

    text = Text()
    text.append("Read ", style="bold")
    text.append(literal(target), style="bold")
    text.append(". Its findings are in the case:")
    for status in (Status.FOUND, Status.REVIEW, Status.ERROR, Status.MANUAL, Status.CLEAR):
        count = sum(1 for f in findings if f.status is status)
        if count:
            text.append(f"\n  {count} ")
            text.append(status.label, style=STATUS_STYLE[status])
    if not findings:
        text.append("\n  nothing was reported for it — see the findings screen")
    return text
