"""Each use of Textual's private or undocumented API (auditor/tui/textual_private.py) still does what the app
relies on, one test per use and named after it; and no other module under auditor/tui/ reaches into Textual's
privates. A Textual upgrade that changes one of them fails the test named for it."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path
from typing import ClassVar

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Input

import auditor.tui
from auditor.tui.textual_private import DrawnInput, footer_bindings_ready, footer_rebuild_asked

TUI = Path(auditor.tui.__file__).resolve().parent
PRIVATE_MODULE = TUI / "textual_private.py"
# Every private name of Textual that textual_private.py uses, each with its test in this file. A new one needs
# its own test here, and its name here.
KNOWN_PRIVATE_USES = {"_value", "_position_to_cell", "_bindings_ready"}


class Marked(DrawnInput):
    """Draws ESC as ␛ (one cell for a character that Rich counts as none)."""

    def drawn(self, value: str) -> str:
        return value.replace("\x1b", "␛")


class Fields(App[None]):
    """The same value in a DrawnInput, in Textual's own Input and in a DrawnInput for a password."""

    def __init__(self, typed: str) -> None:
        super().__init__()
        self.typed = typed

    def compose(self) -> ComposeResult:
        yield Marked(value=self.typed, id="drawn")
        yield Input(value=self.typed, id="plain")
        yield Marked(value=self.typed, password=True, id="password")


class WithFooter(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("x", "bell", "Ring")]

    def __init__(self, footer: Footer) -> None:
        super().__init__()
        self.footer = footer

    def compose(self) -> ComposeResult:
        yield Input()
        yield self.footer


# -- DrawnInput: Input._value and Input._position_to_cell ----------------------------------------------------


async def test_drawn_input_draws_its_value() -> None:
    """What Input.render_line draws is what DrawnInput._value gives, and Input sizes itself by it."""
    typed = "a\x1b[31mb"
    app = Fields(typed)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        drawn, plain, password = (app.query_one(f"#{name}", Input) for name in ("drawn", "plain", "password"))
        assert "\x1b" in plain.render_line(0).text  # Textual's own Input draws the escape as it is
        line = drawn.render_line(0).text
        assert "a␛[31mb" in line and "\x1b" not in line
        assert drawn.value == typed  # kept exactly as typed
        assert drawn.content_width == cell_len("a␛[31mb") + 1  # one more cell for the cursor at the end
        assert "•" * len(typed) in password.render_line(0).text  # a password is drawn as Textual draws it


async def test_drawn_input_counts_the_cursor_over_drawn_cells() -> None:
    """Input places its cursor with DrawnInput._position_to_cell: after three ESCs it is three cells in."""
    app = Fields("\x1b\x1b\x1bx")
    async with app.run_test(size=(40, 12)) as pilot:
        drawn, plain = app.query_one("#drawn", Input), app.query_one("#plain", Input)
        for field in (drawn, plain):
            field.focus()
            await pilot.pause()  # focusing selects the whole value, the cursor at its end
            field.cursor_position = 3
            await pilot.pause()
        assert cursor_cell(plain) == 0  # Textual counts an ESC as no cell
        assert cursor_cell(drawn) == 3  # each drawn ␛ is one


def cursor_cell(field: Input) -> int:
    """The cell of the field's content the cursor is on."""
    return field.cursor_screen_offset.x - field.content_region.x + field.scroll_offset.x


# -- the footer: Footer._bindings_ready and Footer.bindings_changed ------------------------------------------


async def test_footer_bindings_ready_follows_textual() -> None:
    """A footer not yet told its screen's bindings composes no keys; once told, it is ready and shows them."""
    unmounted = Footer()
    assert footer_bindings_ready(unmounted) is False
    assert list(unmounted.compose()) == []
    footer = Footer()
    app = WithFooter(footer)
    async with app.run_test() as pilot:
        for _ in range(50):
            if footer_bindings_ready(footer):
                break
            await pilot.pause()
        assert footer_bindings_ready(footer) is True
        await pilot.pause()
        assert footer.children, "a ready footer shows its screen's keys"


async def test_footer_rebuild_asked_matches_bindings_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Footer.bindings_changed asks for a rebuild exactly when footer_rebuild_asked says it did."""
    footer = Footer()
    app = WithFooter(footer)
    async with app.run_test() as pilot:
        await pilot.pause()
        asked: list[object] = []

        def record(callback: object, *args: object, **kwargs: object) -> bool:
            asked.append(callback)
            return True

        monkeypatch.setattr(footer, "call_after_refresh", record)
        unmounted = Footer()
        monkeypatch.setattr(unmounted, "call_after_refresh", record)

        def outcome(which: Footer, screen: Screen[object]) -> tuple[bool, bool]:
            asked.clear()
            Footer.bindings_changed(which, screen)
            return bool(asked), footer_rebuild_asked(which, screen)

        assert outcome(footer, app.screen) == (True, True)  # its own screen, the app focused
        assert asked == [footer.recompose]
        assert outcome(footer, Screen()) == (False, False)  # another screen's bindings
        assert outcome(unmounted, app.screen) == (False, False)  # a footer not attached
        app.app_focus = False
        assert outcome(footer, app.screen) == (False, False)  # the app not focused
        app.app_focus = True


async def test_textual_calls_the_footers_bindings_changed() -> None:
    """Textual tells a mounted footer of every change of its screen's bindings through bindings_changed, which
    the app's footer overrides."""
    told: list[Screen[object]] = []

    class Listening(Footer):
        def bindings_changed(self, screen: Screen[object]) -> None:
            told.append(screen)
            super().bindings_changed(screen)

    app = WithFooter(Listening())
    async with app.run_test() as pilot:
        await pilot.pause()
        assert told and all(screen is app.screen for screen in told)
        told.clear()
        app.screen.refresh_bindings()
        await pilot.pause()
        assert told == [app.screen]


# -- nothing else under auditor/tui/ uses Textual's privates --------------------------------------------------


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def textual_defines(cls: type, name: str) -> bool:
    """Whether one of Textual's classes that ``cls`` derives from has ``name`` (a class attribute or one its
    methods set on the instance)."""
    for base in cls.__mro__:
        if not base.__module__.startswith("textual"):
            continue
        if name in vars(base):
            return True
        try:
            source = inspect.getsource(base)
        except (OSError, TypeError):
            continue
        if re.search(rf"\bself\.{re.escape(name)}\b", source):
            return True
    return False


def module_name(path: Path) -> str:
    parts = path.relative_to(TUI.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def private_uses(path: Path) -> list[str]:
    """Each use of Textual's privates in the file: a private module or name imported from Textual, an
    underscore attribute of anything but the object's own ``self``, an underscore attribute that a Textual class
    the object derives from has, getattr and friends with an underscore name, and an attribute set on a class
    imported from Textual."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module = importlib.import_module(module_name(path))
    from_textual: set[str] = set()
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "textual":
            from_textual.update(alias.asname or alias.name for alias in node.names)
            parts = [*(node.module or "").split("."), *(alias.name for alias in node.names)]
            found += [f"line {node.lineno}: imports {node.module}: {p}" for p in parts if is_private(p)]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "textual":
                    from_textual.add((alias.asname or alias.name).split(".")[0])
                    if any(is_private(part) for part in alias.name.split(".")):
                        found.append(f"line {node.lineno}: imports {alias.name}")
        elif isinstance(node, ast.Attribute) and is_private(node.attr):
            if not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in ("getattr", "setattr", "hasattr", "delattr") and len(node.args) >= 2:
                name = node.args[1]
                if isinstance(name, ast.Constant) and isinstance(name.value, str) and is_private(name.value):
                    found.append(f"line {node.lineno}: {ast.unparse(node)}")
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                    if target.value.id in from_textual:
                        found.append(f"line {node.lineno}: sets {ast.unparse(target)} on Textual's class")
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        cls = getattr(module, node.name, None)
        if not isinstance(cls, type):
            continue
        own: set[str] = set()
        for inner in ast.walk(node):
            if isinstance(inner, ast.Attribute) and isinstance(inner.value, ast.Name):
                if inner.value.id in ("self", "cls") and is_private(inner.attr):
                    own.add(inner.attr)
        for statement in node.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and is_private(statement.name):
                own.add(statement.name)
            elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                own.add(statement.target.id)
            elif isinstance(statement, ast.Assign):
                own.update(t.id for t in statement.targets if isinstance(t, ast.Name))
        found += [
            f"class {node.name}: {name} is also Textual's"
            for name in sorted(own)
            if is_private(name) and textual_defines(cls, name)
        ]
    return found


def test_the_scan_finds_the_private_uses_of_textual_private() -> None:
    """The scan sees what textual_private.py does (so it can fail), and that is only the uses tested above."""
    found = private_uses(PRIVATE_MODULE)
    names = {name for name in KNOWN_PRIVATE_USES if any(name in line for line in found)}
    assert names == KNOWN_PRIVATE_USES, found
    unknown = [line for line in found if not any(name in line for name in KNOWN_PRIVATE_USES)]
    assert unknown == []


def test_nothing_else_under_auditor_tui_uses_textual_privates() -> None:
    """Textual's private or undocumented API is used in auditor/tui/textual_private.py only (with a test here)."""
    found = {
        str(path.relative_to(TUI)): uses
        for path in sorted(TUI.rglob("*.py"))
        if path != PRIVATE_MODULE and (uses := private_uses(path))
    }
    assert found == {}
