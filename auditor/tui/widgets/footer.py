"""The footer, rebuilt only when what it shows changes.

Textual's footer rebuilds all its keys whenever the screen's bindings are refreshed (a focus change, the
case opening, a finding arriving that moves the highlight), each key restyled as it is mounted: tens of
milliseconds on the event loop each time, most of them for the same keys. This one compares what it would
show (keys, words, tooltips, which are enabled) with what it shows, and keeps its keys when nothing changed.

Textual calls ``bindings_changed`` (undocumented) on every change of the screen's bindings; whether the footer's
bindings are ready and whether Textual's footer asked for a rebuild are private to Textual: both are read through
auditor/tui/textual_private.py.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from auditor.tui.textual_private import footer_bindings_ready, footer_rebuild_asked


def shown_bindings(screen: Screen[object]) -> tuple[Hashable, ...]:
    """What a footer on ``screen`` shows: every binding it lists (and the palette's), as comparable values."""
    return tuple(
        (binding.key, binding.action, binding.description, binding.tooltip, binding.show, enabled, tooltip)
        for _, binding, enabled, tooltip in screen.active_bindings.values()
    )


class AuditorFooter(Footer):
    _shown: tuple[Hashable, ...] | None = None  # what the keys on show were built from
    _rebuild_pending = False  # a rebuild is on its way; it reads the bindings as they are by then

    def compose(self) -> ComposeResult:
        if footer_bindings_ready(self):
            self._shown = shown_bindings(self.screen)
            self._rebuild_pending = False
        yield from super().compose()

    def bindings_changed(self, screen: Screen[object]) -> None:
        if self._rebuild_pending:
            return
        if footer_bindings_ready(self) and shown_bindings(screen) == self._shown:
            return  # the same keys, words and states as on show: nothing to rebuild
        super().bindings_changed(screen)
        self._rebuild_pending = footer_rebuild_asked(self, screen)
