"""The plain-text table: one heading per account of each kind, every provider string literal."""

from __future__ import annotations

from auditor.model import AuditRun, Finding, Severity, Status, utcnow
from auditor.render import table


def _finding(check: str, target: str, title: str) -> Finding:
    return Finding(check=check, target=target, status=Status.FOUND, severity=Severity.HIGH, title=title)


def test_one_address_read_two_ways_gets_two_headings() -> None:
    run = AuditRun(
        started_at=utcnow(),
        findings=[
            _finding("microsoft.outlook_inbox_rules", "ann@contoso.example", "rule through Graph"),
            _finding("exchange.inbox_rules", "ann@contoso.example", "rule through EWS"),
        ],
    )
    lines = table(run).splitlines()
    graph = lines.index("ann@contoso.example (Microsoft)")
    ews = lines.index("ann@contoso.example (Exchange server)")
    assert "rule through Graph" in "\n".join(lines[graph : graph + 4])
    assert "rule through EWS" in "\n".join(lines[ews : ews + 4])


def test_a_hostile_account_name_in_a_heading_stays_literal() -> None:
    run = AuditRun(started_at=utcnow(), findings=[_finding("google.gmail_filters", "\x1b]8;;x\x07[b]ann\u202e", "t")])
    text = table(run)
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert "\\x1b]8;;x\\x07[b]ann<U+202E> (Google)" in text
