"""The footer, rebuilt only when what it shows changes.

Textual's footer rebuilds all its keys whenever the screen's bindings are refreshed (a focus change, the
case opening, a finding arriving that moves the highlight), each key restyled as it is mounted: tens of
milliseconds on the event loop each time, most of them for the same keys. This one compares what it would
show (keys, words, tooltips, which are enabled) with what it shows, and keeps its keys when nothing changed.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.screen import Screen
from textual.widgets import Footer


def shown_bindings(screen: Screen[object]) -> tuple[Hashable, ...]:
    """What a footer on ``screen`` shows: every binding it lists (and the palette's), as comparable values."""
    return tuple(
        (binding.key, binding.action, binding.description, binding.tooltip, binding.show, enabled, tooltip)
        for _, binding, enabled, tooltip in screen.active_bindings.values()
    )


class AuditorFooter(Footer):
    _shown: tuple[Hashable, ...] | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        shown = shown_bindings(screen)
        if self._bindings_ready and shown == self._shown:
            return  # the same keys, words and states: nothing to rebuild
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._shown = shown  # Footer.bindings_changed rebuilds now
        super().bindings_changed(screen)
