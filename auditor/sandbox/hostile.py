"""Hostile text for the `hostile` scenario: what an abuser could type into a rule name, filter or file name."""

from __future__ import annotations

SAMPLES = (
    "[bold red]Security[/] [link=https://evil.example]click[/link]",
    "\x1b[2J\x1b[31mALL CLEAR\x1b[0m",
    "\x1b]8;;https://evil.example/\x07harmless\x1b]8;;\x07",
    "\x1b]0;window title\x07",
    "invoice\u202egnp.exe",
    "pay\u200bpal\u200d\ufeff",
    "\u2066isolated\u2069\u061c",
)
HUGE = 100 * 1024


def hostile_text(field: str) -> str:
    """Every sample plus a 100 KB tail, tagged with the field name so tests can find it."""
    return f"{field}:" + " | ".join(SAMPLES) + " " + "A" * HUGE
