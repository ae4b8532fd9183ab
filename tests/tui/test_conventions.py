"""The app's conventions: every binding has an id and a tooltip, one stylesheet, the PRACTICE banner and the
quick exit on every screen at 80×24 with nothing that matters cut off, and the keyboard reaches everything."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

from textual.binding import Binding
from textual.dom import DOMNode

import auditor.tui
import auditor.tui.screens
import auditor.tui.widgets
from auditor.model import Status
from auditor.tui.app import AuditorApp
from tui.helpers import first, open_finding, questionnaire, shows, wait_for, wait_for_audit
from tui.screen_text import screen_text

TUI = Path(auditor.tui.__file__).parent


def app_classes() -> list[type[DOMNode]]:
    """The app, its screens and its widgets (every DOM class defined under auditor/tui)."""
    found: list[type[DOMNode]] = [AuditorApp]
    for package in (auditor.tui.screens, auditor.tui.widgets):
        for module in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            loaded = importlib.import_module(module.name)
            found += [
                cls
                for _, cls in inspect.getmembers(loaded, inspect.isclass)
                if issubclass(cls, DOMNode) and cls.__module__ == loaded.__name__
            ]
    return found


def test_every_binding_has_an_id_and_a_tooltip() -> None:
    classes = app_classes()
    assert {"AuditorApp", "FindingScreen", "FindingsScreen", "ManualScreen"} <= {c.__name__ for c in classes}
    checked = 0
    for cls in classes:
        for binding in cls.__dict__.get("BINDINGS", []):
            assert isinstance(binding, Binding), f"{cls.__name__}: {binding!r} is not a Binding"
            assert binding.id, f"{cls.__name__}: the binding for {binding.key!r} has no id"
            assert binding.tooltip, f"{cls.__name__}: the binding for {binding.key!r} has no tooltip"
            checked += 1
    assert checked >= 12


def test_one_stylesheet_and_no_css_in_code() -> None:
    assert sorted(p.name for p in TUI.rglob("*.tcss")) == ["app.tcss"]
    for cls in app_classes():
        for name in ("CSS", "DEFAULT_CSS"):
            assert not cls.__dict__.get(name), f"{cls.__name__}.{name}: styles belong in app.tcss"


async def test_at_80_by_24_every_screen_shows_the_banner_and_quick_exit_and_nothing_important_is_cut() -> None:
    app = AuditorApp(practice=True, include_device=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_audit(pilot)
        seen: dict[str, str] = {"findings": screen_text(app)}
        for mode, keys in (
            ("overview", ("o",)),
            ("audit", ("ctrl+p", *"audit progress", "enter")),
            ("manual", ("m",)),
            ("timeline", ("l",)),
            ("session", ("ctrl+p", *"session and access", "enter")),
            ("add_source", ("n",)),
        ):
            await pilot.press(*keys)
            await wait_for(pilot, shows(app, mode), mode)
            await pilot.pause(0.2)
            seen[mode] = screen_text(app)
        await open_finding(pilot, first(app, Status.FOUND, "google.gmail"))
        seen["finding"] = screen_text(app)

        for name, text in seen.items():
            lines = text.splitlines()
            assert len(lines) == 24, name
            assert lines[0].startswith("PRACTICE —") and "(read-only)" in lines[0], f"{name}: {lines[0]!r}"
            assert "^q Quick exit" in lines[-1], f"{name}: the footer reads {lines[-1]!r}"
        # The overview's four counts all fit beside the account's name.
        overview = seen["overview"]
        for words in ("Found", "Is this", "yours?", "Couldn't", "Check by", "hand"):
            assert words in overview
        gmail = next(line for line in overview.splitlines() if "ann.example@gmail.com" in line)
        counts = app.book.counts("ann.example@gmail.com")
        numbers = [counts[s] for s in (Status.FOUND, Status.REVIEW, Status.ERROR, Status.MANUAL)]
        assert gmail.split(")", 1)[1].split() == [str(n) for n in numbers]
        # The audit's table keeps the account beside each check; long titles wrap rather than push it off.
        audit_rows = [line for line in seen["audit"].splitlines() if line.lstrip().startswith("Found")]
        assert audit_rows and all("ann.example@" in line for line in audit_rows)
        await pilot.press("ctrl+q")


async def test_the_keyboard_alone_reaches_the_add_screen_and_its_warning() -> None:
    app = AuditorApp(practice=True, include_device=False, autostart=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.current_mode == "overview", "the overview")
        await pilot.press("n")
        await wait_for(pilot, lambda: app.current_mode == "add_source", "the add screen")
        for _ in range(12):
            if app.focused is not None and app.focused.id == "kind-google":
                break
            await pilot.press("tab")
        assert app.focused is not None and app.focused.id == "kind-google"
        await pilot.press("enter")
        await pilot.pause()
        assert "Before you connect your Google account" in screen_text(app)
        await pilot.press("ctrl+q")


async def test_the_arrow_keys_move_between_the_questions_and_the_screen_says_so() -> None:
    app = AuditorApp(practice=True, include_device=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_audit(pilot)
        await pilot.press("m")
        await wait_for(pilot, lambda: app.current_mode == "manual", "the questionnaire")
        assert "← → the other questions" in screen_text(app)
        app.screen.query_one("#answer-not-sure").focus()
        await pilot.press("right")
        await pilot.pause()
        assert "Question 2 of" in screen_text(app)
        await pilot.press("left", "left")
        await pilot.pause()
        total = len(questionnaire(app).questions())
        assert f"Question {total} of {total}" in screen_text(app)  # round to the last one
        await pilot.press("ctrl+q")
