"""`auditor demo`: practice mode — a simulated compromised account plus this computer's real scan."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="practice: audit a simulated compromised account and this computer (no sign-in, no network)",
        description=(
            "Practice mode. Starts local servers that imitate a compromised Google account, audits them through "
            "the real connectors, adds a real read-only scan of this computer, and prints what was found. "
            "Nothing leaves this machine and nothing is written outside AUDITOR_HOME."
        ),
    )
    p.add_argument(
        "--format",
        choices=("table", "json"),
        default=None,
        help="print the practice audit instead of opening the app (the default when not on a terminal: table)",
    )
    p.add_argument("--exit-code", action="store_true", help="exit with the audit's code instead of 0")
    p.set_defaults(handler=handle)


def wants_app(args: argparse.Namespace) -> bool:
    """The app opens when a person is at a terminal and did not ask for printed output."""
    import importlib.util
    import sys

    interactive = bool(sys.stdin and sys.stdin.isatty() and sys.stdout and sys.stdout.isatty())
    return interactive and args.format is None and importlib.util.find_spec("auditor.tui") is not None


def handle(args: argparse.Namespace) -> int:
    import asyncio

    if wants_app(args):
        from auditor.tui import run as run_app

        return run_app(practice=True)

    from auditor.application.auditing import run_plan
    from auditor.application.cases import practice_home
    from auditor.application.practice import practice_plan, practice_servers
    from auditor.cli.audit import print_run, say_if_indicators_stale
    from auditor.config import paths

    with practice_servers("compromised", workdir=practice_home(paths()).data) as sb:
        plan = practice_plan(sb)
        say_if_indicators_stale(list(plan.kinds))
        run = asyncio.run(run_plan(plan))
    print_run(run, args.format or "table")
    return run.exit_code if args.exit_code else 0
