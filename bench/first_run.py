"""A new person's first run, from a fresh clone: where it can stall.

Measures, each in a fresh virtual environment made from a `git clone` of this repository:
- the quick start's install (`pip install .`), which must not build anything from source;
- the first practice audit (`auditor demo --format json`, a fresh AUDITOR_HOME: nothing cached, the shipped
  indicator set, practice servers started) — the first command's second half;
- with --extras, the optional PDQ extra alone (pdqhash has no wheels and compiles), and the test extras.

Package downloads come from whatever index pip is configured with; pip's cache is bypassed so every figure
includes fetching. Usage: python bench/first_run.py [--extras]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, str]:
    began = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - began
    if done.returncode not in (0, 1, 3):  # an audit that finds something exits 1; couldn't check, 3
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds, done.stdout


def fresh_venv(where: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    python = where / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True, capture_output=True)
    return python


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--extras", action="store_true", help="also time the pdq and test extras")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="auditor-first-run-") as tmp:
        base = Path(tmp)
        clone = base / "auditor"
        subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)

        python = fresh_venv(base / "quick")
        seconds, _ = timed([str(python), "-m", "pip", "install", "-q", "--no-cache-dir", "."], clone)
        print(f"quick start install (pip install .): {seconds:.1f} s")

        env = {**os.environ, "AUDITOR_HOME": str(base / "home"), "CI": "true"}
        for name in ("AUDITOR_CONFIG", "AUDITOR_GOOGLE_API_URL", "AUDITOR_GRAPH_API_URL", "AUDITOR_EWS_URL"):
            env.pop(name, None)
        auditor = str(python.with_name("auditor"))
        seconds, out = timed([auditor, "demo", "--format", "json"], clone, env)
        findings = json.loads(out)["findings"]
        couldnt = sum(1 for f in findings if f["status"] == "error")
        print(
            f"first practice audit (auditor demo --format json): {seconds:.2f} s, {len(findings)} findings, "
            f"{couldnt} couldn't check"
        )
        seconds, _ = timed([auditor, "demo", "--format", "json"], clone, env)
        print(f"second practice audit: {seconds:.2f} s")

        if args.extras:
            python = fresh_venv(base / "pdq")
            seconds, _ = timed([str(python), "-m", "pip", "install", "-q", "--no-cache-dir", ".[pdq]"], clone)
            print(f"install with the pdq extra (builds pdqhash): {seconds:.1f} s")
            python = fresh_venv(base / "test")
            seconds, _ = timed([str(python), "-m", "pip", "install", "-q", "--no-cache-dir", ".[test]"], clone)
            print(f"install with the test extras: {seconds:.1f} s")


if __name__ == "__main__":
    main()
