"""Putting back a change made with "Close this", the same steps as `auditor fix --case NAME --restore EVENT_ID`.

Said before anything: putting it back reopens the access path the person closed (whoever used it can get in that
way again), with each change's own note on what putting it back means. Then exactly what is put back (each
change's words, the request that closed it, the record as it was found, which is what is made again), the
permission in plain words, and a confirm button that is never focused first (Escape and Enter leave without
sending anything). Only after the button, the worker "put it back" runs the application layer's restore_fix (the
sign-in for the write permission, the records made again, the check run again) and posts a typed message; the
result is said in words (put back, or not put back and why) and the case's timeline is updated.

The plan comes from the timeline screen (auditor.application.restoring.plan_restore): a row that cannot be put
back never reaches this screen. Everything an attacker could have named is shown through literal text; the
shared pieces (the sign-in notes and problems' messages, the evidence record's rendering) are the fix screen's.

Putting back an Exchange change on a mailbox signed in with a password asks for the password typed again, as
"Close this" does (auditor/tui/widgets/mailbox_password.py): after the button, in a masked field on this screen;
the sign-in, waiting in the worker, gets it once it is typed; it is cleared from the field at once and kept nowhere.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Static

from auditor.safetext import literal, literal_multiline
from auditor.tui.messages import FixProblem
from auditor.tui.screens.signing_in import SigningInScreen
from auditor.tui.widgets.mailbox_password import MailboxPassword
from auditor.tui.widgets.text import evidence_text, plain

if TYPE_CHECKING:
    from auditor.application.restoring import ConfirmedRestore, RestorePlan, RestoreResult

REOPENS = (
    "putting it back reopens the access path you closed. Whoever used it to get in — the other person — "
    "can get in that way again, and may notice it is back."
)
SENDING = "Putting back what you confirmed, then checking again…"


class RestoreFinished(Message):
    """What a change removed was put back (or not) and the check ran again: the restore event is recorded."""

    def __init__(self, result: RestoreResult) -> None:
        super().__init__()
        self.result = result


class RestoreScreen(SigningInScreen):
    SIGN_IN_NOTES = "restore-signin"
    TITLE_WORDS = "Put back a change you made"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="cancel-restore", tooltip="Leave without putting anything back"),
    ]

    def __init__(self, plan: RestorePlan) -> None:
        super().__init__()
        self.plan = plan
        self.sending = False
        self.result: RestoreResult | None = None
        self.problem: str | None = None

    # -- what is shown ------------------------------------------------------------------------------

    def body(self) -> ComposeResult:
        with VerticalScroll(id="restore-detail"):
            yield from self.warning_part(self.plan)
            if self.problem is not None:
                yield Static(Text(literal_multiline(self.problem), style="bold"), id="restore-problem")
                yield Static(Text("Nothing was put back unless the timeline says so."), classes="section")
                with Horizontal(classes="buttons"):
                    yield Button("Back", id="restore-back", tooltip="Back to the timeline (Escape)")
                return
            yield from self.plan_part(self.plan)
            if self.result is not None:
                yield from self.result_part(self.result)
            elif self.sending:
                yield Static(Text(SENDING, style="italic"), id="restore-status")
                yield Static(Text(literal_multiline("\n".join(self.notes))), id="restore-signin")
                if self.password.prompt is not None:
                    prompt = self.password.prompt
                    yield MailboxPassword(self.password, prompt, prefix="restore", send_words="Put it back")
            else:
                yield from self.confirm_part(self.plan)

    def warning_part(self, plan: RestorePlan) -> ComposeResult:
        """First of all: what putting it back does to the person's safety, in general and change by change."""
        yield Static(Text("Before you do anything — safety", style="bold underline"))
        yield Static(Text.assemble(("Warning: ", "bold"), REOPENS), id="restore-warning")
        notes = dict.fromkeys(literal(a.change.restore_note, 600) for a in plan.applied if a.change.restore_note)
        if notes:
            yield Static(Text("\n".join(f"• {note}" for note in notes)), id="restore-notes")

    def plan_part(self, plan: RestorePlan) -> ComposeResult:
        event = plan.event
        yield Static(
            Text.assemble((f"Putting back what event {event.id} removed: ", "bold"), literal(event.title)),
            id="restore-event",
            classes="section",
        )
        yield Static(Text.assemble(("Account: ", "bold"), literal(event.target)))
        count = len(plan.applied)
        heading = (
            f"The {count} changes that will be undone (nothing has been sent)"
            if count > 1
            else "The change that will be undone (nothing has been sent)"
        )
        yield Static(Text(heading, style="bold underline"), classes="section")
        for applied in plan.applied:
            change = applied.change
            with Vertical(classes="restore-change"):
                yield Static(Text.assemble(("Undo: ", "bold"), (literal(change.words), "bold")))
                yield Static(Text.assemble(("It was closed with: ", "bold"), literal(change.request, 600)))
                if change.before:
                    yield Static(Text("Made again from the record as it was found:", style="italic"))
                    yield Static(evidence_text(change.before), classes="restore-before")
        for change in plan.not_restorable:
            note = f" {literal(change.restore_note, 300)}" if change.restore_note else ""
            yield Static(
                Text(f"Not put back: {literal(change.words)}.{note}"), classes="restore-not-restorable section"
            )

    def confirm_part(self, plan: RestorePlan) -> ComposeResult:
        lines = plan.permission_lines()
        if lines:
            yield Static(
                Text(
                    "Then you sign in to give this tool, for this sitting only (kept in memory, never stored), "
                    "permission to:\n" + "\n".join(f"• {line}" for line in lines)
                ),
                id="restore-permission",
                classes="section",
            )
        with Horizontal(classes="buttons"):
            yield Button(
                "Put it back",
                id="restore-confirm",
                variant="error",
                tooltip="Sign in for the permission, make the record again as it was found, then check again",
            )
            yield Button("Cancel", id="restore-cancel", tooltip="Leave without putting anything back (Escape)")

    def result_part(self, result: RestoreResult) -> ComposeResult:
        when = result.at.strftime("%Y-%m-%d %H:%M UTC")
        if result.put_back:
            again = ""
            if result.found_again is not None:
                again = " The check finds it again." if result.found_again else " The check does not show it yet."
            part = len(result.restored) < len(self.plan.applied)
            some = f" ({len(result.restored)} of {len(self.plan.applied)} changes)" if part else ""
            words = f"Put back at {when}{some}: the path is reopened.{again}"
        else:
            words = "Not put back: nothing was made again, and the path stays as you closed it."
        yield Static(Text(words, style="bold"), id="restore-result", classes="section")
        if result.reason:
            yield Static(plain(result.reason), id="restore-reason")
        yield Static(Text(f"Recorded in the case's timeline as event {result.event_id}."), id="restore-recorded")
        with Horizontal(classes="buttons"):
            yield Button("Back", id="restore-back", tooltip="Back to the timeline (Escape)")

    # -- focus --------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        super().on_mount()
        self.call_after_refresh(self._focus_cancel)

    def _focus_cancel(self) -> None:
        """Enter must never confirm by accident: the first focus is on Cancel (or Back)."""
        for selector in ("#restore-cancel", "#restore-back"):
            found = self.query(selector)
            if found:
                found.first().focus()
                return

    # -- confirming and sending ---------------------------------------------------------------------

    @on(Button.Pressed, "#restore-confirm")
    def confirmed(self) -> None:
        from auditor.application.restoring import confirm_restore

        if self.sending or self.result is not None or self.problem is not None:
            return
        yes = confirm_restore(self.plan)  # the person pressed the button for everything the plan lists
        self.sending = True
        self.refresh(recompose=True)
        self.send_restore(yes)

    @work(thread=True, exclusive=True, group="restore", name="put it back")
    def send_restore(self, confirmed: ConfirmedRestore) -> None:
        from auditor.application.restoring import restore_fix

        case = self.auditor.case
        if case is None:
            return
        try:
            audit_plan = self.auditor.audit_plan()
            extra = {"password": self.password}
            result = asyncio.run(restore_fix(case, confirmed, audit_plan, show=self._show, extra=extra))
        except Exception as exc:  # the flow records what it put back before it can fail; said, never hidden
            self.post_message(FixProblem(f"putting it back stopped: {type(exc).__name__}: {exc}"))
            return
        self.post_message(RestoreFinished(result))

    def on_fix_problem(self, message: FixProblem) -> None:
        self.problem = message.reason
        self.sending = False
        self.auditor.changed.publish("timeline")
        self.refresh(recompose=True)
        self.call_after_refresh(self._focus_cancel)

    def on_restore_finished(self, message: RestoreFinished) -> None:
        result = message.result
        self.result = result
        self.sending = False
        event = self.plan.event
        if result.recheck and event.check:
            self.auditor.book.replace(event.check, event.target, list(result.recheck))
        self.auditor.changed.publish("findings")
        self.auditor.changed.publish("timeline")
        self.refresh(recompose=True)
        self.call_after_refresh(self._focus_cancel)

    # -- leaving ------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel" and self.sending:
            return False  # what is being put back is seen through, and its result shown
        return True

    def action_cancel(self) -> None:
        if not self.sending:
            self.app.pop_screen()

    @on(Button.Pressed, "#restore-cancel")
    @on(Button.Pressed, "#restore-back")
    def leave(self) -> None:
        self.action_cancel()
