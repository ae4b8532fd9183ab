"""Rich Text for findings: status words (never colour alone) and attacker-controlled strings made literal."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rich.text import Text

from auditor.model import Finding, Status
from auditor.safetext import literal, literal_multiline

STATUS_STYLE = {
    Status.FOUND: "bold red",
    Status.REVIEW: "bold yellow",
    Status.ERROR: "bold magenta",
    Status.MANUAL: "bold cyan",
    Status.CLEAR: "green",
    Status.SKIPPED: "dim",
}
LABEL_WIDTH = max(len(s.label) for s in Status) + 1


def status_text(status: Status) -> Text:
    return Text(status.label, style=STATUS_STYLE[status])


def finding_line(finding: Finding) -> Text:
    """One line of the findings list: status words, severity, the title shown literally."""
    return Text.assemble(
        (f"{finding.status.label:<{LABEL_WIDTH}}", STATUS_STYLE[finding.status]),
        (f"{finding.severity.value:<9}", "italic"),
        literal(finding.title),
    )


def plain(value: object) -> Text:
    """Any provider or attacker string, as literal text (markup, escapes and bidi controls made visible)."""
    return Text(literal(value))


def paragraph(value: object) -> Text:
    return Text(literal_multiline(value))


def evidence_text(evidence: Mapping[str, Any]) -> Text:
    """The evidence record, key by key, every value literal."""
    out = Text()
    for key, value in evidence.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        out.append(f"{literal(key, 80)}: ", style="bold")
        out.append(literal(shown, 600))
        out.append("\n")
    out.rstrip()
    return out
