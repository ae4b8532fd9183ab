"""Audit in progress: every check with its live status. The rest of the app stays usable meanwhile."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from auditor.model import Status
from auditor.safetext import literal
from auditor.tui.screens.base import AuditorScreen
from auditor.tui.widgets.text import STATUS_STYLE


class AuditScreen(AuditorScreen):
    TITLE_WORDS = "Audit progress"

    def body(self) -> ComposeResult:
        yield Static("", id="audit-summary")
        yield DataTable(id="checks", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#checks", DataTable)
        table.add_column("Status", key="status", width=15)
        table.add_column("Check", key="check", width=52)
        table.add_column("Account or device", key="target")
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
        table.clear()
        order = {s.value: i for i, s in enumerate(Status)}
        for (check, target), state in sorted(states.items(), key=lambda kv: (order.get(kv[1], -1), kv[0])):
            if state == "checking":
                label = Text("Checking…", style="italic")
            else:
                status = Status(state)
                label = Text(status.label, style=STATUS_STYLE[status])
            table.add_row(label, Text(app.check_title(check)), Text(literal(target)))
