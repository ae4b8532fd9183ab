"""The case's timeline: evidence kept, reports, responses, follow-ups and access paths, on one clock.

Open follow-ups come first, in their own table, the longest overdue at the top and marked OVERDUE in words
(colour is never the only signal): a platform that let its removal window pass is the next thing to chase.
"""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from auditor.safetext import literal
from auditor.tui.screens.base import AuditorScreen


class TimelineScreen(AuditorScreen):
    TITLE_WORDS = "Timeline"

    def body(self) -> ComposeResult:
        yield Static("", id="timeline-summary")
        yield DataTable(id="followups", cursor_type="row")
        yield DataTable(id="timeline", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        followups = self.query_one("#followups", DataTable)
        followups.add_column("Due (UTC)", key="due", width=16)
        followups.add_column("Follow-up", key="state", width=18)
        followups.add_column("", key="what")
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
        from auditor.model import utcnow

        timeline = Timeline(case)
        entries = timeline.entries()
        now = utcnow()
        open_followups = timeline.followups(open_only=True)  # soonest due first: the longest overdue on top
        overdue = [f for f in open_followups if f.overdue(now)]
        summary = Text(f"{len(entries)} entries, newest first.", style="bold")
        if overdue:
            summary.append(f" {len(overdue)} follow-up(s) OVERDUE, listed first.", style="bold red")
        elif open_followups:
            summary.append(f" {len(open_followups)} follow-up(s) open, none overdue.")
        summary.append(
            "\nContent, reports and answers are added with `auditor timeline` and `auditor evidence`.", style="dim"
        )
        self.query_one("#timeline-summary", Static).update(summary)
        shown = self.query_one("#followups", DataTable)
        shown.clear()
        shown.display = bool(open_followups)
        for followup in open_followups:
            late = followup.overdue(now)
            state = Text(
                f"OVERDUE by {_span(now - followup.due_at)}" if late else f"due in {_span(followup.due_at - now)}",
                style="bold red" if late else "",
            )
            shown.add_row(Text(followup.due_at.strftime("%Y-%m-%d %H:%M")), state, Text(literal(followup.what)))
        table = self.query_one("#timeline", DataTable)
        table.clear()
        for entry in reversed(entries):
            table.add_row(
                Text(entry.at.strftime("%Y-%m-%d %H:%M")), Text(literal(entry.kind)), Text(literal(entry.summary))
            )


def _span(delta: timedelta) -> str:
    """A duration in the largest whole unit that fits: "3 days", "5 h", "20 min"."""
    minutes = int(delta.total_seconds() // 60)
    if minutes >= 2 * 24 * 60:
        return f"{minutes // (24 * 60)} days"
    if minutes >= 60:
        return f"{minutes // 60} h"
    return f"{max(minutes, 1)} min"
