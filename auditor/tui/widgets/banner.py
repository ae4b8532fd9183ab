"""The PRACTICE banner shown on every screen of practice mode, and the case line."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

# Fits 80 columns: the banner must never be cut.
PRACTICE_WORDS = "PRACTICE — the accounts are simulated; only “This computer” is real (read-only)"


class PracticeBanner(Static):
    def __init__(self) -> None:
        super().__init__(Text(PRACTICE_WORDS), id="practice-banner")
