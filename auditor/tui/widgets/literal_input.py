"""A text field that never sends what was typed or pasted into it to the terminal raw.

Notes, labels and names are often copied from an attacker's message or profile. Textual's Input draws an
escape sequence or a bidi control as it is, which reaches the terminal; this one draws each such character
as one visible cell (ESC as ␛, BEL as ␇, anything else unprintable as �) and counts the cursor over the same
cells. The value itself is kept exactly as typed.

It overrides two private members of Textual's Input (``_value`` and ``_position_to_cell``): the tests in
tests/tui/test_intake.py and tests/tui/test_hostile.py fail if a Textual upgrade changes them.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Input

from auditor.safetext import literal


def one_cell_each(value: str) -> str:
    """``value`` with every control, bidi and zero-width character as one visible cell. One character for
    one, so the field's cursor stays where it is."""
    shown = []
    for ch in value:
        if literal(ch) == ch:
            shown.append(ch)
        elif ord(ch) < 0x20:
            shown.append(chr(0x2400 + ord(ch)))
        else:
            shown.append("\ufffd")
    return "".join(shown)


class LiteralInput(Input):
    @property
    def _value(self) -> Text:
        if self.password:
            return super()._value
        return Text(one_cell_each(self.value), no_wrap=True, overflow="ignore", end="")

    def _position_to_cell(self, position: int) -> int:
        if self.password:
            return super()._position_to_cell(position)
        return cell_len(one_cell_each(self.value[:position]))
