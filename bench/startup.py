"""`auditor --help` wall time (target under 0.3 s): provider libraries and textual must load lazily.

Usage: python bench/startup.py [--repeat N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    exe = shutil.which("auditor")
    command = [exe, "--help"] if exe else [sys.executable, "-c", "from auditor.cli import entry; entry()", "--help"]
    times = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - began)
    print(f"auditor --help: median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
