"""The case's timeline: evidence kept, reports, responses, follow-ups and access paths, on one clock.

Open follow-ups come first, in their own table, the longest overdue at the top and marked OVERDUE in words
(colour is never the only signal): a platform that let its removal window pass is the next thing to chase.

"Put it back" (p) acts on the selected row: a change made with "Close this" opens its own screen
(auditor/tui/screens/restore.py), where the person is told first that it reopens the path, and confirms; any other
row says why there is nothing to put back, in the words of the application layer (`plan_restore`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from auditor.safetext import literal, literal_multiline
from auditor.tui.screens.base import AuditorScreen

if TYPE_CHECKING:
    from auditor.timeline.model import TimelineEntry

# The timeline's words for a path event made with "Close this" (Timeline.change_entries).
CHANGE = "change"


class TimelineScreen(AuditorScreen):
    TITLE_WORDS = "Timeline"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "p",
            "put_back",
            "Put it back",
            id="put-back",
            tooltip="Put back what the selected change removed: reopens that access path, only after you confirm",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[TimelineEntry] = []  # the timeline table's rows, top to bottom

    def body(self) -> ComposeResult:
        yield Static("", id="timeline-summary")
        yield Static("", id="timeline-why")
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
        self.query_one("#timeline-why", Static).display = False
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
            "\nContent, reports and answers are added with `auditor timeline` and `auditor evidence`. "
            "Select a change and press p to put back what it removed.",
            style="dim",
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
        self.rows = list(reversed(entries))
        for entry in self.rows:
            table.add_row(
                Text(entry.at.strftime("%Y-%m-%d %H:%M")), Text(literal(entry.kind)), Text(literal(entry.summary))
            )

    # -- putting a change back ----------------------------------------------------------------------

    def selected_entry(self) -> TimelineEntry | None:
        table = self.query_one("#timeline", DataTable)
        row = table.cursor_row
        return self.rows[row] if table.row_count and 0 <= row < len(self.rows) else None

    def action_put_back(self) -> None:
        """Plan putting back the selected change (a read of the case); any refusal is said here, literally."""
        from auditor.application.restoring import plan_restore
        from auditor.errors import AuditorError

        case = self.auditor.case
        if case is None or case.closed:
            return
        if self.auditor.audit_running:
            self.say_why("An audit is running: put a change back once it has finished.")
            return
        entry = self.selected_entry()
        if entry is None:
            self.say_why("Nothing to put back: the timeline has no row selected.")
            return
        event_id = entry.ref.get("event_id")
        if entry.kind != CHANGE or not isinstance(event_id, int):
            self.say_why(
                f"Nothing to put back: the selected row ({entry.kind}) is not a change you made with Close this. "
                "Select a row marked change."
            )
            return
        try:
            plan = plan_restore(case, event_id)
        except AuditorError as exc:
            self.say_why(f"Nothing can be put back: {exc}")
            return
        self.say_why("")
        from auditor.tui.screens.restore import RestoreScreen

        self.app.push_screen(RestoreScreen(plan))

    def say_why(self, words: str) -> None:
        """Why nothing was put back, where the person is looking (the words may quote a rule's name: literal)."""
        shown = self.query_one("#timeline-why", Static)
        shown.update(Text(literal_multiline(words), style="bold"))
        shown.display = bool(words)


def _span(delta: timedelta) -> str:
    """A duration in the largest whole unit that fits: "3 days", "5 h", "20 min"."""
    minutes = int(delta.total_seconds() // 60)
    if minutes >= 2 * 24 * 60:
        return f"{minutes // (24 * 60)} days"
    if minutes >= 60:
        return f"{minutes // 60} h"
    return f"{max(minutes, 1)} min"
