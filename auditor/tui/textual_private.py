"""Every use the app makes of Textual's private or undocumented API, and nothing else.

Checked against Textual 8.2 (8.2.8). Each use below says why the public API does not do it and what would break
if Textual changed it. tests/tui/test_textual_private.py has one test per use, named after it, proving it still
does what the app relies on, so a Textual upgrade that changes one fails that test by name; the same file scans
the rest of auditor/tui/ so that no other module reaches into Textual's privates (underscore attributes of
Textual's objects, Textual's private modules, patched Textual classes).

- ``DrawnInput``: overrides ``Input._value`` and ``Input._position_to_cell`` (the text field that never sends
  what was typed into it to the terminal raw).
- ``footer_bindings_ready``: reads ``Footer._bindings_ready``.
- ``footer_rebuild_asked``: the condition under which ``Footer.bindings_changed`` (an undocumented method Textual
  calls on every change of the screen's bindings, which the app's footer overrides) rebuilds the footer.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.screen import Screen
from textual.widgets import Footer, Input

TEXTUAL_CHECKED = "8.2"  # the Textual version every use below was read against


class DrawnInput(Input):
    """A text field that draws ``drawn(value)`` where Textual's Input draws the value itself, and counts the
    cursor over the cells drawn; the value is kept exactly as typed. A password field is drawn as Textual draws
    it (one bullet per character).

    Textual 8.2 has no public way to change how an Input draws its value: ``Input.render_line`` draws
    ``self._value`` (a Rich Text of the value, highlighted), and everything that places the cursor or scrolls
    (``cursor_screen_offset``, ``content_width``, the selection watcher) counts cells with
    ``self._position_to_cell``. A ``highlighter`` can restyle characters but not replace them, and an escape
    sequence or bidi control has to be replaced, not styled, to stay off the terminal.
    """

    def drawn(self, value: str) -> str:
        """What is drawn for ``value`` or any leading part of it: one character for each of its characters, so
        the cursor stays under the character it is at. Subclasses say what; this one draws the value as it is."""
        return value

    @property
    def _value(self) -> Text:
        """Overrides ``Input._value`` (a property: the value as drawn, Rich Text on one line).

        What breaks if Textual renames it or stops drawing through it: the field draws the raw value again, and
        an escape sequence typed or pasted into it reaches the terminal (test_drawn_input_draws_its_value).
        """
        if self.password:
            return super()._value
        return Text(self.drawn(self.value), no_wrap=True, overflow="ignore", end="")

    def _position_to_cell(self, position: int) -> int:
        """Overrides ``Input._position_to_cell`` (the cell a character index of the value starts at).

        What breaks if Textual renames it or stops placing the cursor with it: the cursor and the scrolling are
        counted over the raw value (where an escape is no cells wide) while the drawn value has one cell for it,
        so the cursor lands beside the character it is at (test_drawn_input_counts_the_cursor_over_drawn_cells).
        """
        if self.password:
            return super()._position_to_cell(position)
        return cell_len(self.drawn(self.value[:position]))


def footer_bindings_ready(footer: Footer) -> bool:
    """Whether Textual's footer has been told its screen's bindings yet (``Footer._bindings_ready``, a private
    reactive that ``Footer.bindings_changed`` sets; until then ``Footer.compose`` yields no keys).

    Textual 8.2 has no public way to ask this; the app's footer needs it to know whether the keys it composes
    are the screen's. What breaks if Textual renames or drops it: AttributeError when the footer composes, on
    every screen (test_footer_bindings_ready_follows_textual).
    """
    return bool(footer._bindings_ready)


def footer_rebuild_asked(footer: Footer, screen: Screen[object]) -> bool:
    """Whether ``Footer.bindings_changed(screen)``, just called, asked for the footer to be rebuilt.

    Textual's Footer subscribes its ``bindings_changed`` to the screen's ``bindings_updated_signal`` when it is
    mounted, and rebuilds itself (``call_after_refresh(recompose)``) only when the app has focus, the footer is
    attached and ``screen`` is its own screen. None of this is documented, and Textual 8.2 does not say whether a
    rebuild was asked for; this repeats its condition. The app's footer relies on it to skip the rebuilds asked
    while one is already on its way. What breaks if Textual changes the condition: a rebuild the footer thinks
    is coming never comes (keys that no longer apply stay shown), or one is asked for twice
    (test_footer_rebuild_asked_matches_bindings_changed). If Textual stops calling ``bindings_changed`` on a
    change of bindings, the app's override is never called and its keys never follow the focus
    (test_textual_calls_the_footers_bindings_changed).
    """
    return bool(screen.app.app_focus and footer.is_attached and screen is footer.screen)
