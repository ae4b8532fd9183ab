"""Plain-text rendering of findings for the terminal (80 columns) — every provider string literal."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable

from auditor.model import AuditRun, Finding, Status
from auditor.safetext import literal

WIDTH = 80
_LABEL_WIDTH = max(len(s.label) for s in Status) + 2  # "Is this yours?" + gap
_SEV_WIDTH = 10
# What kind of account a heading is about: one address can be both a Microsoft 365 account read through
# Graph and a mailbox read over EWS, and the two are audited (and closed) separately.
KIND_LABELS = {
    "google": "Google",
    "microsoft": "Microsoft",
    "exchange": "Exchange server",
    "android": "Android phone",
    "apple": "Apple",
    "social": "social media",
    "carrier": "phone plan",
}


def heading(kind: str, target: str, width: int = WIDTH) -> str:
    label = KIND_LABELS.get(kind)
    shown = literal(target, width)
    return f"{shown} ({label})" if label and label.lower() not in shown.lower() else shown


def finding_lines(finding: Finding, width: int = WIDTH, details: bool = False) -> list[str]:
    indent = " " * (_LABEL_WIDTH + _SEV_WIDTH)
    head = f"{finding.status.label:<{_LABEL_WIDTH}}{finding.severity.value:<{_SEV_WIDTH}}"
    body = textwrap.wrap(literal(finding.title), width - len(indent)) or [""]
    lines = [head + body[0]] + [indent + line for line in body[1:]]
    if details and finding.detail:
        for para in finding.detail.split("\n"):
            lines += [indent + line for line in textwrap.wrap(literal(para), width - len(indent))]
    if details or finding.status in (Status.FOUND, Status.REVIEW):
        lines.append(f"{indent}id {finding.fingerprint}")
    if details:
        lines.append(f"{indent}check {finding.check}")
    return lines


def table(run: AuditRun, width: int = WIDTH, show_clear: bool = True, details: bool = False) -> str:
    out: list[str] = []
    if run.practice:
        out += [
            "PRACTICE — the accounts below are simulated (no real account was contacted);",
            "“This computer” is a real, read-only scan of this machine.",
            "",
        ]
    by_target: dict[tuple[str, str], list[Finding]] = {}
    for finding in run.sorted_findings():
        if finding.status is Status.SKIPPED or (finding.status is Status.CLEAR and not show_clear):
            continue
        by_target.setdefault((finding.check.split(".", 1)[0], finding.target), []).append(finding)
    for (kind, target), findings in by_target.items():
        title = heading(kind, target, width)
        out.append(title)
        out.append("-" * min(width, max(len(title), 20)))
        for finding in findings:
            out += finding_lines(finding, width, details)
        if not details:
            # Say why checks could not run, once per distinct reason (often one reason for a whole source).
            reasons = dict.fromkeys(f.detail for f in findings if f.status is Status.ERROR and f.detail)
            for reason in reasons:
                out += textwrap.wrap("Why it couldn't check: " + literal(reason, 1000), width, subsequent_indent="  ")
        out.append("")
    out.append(summary(run))
    return "\n".join(out)


def summary(run: AuditRun) -> str:
    counts = run.counts()
    parts = [
        f"{counts[Status.FOUND]} found",
        f"{counts[Status.REVIEW]} to review",
        f"{counts[Status.ERROR]} couldn't check",
        f"{counts[Status.MANUAL]} to check by hand",
        f"{counts[Status.CLEAR]} clear",
    ]
    verdict = {
        0: "Every check that could run automatically looks clear.",
        1: "Access paths were found or need your review.",
        3: "Nothing was found, but some checks could not complete — this is not an all-clear.",
    }[run.exit_code]
    return "Summary: " + ", ".join(parts) + ".\n" + verdict


def as_json(run: AuditRun) -> str:
    return json.dumps(run.to_dict(), indent=2, ensure_ascii=True)


def changes_lines(kind: str, findings: Iterable[Finding], width: int = WIDTH) -> list[str]:
    out = []
    for finding in findings:
        out += [f"{kind:<9}" + line for line in finding_lines(finding, width - 9)]
    return out
