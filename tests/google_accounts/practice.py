"""Audits of the practice Google server through the real connector (googleapiclient), for the tests here and in
tests/checks/google/."""

from __future__ import annotations

import asyncio
from pathlib import Path

from auditor.audit import audit
from auditor.checkapi import Decisions
from auditor.config import GoogleSettings, Settings
from auditor.model import AuditRun, Finding, Status
from auditor.sandbox import Sandbox, Scenario, load_scenario
from auditor.sandbox.google import Workspace

FAST = Settings(request_timeout=1.0, retry_budget=4.0)
ADMIN = Settings(google=GoogleSettings(workspace_admin=True), request_timeout=1.0, retry_budget=3.0)
ANN = "ann.example@gmail.com"


def run_google(sb: Sandbox, decisions: Decisions | None = None, settings: Settings = FAST) -> AuditRun:
    return asyncio.run(audit(["google"], settings=settings, endpoints=sb.endpoints(), decisions=decisions))


def by_check(run: AuditRun) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for finding in run.findings:
        out.setdefault(finding.check, []).append(finding)
    return out


def statuses(run: AuditRun, check: str) -> list[Status]:
    return [f.status for f in by_check(run).get(check, [])]


def with_workspace(data: Workspace | None, base: str = "compromised") -> Scenario:
    """A practice scenario whose account is Ann's Workspace account with the directory and audit data given."""
    scenario = load_scenario(base)
    scenario.sections["google"].account = ANN
    scenario.sections["google"].workspace = data
    return scenario


KIM = "kim.example@gmail.com"


EVERY_GMAIL_PATH = """name: every-gmail-path
google:
  account: kim.example@gmail.com
  domain_wide_delegation: true
  forwarding_addresses: [{forwardingEmail: watcher@proton.example}]
  send_as:
    - {sendAsEmail: kim.example@gmail.com, isPrimary: true}
    - {sendAsEmail: alias@outlook.example}
  imap: {enabled: true}
  pop: {accessWindow: allMail}
  delegates: [{delegateEmail: mark.ex@gmail.example}]
  drive:
    - {name: beach.jpg, visibility: limited, shared_with: [mark.ex@gmail.example]}
  filters:
    - {id: f-trash, criteria: {from: boss@example.org}, action: {forward: x1@proton.example, addLabelIds: [TRASH]}}
    - {id: f-skip, criteria: {subject: invoice}, action: {forward: x2@proton.example, removeLabelIds: [INBOX]}}
    - {id: f-read, criteria: {to: kim}, action: {forward: x3@proton.example, removeLabelIds: [UNREAD]}}
    - {id: f-plain, criteria: {from: news@example.org}, action: {forward: x4@proton.example}}
    - {id: f-alerts, criteria: {from: no-reply@accounts.google.com}, action: {addLabelIds: [TRASH]}}
    - {id: f-codes, criteria: {subject: verification code}, action: {removeLabelIds: [UNREAD, INBOX]}}
    - {id: f-shop, criteria: {from: shop.example}, action: {addLabelIds: [TRASH]}}
"""


def scenario_from(tmp_path: Path, text: str) -> Scenario:
    """A scenario written out as YAML (as a person would) and loaded."""
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return load_scenario(path)
