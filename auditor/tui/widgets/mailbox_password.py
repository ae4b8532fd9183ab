"""The mailbox password typed again for one change (Exchange signed in with a password), on the screen that
makes the change: "Close this" and "Put it back".

The sign-in runs in the screen's worker thread and calls the screen's :class:`PasswordHandOver` (the writer's
``extra["password"]``): it posts :class:`PasswordWanted` and waits. The screen then composes
:class:`MailboxPassword`, which is given the hand-over (attributes down): the password typed goes to the hand-over
alone, never into a message, and is cleared from the field at once; the screen hears only that it was given or
refused (messages up). An empty field sends nothing and says so. The password is kept nowhere.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Static

from auditor.safetext import literal

PASSWORD_NOTE = "your mailbox password, for this change only — it is not stored"
NO_PASSWORD_TYPED = "No password typed: nothing is sent. Type it, or press Cancel to send nothing."


class PasswordWanted(Message):
    """The sign-in for the change, waiting in the worker, needs the mailbox password typed again."""

    def __init__(self, prompt: str) -> None:
        super().__init__()
        self.prompt = prompt


class PasswordHandOver:
    """The sign-in's ``extra["password"]``: called in the worker's thread, it asks the screen for the password and
    waits until the person typed it (or cancelled: ""). The password is held only until the sign-in takes it.

    ``prompt`` is the sign-in's question while it waits for an answer, else None: the screen shows the field then.
    """

    def __init__(self, post: Callable[[Message], object]) -> None:
        self._post = post
        self._given = threading.Event()
        self._value = ""
        self._closed = False
        self.prompt: str | None = None

    def __call__(self, prompt: str) -> str:
        self._given.clear()
        self.prompt = prompt  # set before the message, so the screen finds it when the message arrives
        self._post(PasswordWanted(prompt))
        while not self._given.wait(0.1):
            if self._closed:
                return ""
        value, self._value = self._value, ""
        return value

    def give(self, value: str) -> None:
        """The person's answer ("" for none): the waiting sign-in takes it."""
        self.prompt = None
        self._value = value
        self._given.set()

    def close(self) -> None:
        """The screen is gone: a sign-in still waiting gets no password, and nothing is sent."""
        self._closed = True
        self.prompt = None
        self._value = ""
        self._given.set()


class MailboxPassword(Vertical):
    """The note with the sign-in's prompt (shown literally), the masked field, Send and Cancel, and the line that
    says an empty field sent nothing. The ids start with ``prefix`` (``fix``: #fix-password, #fix-password-note,
    #fix-password-empty, #fix-password-send, #fix-password-cancel)."""

    class Given(Message):
        """A password was typed and handed to the sign-in; the field is empty again."""

    class Refused(Message):
        """Cancel: the sign-in gets no password, and nothing is sent."""

    def __init__(self, hand_over: PasswordHandOver, prompt: str, *, prefix: str, send_words: str) -> None:
        super().__init__(id=f"{prefix}-password-part")
        self.hand_over = hand_over
        self.prompt = prompt
        self.prefix = prefix
        self.send_words = send_words
        self.answered = False

    def compose(self) -> ComposeResult:
        prefix = self.prefix
        yield Static(
            Text.assemble(("Type ", "bold"), (PASSWORD_NOTE, "bold"), (": ", "bold"), literal(self.prompt, 300)),
            id=f"{prefix}-password-note",
            classes="section",
        )
        yield Input(password=True, id=f"{prefix}-password", placeholder="mailbox password")
        yield Static(Text(""), id=f"{prefix}-password-empty")
        with Horizontal(classes="buttons"):
            yield Button(
                self.send_words,
                id=f"{prefix}-password-send",
                classes="password-send",
                variant="error",
                tooltip="Sign in with it and send",
            )
            yield Button("Cancel", id=f"{prefix}-password-cancel", classes="password-cancel", tooltip="Send nothing")

    def on_mount(self) -> None:
        self.call_after_refresh(self.query_one(Input).focus)

    @on(Input.Submitted)
    @on(Button.Pressed, ".password-send")
    def typed(self, event: Input.Submitted | Button.Pressed) -> None:
        event.stop()
        if self.answered:
            return
        field = self.query_one(Input)
        typed = field.value
        field.value = ""  # cleared from the field at once: the sign-in alone holds it, until it is sent
        if not typed:
            self.query_one(f"#{self.prefix}-password-empty", Static).update(Text(NO_PASSWORD_TYPED, style="bold"))
            field.focus()
            return
        self.answered = True
        self.hand_over.give(typed)
        del typed
        self.post_message(self.Given())

    @on(Button.Pressed, ".password-cancel")
    def refused(self, event: Button.Pressed) -> None:
        """No password: the sign-in gets none and nothing is sent (the timeline says so)."""
        event.stop()
        if self.answered:
            return
        self.query_one(Input).value = ""
        self.answered = True
        self.hand_over.give("")
        self.post_message(self.Refused())
