"""Closing one access path, the same steps as `auditor fix`: the safety note first, the finding kept as evidence
(said on screen), the change shown exactly and confirmed with a button (Escape cancels, and the button is
never focused first), then the write permission's sign-in, the change sent, the check run again, the result,
and the timeline updated.

The slow parts run in named workers that post typed messages (auditor/tui/messages.py): "plan the change"
(the finding kept as evidence, the provider's changes loaded) and "close the path" (the sign-in, the change,
the check again). Everything an attacker could have named is shown through literal text.

The account's other open findings like it (every photo shared by link: one finding each) are offered as an
unticked checkbox, "Also the N others like it"; ticked, they are listed one by one, and the one button confirms
the whole list ("close the paths": each one's record kept as evidence first, the permission asked for once).

A change that needs the mailbox password typed again (Exchange signed in with a password) asks for it after the
confirmation, in a masked field on this screen (auditor/tui/widgets/mailbox_password.py, as "Put it back" does):
the sign-in, waiting in the worker, gets it once it is typed; it is cleared from the field at once and kept nowhere.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Checkbox, RadioButton, RadioSet, Static

from auditor.application.fixing import permission_lines, plan_notes
from auditor.safetext import literal, literal_multiline
from auditor.tui.messages import FixFinished, FixPlanned, FixProblem
from auditor.tui.screens.signing_in import SigningInScreen
from auditor.tui.widgets.mailbox_password import MailboxPassword
from auditor.tui.widgets.text import evidence_text, paragraph, plain

if TYPE_CHECKING:
    from auditor.application.auditing import AuditPlan
    from auditor.application.fixing import Change, Confirmed, FixPlan, FixResult
    from auditor.application.fixing_sets import FixSet, SetResult
    from auditor.timeline import EvidenceItem

PREPARING = "Keeping the finding as evidence and preparing the change…"


SENDING = "Sending the change you confirmed, then checking again…"
SET_OUTCOME_WORDS = {
    "closed": "Closed",
    "still-open": "Still open (changed, but the check still finds it)",
    "not-checked": "Changed, but the check could not run again: not known to be closed",
    "not-changed": "Not changed, still open",
}


class LikeFound(Message):
    """The account's other open findings like the one opened (None: there are none)."""

    def __init__(self, like: FixSet | None) -> None:
        super().__init__()
        self.like = like


class SetFinished(Message):
    """The listed set was sent (or not) and the check ran again: one result per finding."""

    def __init__(self, result: SetResult, members: tuple[Confirmed, ...], kept: tuple[int, ...]) -> None:
        super().__init__()
        self.result = result
        self.members = members
        self.kept = kept


class ChangeBox(Checkbox):
    """One of several changes (e.g. one sharing link per photo): ticked by the person, never by default."""

    def __init__(self, label: str, index: int, ticked: bool) -> None:
        super().__init__(Text(label), ticked, classes="fix-choice", id=f"fix-change-{index}")
        self.index = index


class FixScreen(SigningInScreen):
    SIGN_IN_NOTES = "fix-signin"
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
        self.result: FixResult | None = None
        self.problem: str | None = None
        self.like: FixSet | None = None  # the account's other findings like it, offered unticked
        self.with_others = False
        self.set_result: SetResult | None = None
        self.set_members: tuple[Confirmed, ...] = ()
        self.set_kept: tuple[int, ...] = ()

    @property
    def finished(self) -> bool:
        return self.result is not None or self.set_result is not None

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
            if self.set_result is not None:
                yield from self.set_result_part(self.set_result)
            elif self.result is not None:
                yield from self.result_part(self.result)
            elif self.sending:
                yield Static(Text(SENDING, style="italic"), id="fix-status")
                yield Static(Text(literal_multiline("\n".join(self.notes))), id="fix-signin")
                if self.password.prompt is not None:
                    prompt = self.password.prompt
                    yield MailboxPassword(self.password, prompt, prefix="fix", send_words="Send the change")
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
        notes = plan_notes(plan)
        if notes:
            yield Static(Text("\n".join(f"• {note}" for note in notes)), id="fix-notes", classes="section")
        if not plan.changes:
            where = f" (the playbook {plan.playbook}, on the finding's screen)" if plan.playbook else ""
            yield Static(
                Text(f"The tool cannot make this change for you: follow the steps by hand{where}. Nothing changed."),
                id="fix-none",
                classes="section",
            )
            return
        warning = plan.forwarding_warning
        if warning and not self.finished:
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
        choosing = not self.finished and not self.sending
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
        yield from self.others_part(plan, choosing)

    def others_part(self, plan: FixPlan, choosing: bool) -> ComposeResult:
        """The other findings like it: an unticked checkbox; ticked, each listed exactly as the finding's own."""
        like = self.like
        if like is None or plan.alternatives or plan.guided:
            return
        if choosing:
            others = f"{like.count} other{'s' if like.count != 1 else ''}"
            yield Static(Text(f"{like.offer}."), id="fix-others-offer", classes="section")
            yield Checkbox(Text(f"Also the {others} like it"), self.with_others, id="fix-others", classes="fix-choice")
        if not self.with_others:
            return
        yield Static(
            Text(f"{like.words} (nothing is sent yet)", style="bold underline"), id="fix-others-list", classes="section"
        )
        for index, change in enumerate(like.changes):
            with Vertical(classes="fix-change fix-other"):
                yield Static(Text(f"{index + 1}. " + literal(change.words), style="bold"))
                yield from self.change_part(change)

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
        elif self.with_others and self.like is not None:
            words = self._confirm_words()
            tip = "Sign in for the permission once, send exactly the listed changes, then check again"
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

    def set_result_part(self, result: SetResult) -> ComposeResult:
        from auditor.application.fixing import CLOSED

        closed = result.count(CLOSED)
        yield Static(
            Text(f"{closed} of {len(result.results)} closed.", style="bold"), id="fix-result", classes="section"
        )
        if self.set_kept:
            kept = ", ".join(str(item) for item in self.set_kept)
            yield Static(Text(f"The others' records were kept as evidence first (evidence {kept})."), id="fix-kept")
        if result.reason:
            yield Static(plain(result.reason), id="fix-reason")
        lines = []
        for number, (fix, member) in enumerate(zip(result.results, self.set_members, strict=False), 1):
            title = literal(member.plan.finding.title, 200)
            words = SET_OUTCOME_WORDS.get(fix.outcome, fix.outcome)
            lines.append(f"{number}. {words}: {title} — timeline event {fix.event_id}")
        yield Static(Text("\n".join(lines)), id="fix-set-results")
        restorable = any(a.change.restorable and not a.change.guided for fix in result.results for a in fix.applied)
        again = " Each can be put back on its own from there if safety needs it." if restorable else ""
        yield Static(Text(f"Each is recorded in the case's timeline as its own event.{again}"), id="fix-recorded")
        with Horizontal(classes="buttons"):
            yield Button("Back", id="fix-back", tooltip="Back to the finding (Escape)")

    def _confirm_words(self) -> str:
        own = len(self._chosen_changes())
        if self.with_others and self.like is not None:
            total = own + len(self.like.changes)
            return f"Make all {total} changes listed"
        return f"Make the {own} ticked change{'s' if own != 1 else ''}"

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
            where = self.auditor.audit_plan()
            plan = plan_fix(case, self.fingerprint, where)
            evidence = freeze_evidence(case, plan)
            self.post_message(LikeFound(self._like(case, plan, where)))
        except AuditorError as exc:
            self.post_message(FixProblem(str(exc)))
            return
        except Exception as exc:  # shown to the person; nothing was sent
            self.post_message(FixProblem(f"the change could not be prepared: {type(exc).__name__}: {exc}"))
            return
        self.post_message(FixPlanned(plan, evidence))

    @staticmethod
    def _like(case: Any, plan: FixPlan, where: AuditPlan) -> FixSet | None:
        from auditor.application.fixing_sets import plan_set

        try:
            return plan_set(case, plan, where)
        except Exception:  # the others are an offer: without them the finding's own change stands
            return None

    def on_like_found(self, message: LikeFound) -> None:
        self.like = message.like

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
        button.label = self._confirm_words()
        button.disabled = not self.chosen

    @on(Checkbox.Changed, "#fix-others")
    def others_ticked(self, event: Checkbox.Changed) -> None:
        if event.value == self.with_others:
            return
        self.with_others = event.value
        self.refresh(recompose=True)
        self.call_after_refresh(self._focus_others)

    def _focus_others(self) -> None:
        found = self.query("#fix-others")
        if found:
            found.first().focus()

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
        if self.with_others and self.like is not None:
            self.close_paths(yes, self.like)
        else:
            self.close_path(yes)

    @work(thread=True, exclusive=True, group="fix", name="close the path")
    def close_path(self, confirmed: Any) -> None:
        from auditor.application.fixing import apply_fix

        case = self.auditor.case
        if case is None:
            return
        try:
            plan = self.auditor.audit_plan()
            result = asyncio.run(apply_fix(case, confirmed, plan, show=self._show, extra={"password": self.password}))
        except Exception as exc:  # the flow records every change it sent before it can fail; said, never hidden
            self.post_message(FixProblem(f"closing stopped: {type(exc).__name__}: {exc}"))
            return
        self.post_message(FixFinished(result))

    @work(thread=True, exclusive=True, group="fix", name="close the paths")
    def close_paths(self, own: Confirmed, like: FixSet) -> None:
        """The listed set: each other finding's record kept first, then the one sign-in, the changes, the check."""
        from auditor.application.fixing_sets import apply_set, confirm_set, keep_set_evidence

        case = self.auditor.case
        if case is None:
            return
        try:
            kept = keep_set_evidence(case, like)
            confirmed = confirm_set(own, like, kept)
            plan = self.auditor.audit_plan()
            extra = {"password": self.password}
            result = asyncio.run(apply_set(case, confirmed, plan, show=self._show, extra=extra))
        except Exception as exc:  # the flow records every change it sent before it can fail; said, never hidden
            self.post_message(FixProblem(f"closing stopped: {type(exc).__name__}: {exc}"))
            return
        self.post_message(SetFinished(result, confirmed.members, tuple(item.id for item in kept)))

    def on_set_finished(self, message: SetFinished) -> None:
        result = message.result
        self.set_result = result
        self.set_members = message.members
        self.set_kept = message.kept
        self.sending = False
        if result.recheck and self.plan is not None:
            finding = self.plan.finding
            self.auditor.book.replace(finding.check, finding.target, list(result.recheck))
        self.auditor.changed.publish("findings")
        self.auditor.changed.publish("timeline")
        self.refresh(recompose=True)
        self.call_after_refresh(self._focus_cancel)

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
