"""The access map as Rich Text: each account or device, and who or what can get in — open paths first.

Labels come from providers and from other people (addresses, display names, file names): each one goes
through literal() and into Text as plain text, so no markup, escape or bidi control takes effect.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from auditor.safetext import literal
from auditor.session.access_map import AccessMap, holder_text

STATE_STYLE = {"open": "bold red", "closed": "green", "past": "yellow"}
STATE_WORDS = {"open": "Open", "closed": "Closed", "past": "In the past"}


def access_map_text(amap: AccessMap) -> Text:
    if not amap.edges:
        return Text("No access paths are recorded in this case yet: run an audit or start a session first.")
    out = Text()
    for source in sorted(amap.sources(), key=lambda n: n.label.casefold()):
        edges = amap.edges_from(source.id)
        if not edges:
            continue
        out.append(literal(source.label, 200) + "\n", style="bold")
        for e in edges:
            out.append(f"  {STATE_WORDS[e.state]:<12}", style=STATE_STYLE[e.state])
            out.append(f"→ {holder_text(amap.nodes[e.holder])}: {literal(e.how, 200)}")
            if e.why_closed:
                out.append(f" ({literal(e.why_closed, 200)})", style="dim")
            out.append("\n")
        out.append("\n")
    out.append(f"{len(amap.open_edges)} open, {len(amap.closed_edges)} closed or in the past.", style="bold")
    return out


class AccessMapView(Static):
    """Shows one access map; call :meth:`show_map` with a new one to redraw."""

    def show_map(self, amap: AccessMap) -> None:
        self.update(access_map_text(amap))
