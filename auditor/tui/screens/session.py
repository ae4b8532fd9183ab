"""The advocate session: what the person agreed to keep, their concerns, the proposed order of checks, and
the access map of the case."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from auditor.safetext import literal
from auditor.tui.screens.base import AuditorScreen
from auditor.tui.widgets.access_map import AccessMapView


class SessionScreen(AuditorScreen):
    TITLE_WORDS = "Session and access map"

    def body(self) -> ComposeResult:
        with VerticalScroll(id="session-scroll"):
            yield Static("", id="session-summary")
            yield Static(Text("Access map", style="bold underline"), classes="section-title")
            yield AccessMapView("", id="access-map")
            yield Static(Text("Checks to run, in order", style="bold underline"), classes="section-title")
            yield Static("", id="session-plan")

    def on_mount(self) -> None:
        super().on_mount()
        self.refresh_all()

    def refresh_all(self) -> None:
        from auditor.session.access_map import case_map
        from auditor.session.plan import plan_for
        from auditor.session.store import latest_session

        case = self.auditor.case
        if case is None or case.closed:
            return
        session = latest_session(case)
        self.query_one("#access-map", AccessMapView).show_map(case_map(case))
        if session is None:
            self.query_one("#session-summary", Static).update(
                Text("No session yet. Start one with `auditor session start --case NAME`.", style="dim")
            )
            self.query_one("#session-plan", Static).update("")
            return
        intake = session.intake
        summary = Text(f"Session started {session.started_at:%Y-%m-%d %H:%M} UTC\n", style="bold")
        c = intake.consent
        kept = [
            w
            for w, on in (("concerns", c.concerns), ("accounts", c.accounts), ("people", c.people), ("notes", c.notes))
            if on
        ]
        summary.append("Kept in the case: " + (", ".join(kept) if kept else "only the consent choices") + "\n")
        for concern in intake.concerns:
            summary.append(f"  • {concern.label}\n")
        self.query_one("#session-summary", Static).update(summary)
        plan = Text()
        phase = None
        for n, step in enumerate(plan_for(intake), 1):
            if step.phase != phase:
                phase = step.phase
                plan.append(f"{phase.title}\n", style="bold")
            how = "automated" if step.automated else "by hand"
            plan.append(f"{n:>3}. {step.title} ({how})")
            if step.targets:
                plan.append(" — " + "; ".join(literal(t, 100) for t in step.targets), style="dim")
            plan.append("\n")
        self.query_one("#session-plan", Static).update(plan)
