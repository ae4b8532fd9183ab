"""Add a Google, Microsoft or Exchange account (the pre-connection warning first), an Android phone, or an iPhone
(on its own screen, auditor/tui/screens/add_phone.py)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Static

from auditor.safetext import literal_multiline
from auditor.tui.messages import SignInComplete, SignInNote
from auditor.tui.screens.base import AuditorScreen
from auditor.tui.widgets.text import paragraph

ACCOUNT_KINDS = (("google", "Google"), ("microsoft", "Microsoft"), ("exchange", "Exchange (on-premises)"))


class AddSourceScreen(AuditorScreen):
    TITLE_WORDS = "Add an account or a phone"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "i",
            "add_iphone",
            "iPhone",
            id="add-iphone",
            tooltip="Add an iPhone: over a cable (the Trust notice first) or from a backup folder",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.kind: str | None = None

    def body(self) -> ComposeResult:
        with VerticalScroll(id="add-form"):
            yield Static(Text("What do you want to add?"))
            with Horizontal(classes="buttons", id="add-kinds"):
                for kind, words in ACCOUNT_KINDS:
                    yield Button(words, id=f"kind-{kind}")
                yield Button("Android phone", id="kind-android", tooltip="Read over adb when the phone is plugged in")
                yield Button(
                    "iPhone",
                    id="kind-iphone",
                    tooltip="Read an iPhone over a cable or from a backup folder (i)",
                )
            # Which sign-in path applies (your own client, an organisation's imported settings, practice mode)
            # and what is missing. An organisation's name and contact come from its bundle: shown literally.
            paths = Static("", id="paths")
            paths.styles.margin = (0, 0, 1, 0)  # a blank line before the warning
            yield paths
            yield Static("", id="warning")
            # Exchange signs in with the mailbox password; asking for it on the terminal would fight the app.
            yield Input(
                placeholder="Exchange password (kept only in this encrypted case)",
                password=True,
                id="exchange-password",
                classes="hidden",
                tooltip="The password you sign in to Outlook on the web with",
            )
            with Horizontal(classes="buttons", id="connect-buttons"):
                yield Button(
                    "Connect",
                    id="connect",
                    variant="primary",
                    disabled=True,
                    tooltip="Sign in, after the warning above",
                )
                yield Button(
                    "Check forwarding by hand first",
                    id="by-hand",
                    disabled=True,
                    tooltip="Look for forwarding yourself before connecting: connecting can be noticed",
                )
            yield Static("", id="signin-log")

    # Textual also calls AuditorScreen's own on_mount and on_screen_resume (handlers run along the class tree).
    def on_mount(self) -> None:
        self.show_paths()

    def on_screen_resume(self) -> None:
        self.show_paths(self.kind)  # the settings may have been imported meanwhile

    def show_paths(self, kind: str | None = None) -> None:
        """How each account kind signs in here; with ``kind``, that one in full, with what to do about it."""
        from auditor.bundle import connection_paths
        from auditor.config import load_settings
        from auditor.errors import AuditorError

        shown = self.query_one("#paths", Static)
        try:
            found = connection_paths(load_settings(), practice=self.auditor.practice)
        except AuditorError as exc:  # a broken settings file: said in its own words, literally
            shown.update(Text(f"The settings cannot be read: {literal_multiline(exc)}"))
            return
        if kind in found:
            shown.update(Text(found[kind].text))
            return
        lines = [path.summary for path in found.values()]
        advice = [path.advice for path in found.values() if path.path in ("missing", "broken") and path.advice]
        if advice:
            lines.append(advice[0])
        shown.update(Text("\n".join(lines)))

    def say(self, text: Text | str) -> None:
        """A plain string is shown literally (it may quote a provider), never read as markup."""
        self.query_one("#signin-log", Static).update(paragraph(text) if isinstance(text, str) else text)

    @on(Button.Pressed, "#kind-google, #kind-microsoft, #kind-exchange")
    def account_chosen(self, event: Button.Pressed) -> None:
        from auditor.application.signin import connection_warning
        from auditor.errors import AuditorError

        self.kind = (event.button.id or "").removeprefix("kind-")
        self.show_paths(self.kind)
        try:
            warning = connection_warning(self.kind)
        except AuditorError as exc:
            self.query_one("#warning", Static).update(Text(literal_multiline(exc)))
            self.query_one("#connect", Button).disabled = True
            return
        self.query_one("#warning", Static).update(Text(literal_multiline(warning), style="bold"))
        self.query_one("#by-hand", Button).disabled = False
        connect = self.query_one("#connect", Button)
        connect.disabled = self.auditor.practice
        no_password = self.kind != "exchange" or self.auditor.practice
        self.query_one("#exchange-password", Input).set_class(no_password, "hidden")
        self.say("In practice mode nothing real is connected." if self.auditor.practice else "")

    @on(Button.Pressed, "#kind-android")
    def android_chosen(self) -> None:
        case = self.auditor.case
        if case is None:
            return
        case.add_account("android", "Android phone")
        self.query_one("#warning", Static).update(
            Text(
                "Added. The next audit reads the phone over adb: plug it in with a cable, turn on USB debugging "
                "(Settings › About phone › tap Build number seven times › Developer options › USB debugging) and "
                "allow this computer when the phone asks."
            )
        )

    @on(Button.Pressed, "#kind-iphone")
    def action_add_iphone(self) -> None:
        self.auditor.action_show("add_phone")

    @on(Button.Pressed, "#by-hand")
    def by_hand(self) -> None:
        self.auditor.action_show("manual")

    @on(Button.Pressed, "#connect")
    def connect_pressed(self) -> None:
        if self.kind is None or self.auditor.case is None:
            return
        password: str | None = None
        if self.kind == "exchange":
            field = self.query_one("#exchange-password", Input)
            password, field.value = field.value, ""  # the case keeps it from here on, the form does not
            if not password:
                self.say(Text("Type the mailbox password first.", style="bold"))
                field.focus()
                return
        self.query_one("#connect", Button).disabled = True
        self.say("Connecting… follow what appears here.")
        self.connect(self.kind, password)

    @work(thread=True, exclusive=True, group="signin", name="sign in")
    def connect(self, kind: str, password: str | None = None) -> None:
        from auditor.application.signin import connect_account

        def show(text: str) -> None:
            self.post_message(SignInNote(text))

        try:
            # Exchange: the password typed into the form, not the terminal.
            target = connect_account(self.auditor.case, kind, show=show, password=password)
        except Exception as exc:  # shown to the person, in their words
            self.post_message(SignInComplete(None, str(exc)))
            return
        self.post_message(SignInComplete(target))

    def on_sign_in_note(self, message: SignInNote) -> None:
        self.say(Text(literal_multiline(message.text)))

    def on_sign_in_complete(self, message: SignInComplete) -> None:
        self.query_one("#connect", Button).disabled = False
        if message.problem:
            self.say(Text(f"Not connected: {literal_multiline(message.problem)}", style="bold"))
        else:
            self.say(Text(f"Connected {literal_multiline(message.target or '')}. Press a to audit it.", style="bold"))
