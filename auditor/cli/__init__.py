"""The `auditor` command. Subcommands live one module each in this package, each with ``register()``.

Only argparse and the standard library load before a subcommand runs, so ``auditor --help`` stays fast:
provider libraries and textual are imported inside the handlers that need them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from auditor import __version__

# Modules under auditor.cli that add subcommands, in the order `auditor --help` lists them.
COMMAND_MODULES = (
    "audit",
    "demo",
    "account",
    "case",
    "session",
    "timeline",
    "evidence",
    "fix",
    "export",
    "iocs",
    "settings",
    "sandbox",
    "catalog",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="auditor",
        description=(
            "Find and close the ways someone could still get into your accounts and devices. "
            "Read-only: nothing is changed unless you confirm it. "
        ),
        epilog=(
            "Try it without any account: auditor demo. Everything is read-only: nothing is changed unless you "
            "confirm that one change (auditor fix)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"auditor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"auditor.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"auditor.cli.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from auditor.errors import AuditorError

    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    try:
        if handler is None:
            from auditor.cli.app import run_app

            return run_app(args)
        code: int = handler(args)
        return code
    except AuditorError as exc:
        from auditor.safetext import literal_multiline

        # Messages can carry what a server, a file or an environment variable said: shown literally.
        print(f"auditor: {literal_multiline(exc, None)}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # The reader went away (e.g. `auditor checks | head`): not an error of ours.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("auditor: interrupted", file=sys.stderr)
        return 130


def entry() -> None:
    sys.exit(main())
