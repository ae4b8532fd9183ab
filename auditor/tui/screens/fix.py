"""Closing one access path, the same steps as `auditor fix`: the safety note first, the finding kept as evidence
(said on screen), the change shown exactly and confirmed with a button (Escape cancels, and the button is
never focused first), then the write permission's sign-in, the change sent, the check run again, the result,
and the timeline updated.

The slow parts run in named workers that post typed messages (auditor/tui/messages.py): "plan the change"
(the finding kept as evidence, the provider's changes loaded) and "close the path" (the sign-in, the change,
the check again). Everything an attacker could have named is shown through literal text.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, RadioButton, RadioSet, Static

from auditor.application.fixing import permission_lines
from auditor.safetext import literal, literal_multiline
from auditor.tui.messages import FixFinished, FixPlanned, FixProblem, FixSignInNote
from auditor.tui.screens.base import AuditorScreen
from auditor.tui.widgets.text import evidence_text, paragraph, plain

if TYPE_CHECKING:
    from auditor.application.fixing import Change, FixPlan, FixResult
    from auditor.timeline import EvidenceItem

PREPARING = "Keeping the finding as evidence and preparing the change…"


def no_password_here(prompt: str) -> str:
    """The app cannot read a password from the terminal it draws on: a change that needs the mailbox password
    typed again (Exchange with NTLM or Basic) is made from the command line."""
    from auditor.errors import UsageError

    raise UsageError(
        "this change needs your mailbox password typed again, which the app does not ask for: make it with "
        "`auditor fix --case NAME ID` in a terminal"
    )


# What the app's sign-ins for a change may use (the writer's ``extra``).
APP_SIGN_IN = {"password": no_password_here}
SENDING = "Sending the change you confirmed, then checking again…"


class ChangeBox(Checkbox):
    """One of several changes (e.g. one sharing link per photo): ticked by the person, never by default."""

    def __init__(self, label: str, index: int, ticked: bool) -> None:
        super().__init__(Text(label), ticked, classes="fix-choice", id=f"fix-change-{index}")
        self.index = index


class FixScreen(AuditorScreen):
    TITLE_WORDS = "Close this access path"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="cancel-fix", tooltip="Leave without changing anything"),
    ]

    def __init__(self, fingerprint: str) -> None:
        super().__init__()
        self.fingerprint = fingerprint
        self.plan: FixPlan | None = None
        self.evidence: EvidenceItem | None = None
        self.chosen: set[int] = set()
        self.sending = False
        self.notes: list[str] = []
        self.result: FixResult | None = None
        self.problem: str | None = None

    # -- what is shown ------------------------------------------------------------------------------

    def body(self) -> ComposeResult:
        with VerticalScroll(id="fix-detail"):
            if self.problem is not None:
                yield Static(Text(literal_multiline(self.problem), style="bold"), id="fix-problem")
                yield Static(Text("Nothing was changed unless the timeline says so."), classes="section")
                with Horizontal(classes="buttons"):
                    yield Button("Back", id="fix-back", tooltip="Back to the finding (Escape)")
                return
            plan = self.plan
            if plan is None:
                yield Static(Text(PREPARING, style="italic"), id="fix-status")
                return
            yield from self.plan_part(plan)
            if self.result is not None:
                yield from self.result_part(self.result)
            elif self.sending:
                yield Static(Text(SENDING, style="italic"), id="fix-status")
                yield Static(Text(literal_multiline("\n".join(self.notes))), id="fix-signin")
            else:
                yield from self.confirm_part(plan)

    def plan_part(self, plan: FixPlan) -> ComposeResult:
        finding = plan.finding
        yield Static(Text.assemble(("Closing: ", "bold"), literal(finding.title)), id="fix-finding")
        yield Static(Text.assemble(("Account or device: ", "bold"), literal(finding.target)))
        if plan.safety:
            yield Static(Text("Before you do anything — safety", style="bold underline"), classes="section")
            yield Static(Text("\n".join(f"• {line}" for line in plan.safety)), id="fix-safety")
        if self.evidence is not None:
            yield Static(
                Text(
                    f"Evidence: the finding's record was kept in the case's timeline before anything is changed "
                    f"(evidence {self.evidence.id}, SHA-256 {self.evidence.sha256[:16]}…).",
                    style="bold",
                ),
                id="fix-evidence",
                classes="section",
            )
        if not plan.changes:
            where = f" (the playbook {plan.playbook}, on the finding's screen)" if plan.playbook else ""
            yield Static(
                Text(f"The tool cannot make this change for you: follow the steps by hand{where}. Nothing changed."),
                id="fix-none",
                classes="section",
            )
            return
        warning = plan.forwarding_warning
        if warning and self.result is None:
            yield Static(Text.assemble(("Warning: ", "bold"), warning), id="fix-warning", classes="section")
        if plan.guided:
            heading = "What to do, by hand (the tool changes nothing on a device; it records that you did it)"
        elif plan.alternatives:
            heading = f"{len(plan.changes)} ways to close it — choose one below (nothing is sent yet)"
        elif plan.several:
            count = len(plan.changes)
            heading = f"The {count} changes that would close it — tick the ones to make (nothing is sent yet)"
        else:
            heading = "The change that would close it (nothing has been sent)"
        yield Static(Text(heading, style="bold underline"), classes="section")
        choosing = self.result is None and not self.sending
        for index, change in enumerate(plan.changes):
            with Vertical(classes="fix-change"):
                if plan.several and not plan.alternatives and choosing:
                    yield ChangeBox(literal(change.words), index, index in self.chosen)
                else:
                    number = f"{index + 1}. " if plan.alternatives else ""
                    yield Static(Text(number + literal(change.words), style="bold"))
                yield from self.change_part(change)
                if plan.alternatives and change.permission is not None:
                    yield Static(Text.assemble(("Needs: ", "bold"), permission_lines([change.permission])[0]))
        if plan.alternatives and choosing:
            yield Static(Text("Choose one:", style="bold"), classes="section")
            with RadioSet(id="fix-alternatives"):
                for index, change in enumerate(plan.changes):
                    yield RadioButton(
                        Text(f"{index + 1}. {literal(change.words, 100)}"), index in self.chosen, id=f"fix-way-{index}"
                    )

    def change_part(self, change: Change) -> ComposeResult:
        if change.guided:
            yield Static(paragraph(change.request), classes="fix-request")
            return
        request = Text.assemble(("The exact request: ", "bold"), literal(change.request, 600))
        yield Static(request, classes="fix-request")
        if change.before:
            yield Static(Text("What it removes, as it was found:", style="italic"))
            yield Static(evidence_text(change.before), classes="fix-before")
        if not change.restorable:
            note = f" {literal(change.restore_note, 300)}" if change.restore_note else ""
            yield Static(Text(f"The tool cannot put this back afterwards.{note}"))

    def confirm_part(self, plan: FixPlan) -> ComposeResult:
        if plan.permissions and plan.alternatives:
            yield Static(
                Text(
                    "Then you sign in to give this tool, for this sitting only (kept in memory, never stored), the "
                    "permission the chosen change needs (each says which, above)."
                ),
                id="fix-permission",
                classes="section",
            )
        elif plan.permissions:
            lines = permission_lines(plan.permissions)
            yield Static(
                Text(
                    "Then you sign in to give this tool, for this sitting only (kept in memory, never stored), "
                    "permission to:\n" + "\n".join(f"• {line}" for line in lines)
                ),
                id="fix-permission",
                classes="section",
            )
        if plan.guided:
            words, tip = "I have done it", "Record that you made the change by hand, then check again"
        elif plan.alternatives:
            words, tip = "Make the chosen change", "Sign in for the permission, send the one chosen, then check again"
        elif plan.several:
            words = f"Make the {len(self.chosen)} ticked change{'s' if len(self.chosen) != 1 else ''}"
            tip = "Sign in for the permission, send exactly the ticked changes, then check again"
        else:
            words, tip = "Make this change", "Sign in for the permission, send exactly this change, then check again"
        with Horizontal(classes="buttons"):
            if plan.several and not plan.alternatives:
                yield Button(f"Tick all {len(plan.changes)}", id="fix-tick-all", tooltip="Tick every change listed")
            yield Button(words, id="fix-confirm", variant="error", tooltip=tip, disabled=not self._chosen_changes())
            yield Button("Cancel", id="fix-cancel", tooltip="Leave without changing anything (Escape)")

    def result_part(self, result: FixResult) -> ComposeResult:
        from auditor.application.fixing import CLOSED, NOT_CHANGED, STILL_OPEN

        when = result.at.strftime("%Y-%m-%d %H:%M UTC")
        if result.outcome == CLOSED:
            words = f"Closed: the check ran again and no longer finds it. Closed by you at {when}."
        elif result.outcome == STILL_OPEN:
            words = f"Still open: the change was made at {when}, but the check still finds it."
        elif result.outcome == NOT_CHANGED and result.gone_anyway:
            words = (
                "Not changed as far as the provider said, yet the check, run again, no longer finds it: the change "
                "may have been made before the error. It is not recorded as closed; the next audit shows what is there."
            )
        elif result.outcome == NOT_CHANGED:
            words = "Not changed. The finding stays open."
        else:
            words = f"Changed at {when}, but the check could not run again: not known to be closed."
        yield Static(Text(words, style="bold"), id="fix-result", classes="section")
        if result.reason:
            yield Static(plain(result.reason), id="fix-reason")
        restorable = any(a.change.restorable and not a.change.guided for a in result.applied)
        again = " It can be put back from there if safety needs it." if restorable else ""
        yield Static(Text(f"Recorded in the case's timeline as event {result.event_id}.{again}"), id="fix-recorded")
        with Horizontal(classes="buttons"):
            yield Button("Back", id="fix-back", tooltip="Back to the finding (Escape)")

    def _chosen_changes(self) -> list[Change]:
        plan = self.plan
        if plan is None:
            return []
        if not plan.several:
            return list(plan.changes)
        return [change for index, change in enumerate(plan.changes) if index in self.chosen]

    # -- planning -----------------------------------------------------------------------------------

    def on_mount(self) -> None:
        super().on_mount()
        if self.auditor.audit_running:
            self.problem = "An audit is running: close this path once it has finished."
            self.refresh(recompose=True)
            return
        self.plan_change()

    @work(thread=True, exclusive=True, group="fix", name="plan the change")
    def plan_change(self) -> None:
        from auditor.application.fixing import freeze_evidence, plan_fix
        from auditor.errors import AuditorError

        case = self.auditor.case
        if case is None:
            return
        try:
            plan = plan_fix(case, self.fingerprint)
            evidence = freeze_evidence(case, plan)
        except AuditorError as exc:
            self.post_message(FixProblem(str(exc)))
            return
        except Exception as exc:  # shown to the person; nothing was sent
            self.post_message(FixProblem(f"the change could not be prepared: {type(exc).__name__}: {exc}"))
            return
        self.post_message(FixPlanned(plan, evidence))

    def on_fix_planned(self, message: FixPlanned) -> None:
        self.plan = message.plan
        self.evidence = message.evidence
        self.auditor.changed.publish("timeline")  # the evidence kept is in the timeline now
        self.refresh(recompose=True)
        self.call_after_refresh(self._focus_cancel)

    def _focus_cancel(self) -> None:
        """Enter must never confirm by accident: the first focus is on Cancel."""
        for selector in ("#fix-cancel", "#fix-back"):
            found = self.query(selector)
            if found:
                found.first().focus()
                return

    def on_fix_problem(self, message: FixProblem) -> None:
        self.problem = message.reason
        self.sending = False
        self.refresh(recompose=True)
        self.call_after_refresh(self._focus_cancel)

    # -- confirming and sending ---------------------------------------------------------------------

    @on(Checkbox.Changed, ".fix-choice")
    def choice_ticked(self, event: Checkbox.Changed) -> None:
        box = event.checkbox
        if not isinstance(box, ChangeBox):
            return
        if event.value:
            self.chosen.add(box.index)
        else:
            self.chosen.discard(box.index)
        self._update_confirm()

    @on(RadioSet.Changed, "#fix-alternatives")
    def way_chosen(self, event: RadioSet.Changed) -> None:
        self.chosen = {event.index}
        found = self.query("#fix-confirm")
        if found:
            found.first(Button).disabled = False

    @on(Button.Pressed, "#fix-tick-all")
    def tick_all(self) -> None:
        for box in self.query(ChangeBox):
            box.value = True

    def _update_confirm(self) -> None:
        plan = self.plan
        if plan is None or not plan.several or plan.alternatives:
            return
        button = self.query_one("#fix-confirm", Button)
        count = len(self.chosen)
        button.label = f"Make the {count} ticked change{'s' if count != 1 else ''}"
        button.disabled = count == 0

    @on(Button.Pressed, "#fix-confirm")
    def confirmed(self) -> None:
        from auditor.application.fixing import confirm
        from auditor.errors import AuditorError

        plan, evidence = self.plan, self.evidence
        chosen = self._chosen_changes()
        if plan is None or evidence is None or not chosen or self.sending:
            return
        try:
            yes = confirm(plan, chosen, evidence)  # the person pressed the button for exactly these changes
        except AuditorError as exc:
            self.post_message(FixProblem(str(exc)))
            return
        self.sending = True
        self.refresh(recompose=True)
        self.close_path(yes)

    @work(thread=True, exclusive=True, group="fix", name="close the path")
    def close_path(self, confirmed: Any) -> None:
        from auditor.application.fixing import apply_fix

        case = self.auditor.case
        if case is None:
            return
        try:
            plan = self.auditor.audit_plan()
            result = asyncio.run(apply_fix(case, confirmed, plan, show=self._show, extra=APP_SIGN_IN))
        except Exception as exc:  # the flow records every change it sent before it can fail; said, never hidden
            self.post_message(FixProblem(f"closing stopped: {type(exc).__name__}: {exc}"))
            return
        self.post_message(FixFinished(result))

    def _show(self, text: str) -> None:
        """Called from the worker's thread by the sign-in: a message for the event loop."""
        self.post_message(FixSignInNote(text))

    def on_fix_sign_in_note(self, message: FixSignInNote) -> None:
        self.notes.append(message.text)
        found = self.query("#fix-signin")
        if found:
            found.first(Static).update(Text(literal_multiline("\n".join(self.notes))))

    def on_fix_finished(self, message: FixFinished) -> None:
        result = message.result
        self.result = result
        self.sending = False
        if result.recheck and self.plan is not None:
            finding = self.plan.finding
            self.auditor.book.replace(finding.check, finding.target, list(result.recheck))
        self.auditor.changed.publish("findings")
        self.auditor.changed.publish("timeline")
        self.refresh(recompose=True)
        self.call_after_refresh(self._focus_cancel)

    # -- leaving ------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel" and self.sending:
            return False  # a change being sent is seen through, and its result shown
        return True

    def action_cancel(self) -> None:
        if not self.sending:
            self.app.pop_screen()

    @on(Button.Pressed, "#fix-cancel")
    @on(Button.Pressed, "#fix-back")
    def leave(self) -> None:
        self.action_cancel()
