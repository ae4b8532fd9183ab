"""Start an advocate session from the app: consent first, then the chief concerns, then the devices and
accounts in the person's life. Only what is ticked is written into the encrypted case."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from pydantic import ValidationError
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Select, Static

from auditor.model import KINDS
from auditor.safetext import literal
from auditor.session.intake import Access, Concern, Consent, Intake, Item, When
from auditor.tui.screens.base import AuditorScreen
from auditor.tui.widgets.literal_input import LiteralInput
from auditor.tui.widgets.text import paragraph

if TYPE_CHECKING:
    from auditor.session.store import Session
    from auditor.store import CaseStore

# The consent questions, in the words the person hears; each is a field of Consent.
CONSENT_WORDS = (
    ("concerns", "Keep the chief concerns"),
    ("accounts", "Keep the list of devices and accounts"),
    ("people", "Keep who has or had access to each"),
    ("notes", "Keep session notes and safety-plan answers"),
)

KIND_WORDS = {
    "device": "Computer or other device",
    "google": "Google account",
    "microsoft": "Microsoft account",
    "exchange": "Work e-mail (Exchange)",
    "android": "Android phone",
    "apple": "Apple ID or iPhone",
    "social": "Social media account",
    "carrier": "Phone carrier account",
}

WHEN_WORDS = ((When.HAS, "has access now"), (When.HAD, "had access before"))


class SessionStarted(Message):
    """The session was written into the case (``session``), or could not be (``problem``, in words)."""

    def __init__(self, session: Session | None, problem: str = "") -> None:
        super().__init__()
        self.session = session
        self.problem = problem


def validation_words(exc: ValidationError) -> Text:
    """Each problem pydantic found, naming the field it is in, shown literally."""
    text = Text()
    for error in exc.errors():
        where = " › ".join(str(part) for part in error["loc"]) or "the form"
        text.append(f"\n  {literal(where)}: {literal(error['msg'])}")
    return text


def item_line(item: Item) -> Text:
    line = Text(f"• {KIND_WORDS.get(item.kind, item.kind)}: ")
    line.append(literal(item.label), style="bold")
    for access in item.access:
        line.append(f" — {literal(access.person)} {'has' if access.when is When.HAS else 'had'} access")
        if access.addresses:
            line.append(" (" + ", ".join(literal(a) for a in access.addresses) + ")", style="dim")
    return line


class IntakeScreen(AuditorScreen):
    TITLE_WORDS = "Start a session"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="back", tooltip="Back to the session, nothing written"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[Item] = []

    def body(self) -> ComposeResult:
        with VerticalScroll(id="intake-form"):
            yield Static(Text("What may the case keep?", style="bold underline"), classes="section-title")
            yield Static(
                Text(
                    "Only what is ticked here is written into the encrypted case. Nothing is ticked "
                    "until you tick it; the choices themselves are always kept, so anyone opening the case "
                    "later sees what was agreed."
                ),
                id="consent-words",
            )
            for field, words in CONSENT_WORDS:
                yield Checkbox(Text(words), False, id=f"consent-{field}", tooltip=words)
            yield Static(Text("Chief concerns", style="bold underline"), classes="section section-title")
            for concern in Concern:
                yield Checkbox(Text(concern.label), False, id=f"concern-{concern.value}", classes="concern")
            yield Static(Text("Devices and accounts", style="bold underline"), classes="section section-title")
            with Horizontal(classes="intake-row"):
                yield Select(
                    [(words, kind) for kind, words in KIND_WORDS.items() if kind in KINDS],
                    allow_blank=False,
                    id="item-kind",
                    tooltip="What kind of device or account",
                )
                yield LiteralInput(
                    placeholder="Which one (address, phone's name)",
                    id="item-label",
                    tooltip="e.g. ann@icloud.example, Ann's iPhone",
                )
            with Horizontal(classes="intake-row"):
                yield LiteralInput(
                    placeholder="Who has or had access (optional)", id="item-person", tooltip="A name or role"
                )
                yield Select(
                    [(words, when.value) for when, words in WHEN_WORDS],
                    allow_blank=False,
                    id="item-when",
                    tooltip="Now, or only in the past",
                )
            with Horizontal(classes="intake-row"):
                yield LiteralInput(
                    placeholder="Their addresses or numbers, comma-separated (optional)",
                    id="item-addresses",
                    tooltip="Their e-mail addresses or phone numbers, if known",
                )
                yield Button("Add", id="add-item", tooltip="Add this device or account to the list below")
            yield Static(Text("Nothing added yet.", style="dim"), id="intake-items")
            with Horizontal(classes="buttons"):
                yield Button(
                    "Start the session",
                    id="start-intake",
                    variant="primary",
                    tooltip="Write what was agreed into the encrypted case",
                )
            yield Static("", id="intake-problem")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#consent-concerns", Checkbox).focus()  # consent first, for the keyboard too

    def say(self, text: Text | str) -> None:
        """A plain string is shown literally, never read as markup."""
        self.query_one("#intake-problem", Static).update(paragraph(text) if isinstance(text, str) else text)

    def action_back(self) -> None:
        self.dismiss()

    # -- devices and accounts -----------------------------------------------------------------------

    def typed_item(self) -> dict[str, str]:
        return {name: self.query_one(f"#item-{name}", Input).value.strip() for name in ("label", "person", "addresses")}

    @on(Button.Pressed, "#add-item")
    def add_item(self) -> None:
        typed = self.typed_item()
        kind = str(self.query_one("#item-kind", Select).value)
        when = str(self.query_one("#item-when", Select).value)
        try:
            access: tuple[Access, ...] = ()
            if typed["person"] or typed["addresses"]:
                addresses = tuple(a.strip() for a in typed["addresses"].split(",") if a.strip())
                access = (Access(person=typed["person"], when=When(when), addresses=addresses),)
            item = Item(kind=kind, label=typed["label"], access=access)
        except ValidationError as exc:
            problem = Text("Not added — ", style="bold")
            problem.append(validation_words(exc))
            self.say(problem)
            return
        self.items.append(item)
        for name in ("label", "person", "addresses"):
            self.query_one(f"#item-{name}", Input).value = ""
        listing = Text()
        for n, added in enumerate(self.items):
            if n:
                listing.append("\n")
            listing.append(item_line(added))
        self.query_one("#intake-items", Static).update(listing)
        self.say(Text(f"Added ({len(self.items)} in the list)."))
        self.query_one("#item-label", Input).focus()

    # -- start --------------------------------------------------------------------------------------

    def intake(self) -> Intake:
        """The form as an Intake; raises ValidationError naming the field when something is wrong."""
        consent = Consent(**{field: self.query_one(f"#consent-{field}", Checkbox).value for field, _ in CONSENT_WORDS})
        concerns = tuple(c for c in Concern if self.query_one(f"#concern-{c.value}", Checkbox).value)
        return Intake(consent=consent, concerns=concerns, items=tuple(self.items))

    @on(Button.Pressed, "#start-intake")
    def start_pressed(self) -> None:
        case = self.auditor.case
        if case is None:
            return
        if any(self.typed_item().values()):  # typed but not added: never dropped quietly
            self.say(
                Text("Press Add for the device or account typed above, or clear it, before starting.", style="bold")
            )
            return
        try:
            intake = self.intake()
        except ValidationError as exc:
            problem = Text("Nothing was written — ", style="bold")
            problem.append(validation_words(exc))
            self.say(problem)
            return
        self.query_one("#start-intake", Button).disabled = True
        self.say("Writing the session into the case…")
        self.write_session(case, intake)

    @work(thread=True, exclusive=True, group="intake", name="start the session")
    def write_session(self, case: CaseStore, intake: Intake) -> None:
        from auditor.session.store import start_session

        try:
            session = start_session(case, intake)
        except Exception as exc:  # the case was locked meanwhile, or the disk is full: said, not hidden
            self.post_message(SessionStarted(None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(SessionStarted(session))

    def on_session_started(self, message: SessionStarted) -> None:
        if message.session is None:
            self.query_one("#start-intake", Button).disabled = False
            problem = Text("The session was not started: ", style="bold")
            problem.append(literal(message.problem))
            self.say(problem)
            return
        self.auditor.changed.publish("session")
        self.dismiss()
