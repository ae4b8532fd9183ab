"""The access map as Rich Text: each account or device, and who or what can get in — open paths first.

Labels come from providers and from other people (addresses, display names, file names): each one goes
through literal() (in path_lines) and into Text as plain text, so no markup, escape or bidi control takes effect.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from auditor.session.access_map import NO_PATHS, AccessMap, map_summary, path_lines

STATE_STYLE = {"open": "bold red", "closed": "green", "past": "yellow"}
STATE_WORDS = {"open": "Open", "closed": "Closed", "past": "In the past"}


def access_map_text(amap: AccessMap) -> Text:
    if not amap.edges:
        return Text(NO_PATHS)
    out = Text()
    for label, lines in path_lines(amap):
        out.append(label + "\n", style="bold")
        for line in lines:
            out.append(f"  {STATE_WORDS[line.state]:<12}", style=STATE_STYLE[line.state])
            out.append(f"→ {line.path}")
            if line.why_closed:
                out.append(f" ({line.why_closed})", style="dim")
            out.append("\n")
        out.append("\n")
    out.append(map_summary(amap), style="bold")
    return out


class AccessMapView(Static):
    """Shows one access map; call :meth:`show_map` with a new one to redraw."""

    def show_map(self, amap: AccessMap) -> None:
        self.update(access_map_text(amap))
