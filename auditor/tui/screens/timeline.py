"""The case's timeline: evidence kept, reports, responses, follow-ups and access paths, on one clock."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from auditor.safetext import literal
from auditor.tui.screens.base import AuditorScreen


class TimelineScreen(AuditorScreen):
    TITLE_WORDS = "Timeline"

    def body(self) -> ComposeResult:
        yield Static("", id="timeline-summary")
        yield DataTable(id="timeline", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#timeline", DataTable)
        table.add_column("When (UTC)", key="at", width=16)
        table.add_column("What", key="kind", width=12)
        table.add_column("", key="summary")
        self.refresh_all()

    def refresh_all(self) -> None:
        from auditor.timeline import Timeline

        case = self.auditor.case
        if case is None or case.closed:
            return
        timeline = Timeline(case)
        entries = timeline.entries()
        overdue = timeline.overdue()
        summary = Text(f"{len(entries)} entries, newest first.", style="bold")
        if overdue:
            summary.append(f" {len(overdue)} follow-up(s) overdue.", style="bold red")
        summary.append(
            "\nContent, reports and answers are added with `auditor timeline` and `auditor evidence`.", style="dim"
        )
        self.query_one("#timeline-summary", Static).update(summary)
        table = self.query_one("#timeline", DataTable)
        table.clear()
        for entry in reversed(entries):
            table.add_row(
                Text(entry.at.strftime("%Y-%m-%d %H:%M")), Text(literal(entry.kind)), Text(literal(entry.summary))
            )
