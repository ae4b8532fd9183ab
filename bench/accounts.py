"""Accounts audit against the `large` practice scenario with injected latency per request.

Prints wall time, request count and the critical-path bound (the longest chain of requests that must
follow one another × latency). Target: wall time within 1.5x of the bound.

Usage: python bench/accounts.py [--latency 0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time


def google(latency: float) -> None:
    from auditor.audit import audit
    from auditor.config import Settings
    from auditor.sandbox import Sandbox

    with Sandbox("large", latency=latency) as sb:
        data = sb.scenario.sections["google"]
        began = time.perf_counter()
        run = asyncio.run(audit(["google"], settings=Settings(concurrency=16), endpoints=sb.endpoints()))
        wall = time.perf_counter() - began
        requests = sb.requests
    drive_pages = {}
    for request in requests:
        if request.path == "/drive/v3/files":
            query = request.query["q"][0]
            drive_pages[query] = drive_pages.get(query, 0) + 1
    # profile first (it names the account), then every check in parallel; the longest chain is the
    # longest Drive listing, whose pages must follow one another (each needs the previous page's token).
    chain = 1 + max(drive_pages.values())
    bound = chain * latency
    errors = [f for f in run.findings if f.status.value == "error"]
    print(
        f"google, large scenario ({data.generate.drive_files} Drive files, {data.generate.filters} filters), "
        f"{latency * 1000:.0f} ms per request"
    )
    print(f"  wall time: {wall:.2f} s; requests: {len(requests)}; findings: {len(run.findings)}; errors: {len(errors)}")
    print(
        f"  critical path: {chain} requests in a chain -> bound {bound:.2f} s; ratio {wall / bound:.2f}x (target 1.5x)"
    )


def microsoft(latency: float) -> None:
    from auditor.audit import audit
    from auditor.config import Settings
    from auditor.sandbox import Sandbox

    with Sandbox("large", latency=latency) as sb:
        data = sb.scenario.sections["microsoft"]
        began = time.perf_counter()
        run = asyncio.run(audit(["microsoft"], settings=Settings(concurrency=16), endpoints=sb.endpoints()))
        wall = time.perf_counter() - began
        requests = [r for r in sb.requests if r.provider == "graph"]

    def pages(suffix: str) -> int:
        return sum(1 for r in requests if r.path.endswith(suffix))

    # /me first (it names the account and its type), then every check in parallel. Dependent chains: the
    # inbox rule pages; the OneDrive delta pages, then one round of permission batches; the app grant pages,
    # then one batch naming the apps; the sign-in method pages.
    chains = {
        "inbox rules": pages("/messageRules"),
        "OneDrive delta + permissions batch": pages("/delta") + 1,
        "app grants + names batch": pages("/oauth2PermissionGrants") + 1,
        "sign-in methods": pages("/authentication/methods"),
    }
    longest = max(chains, key=lambda k: chains[k])
    chain = 1 + chains[longest]
    bound = chain * latency
    errors = [f for f in run.findings if f.status.value == "error"]
    batches = sum(1 for r in requests if r.method == "POST")
    print(
        f"microsoft, large scenario ({data.generate.drive_items} OneDrive items, {data.generate.inbox_rules} inbox "
        f"rules), {latency * 1000:.0f} ms per request"
    )
    print(
        f"  wall time: {wall:.2f} s; requests: {len(requests)} ({batches} $batch); findings: {len(run.findings)}; "
        f"errors: {len(errors)}"
    )
    print(
        f"  critical path: {chain} requests in a chain (/me + {longest}) -> bound {bound:.2f} s; "
        f"ratio {wall / bound:.2f}x (target 1.5x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.1)
    args = parser.parse_args()
    os.environ["AUDITOR_HOME"] = tempfile.mkdtemp(prefix="auditor-bench-")
    google(args.latency)
    microsoft(args.latency)
    print(f"machine: {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
