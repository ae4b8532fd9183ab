"""The app: time to first frame, and the longest event-loop stall during a practice audit.

Targets: first frame under 0.6 s; no stall over 100 ms while the audit runs (checks run in workers).

- first frame, in a real terminal: `auditor demo` started in tmux, time until the PRACTICE banner is on the
  screen (includes starting Python and importing Textual); polled every 10 ms.
- stall: a 10 ms ticker on the app's event loop during a whole practice audit (practice servers plus the
  scan of this computer); a tick that arrives late measures how long the loop was blocked.

Usage: python bench/tui.py [--repeat N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

TICK = 0.010


def terminal_first_frame(home: Path) -> float:
    tmux = shutil.which("tmux")
    if tmux is None:
        raise SystemExit("tmux is needed for the terminal measure")
    auditor = Path(sys.executable).with_name("auditor")
    socket = f"auditor-bench-{uuid.uuid4().hex[:8]}"
    base = [tmux, "-L", socket, "-f", "/dev/null"]
    try:
        subprocess.run([*base, "new-session", "-d", "-s", "b", "-x", "100", "-y", "32", "sleep 60"], check=True)
        began = time.perf_counter()
        command = f"env AUDITOR_HOME={shlex.quote(str(home))} TERM=xterm-256color {shlex.quote(str(auditor))} demo"
        subprocess.run([*base, "respawn-pane", "-k", "-t", "b", command], check=True)
        while True:
            pane = subprocess.run([*base, "capture-pane", "-p", "-t", "b"], capture_output=True, text=True).stdout
            if "PRACTICE" in pane:
                return time.perf_counter() - began
            if time.perf_counter() - began > 30:
                raise SystemExit("the app did not show its first frame within 30 s")
            time.sleep(0.01)
    finally:
        subprocess.run([*base, "kill-server"], capture_output=True)


async def in_process(home: Path) -> tuple[float, float, float, int]:
    """(audit wall s, longest stall s, 99th percentile stall s, ticks), headless."""
    os.environ["AUDITOR_HOME"] = str(home)
    from auditor.tui.app import AuditorApp

    app = AuditorApp(practice=True, own_process=True)  # as `auditor demo` runs it
    lags: list[float] = []
    async with app.run_test(size=(100, 32)) as pilot:
        started = time.perf_counter()
        while not app.audits_finished:  # (the case is not queried here: that would wait for the audit's writes)
            expected = time.perf_counter() + TICK
            await asyncio.sleep(TICK)
            lags.append(max(0.0, time.perf_counter() - expected))
            if os.environ.get("BENCH_VERBOSE") and lags[-1] > 0.04:
                at = time.perf_counter() - started
                print(f"  stall {lags[-1] * 1000:.0f} ms at {at:.2f} s, mode {app.current_mode}")
            if time.perf_counter() - started > 120:
                raise SystemExit("the practice audit did not finish within 120 s")
        wall = time.perf_counter() - started
        await pilot.press("ctrl+q")
    lags.sort()
    return wall, lags[-1], lags[int(len(lags) * 0.99)], len(lags)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="terminal first-frame runs")
    parser.add_argument("--audits", type=int, default=3, help="practice audits measured for stalls")
    args = parser.parse_args()
    terminal = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="auditor-bench-") as home:
            terminal.append(terminal_first_frame(Path(home)))
    print(
        f"first frame in a terminal (auditor demo): median {statistics.median(terminal) * 1000:.0f} ms, "
        f"max {max(terminal) * 1000:.0f} ms over {len(terminal)}"
    )
    worst_stalls = []
    for _ in range(args.audits):
        with tempfile.TemporaryDirectory(prefix="auditor-bench-") as home:
            wall, worst, p99, ticks = asyncio.run(in_process(Path(home)))
        worst_stalls.append(worst)
        print(
            f"practice audit with the device scan: {wall:.2f} s; event loop: longest stall {worst * 1000:.0f} ms, "
            f"99th percentile {p99 * 1000:.0f} ms over {ticks} ticks of {TICK * 1000:.0f} ms"
        )
    print(
        f"longest stall per audit: median {statistics.median(worst_stalls) * 1000:.0f} ms, "
        f"max {max(worst_stalls) * 1000:.0f} ms over {len(worst_stalls)} audits"
    )


if __name__ == "__main__":
    main()
