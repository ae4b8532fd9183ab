"""One export of a case in the format asked for: the bytes to write, built from the person's choices."""

from __future__ import annotations

from datetime import datetime

from auditor.reports.data import Choices, build
from auditor.timeline.store import Timeline

FORMATS = ("html", "pdf", "json", "timesketch", "csv")
EXTENSIONS = {"html": "html", "pdf": "pdf", "json": "json", "timesketch": "csv", "csv": "csv"}


def render_export(timeline: Timeline, fmt: str, choices: Choices, now: datetime | None = None) -> bytes:
    data = build(timeline, choices, now)
    if fmt == "json":
        from auditor.reports.machine import to_json

        return to_json(data)
    if fmt in ("timesketch", "csv"):
        from auditor.reports.machine import to_timesketch_csv

        return to_timesketch_csv(data)
    from auditor.reports.html_report import access_map_fragment, render

    show_map = choices.access_map and choices.findings
    fragment = access_map_fragment(timeline.case, choices.notes) if show_map else None
    # The report says what it holds: the map is drawn only in HTML and PDF, so only they list it.
    data = {**data, "included": {**data["included"], "access_map": fragment is not None}}
    document = render(data, fragment)
    if fmt == "html":
        return document.encode("utf-8")
    from auditor.reports.pdf import html_to_pdf

    return html_to_pdf(document)
