"""Audit in progress: every check with its live status. The rest of the app stays usable meanwhile."""

from __future__ import annotations

import textwrap

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from auditor.model import Status
from auditor.safetext import literal
from auditor.tui.screens.base import AuditorScreen
from auditor.tui.widgets.text import STATUS_STYLE

STATUS_WIDTH = max(len(s.label) for s in Status)
TARGET_WIDTH = 32  # an address is cut beyond this, a check's title wraps instead
CHECK_MIN_WIDTH = 24


def column_widths(total: int, targets: list[str]) -> tuple[int, int]:
    """(check, target) widths that fit ``total`` columns: the check's title gets what the others leave.
    Each column has one cell of padding on either side, and two columns go to the scrollbar."""
    target = min(max((len(t) for t in targets), default=20), TARGET_WIDTH)
    check = max(CHECK_MIN_WIDTH, total - STATUS_WIDTH - target - 3 * 2 - 2)
    return check, target


class AuditScreen(AuditorScreen):
    TITLE_WORDS = "Audit progress"
    _widths: tuple[int, int] | None = None

    def body(self) -> ComposeResult:
        yield Static("", id="audit-summary")
        yield DataTable(id="checks", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.refresh_all()

    def on_resize(self, event: events.Resize) -> None:
        if self.is_mounted and column_widths(event.size.width, []) != column_widths(self.size.width, []):
            self.refresh_all()

    def refresh_all(self) -> None:
        app = self.auditor
        states = {k: v for k, v in app.check_states.items() if k[1]}
        running = sum(1 for v in states.values() if v == "checking")
        summary = Text()
        if app.audit_running:
            summary.append(f"Checking… {len(states) - running} checks done, {running} running. ", style="bold")
            summary.append("You can look at the findings meanwhile (f).")
        elif states:
            summary.append(f"The audit finished: {len(states)} checks ran.", style="bold")
        else:
            summary.append("No audit running. Press a to audit now.")
        if app.audit_problem:
            summary.append(f"\nCouldn't check: {literal(app.audit_problem)}", style=STATUS_STYLE[Status.ERROR])
        self.query_one("#audit-summary", Static).update(summary)

        table = self.query_one("#checks", DataTable)
        targets = [literal(target) for _, target in states]
        widths = column_widths(self.size.width or 80, targets)
        if widths != self._widths:
            self._widths = widths
            table.clear(columns=True)
            table.add_column("Status", key="status", width=STATUS_WIDTH)
            table.add_column("Check", key="check", width=widths[0])
            table.add_column("Account or device", key="target", width=widths[1])
        table.clear()
        order = {s.value: i for i, s in enumerate(Status)}
        for (check, target), state in sorted(states.items(), key=lambda kv: (order.get(kv[1], -1), kv[0])):
            if state == "checking":
                label = Text("Checking…", style="italic")
            else:
                status = Status(state)
                label = Text(status.label, style=STATUS_STYLE[status])
            # The title wraps rather than being cut: at 80 columns the account still shows beside it.
            title = textwrap.wrap(app.check_title(check), widths[0]) or [""]
            table.add_row(label, Text("\n".join(title)), Text(literal(target)), height=len(title))
