"""What every screen of the app shares: the PRACTICE banner, a title line and the footer."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static

from auditor.tui.widgets.banner import PracticeBanner

if TYPE_CHECKING:
    from auditor.tui.app import AuditorApp


class AuditorScreen(Screen[None]):
    TITLE_WORDS = ""

    @property
    def auditor(self) -> AuditorApp:
        return cast("AuditorApp", self.app)

    def compose(self) -> ComposeResult:
        if self.auditor.practice:
            yield PracticeBanner()
        yield Static(Text(self.TITLE_WORDS, style="bold"), classes="screen-title")
        yield from self.body()
        yield Footer()

    def body(self) -> ComposeResult:
        yield from ()
