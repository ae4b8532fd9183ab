"""Findings grouped by account or device, most severe first; they appear as the checks finish."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import OptionList, Static

from auditor.model import Status
from auditor.tui.book import counted
from auditor.tui.screens.base import AuditorScreen
from auditor.tui.widgets.findings_list import FindingsList
from auditor.tui.widgets.text import STATUS_STYLE


class FindingsScreen(AuditorScreen):
    TITLE_WORDS = "What was found"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "toggle_clear", "Show clear", id="toggle-clear", tooltip="Also list the checks that looked clear"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.include_clear = False

    def body(self) -> ComposeResult:
        yield Static("", id="findings-summary")
        yield FindingsList(id="findings-list")

    def on_mount(self) -> None:
        self.refresh_all()
        self.query_one(FindingsList).focus()

    def action_toggle_clear(self) -> None:
        self.include_clear = not self.include_clear
        self.refresh_all()

    def refresh_all(self) -> None:
        app = self.auditor
        counts = app.book.counts()
        summary = Text()
        if app.audit_running:
            summary.append("Checking… findings appear here as each check finishes. ", style="bold")
        elif not len(app.book):
            summary.append("No findings yet. Press a to audit.", style="bold")
        parts = [(f"{counts[s]} {s.label}", STATUS_STYLE[s]) for s in counted() if counts[s]]
        for index, (words, style) in enumerate(parts):
            summary.append(" · " if index else "")
            summary.append(words, style=style)
        if counts[Status.CLEAR]:
            summary.append(f" · {counts[Status.CLEAR]} looked clear", style=STATUS_STYLE[Status.CLEAR])
            summary.append(" (c shows them)" if not self.include_clear else "")
        if parts:
            summary.append("\nEnter opens a finding: what it is, why it matters, what to do.", style="dim")
        self.query_one("#findings-summary", Static).update(summary)
        self.query_one(FindingsList).show(app.book.grouped(self.include_clear))

    @on(OptionList.OptionSelected, "#findings-list")
    def open_finding(self, event: OptionList.OptionSelected) -> None:
        from auditor.tui.screens.finding import FindingScreen

        if event.option.id:
            self.app.push_screen(FindingScreen(event.option.id))
