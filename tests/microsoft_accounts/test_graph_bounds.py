"""Batches of at most 20 and bounded concurrency — through the real connector (httpx) against the Graph practice
server."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sandbox.urls import url_of

from auditor.connectors.graph.client import MAX_BATCH, GraphClient
from auditor.model import Status
from auditor.sandbox import Sandbox

from .conftest import by_check, run_microsoft, scenario_from


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
            client = GraphClient(url_of(sb, "graph"), sb.token, timeout=5, concurrency=concurrency)
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
