"""Inbox rules' severity for each way of hiding mail, batches of at most 20, and bounded concurrency — through
the real connector (httpx) against the Graph practice server."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from auditor.connectors.graph.client import MAX_BATCH, GraphClient
from auditor.model import Severity, Status
from auditor.sandbox import Sandbox

from .conftest import by_check, run_microsoft, scenario_from

RULES = """name: each-way-of-hiding
microsoft:
  user: {userPrincipalName: sam@outlook.example}
  inbox_rules:
    - {displayName: r-delete, actions: {forwardTo: [a@proton.example], delete: true}}
    - {displayName: r-purge, actions: {forwardTo: [b@proton.example], permanentDelete: true}}
    - {displayName: r-read, actions: {redirectTo: [c@proton.example], markAsRead: true}}
    - {displayName: r-move, actions: {forwardAsAttachmentTo: [d@proton.example], moveToFolder: AAMkADArchive=}}
    - {displayName: r-plain, actions: {forwardTo: [e@proton.example]}}
    - {displayName: r-off, isEnabled: false, actions: {forwardTo: [f@proton.example], delete: true}}
"""


def test_rule_severity_for_each_way_of_hiding(tmp_path: Path) -> None:
    with Sandbox(scenario_from(tmp_path, RULES)) as sb:
        run = run_microsoft(sb)
    rules = {f.evidence["displayName"]: f for f in by_check(run)["microsoft.outlook_inbox_rules"]}
    assert {name: (f.status, f.severity) for name, f in rules.items()} == {
        "r-delete": (Status.FOUND, Severity.CRITICAL),
        "r-purge": (Status.FOUND, Severity.CRITICAL),
        "r-read": (Status.FOUND, Severity.CRITICAL),
        "r-move": (Status.FOUND, Severity.CRITICAL),
        "r-plain": (Status.FOUND, Severity.HIGH),  # sends a copy, hides nothing
        "r-off": (Status.FOUND, Severity.HIGH),  # switched off now: still a way out, said so
    }
    assert "deletes it permanently" in rules["r-purge"].title and "b@proton.example" in rules["r-purge"].title
    assert "moves it out of the inbox" in rules["r-move"].title and "as an attachment" in rules["r-move"].title
    assert "redirected to c@proton.example" in rules["r-read"].title
    assert "switched off" in rules["r-off"].title


def test_more_than_twenty_shared_items_go_in_batches_of_twenty(tmp_path: Path) -> None:
    photos = "\n".join(
        f"    - {{path: Pictures/Shared/IMG_{n:03}.jpg, shared_with: [p{n}@outlook.example]}}" for n in range(45)
    )
    text = f"name: many-shared\nmicrosoft:\n  user: {{userPrincipalName: sam@outlook.example}}\n  drive:\n{photos}\n"
    with Sandbox(scenario_from(tmp_path, text)) as sb:
        run = run_microsoft(sb)
        batches = [r for r in sb.requests if r.path == "/v1.0/$batch"]
        refused = [r for r in batches if r.status >= 400]
    people = by_check(run)["microsoft.onedrive_people_media"]
    assert len(people) == 45 and {f.status for f in people} == {Status.REVIEW}  # each person's photo, read once
    assert len(batches) == 3 and refused == []  # 20 + 20 + 5: the server refuses a batch of more than 20
    assert MAX_BATCH == 20


def test_requests_run_at_most_concurrency_at_once() -> None:
    latency = 0.5
    paths = [
        "me",
        "me/mailFolders/inbox/messageRules",
        "me/authentication/methods",
        "me/oauth2PermissionGrants",
        "me/mailboxSettings",
        "me/drive",
    ]
    with Sandbox("compromised", latency=latency) as sb:

        async def six_reads(concurrency: int) -> float:
            client = GraphClient(sb.graph_url, sb.token, timeout=5, concurrency=concurrency)
            began = time.monotonic()
            try:
                await asyncio.gather(*(client.get(p) for p in paths))
                return time.monotonic() - began
            finally:
                await client.aclose()

        two = asyncio.run(six_reads(2))
        six = asyncio.run(six_reads(6))
    assert two >= 3 * latency, "more than two requests ran at once"
    assert six < 3 * latency, "requests that may run together did not"
