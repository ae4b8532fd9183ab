"""The command palette's main actions (ctrl+p): every registered screen, the audit, quick exit, theme."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from auditor.tui.screens import SCREENS

if TYPE_CHECKING:
    from auditor.tui.app import AuditorApp


class AuditorCommands(Provider):
    def _commands(self) -> Iterator[tuple[str, Callable[[], object], str]]:
        app = cast("AuditorApp", self.app)
        if app.case is not None:
            yield "Audit now", app.action_start_audit, "Run every check on the case's accounts and this computer"
            for entry in SCREENS:
                yield f"Show {entry.title}", partial(app.action_show, entry.name), entry.help
        yield (
            "Update stalkerware indicators",
            app.action_update_indicators,
            "Download Echap's current list from raw.githubusercontent.com; nothing else is contacted",
        )
        yield "Quick exit", app.action_quick_exit, "Leave at once; the case is locked and the screen cleared"
        yield "Switch light / dark", app.action_toggle_theme, "Change the colours"

    async def discover(self) -> Hits:
        for title, command, help_text in self._commands():
            yield DiscoveryHit(title, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, command, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), command, help=help_text)
