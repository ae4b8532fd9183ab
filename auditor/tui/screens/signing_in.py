"""What the screens that send a change (Close this, Put it back) share while their worker signs in: the sign-in's
notes shown as they come (a web address to open, a code — literal), and the mailbox password asked for in a masked
field when the sign-in needs it (auditor/tui/widgets/mailbox_password.py), handed over once and kept nowhere."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.widgets import Static

from auditor.safetext import literal_multiline
from auditor.tui.messages import FixSignInNote
from auditor.tui.screens.base import AuditorScreen
from auditor.tui.widgets.mailbox_password import MailboxPassword, PasswordHandOver, PasswordWanted


class SigningInScreen(AuditorScreen):
    """A screen whose worker may sign in to send a change. ``SIGN_IN_NOTES`` names the Static the notes go in."""

    SIGN_IN_NOTES: ClassVar[str] = "signin"

    def __init__(self) -> None:
        super().__init__()
        self.notes: list[str] = []
        self.password = PasswordHandOver(self.post_message)  # the sign-in's extra["password"]

    def _show(self, text: str) -> None:
        """Called from the worker's thread by the sign-in: a message for the event loop."""
        self.post_message(FixSignInNote(text))

    def on_fix_sign_in_note(self, message: FixSignInNote) -> None:
        self.notes.append(message.text)
        found = self.query(f"#{self.SIGN_IN_NOTES}")
        if found:
            found.first(Static).update(Text(literal_multiline("\n".join(self.notes))))

    def on_password_wanted(self, message: PasswordWanted) -> None:
        self.refresh(recompose=True)  # the field, focused, below the sign-in's notes

    @on(MailboxPassword.Given)
    @on(MailboxPassword.Refused)
    def password_answered(self) -> None:
        self.refresh(recompose=True)

    def on_unmount(self) -> None:
        self.password.close()  # a sign-in still waiting gets no password, and nothing is sent
