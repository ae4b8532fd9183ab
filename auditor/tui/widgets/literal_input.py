"""A text field that never sends what was typed or pasted into it to the terminal raw.

Notes, labels and names are often copied from an attacker's message or profile. Textual's Input draws an
escape sequence or a bidi control as it is, which reaches the terminal; this one draws each such character
as one visible cell (ESC as ␛, BEL as ␇, anything else unprintable as �) and counts the cursor over the same
cells. The value itself is kept exactly as typed.

How a field's value is drawn is Textual's private API: DrawnInput (auditor/tui/textual_private.py) overrides it,
and tests/tui/test_textual_private.py fails by name if a Textual upgrade changes it.
"""

from __future__ import annotations

from auditor.safetext import literal
from auditor.tui.textual_private import DrawnInput


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


class LiteralInput(DrawnInput):
    def drawn(self, value: str) -> str:
        return one_cell_each(value)
