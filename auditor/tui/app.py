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

from auditor.application.cases import PRACTICE_CASE, PRACTICE_PASSPHRASE
from auditor.safetext import literal_multiline
from auditor.tui.book import FindingBook
from auditor.tui.commands import AuditorCommands
from auditor.tui.messages import AuditComplete, CaseFailed, CaseReady, CheckBegan, CheckDone, IndicatorsUpdated
from auditor.tui.screens import SCREENS, ScreenEntry

if TYPE_CHECKING:
    from auditor.application.auditing import AuditPlan, Progress
    from auditor.config import Paths
    from auditor.model import Finding

# The core (pydantic models, the engine, the store) is imported in workers or after the first frame,
# so the app paints its first screen as soon as Textual is loaded. The app reaches it only through the
# application layer (auditor.application), as the command line does.

__all__ = ["PRACTICE_CASE", "PRACTICE_PASSPHRASE", "AuditorApp"]

CHECKING = "checking"


def preload_screens() -> None:
    """Import every screen's module (and the widgets they use) in a worker, so switching to a screen
    later does not stop the event loop to read Python files."""
    for entry in SCREENS:
        importlib.import_module(entry.target.split(":", 1)[0])
    importlib.import_module("auditor.tui.screens.finding")
    importlib.import_module("auditor.tui.screens.fix")
    importlib.import_module("auditor.tui.screens.restore")


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
        from auditor.application.cases import practice_home

        return practice_home(self.home)

    @work(thread=True, exclusive=True, group="case", name="open practice case")
    def open_practice_case(self) -> None:
        from auditor.application.cases import open_practice_case
        from auditor.errors import AuditorError

        try:
            case = open_practice_case(self.home)
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
        from auditor.application.phones import current_findings

        self.case = message.case
        # Each account and device as last read: an iPhone is read on its own, and an audit of the case skips it.
        self.book.load(current_findings(self.case))
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
            from auditor.application.checks import check_titles

            self._check_titles = check_titles()
        return self._check_titles.get(check_id, check_id)

    def _plan(self) -> AuditPlan:
        """The practice servers (started the first time) and this computer; or the case's accounts and devices."""
        from auditor.application.auditing import AuditPlan

        if self.practice:
            from auditor.application.practice import practice_plan, practice_servers

            if self.sandbox is None:
                self.sandbox = practice_servers(self.scenario, self.faults, self.practice_home.data).start()
            return practice_plan(self.sandbox, self.include_device)
        from auditor.application.kinds import case_kinds

        kinds = case_kinds(self.case.accounts() if self.case else [], self.include_device)
        return AuditPlan(kinds=tuple(kinds))

    def audit_plan(self) -> AuditPlan:
        """What an audit of this case reads, and where (the practice servers in practice mode): a change made
        from the app is sent there, and its check runs again there. Blocking: call it from a worker."""
        return self._plan()

    def action_start_audit(self) -> None:
        if self.case is None or self.audit_running:
            return
        self.audit_running = True
        self.audit_problem = None
        self.check_states.clear()
        self.changed.publish("audit")
        self.run_audit_worker()

    def recheck(self, check_id: str) -> bool:
        """Run just this check again (on every account or device of its kind). False, with the reason shown, for an
        iPhone's check: the phone is read only from Add an iPhone, which says first what tapping Trust means."""
        from auditor.application.kinds import READ_WHEN_ASKED_WORDS, read_only_when_asked

        if read_only_when_asked(check_id):
            self.notify(READ_WHEN_ASKED_WORDS, title="Not checked again", markup=False)
            return False
        self.check_states[(check_id, "")] = CHECKING
        self.run_recheck_worker(check_id)
        return True

    def _post_progress(self, event: Progress) -> None:
        """Called from the audit's thread: each event becomes a message for the event loop."""
        from auditor.application.auditing import CheckStarted

        if isinstance(event, CheckStarted):
            self.post_message(CheckBegan(event.check, event.target))
        else:
            self.post_message(CheckDone(event.check, event.target, event.findings))

    @work(thread=True, exclusive=True, group="audit", name="audit")
    def run_audit_worker(self) -> None:
        from auditor.application.auditing import AuditCancelled, audit_into_case
        from auditor.errors import AuditorError

        worker = get_current_worker()
        self.check_title("")  # loads the checks' titles here, not on the event loop
        case = self.case
        if case is None:
            return
        try:
            plan = self._plan()
            audited = asyncio.run(
                audit_into_case(case, plan, on_progress=self._post_progress, should_stop=partial(_cancelled, worker))
            )
            run = audited.run
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
        from auditor.application.auditing import AuditCancelled, check_again

        worker = get_current_worker()
        case = self.case
        if case is None:
            return
        try:
            run = asyncio.run(
                check_again(
                    case,
                    self._plan(),
                    check_id,
                    on_progress=self._post_progress,
                    should_stop=partial(_cancelled, worker),
                )
            )
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

        from auditor.application.answers import answer_review
        from auditor.model import Status

        # The finding may come from the audit still running, not saved yet.
        answer_review(self.case, finding.fingerprint, answer, stored_only=False)
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
        from auditor.application.answers import answer_guided

        updated = answer_guided(self.case, finding.check, finding.target, answer, note).finding
        self.book.replace(finding.check, finding.target, [updated])
        self.changed.publish("findings")
        return updated


def _cancelled(worker: Worker[None]) -> bool:
    """The app is closing (or the audit was replaced): the audit stops at its next check and saves nothing."""
    return worker.is_cancelled
