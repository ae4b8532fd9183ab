"""Unlock a case, or create one (a passphrase asked twice). The practice case opens without one."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, Static

from auditor.safetext import literal
from auditor.tui.messages import CaseFailed, CaseReady
from auditor.tui.screens.base import AuditorScreen
from auditor.tui.widgets.literal_input import LiteralInput
from auditor.tui.widgets.text import paragraph


class CaseNames(Message):
    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self.names = names


class UnlockScreen(AuditorScreen):
    TITLE_WORDS = "Open your case"

    def body(self) -> ComposeResult:
        if self.auditor.practice:
            yield Static("Opening the practice case…", id="unlock-status")
            return
        with VerticalScroll(id="unlock-form"):
            yield Static(
                Text(
                    "Your case keeps what the audit finds, your answers and your evidence, encrypted with your "
                    "passphrase. Nothing is sent anywhere."
                ),
                classes="explain",
            )
            yield Static("", id="case-names")
            yield Label("Case name")
            yield LiteralInput(placeholder="for example: my-case", id="case-name")
            yield Label("Passphrase")
            yield Input(password=True, placeholder="your passphrase", id="passphrase")
            yield Label("Passphrase again (only when creating a new case)")
            yield Input(password=True, placeholder="same passphrase", id="passphrase-again")
            with Horizontal(classes="buttons"):
                yield Button("Open", id="open", variant="primary", tooltip="Unlock the case with its passphrase")
                yield Button("Create", id="create", tooltip="Make a new encrypted case with this name")
            yield Static("", id="unlock-status")

    def on_mount(self) -> None:
        if not self.auditor.practice:
            self.query_one("#case-name", Input).focus()
            self.load_case_names()

    @work(thread=True, exclusive=True, group="case-names", name="list cases")
    def load_case_names(self) -> None:
        """The store (SQLCipher) loads here, after the first frame, not before it."""
        from auditor.application.cases import case_names

        self.post_message(CaseNames(case_names(self.auditor.home)))

    def on_case_names(self, message: CaseNames) -> None:
        if not message.names:
            return
        self.query_one("#case-names", Static).update(
            Text("Cases on this computer: " + ", ".join(literal(n) for n in message.names))
        )
        name = self.query_one("#case-name", Input)
        if not name.value:
            name.value = message.names[0]
            self.query_one("#passphrase", Input).focus()

    def say(self, words: str) -> None:
        self.query_one("#unlock-status", Static).update(paragraph(words))

    @on(Input.Submitted, "#passphrase")
    @on(Button.Pressed, "#open")
    def open_pressed(self) -> None:
        self.unlock(create=False)

    @on(Input.Submitted, "#passphrase-again")
    @on(Button.Pressed, "#create")
    def create_pressed(self) -> None:
        self.unlock(create=True)

    def unlock(self, create: bool) -> None:
        name = self.query_one("#case-name", Input).value.strip()
        passphrase = self.query_one("#passphrase", Input).value
        if not name:
            self.say("Type a name for the case.")
            return
        if not passphrase:
            self.say("Type the passphrase.")
            return
        if create and passphrase != self.query_one("#passphrase-again", Input).value:
            self.say("The two passphrases are not the same. Nothing was created.")
            return
        for field in ("#passphrase", "#passphrase-again"):  # not kept in the screen once the case is open
            self.query_one(field, Input).value = ""
        self.say("Creating the case…" if create else "Unlocking…")
        self.query_one("#open", Button).disabled = True
        self.query_one("#create", Button).disabled = True
        self.open_case(name, passphrase, create)

    @work(thread=True, exclusive=True, group="case", name="unlock case")
    def open_case(self, name: str, passphrase: str, create: bool) -> None:
        from auditor.application.cases import open_case
        from auditor.errors import AuditorError

        try:
            case = open_case(name, passphrase, create=create, where=self.auditor.home)
        except AuditorError as exc:
            self.post_message(CaseFailed(str(exc)))
            return
        from auditor.tui.app import preload_screens

        preload_screens()
        self.auditor.freeze_loaded()
        self.app.post_message(CaseReady(case))

    def on_case_failed(self, message: CaseFailed) -> None:
        message.stop()
        self.say(message.reason)
        self.query_one("#open", Button).disabled = False
        self.query_one("#create", Button).disabled = False
        passphrase = self.query_one("#passphrase", Input)
        passphrase.value = ""
        passphrase.focus()
