"""The Textual app: a guided audit a frightened person and an advocate can both follow.

Attributes go down (the open case, the findings book, the playbooks live on the app; screens read them),
messages come up (workers post typed messages from their threads; the app updates its state and publishes
a signal that the screens listening to it refresh on). Everything slow — opening the encrypted case, the
practice servers, the audit — runs in named workers, so the event loop never waits.
"""

from __future__ import annotations

import asyncio
import importlib
import threading
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.signal import Signal
from textual.worker import Worker, get_current_worker

from auditor.safetext import literal_multiline
from auditor.tui.book import FindingBook
from auditor.tui.commands import AuditorCommands
from auditor.tui.messages import AuditComplete, CaseFailed, CaseReady, CheckBegan, CheckDone, IndicatorsUpdated
from auditor.tui.screens import SCREENS, ScreenEntry

if TYPE_CHECKING:
    from auditor.config import Paths
    from auditor.engine import AuditEvent
    from auditor.model import Finding
    from auditor.tui.auditing import AuditPlan

# The core (pydantic models, the engine, the store) is imported in workers or after the first frame,
# so the app paints its first screen as soon as Textual is loaded.

PRACTICE_CASE = "practice"
# The practice case holds simulated accounts and this computer's scan; it is kept apart from real cases
# and opened without asking, so its passphrase is fixed and says so.
PRACTICE_PASSPHRASE = "practice-case-not-secret"
CHECKING = "checking"


class AuditCancelled(Exception):
    """The app is closing: stop the audit at the next check."""


def preload_screens() -> None:
    """Import every screen's module (and the widgets they use) in a worker, so switching to a screen
    later does not stop the event loop to read Python files."""
    for entry in SCREENS:
        importlib.import_module(entry.target.split(":", 1)[0])
    importlib.import_module("auditor.tui.screens.finding")


def _screen_factory(entry: ScreenEntry) -> Callable[[], Screen[Any]]:
    def make() -> Screen[Any]:
        module_name, class_name = entry.target.split(":", 1)
        screen: Screen[Any] = getattr(importlib.import_module(module_name), class_name)()
        return screen

    return make


class AuditorApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "auditor"
    COMMANDS = App.COMMANDS | {AuditorCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+q",
            "quick_exit",
            "Quick exit",
            priority=True,
            id="quick-exit",
            tooltip="Leave at once. Everything is saved, the case is locked and the screen is cleared.",
        ),
        Binding("o", "show('overview')", "Overview", id="overview", tooltip="Accounts, devices, counts, changes"),
        Binding("f", "show('findings')", "Findings", id="findings", tooltip="What was found, most severe first"),
        Binding("a", "start_audit", "Audit", id="audit", tooltip="Run every check again now"),
        Binding("m", "show('manual')", "By hand", id="manual", tooltip="Guided questions where no API exists"),
        Binding("l", "show('timeline')", "Timeline", id="timeline", tooltip="Evidence, reports and access paths"),
        Binding("n", "show('add_source')", "Add", id="add-source", tooltip="Add an account or an Android phone"),
        Binding("t", "toggle_theme", "Light/dark", id="theme", tooltip="Switch between light and dark", show=False),
    ]

    def __init__(
        self,
        *,
        practice: bool = False,
        autostart: bool | None = None,
        include_device: bool = True,
        scenario: str = "compromised",
        faults: tuple[str, ...] = (),
        home: Paths | None = None,
        own_process: bool = False,
    ) -> None:
        super().__init__()
        # The app runs alone in this process (``auditor``, ``auditor demo``): it may tune the collector.
        self.own_process = own_process
        self.practice = practice
        self.autostart = practice if autostart is None else autostart
        self.include_device = include_device
        self.scenario = scenario
        self.faults = faults  # practice servers' injected faults, as `auditor sandbox serve --fault` takes them
        self._home = home
        self.case: Any = None
        self.book = FindingBook()
        self.check_states: dict[tuple[str, str], str] = {}
        self.audit_running = False
        self.audits_finished = 0  # full audits finished (and saved) since the app started
        self.audit_problem: str | None = None
        self.indicators_updating = False
        self.sandbox: Any = None
        self.changed: Signal[str] = Signal(self, "changed")
        self._check_titles: dict[str, str] = {}
        for entry in SCREENS:
            self.add_mode(entry.name, _screen_factory(entry))

    # -- start --------------------------------------------------------------------------------------

    @property
    def home(self) -> Paths:
        if self._home is None:
            from auditor.config import paths

            self._home = paths()
        return self._home

    def get_default_screen(self) -> Screen[Any]:
        from auditor.tui.screens.unlock import UnlockScreen

        return UnlockScreen()

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        if self.own_process:
            from auditor.tui.heap import tune_collector

            tune_collector()
        if self.practice:
            self.open_practice_case()

    @property
    def practice_home(self) -> Paths:
        from auditor.config import Paths

        return Paths(data=self.home.data / "practice", config=self.home.config)

    @work(thread=True, exclusive=True, group="case", name="open practice case")
    def open_practice_case(self) -> None:
        from auditor.errors import AuditorError
        from auditor.store import CaseStore

        try:
            case = CaseStore.open_or_create(PRACTICE_CASE, PRACTICE_PASSPHRASE, self.practice_home)
        except AuditorError as exc:
            self.post_message(CaseFailed(str(exc)))
            return
        preload_screens()
        self.freeze_loaded()
        self.post_message(CaseReady(case))

    def freeze_loaded(self) -> None:
        """In the app's own process: what is loaded by now stays for good, so collections stop walking it."""
        if self.own_process:
            from auditor.tui.heap import freeze_loaded

            freeze_loaded()

    def on_case_ready(self, message: CaseReady) -> None:
        self.case = message.case
        runs = self.case.runs()
        if runs:
            self.book.load(self.case.findings_of(runs[-1].id))
        if self.autostart:
            self.switch_mode("findings")
            self.action_start_audit()
        else:
            self.switch_mode("overview")

    # -- navigation ---------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("show", "start_audit") and self.case is None:
            return False
        return True

    def action_show(self, name: str) -> None:
        if self.case is None:
            return
        if self.current_mode != name:
            self.switch_mode(name)

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    # -- quick exit ---------------------------------------------------------------------------------

    def action_quick_exit(self) -> None:
        """No question asked: everything is already saved. Lock the case, forget the findings, leave."""
        self.lock_and_forget()
        self.exit(0)

    def lock_and_forget(self) -> None:
        self.workers.cancel_all()
        case, self.case = self.case, None
        if case is not None:
            try:
                case.close()
            except Exception:  # an audit thread may hold the connection; the lock still goes with the process
                pass
        self.book.load([])
        sandbox, self.sandbox = self.sandbox, None
        if sandbox is not None:  # stopping waits for the servers' threads: not on the event loop
            threading.Thread(target=sandbox.stop, name="stop practice servers").start()

    def on_unmount(self) -> None:
        self.lock_and_forget()

    # -- audits -------------------------------------------------------------------------------------

    def check_title(self, check_id: str) -> str:
        if not self._check_titles:
            from auditor.audit import load_checks

            self._check_titles = {cid: c.spec.title for cid, c in load_checks().items()}
        return self._check_titles.get(check_id, check_id)

    def _plan(self, only_checks: list[str] | None = None) -> AuditPlan:
        from auditor.tui.auditing import AuditPlan, case_kinds, check_kind, practice_kinds

        if self.practice:
            if self.sandbox is None:
                from auditor.sandbox import Sandbox
                from auditor.sandbox.faults import FaultRule

                faults = [FaultRule.parse(spec) for spec in self.faults]
                self.sandbox = Sandbox(self.scenario, faults=faults, workdir=self.practice_home.data).start()
            endpoints = self.sandbox.endpoints()
            kinds = practice_kinds(endpoints, self.include_device)
        else:
            endpoints = None
            kinds = case_kinds(self.case.accounts() if self.case else [], self.include_device)
        if only_checks:
            wanted = {check_kind(c) for c in only_checks}
            kinds = [k for k in kinds if k in wanted]
        return AuditPlan(kinds=kinds, endpoints=endpoints, practice=self.practice, only_checks=only_checks)

    def action_start_audit(self) -> None:
        if self.case is None or self.audit_running:
            return
        self.audit_running = True
        self.audit_problem = None
        self.check_states.clear()
        self.changed.publish("audit")
        self.run_audit_worker()

    def recheck(self, check_id: str) -> None:
        """Run just this check again (on every account or device of its kind)."""
        self.check_states[(check_id, "")] = CHECKING
        self.run_recheck_worker(check_id)

    def _on_engine_event(self, worker: Worker[None], event: AuditEvent) -> None:
        from auditor.engine import CheckFinished, CheckStarted

        if worker.is_cancelled:
            raise AuditCancelled()
        if isinstance(event, CheckStarted):
            self.post_message(CheckBegan(event.check, event.target))
        elif isinstance(event, CheckFinished):
            self.post_message(CheckDone(event.check, event.target, event.findings))

    @work(thread=True, exclusive=True, group="audit", name="audit")
    def run_audit_worker(self) -> None:
        from auditor.errors import AuditorError
        from auditor.tui.auditing import run_plan

        worker = get_current_worker()
        self.check_title("")  # loads the checks' titles here, not on the event loop
        case = self.case
        try:
            plan = self._plan()
            run = asyncio.run(run_plan(plan, case, partial(self._on_engine_event, worker)))
            if worker.is_cancelled or case is None or case.closed:
                return
            case.save_run(run)
            for kind, target in sorted({(f.check.split(".", 1)[0], f.target) for f in run.findings}):
                case.add_account(kind, target)
            if not self.audits_finished:  # the provider libraries the first audit imported are here for good
                self.freeze_loaded()
        except AuditCancelled:
            return
        except AuditorError as exc:
            self.post_message(AuditComplete(None, True, str(exc)))
            return
        except Exception as exc:  # shown to the person; never a silent "clear"
            self.post_message(AuditComplete(None, True, f"the audit stopped: {type(exc).__name__}: {exc}"))
            return
        self.post_message(AuditComplete(run, True))

    @work(thread=True, group="recheck", name="check again")
    def run_recheck_worker(self, check_id: str) -> None:
        from auditor.tui.auditing import run_plan

        worker = get_current_worker()
        case = self.case
        try:
            run = asyncio.run(run_plan(self._plan([check_id]), case, partial(self._on_engine_event, worker)))
            if not worker.is_cancelled and case is not None and not case.closed:
                case.add_event("recheck", f"Checked again: {self.check_title(check_id)}", {"check": check_id})
        except AuditCancelled:
            return
        except Exception as exc:
            self.post_message(AuditComplete(None, False, f"checking again failed: {exc}"))
            return
        self.post_message(AuditComplete(run, False))

    def on_check_began(self, message: CheckBegan) -> None:
        self.check_states[(message.check, message.target)] = CHECKING
        self.changed.publish("audit")

    def on_check_done(self, message: CheckDone) -> None:
        from auditor.model import Status

        self.check_states.pop((message.check, ""), None)
        statuses = [f.status for f in message.findings] or [Status.ERROR]
        self.check_states[(message.check, message.target)] = min(statuses, key=list(Status).index).value
        self.book.replace(message.check, message.target, message.findings)
        self.changed.publish("findings")

    def on_audit_complete(self, message: AuditComplete) -> None:
        if message.full:
            self.audit_running = False
            self.audits_finished += message.run is not None
        self.audit_problem = message.problem
        if message.problem:
            # The problem can quote a provider or a file name: shown literally, never as markup.
            self.notify(
                literal_multiline(message.problem), title="Couldn't check", severity="error", timeout=10, markup=False
            )
        self.changed.publish("findings")

    # -- indicators ---------------------------------------------------------------------------------

    def indicator_status(self) -> tuple[str, bool]:
        """What the overview says of the stalkerware indicator set, and whether an update is offered."""
        from auditor.errors import AuditorError
        from auditor.iocs import STALE_AFTER, current_meta

        try:
            meta = current_meta(self.home)
        except AuditorError as exc:
            return f"Stalkerware indicators: could not be read ({exc}).", True
        which = "shipped with auditor" if meta.bundled else "installed"
        line = f"Stalkerware indicators: the set {which}, dated {meta.dated.date().isoformat()}"
        if self.indicators_updating:
            return line + ". Updating now…", False
        if not meta.is_stale():
            return line + ".", False
        # Said before the key is pressed: the update is the one request outside the audited providers.
        return (
            f"{line}, is more than {STALE_AFTER.days} days old; newer stalkerware may be missed. Press u to "
            "update it: that downloads Echap's list from raw.githubusercontent.com and contacts nothing else.",
            True,
        )

    def action_update_indicators(self) -> None:
        if self.indicators_updating:
            return
        self.indicators_updating = True
        self.changed.publish("indicators")
        self.run_indicator_update_worker()

    @work(thread=True, exclusive=True, group="indicators", name="update indicators")
    def run_indicator_update_worker(self) -> None:
        from auditor.errors import AuditorError
        from auditor.iocs import update_from_upstream

        try:
            indicators = update_from_upstream(where=self.home)
        except AuditorError as exc:
            self.post_message(IndicatorsUpdated(None, str(exc)))
            return
        except Exception as exc:  # shown to the person; the installed set is left as it was
            self.post_message(IndicatorsUpdated(None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(IndicatorsUpdated(indicators.source))

    def on_indicators_updated(self, message: IndicatorsUpdated) -> None:
        self.indicators_updating = False
        if message.problem:
            self.notify(
                literal_multiline(message.problem),
                title="Indicators not updated",
                severity="error",
                timeout=10,
                markup=False,
            )
        else:
            self.notify("The stalkerware indicator set is up to date.", title="Indicators updated", markup=False)
        self.changed.publish("indicators")

    def on_case_failed(self, message: CaseFailed) -> None:
        reason = literal_multiline(message.reason)
        self.notify(reason, title="The case did not open", severity="error", timeout=15, markup=False)
        say = getattr(self.screen, "say", None)
        if callable(say):  # the opening screen says it too, where the person is looking
            say(reason)

    # -- answers ------------------------------------------------------------------------------------

    def decide(self, finding: Finding, answer: str) -> None:
        """ "mine" or "not-mine" on an "Is this yours?" finding: recorded, then the check runs again."""
        import dataclasses

        from auditor.model import Status

        self.case.set_decision(finding.fingerprint, answer)
        if answer == "mine":
            self.book.remove(finding.fingerprint)
        else:
            self.book.update(dataclasses.replace(finding, status=Status.FOUND))
        self.changed.publish("findings")
        self.recheck(finding.check)

    def answer_manual(self, finding: Finding, answer: str, note: str = "") -> Finding:
        """A guided question answered: recorded in the case, shown as the engine will show it next time.

        Raises UsageError, recording nothing, when a note comes with it and the session's consent refused notes.
        """
        from auditor.checkapi import CheckContext, Decisions, Source
        from auditor.manual import manual_definitions, manual_finding
        from auditor.session.store import refuse_note_without_consent

        refuse_note_without_consent(self.case, note)
        self.case.set_decision(finding.fingerprint, answer, note)
        manual = manual_definitions()[finding.check]
        ctx = CheckContext(
            spec=manual.spec(),
            source=Source(manual.kind, finding.target),
            decisions=Decisions({finding.fingerprint: f"{answer}:{note}"}),
        )
        updated = manual_finding(ctx, manual)
        self.book.replace(finding.check, finding.target, [updated])
        self.changed.publish("findings")
        return updated
