"""What every screen of the app shares: the PRACTICE banner, a title line and the footer."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static

from auditor.tui.widgets.banner import PracticeBanner
from auditor.tui.widgets.footer import AuditorFooter

if TYPE_CHECKING:
    from auditor.tui.app import AuditorApp


# Findings arrive check by check; a screen redraws at most this often (seconds), and only while shown.
REFRESH_DELAY = 0.2


class AuditorScreen(Screen[None]):
    TITLE_WORDS = ""
    _refresh_timer: Timer | None = None
    _stale = False

    @property
    def auditor(self) -> AuditorApp:
        return cast("AuditorApp", self.app)

    def compose(self) -> ComposeResult:
        if self.auditor.practice:
            yield PracticeBanner()
        yield Static(Text(self.TITLE_WORDS, style="bold"), classes="screen-title")
        yield from self.body()
        yield AuditorFooter()

    def body(self) -> ComposeResult:
        yield from ()

    def refresh_all(self) -> None:
        """Show the app's current state. Screens that follow the audit override this."""

    def on_mount(self) -> None:
        # Each screen fills itself in its own on_mount; this one only follows the app's changes.
        self.auditor.changed.subscribe(self, self.on_changed)

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.refresh_all()

    def on_changed(self, topic: str) -> None:
        """Redraw soon, once for many changes; a screen not shown redraws when it is shown again."""
        if not self.is_current:
            self._stale = True
        elif self._refresh_timer is None:
            self._refresh_timer = self.set_timer(REFRESH_DELAY, self._refresh_now)

    @property
    def up_to_date(self) -> bool:
        """No redraw is waiting to happen."""
        return self._refresh_timer is None

    def _refresh_now(self) -> None:
        self._refresh_timer = None
        self.refresh_all()
