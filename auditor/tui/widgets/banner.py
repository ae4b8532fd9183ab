"""The PRACTICE banner shown on every screen of practice mode, and the case line."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

PRACTICE_WORDS = "PRACTICE — simulated accounts, nothing real is contacted; “This computer” is a real read-only scan"


class PracticeBanner(Static):
    def __init__(self) -> None:
        super().__init__(Text(PRACTICE_WORDS), id="practice-banner")
