"""Accounts audit against the `large` practice scenario with injected latency per request.

Prints wall time, request count and the critical-path bound (the longest chain of requests that must
follow one another × latency). Target: wall time within 1.5x of the bound.

The practice servers run in a process of their own, as a provider's servers would: in the audit's process
their work (evaluating Drive queries over 20,000 files, serialising 1,000-file pages) would compete with
the audit for the interpreter and be counted as the tool's. ``--same-process`` measures that way too.

Usage: python bench/accounts.py [--latency 0.1] [--same-process] [--only google|microsoft|exchange]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import tempfile
import time
from collections.abc import Iterator
from typing import Any

SAME_PROCESS = False


class ServedElsewhere:
    """The `large` scenario served by a child process; the request log is fetched from it when asked."""

    def __init__(self, conn: Any, ready: dict[str, Any]) -> None:
        self._conn = conn
        self.ews_url = ready["ews_url"]
        self.token = ready["token"]
        self._endpoints = ready["endpoints"]

    def endpoints(self) -> Any:
        return self._endpoints

    @property
    def requests(self) -> list[Any]:
        self._conn.send("log")
        return list(self._conn.recv())


def _serve(conn: Any, latency: float) -> None:
    from auditor.sandbox import Sandbox

    with Sandbox("large", latency=latency) as sb:
        conn.send({"endpoints": sb.endpoints(), "ews_url": sb.ews_url, "token": sb.token})
        while conn.recv() == "log":
            conn.send(sb.requests)


@contextlib.contextmanager
def served(latency: float) -> Iterator[Any]:
    if SAME_PROCESS:
        from auditor.sandbox import Sandbox

        with Sandbox("large", latency=latency) as sb:
            yield sb
        return
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    child = context.Process(target=_serve, args=(theirs, latency), daemon=True)
    child.start()
    try:
        yield ServedElsewhere(ours, ours.recv())
    finally:
        ours.send("stop")
        child.join(10)


def scenario_section(name: str) -> Any:
    from auditor.sandbox import load_scenario

    return load_scenario("large").sections[name]


def google(latency: float) -> None:
    from auditor.audit import audit
    from auditor.config import GoogleSettings, Settings

    data = scenario_section("google")
    with served(latency) as sb:
        began = time.perf_counter()
        # as a Workspace administrator: the Admin SDK reads (one request each, none chained) run beside Gmail's
        settings = Settings(concurrency=16, google=GoogleSettings(workspace_admin=True))
        run = asyncio.run(audit(["google"], settings=settings, endpoints=sb.endpoints()))
        wall = time.perf_counter() - began
        requests = sb.requests
    drive_pages: dict[str, int] = {}
    for request in requests:
        if request.path == "/drive/v3/files":
            query = request.query["q"][0]
            drive_pages[query] = drive_pages.get(query, 0) + 1
    # the account lookup first (Drive's about names the account), then every check in parallel; the longest
    # chain is the longest Drive listing, whose pages must follow one another (each needs the previous page's
    # token).
    chain = 1 + max(drive_pages.values())
    bound = chain * latency
    errors = [f for f in run.findings if f.status.value == "error"]
    print(
        f"google, large scenario ({data.generate.drive_files} Drive files, {data.generate.filters} filters), "
        f"{latency * 1000:.0f} ms per request"
    )
    admin = sum(r.path.startswith("/admin/") for r in requests)
    print(
        f"  wall time: {wall:.2f} s; requests: {len(requests)} ({admin} Admin SDK); "
        f"findings: {len(run.findings)}; errors: {len(errors)}"
    )
    print(
        f"  critical path: {chain} requests in a chain -> bound {bound:.2f} s; ratio {wall / bound:.2f}x (target 1.5x)"
    )


def microsoft(latency: float) -> None:
    from auditor.audit import audit
    from auditor.config import Settings

    data = scenario_section("microsoft")
    with served(latency) as sb:
        began = time.perf_counter()
        run = asyncio.run(audit(["microsoft"], settings=Settings(concurrency=16), endpoints=sb.endpoints()))
        wall = time.perf_counter() - began
        requests = [r for r in sb.requests if r.provider == "graph"]

    def pages(suffix: str) -> int:
        return sum(1 for r in requests if r.path.endswith(suffix))

    media, folders, inner_rounds = onedrive_reads(data)
    batches = sum(1 for r in requests if r.method == "POST")
    # /me first (it names the account and its type), then every check in parallel. Dependent chains: the
    # inbox rule pages; the OneDrive delta pages, then one more round of permission batches (the batches
    # for the items of every earlier page are sent while the next page is being read; only the last page's
    # items wait for it), plus a round for each further page of the longest permission list; the two grant
    # lists side by side, then one batch naming the apps; the sign-in method pages.
    chains = {
        "inbox rules": pages("/messageRules"),
        "OneDrive delta + last permissions round": pages("/delta") + 1 + inner_rounds,
        "app grants + names batch": max(pages("/me/oauth2PermissionGrants"), pages("/v1.0/oauth2PermissionGrants")) + 1,
        "sign-in methods": pages("/authentication/methods"),
    }
    longest = max(chains, key=lambda k: chains[k])
    chain = 1 + chains[longest]
    bound = chain * latency
    errors = [f for f in run.findings if f.status.value == "error"]
    print(
        f"microsoft, large scenario ({data.generate.drive_items} OneDrive items, {data.generate.inbox_rules} inbox "
        f"rules), {latency * 1000:.0f} ms per request"
    )
    print(
        f"  permissions read: {media} photos and videos, {folders} folders above them -> at least "
        f"{-(-(media + folders) // 20)} batches of 20"
    )
    print(
        f"  wall time: {wall:.2f} s; requests: {len(requests)} ({batches} $batch); findings: {len(run.findings)}; "
        f"errors: {len(errors)}"
    )
    print(
        f"  critical path: {chain} requests in a chain (/me + {longest}) -> bound {bound:.2f} s; "
        f"ratio {wall / bound:.2f}x (target 1.5x)"
    )


def onedrive_reads(data: Any) -> tuple[int, int, int]:
    """From the scenario: the photos and videos, the folders above them (root included), and how many more
    pages than one the longest of their permission lists takes."""
    from auditor.sandbox.graph_data import build_graph_data

    resources, _ = build_graph_data(data)
    items = resources.items
    media = [i for i in items.values() if "image" in i or "video" in i]
    folders: set[str] = set()
    longest = 0
    for item in media:
        parent = item["parentReference"].get("id")
        while parent:
            folders.add(parent)
            parent = items[parent]["parentReference"].get("id")
    for item_id in [i["id"] for i in media] + sorted(folders):
        own = len(resources.permissions.get(item_id, []))
        above = 0
        parent = items[item_id]["parentReference"].get("id")
        while parent:
            above += len(resources.permissions.get(parent, []))
            parent = items[parent]["parentReference"].get("id")
        longest = max(longest, own + above + 1)  # and the owner's
    return len(media), len(folders), -(-longest // data.page_size) - 1


def exchange(latency: float) -> None:
    from auditor.audit import audit
    from auditor.config import Settings

    # exchangelib takes about a second to import; it is paid once per process, before any request, so it is
    # reported on its own rather than folded into a figure compared with network round trips.
    began = time.perf_counter()
    import exchangelib  # noqa: F401

    imported = time.perf_counter() - began
    data = scenario_section("exchange")
    with served(latency) as sb:
        began = time.perf_counter()
        run = asyncio.run(audit(["exchange"], settings=Settings(concurrency=16), endpoints=sb.endpoints()))
        wall = time.perf_counter() - began
        requests = [r for r in sb.requests if r.provider == "ews"]
        reads = asyncio.run(exchange_reads_only(sb.ews_url, str(sb.token)))
    # exchangelib's version probe, then GetFolder and ConvertId (they name the mailbox the token opens), then
    # GetInboxRules, GetDelegate and GetUserOofSettings side by side: EWS returns all rules in one answer.
    chain = 4
    bound = chain * latency
    errors = [f for f in run.findings if f.status.value == "error"]
    print(
        f"exchange, large scenario ({len(data.inbox_rules) + data.generate.inbox_rules} inbox rules), "
        f"{latency * 1000:.0f} ms per request"
    )
    print(
        f"  wall time: {wall:.2f} s (after importing exchangelib: {imported:.2f} s); requests: {len(requests)}; "
        f"findings: {len(run.findings)}; errors: {len(errors)}"
    )
    print(f"  the connector alone (learn the mailbox, read it): {reads:.2f} s; ratio {reads / bound:.2f}x")
    print(
        f"  critical path: {chain} requests in a chain (version probe, GetFolder, ConvertId, the reads) -> bound "
        f"{bound:.2f} s; ratio {wall / bound:.2f}x (target 1.5x)"
    )


async def exchange_reads_only(url: str, token: str) -> float:
    from exchangelib.protocol import close_connections

    from auditor.connectors.ews.client import ExchangeClient, ExchangeLogin

    close_connections()  # forget the server version the audit learnt, so the version probe is counted again
    client = ExchangeClient(url, ExchangeLogin("oauth", token))
    began = time.perf_counter()
    await client.read_all()
    seconds = time.perf_counter() - began
    await client.aclose()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--same-process", action="store_true", help="run the practice servers in this process")
    parser.add_argument("--only", choices=("google", "microsoft", "exchange"), help="one provider's audit only")
    args = parser.parse_args()
    global SAME_PROCESS
    SAME_PROCESS = args.same_process
    print(f"practice servers: {'in the audit process' if SAME_PROCESS else 'in a process of their own'}")
    os.environ["AUDITOR_HOME"] = tempfile.mkdtemp(prefix="auditor-bench-")
    for name, bench in (("google", google), ("microsoft", microsoft), ("exchange", exchange)):
        if args.only in (None, name):
            bench(args.latency)
    print(f"machine: {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
