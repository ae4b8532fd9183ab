"""Overview: the case's accounts and devices with their counts, and what changed since the last audit."""

from __future__ import annotations

import textwrap
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Static

from auditor.model import Finding
from auditor.safetext import literal
from auditor.tui.book import counted
from auditor.tui.screens.base import AuditorScreen
from auditor.tui.widgets.text import STATUS_STYLE

KIND_WORDS = {
    "device": "this computer",
    "google": "Google",
    "microsoft": "Microsoft",
    "exchange": "Exchange",
    "android": "Android phone",
    "ios": "iPhone, read only from Add an iPhone",
}


def iphones_text(accounts: list[dict[str, object]], findings: list[Finding]) -> Text:
    """That an audit of the case does not read the iPhone, how it is read, and when each was last read (the
    phone's name as it gave it, literally). Empty when the case has no iPhone."""
    from auditor.application.phones import iphone_reads, not_read_words

    lines = not_read_words(iphone_reads(accounts, findings))
    text = Text()
    for number, line in enumerate(lines):
        text.append(literal(line), style="bold" if number == 0 else "")
        if number < len(lines) - 1:
            text.append("\n")
    return text


class OverviewScreen(AuditorScreen):
    TITLE_WORDS = "Overview"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "u",
            "update_indicators",
            "Update indicators",
            id="update-indicators",
            tooltip="Download Echap's current stalkerware indicator list (contacts raw.githubusercontent.com only)",
            show=False,
        ),
    ]

    def body(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("", id="case-line")
            yield Static("", id="indicators-line")
            # Two-line headings keep the four counts and the account's name within 80 columns.
            yield DataTable(id="counts", cursor_type="row", zebra_stripes=True, header_height=2)
            yield Static("", id="iphones")
            yield Static("", id="changes")
            with Horizontal(classes="buttons"):
                yield Button("Audit now", id="audit-now", variant="primary", tooltip="Run every check (a)")
                yield Button("Findings", id="go-findings", tooltip="What was found (f)")
                yield Button("Check by hand", id="go-manual", tooltip="Guided questions (m)")
                yield Button("Add account", id="go-add", tooltip="Google, Microsoft, Exchange, Android (n)")

    def on_mount(self) -> None:
        table = self.query_one("#counts", DataTable)
        table.add_column("Account or device", key="target")
        for status in counted():
            heading = "\n".join(textwrap.wrap(status.label, 8))
            table.add_column(Text(heading, style=STATUS_STYLE[status]), key=status.value)
        self.refresh_all()

    def refresh_all(self) -> None:
        app = self.auditor
        case = app.case
        if case is None or case.closed:
            return
        book = app.book
        accounts = case.accounts()
        runs = case.runs()
        line = Text()
        line.append("Practice case" if app.practice else f"Case: {literal(case.name)}", style="bold")
        line.append(f" — {len(runs)} audit{'s' if len(runs) != 1 else ''} so far")
        if app.audit_running:
            line.append(" — an audit is running (see Audit progress)", style="italic")
        self.query_one("#case-line", Static).update(line)
        words, offered = app.indicator_status()
        self.query_one("#indicators-line", Static).update(Text(words, style="bold" if offered else "dim"))

        table = self.query_one("#counts", DataTable)
        table.clear()
        targets = book.targets()
        for account in accounts:
            if account["target"] not in targets:
                targets.append(str(account["target"]))
        kinds = {str(a["target"]): str(a["kind"]) for a in accounts}
        for target in targets:
            counts = book.counts(target)
            name = Text(literal(target))
            if target in kinds:
                name.append(f" ({KIND_WORDS.get(kinds[target], kinds[target])})", style="dim")
            table.add_row(name, *(str(counts[s]) for s in counted()), key=target)
        if not targets:
            table.add_row(Text("Nothing audited yet — press a to audit this computer"), "", "", "", "")
        iphones = self.query_one("#iphones", Static)
        iphones.update(said := iphones_text(accounts, book.all()))
        iphones.display = bool(said.plain)  # no iPhone in the case: no empty line either

        changes = case.latest_changes()
        text = Text()
        text.append("Since the last audit: ", style="bold")
        if changes is None:
            text.append("this case has fewer than two audits, so there is nothing to compare yet.")
        else:
            numbers = (len(changes.new), len(changes.resolved), len(changes.unchanged))
            text.append("{} new, {} resolved, {} unchanged.".format(*numbers))
            for label, items in (("NEW", changes.new), ("RESOLVED", changes.resolved)):
                for finding in items[:6]:
                    text.append(f"\n  {label:<9}", style="bold")
                    text.append(f"{finding.status.label}: ", style=STATUS_STYLE[finding.status])
                    text.append(literal(finding.title))
                if len(items) > 6:
                    text.append(f"\n  … and {len(items) - 6} more {label.lower()}")
        self.query_one("#changes", Static).update(text)

    def action_update_indicators(self) -> None:
        self.auditor.action_update_indicators()

    @on(Button.Pressed, "#audit-now")
    def audit_now(self) -> None:
        self.auditor.action_start_audit()
        self.auditor.action_show("audit")

    @on(Button.Pressed, "#go-findings")
    def go_findings(self) -> None:
        self.auditor.action_show("findings")

    @on(Button.Pressed, "#go-manual")
    def go_manual(self) -> None:
        self.auditor.action_show("manual")

    @on(Button.Pressed, "#go-add")
    def go_add(self) -> None:
        self.auditor.action_show("add_source")
