"""Attacker-controlled text (rule names, filter criteria, file names, process names) shown literally.

``literal()`` turns every character that could change how a terminal, Rich or a reader sees the text into
a visible escape: C0/C1 controls (so no ANSI or OSC sequence reaches the terminal), bidi embeddings,
overrides and isolates (no reordering tricks), and zero-width or invisible characters (nothing hidden).
Rich markup is neutralised separately by rendering through ``rich.text.Text`` (never markup strings) in
the TUI; plain output does not interpret markup at all.
"""

from __future__ import annotations

import unicodedata

# Characters that reorder or hide text. Everything in Unicode category Cf (format) is included below;
# these are listed for documentation and for the tests.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u180e")


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"<U+{code:04X}>"


def _needs_escape(ch: str) -> bool:
    if ch in BIDI_CONTROLS or ch in ZERO_WIDTH:
        return True
    category = unicodedata.category(ch)
    # Cc: controls (ESC, BEL, CSI, ...); Cf: format (bidi, zero width, tags); Cs: lone surrogates;
    # Zl/Zp: line and paragraph separators; Co/Cn: private use and unassigned.
    return category in ("Cc", "Cf", "Cs", "Zl", "Zp", "Co", "Cn")


def literal(value: object, limit: int | None = 500) -> str:
    """``value`` as a single line of visible characters, cut to ``limit`` characters (None: no cut)."""
    text = value if isinstance(value, str) else str(value)
    if limit is not None and len(text) > limit:
        cut = len(text) - limit
        text = text[:limit]
        suffix = f"… ({cut} more characters)"
    else:
        suffix = ""
    if any(_needs_escape(ch) for ch in text):
        text = "".join(_escape(ch) if _needs_escape(ch) else ch for ch in text)
    return text + suffix


def literal_multiline(value: object, limit: int | None = 5000) -> str:
    """Like :func:`literal` but keeps ordinary newlines (for detail text we wrote ourselves)."""
    text = value if isinstance(value, str) else str(value)
    return "\n".join(literal(line, limit) for line in text.split("\n"))
