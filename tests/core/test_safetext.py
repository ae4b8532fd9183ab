from __future__ import annotations

import pytest

from auditor.safetext import literal

HOSTILE = [
    ("\x1b[31mred\x1b[0m", "\x1b"),
    ("\x1b]8;;http://evil.example/\x07click\x1b]8;;\x07", "\x07"),
    ("invoice\u202egnp.exe", "\u202e"),
    ("pay\u200bpal", "\u200b"),
    ("a\u2066b\u2069", "\u2066"),
    ("\u009b31m", "\u009b"),
    ("line\u2028break", "\u2028"),
]


@pytest.mark.parametrize(("raw", "bad"), HOSTILE)
def test_controls_bidi_and_zero_width_become_visible(raw: str, bad: str) -> None:
    shown = literal(raw)
    assert bad not in shown
    assert ("\\x" in shown) or ("<U+" in shown)


def test_markup_is_kept_as_plain_characters() -> None:
    # literal() leaves brackets alone: plain output never interprets them, the TUI renders through Text.
    assert literal("[bold red]x[/]") == "[bold red]x[/]"


def test_long_strings_are_cut_and_say_so() -> None:
    shown = literal("A" * 100_000, limit=200)
    assert shown.startswith("A" * 200)
    assert "99800 more characters" in shown


def test_ordinary_text_is_unchanged() -> None:
    assert literal("Zoë’s phone — 日本") == "Zoë’s phone — 日本"
