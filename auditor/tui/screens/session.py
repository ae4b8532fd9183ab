"""The advocate session: what the person agreed to keep, their concerns, the proposed order of checks, and
the access map of the case."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Static
from textual.worker import get_current_worker

from auditor.model import Status
from auditor.safetext import literal
from auditor.tui.screens.base import AuditorScreen
from auditor.tui.screens.intake import IntakeScreen
from auditor.tui.widgets.access_map import AccessMapView
from auditor.tui.widgets.text import STATUS_STYLE

if TYPE_CHECKING:
    from auditor.session.access_map import AccessMap
    from auditor.session.plan import PlanStep
    from auditor.session.store import Session
    from auditor.store import CaseStore


class SessionRead(Message):
    """The case's session, access map and plan, read in a worker."""

    def __init__(
        self, amap: AccessMap | None, session: Session | None, plan: list[PlanStep], problem: str = ""
    ) -> None:
        super().__init__()
        self.amap = amap
        self.session = session
        self.plan = plan
        self.problem = problem  # set when the case could not be read: said, never shown as an empty map


START_TOOLTIP = "Ask what may be kept, the chief concerns, and the devices and accounts; keep only what is agreed"


class SessionScreen(AuditorScreen):
    TITLE_WORDS = "Session and access map"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "start_session", "Start a session", id="start-session", tooltip=START_TOOLTIP),
    ]
    loaded = False  # the first reading of the case is on the screen

    def body(self) -> ComposeResult:
        with VerticalScroll(id="session-scroll"):
            with Horizontal(classes="buttons"):
                yield Button("Start a session", id="start-session", tooltip=START_TOOLTIP)
            yield Static("", id="session-summary")
            yield Static(Text("Access map", style="bold underline"), classes="section-title")
            yield AccessMapView("", id="access-map")
            yield Static(Text("Checks to run, in order", style="bold underline"), classes="section-title")
            yield Static("", id="session-plan")

    def on_mount(self) -> None:
        super().on_mount()
        self.refresh_all()

    @on(Button.Pressed, "#start-session")
    def action_start_session(self) -> None:
        if self.auditor.case is not None:
            self.app.push_screen(IntakeScreen())

    def refresh_all(self) -> None:
        case = self.auditor.case
        if case is None or case.closed:
            return
        self.read_session(case)

    @work(thread=True, exclusive=True, group="session-screen", name="read the session")
    def read_session(self, case: CaseStore) -> None:
        """The map reads every audit the case holds: in a worker, so a long case never stops the app."""
        from auditor.application.sessions import plan_for
        from auditor.session.access_map import case_map
        from auditor.session.store import latest_session

        try:
            session = latest_session(case)
            amap = case_map(case)
            plan = plan_for(session.intake) if session is not None else []
            read = SessionRead(amap, session, plan)
        except Exception as exc:  # the case was locked meanwhile, or is damaged: said, not hidden
            read = SessionRead(None, None, [], f"{type(exc).__name__}: {exc}")
        if not get_current_worker().is_cancelled:
            self.post_message(read)

    def on_session_read(self, message: SessionRead) -> None:
        self.loaded = True
        if message.amap is None:
            problem = Text("Couldn't read the session: ", style=STATUS_STYLE[Status.ERROR])
            problem.append(literal(message.problem))
            self.query_one("#session-summary", Static).update(problem)
            return
        self.query_one("#access-map", AccessMapView).show_map(message.amap)
        session = message.session
        if session is None:
            self.query_one("#session-summary", Static).update(
                Text(
                    "No session yet. Start one with the button above (or `auditor session start --case NAME`).",
                    style="dim",
                )
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
        for n, step in enumerate(message.plan, 1):
            if step.phase != phase:
                phase = step.phase
                plan.append(f"{phase.title}\n", style="bold")
            how = "automated" if step.automated else "by hand"
            plan.append(f"{n:>3}. {step.title} ({how})")
            if step.targets:
                plan.append(" — " + "; ".join(literal(t, 100) for t in step.targets), style="dim")
            plan.append("\n")
        self.query_one("#session-plan", Static).update(plan)
