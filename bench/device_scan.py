"""Device-scan figures: indicator load time, 10,000 package-name matches, and a whole scan of this machine.

Usage: python bench/device_scan.py [--iocs FOLDER]   (default: the set shipped in auditor/iocs/data)
Targets: whole scan under 1 s on 2 cores; 10,000 matches under 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    default = Path(__file__).resolve().parents[1] / "auditor" / "iocs" / "data"
    parser.add_argument("--iocs", type=Path, default=default)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    files = [p for p in (args.iocs / "ioc.yaml", args.iocs / "watchware.yaml") if p.exists()]

    os.environ["AUDITOR_HOME"] = tempfile.mkdtemp(prefix="auditor-bench-")
    from auditor.iocs import install_from_files, load_indicator_files

    loads = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        indicators = load_indicator_files(files)
        loads.append(time.perf_counter() - began)
    counts = indicators.counts()
    print(f"indicator set: {counts.apps} apps, {counts.packages} packages, {counts.certificates} certificates")
    print(f"load full indicator set: median {statistics.median(loads) * 1000:.1f} ms over {args.repeat}")

    known = [p for app in indicators.apps for p in app.packages]
    rng = random.Random(7)
    names = [rng.choice(known) if i % 10 == 0 else f"com.example.app{i}" for i in range(10_000)]
    matches = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        hits = sum(1 for name in names if indicators.match_package(name) is not None)
        matches.append(time.perf_counter() - began)
    print(f"match 10,000 package names: median {statistics.median(matches) * 1000:.2f} ms ({hits} hits)")

    install_from_files(files)
    from auditor.audit import audit

    scans = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        run = asyncio.run(audit(["device"]))
        scans.append(time.perf_counter() - began)
    print(
        f"whole device scan (load checks + playbooks + indicators, {len(run.findings)} findings): "
        f"median {statistics.median(scans) * 1000:.0f} ms, first {scans[0] * 1000:.0f} ms"
    )
    print(f"machine: {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
