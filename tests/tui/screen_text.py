"""The text on an app's screen, read back from Textual's SVG export (what a person would see)."""

from __future__ import annotations

import html
import re
from typing import Any

_LEFT = 12.2  # the SVG's left margin, in pixels
_CELL = 12.2  # one terminal cell's width, in pixels
_TEXT = re.compile(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', re.S)


def screen_text(app: Any) -> str:
    """Every line of the screen, top to bottom, as plain text."""
    svg = app.export_screenshot()
    rows: dict[float, list[tuple[float, str]]] = {}
    for x, y, body in _TEXT.findall(svg):
        rows.setdefault(float(y), []).append((float(x), html.unescape(re.sub(r"<[^>]+>", "", body))))
    lines = []
    for y in sorted(rows):
        line = ""
        for x, text in sorted(rows[y]):
            # Rich leaves plain spaces out of the SVG: put each piece back at its column.
            column = round((x - _LEFT) / _CELL)
            line = line.ljust(column) + text.replace("\xa0", " ")
        lines.append(line.rstrip())
    return "\n".join(lines)
