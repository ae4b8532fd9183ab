"""`auditor` with no command: the app, once it is installed in this build."""

from __future__ import annotations

import argparse
import importlib.util
import sys


def run_app(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("auditor.tui") is None:
        print("The app is not part of this build yet. Try: auditor audit --only device", file=sys.stderr)
        return 2
    if not (sys.stdin and sys.stdin.isatty() and sys.stdout and sys.stdout.isatty()):
        print(
            "The app needs a terminal. Without one, use the commands: auditor audit, auditor demo --format table.",
            file=sys.stderr,
        )
        return 2
    from auditor.tui import run

    return run(practice=False)
