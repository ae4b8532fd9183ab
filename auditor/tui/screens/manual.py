"""Check by hand: a short guided questionnaire, one question at a time, with where to look."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Static

from auditor.errors import AuditorError
from auditor.model import Finding, Status
from auditor.safetext import literal
from auditor.tui.screens.base import AuditorScreen
from auditor.tui.screens.finding import MANUAL_BUTTONS
from auditor.tui.widgets.literal_input import LiteralInput


class ManualScreen(AuditorScreen):
    TITLE_WORDS = "Check by hand"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right", "move(1)", "Next", id="next-question", tooltip="Skip to the next question"),
        Binding("left", "move(-1)", "Previous", id="previous-question", tooltip="Back to the previous question"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.index = 0

    def body(self) -> ComposeResult:
        with VerticalScroll(id="manual-form"):
            yield Static("", id="manual-progress")
            yield Static("", id="manual-question")
            yield Static("", id="manual-steps")
            yield LiteralInput(placeholder="a note for the case (optional)", id="manual-note")
            with Horizontal(classes="buttons"):
                for answer, words in MANUAL_BUTTONS:
                    yield Button(words, id=f"answer-{answer}", tooltip="Saved in the case")
            yield Static("", id="manual-answer")

    def questions(self) -> list[Finding]:
        """Every guided check of the case, in the order a session goes through them."""
        from auditor.application.checks import guided_questions

        manuals = guided_questions()
        found = [f for f in self.auditor.book.all() if f.check in manuals and f.status is not Status.SKIPPED]
        return sorted(found, key=lambda f: (f.target, manuals[f.check].order, f.check))

    def on_mount(self) -> None:
        self.refresh_all()

    def action_move(self, step: int) -> None:
        total = len(self.questions())
        if total:
            self.index = (self.index + step) % total
            self.query_one("#manual-note", Input).value = ""
            self.refresh_all()

    def refresh_all(self) -> None:
        from auditor.application.checks import guided_question

        questions = self.questions()
        progress = self.query_one("#manual-progress", Static)
        if not questions:
            progress.update(
                Text("No questions yet: they come with the case's accounts. Audit first (a), or add an account (n).")
            )
            self.query_one("#manual-question", Static).update("")
            self.query_one("#manual-steps", Static).update("")
            return
        self.index = min(self.index, len(questions) - 1)
        finding = questions[self.index]
        manual = guided_question(finding.check)
        answered = sum(1 for f in questions if f.status is not Status.MANUAL)
        progress.update(
            Text.assemble(
                (f"Question {self.index + 1} of {len(questions)}", "bold"),
                f" — {answered} answered · ",
                literal(finding.target),
            )
        )
        self.query_one("#manual-question", Static).update(
            Text.assemble((manual.title, "bold underline"), "\n", (manual.question, "bold"))
        )
        steps = "\n".join(f"{n}. {line}" for n, line in enumerate(manual.where_to_look, 1))
        self.query_one("#manual-steps", Static).update(Text("Where to look:\n" + steps))
        current = Text("Your answer so far: ", style="italic")
        current.append(finding.status.label if finding.status is not Status.MANUAL else "not answered")
        # The footer cannot list ← and → (the form scrolls with them too), so the way on is said here.
        current.append("   ← → the other questions", style="dim")
        self.query_one("#manual-answer", Static).update(current)

    @on(Button.Pressed)
    def answer(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        questions = self.questions()
        if not button_id.startswith("answer-") or not questions:
            return
        finding = questions[self.index]
        note = self.query_one("#manual-note", Input).value
        try:
            self.auditor.answer_manual(finding, button_id.removeprefix("answer-"), note)
        except AuditorError as exc:  # e.g. a note when the person did not agree to notes: nothing is kept
            self.notify(literal(exc), title="Not saved", severity="error", markup=False)
            return
        self.notify("Saved in the case.", title="Answer")
        self.action_move(1)
