"""One finding: what was found (literally), why it matters, and its playbook — safety first, then
"save this as evidence", then the steps as a checklist saved in the case, then how to check it worked."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Static

from auditor.errors import AuditorError
from auditor.model import Finding, Status
from auditor.safetext import literal
from auditor.session.safety import CONTINUE, SafetyPrompt, first_prompt, record_answer, steps_of
from auditor.tui.evidence import NotSavedYet, save_finding_as_evidence, saved_evidence
from auditor.tui.screens.base import AuditorScreen
from auditor.tui.widgets.literal_input import LiteralInput
from auditor.tui.widgets.text import evidence_text, paragraph, status_text

MANUAL_BUTTONS = (("looks-fine", "Looks fine"), ("found-something", "Found something"), ("not-sure", "Not sure"))


class StepBox(Checkbox):
    """One playbook step; ticking it is saved in the case at once."""

    def __init__(self, label: str, playbook: str, step: str, done: bool) -> None:
        super().__init__(Text(label), done, classes="step")
        self.playbook = playbook
        self.step = step


class FindingScreen(AuditorScreen):
    TITLE_WORDS = "Finding"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="back", tooltip="Back to the list"),
        Binding("e", "save_evidence", "Save evidence", id="save-evidence", tooltip="Save this finding as evidence"),
        Binding("r", "recheck", "Check again", id="recheck", tooltip="Run just this check again"),
        Binding(
            "c",
            "close_path",
            "Close it",
            id="close-path",
            tooltip="Close this access path: the safety note, evidence kept, the exact change confirmed by you",
        ),
    ]

    def __init__(self, fingerprint: str) -> None:
        super().__init__()
        self.fingerprint = fingerprint
        self._prompts: dict[int, SafetyPrompt] = {}
        self.finding: Finding | None = self.auditor.book.get(fingerprint)

    def body(self) -> ComposeResult:
        from auditor.playbooks import builtin_playbooks

        finding = self.finding
        if finding is None:
            yield Static("This finding is no longer in the list (it was checked again).")
            return
        case = self.auditor.case
        with VerticalScroll(id="finding-detail"):
            head = Text.assemble(status_text(finding.status), "  ", (finding.severity.value, "italic"), "  ")
            head.append(literal(finding.title), style="bold")
            yield Static(head, id="finding-title")
            yield Static(Text.assemble(("Account or device: ", "bold"), literal(finding.target)), classes="target")
            if finding.detail:
                yield Static(paragraph(finding.detail), classes="detail")
            yield Static(Text("What was found", style="bold underline"), classes="section")
            yield Static(evidence_text(finding.evidence), id="evidence")
            if finding.status is Status.REVIEW:
                yield Static(Text("Is this yours?", style="bold underline"), classes="section")
                with Horizontal(classes="buttons"):
                    yield Button("Yes, mine", id="mine", tooltip="Remembered for this case; not raised again")
                    yield Button("Not mine", id="not-mine", variant="error", tooltip="Treat it as an access path")
            if finding.check in _manual_ids():
                yield from self.manual_part(finding)
            playbooks = builtin_playbooks().for_finding(finding)
            for playbook in playbooks:
                yield Static(Text("Why it matters", style="bold underline"), classes="section")
                yield Static(Text(playbook.why), classes="why")
                yield Static(Text("Before you do anything — safety", style="bold underline"), classes="section")
                yield Static(Text("\n".join(f"• {line}" for line in playbook.safety)), classes="safety")
                break
            yield Static(Text("Save this as evidence first", style="bold underline"), classes="section")
            for playbook in playbooks[:1]:
                yield Static(Text("\n".join(f"• {line}" for line in playbook.preserve_evidence)))
            saved = saved_evidence(case, finding.fingerprint) if case is not None else None
            yield Static(self.evidence_words(saved), id="evidence-status")
            with Horizontal(classes="buttons"):
                yield Button(
                    "Save as evidence",
                    id="save-evidence",
                    variant="primary",
                    tooltip="Keep this finding's record and its SHA-256 in the case's timeline (e)",
                )
                yield Button("Check again", id="recheck", tooltip="Run just this check again (r)")
                if finding.status in (Status.FOUND, Status.REVIEW):
                    yield Button(
                        "Close this",
                        id="close-path",
                        variant="warning",
                        tooltip="The safety note, the evidence kept, then the exact change for you to confirm (c)",
                    )
            for index, playbook in enumerate(playbooks):
                done = case.steps_done(finding.fingerprint, playbook.id) if case is not None else set()
                yield Static(Text(f"What to do: {playbook.title}", style="bold underline"), classes="section")
                prompt = first_prompt(playbook)
                platform = "any"
                for step in steps_of(playbook):
                    if step.platform != platform:
                        platform = step.platform
                        if platform != "any":
                            yield Static(Text(f"On {platform}:", style="bold"))
                    if prompt is not None and step == prompt.step:
                        yield from self.safety_prompt(prompt, index)
                    mark = "  (may be noticed)" if step.noticeable else ""
                    yield StepBox(f"{step.number}. {step.text}{mark}", playbook.id, step.key, step.key in done)
                yield Static(Text.assemble(("Check it worked: ", "bold"), playbook.verify))
                yield Static(Text("When to get more help", style="bold underline"), classes="section")
                yield Static(Text("\n".join(f"• {e.when}: {e.where}" for e in playbook.escalate)))

    def manual_part(self, finding: Finding) -> ComposeResult:
        from auditor.application.checks import guided_question

        manual = guided_question(finding.check)
        yield Static(Text("Check by hand", style="bold underline"), classes="section")
        yield Static(Text(manual.question, style="bold"))
        yield Static(Text("\n".join(f"{n}. {line}" for n, line in enumerate(manual.where_to_look, 1))))
        yield LiteralInput(placeholder="a note for the case (optional)", id="manual-note")
        with Horizontal(classes="buttons"):
            for answer, words in MANUAL_BUTTONS:
                yield Button(words, id=f"answer-{answer}", tooltip="Saved in the case with the note")

    def safety_prompt(self, prompt: SafetyPrompt, index: int) -> ComposeResult:
        """Asked before the playbook's first step the other person could notice. It informs and never blocks:
        the steps stay open whatever the answer."""
        self._prompts[index] = prompt
        with Vertical(classes="safety-prompt", id=f"safety-prompt-{index}"):
            yield Static(Text.assemble(("Before the next step: ", "bold"), prompt.question))
            yield Static(Text("Where to get help:\n" + "\n".join(f"• {e.when}: {e.where}" for e in prompt.help)))
            with Horizontal(classes="buttons"):
                yield Button(
                    "I have a safety plan",
                    id=f"safety-plan-yes-{index}",
                    classes="safety-answer",
                    tooltip="Kept in the session notes when the person agreed to notes",
                )
                yield Button(
                    "Not yet",
                    id=f"safety-plan-no-{index}",
                    classes="safety-answer",
                    tooltip="The help above is there whenever it is needed",
                )
            yield Static(
                Text(CONTINUE, style="italic"),
                id=f"safety-answer-{index}",
            )

    @staticmethod
    def evidence_words(saved: str | None) -> Text:
        if saved:
            return Text(f"Saved as evidence in the case's timeline (SHA-256 {saved[:16]}…).", style="bold")
        return Text("Not saved yet.", style="italic")

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_save_evidence(self) -> None:
        case = self.auditor.case
        if self.finding is None or case is None:
            return
        try:
            digest = save_finding_as_evidence(case, self.finding.fingerprint)
        except NotSavedYet as exc:
            self.notify(literal(exc), title="Not saved yet", severity="warning", markup=False)
            return
        self.query_one("#evidence-status", Static).update(self.evidence_words(digest))
        self.notify("Saved as evidence in the case's timeline.", title="Evidence")

    def action_recheck(self) -> None:
        if self.finding is not None:
            if self.auditor.recheck(self.finding.check):
                self.notify("Checking again… the list updates when it finishes.", title="Check again")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "close_path":
            return self.finding is not None and self.finding.status in (Status.FOUND, Status.REVIEW)
        return True

    def action_close_path(self) -> None:
        """The same steps as `auditor fix`, on their own screen: nothing is changed before the person confirms."""
        from auditor.tui.screens.fix import FixScreen

        if self.finding is not None and self.finding.status in (Status.FOUND, Status.REVIEW):
            self.app.push_screen(FixScreen(self.finding.fingerprint))

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        current = self.auditor.book.get(self.fingerprint)
        if current != self.finding:  # closed (or checked again) while the fix screen was shown
            self.finding = current
            self.refresh(recompose=True)

    @on(Button.Pressed, "#close-path")
    def close_pressed(self) -> None:
        self.action_close_path()

    @on(Button.Pressed, "#save-evidence")
    def save_pressed(self) -> None:
        self.action_save_evidence()

    @on(Button.Pressed, "#recheck")
    def recheck_pressed(self) -> None:
        self.action_recheck()

    @on(Button.Pressed, "#mine")
    def mine_pressed(self) -> None:
        if self.finding is not None:
            self.auditor.decide(self.finding, "mine")
            self.notify("Recorded as yours. Later audits will not raise it.", title="Is this yours?")
            self.app.pop_screen()

    @on(Button.Pressed, "#not-mine")
    def not_mine_pressed(self) -> None:
        if self.finding is not None:
            self.auditor.decide(self.finding, "not-mine")
            self.notify("Recorded as not yours: it is an access path. Follow the steps below.", title="Found")
            self.finding = self.auditor.book.get(self.fingerprint)
            self.refresh(recompose=True)  # the status words change to Found; the question goes

    @on(Button.Pressed, ".buttons Button")
    def manual_answer(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if not button_id.startswith("answer-") or self.finding is None:
            return
        note = self.query_one("#manual-note", Input).value
        try:
            updated = self.auditor.answer_manual(self.finding, button_id.removeprefix("answer-"), note)
        except AuditorError as exc:  # e.g. a note when the person did not agree to notes: nothing is kept
            self.notify(literal(exc), title="Not saved", severity="error", markup=False)
            return
        self.finding = updated
        self.notify(literal(updated.title), title="Answer saved", markup=False)
        self.refresh(recompose=True)  # the status words show the answer

    @on(Button.Pressed, ".safety-answer")
    def safety_plan_answered(self, event: Button.Pressed) -> None:
        answer, _, index = (event.button.id or "").removeprefix("safety-plan-").partition("-")
        prompt = self._prompts.get(int(index)) if index.isdigit() else None
        case = self.auditor.case
        if prompt is None or case is None:
            return
        kept = record_answer(case, prompt, has_plan=answer == "yes")
        words = "Kept in the session notes." if kept else "Not written down (no session with notes in this case)."
        self.query_one(f"#safety-answer-{index}", Static).update(Text(f"{words} {CONTINUE}", style="italic"))

    @on(Checkbox.Changed, ".step")
    def step_ticked(self, event: Checkbox.Changed) -> None:
        box = event.checkbox
        if isinstance(box, StepBox) and self.finding is not None and self.auditor.case is not None:
            self.auditor.case.set_step(self.finding.fingerprint, box.playbook, box.step, event.value)


def _manual_ids() -> set[str]:
    from auditor.application.checks import guided_questions

    return set(guided_questions())
