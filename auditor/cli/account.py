"""`auditor account add|list|forget`: sign accounts in to a case, list them, and forget them.

Every provider's sign-in module has the same shape (``auditor.connectors.signin``), so one command serves
Google, Microsoft and Exchange. Connecting starts with the provider's warning (connecting may e-mail a
security alert, which forwarded mail would carry to someone else) and the offer to check forwarding by hand
first.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

KINDS = ("google", "microsoft", "exchange")  # as auditor.application.signin.SIGNIN_KINDS (kept light for --help)


def register(sub: Any) -> None:
    p = sub.add_parser("account", help="sign an account in to a case, list a case's accounts, or forget one")
    actions = p.add_subparsers(dest="account_command", metavar="ACTION", required=True)
    a = actions.add_parser(
        "add",
        help="sign in to an account and keep its token in the encrypted case",
        description="Shows what connecting can set off, offers to check forwarding by hand first, then signs in.",
    )
    a.add_argument("kind", choices=KINDS, metavar="KIND", help=f"one of {', '.join(KINDS)}")
    a.add_argument("--case", required=True, metavar="NAME")
    a.add_argument("--yes", action="store_true", help="connect without asking (you have read the warning)")
    a.add_argument("--browser", metavar="NAME", help="the browser to open, by Python webbrowser name (e.g. firefox)")
    a.set_defaults(handler=handle_add)
    a = actions.add_parser("list", help="the accounts in a case, and whether each has a sign-in stored")
    a.add_argument("--case", required=True, metavar="NAME")
    a.set_defaults(handler=handle_list)
    a = actions.add_parser("forget", help="revoke an account's access where possible and remove it from the case")
    a.add_argument("kind", choices=KINDS, metavar="KIND")
    a.add_argument("target", metavar="ACCOUNT", help="the account's address, as `auditor account list` shows it")
    a.add_argument("--case", required=True, metavar="NAME")
    a.set_defaults(handler=handle_forget)


def _yes(prompt: str) -> bool:
    try:
        return input(prompt).strip().lower() in ("y", "yes")
    except EOFError:  # the input ended (Ctrl-D): no
        print()
        return False


def handle_add(args: argparse.Namespace) -> int:
    from auditor.application.signin import (
        check_sign_in_settings,
        connect_account,
        connection_warning,
        forwarding_steps,
    )
    from auditor.cli.unlock import unlock
    from auditor.config import load_settings
    from auditor.errors import UsageError
    from auditor.safetext import literal, literal_multiline

    settings = load_settings()
    check_sign_in_settings(args.kind, settings)
    print(connection_warning(args.kind, settings))
    if not args.yes:
        if not sys.stdin or not sys.stdin.isatty():
            raise UsageError(
                "connecting an account asks you two questions first; run it in a terminal, or add --yes once you "
                "have read the warning above"
            )
        if _yes("Check forwarding by hand first? [y/N] "):
            steps = forwarding_steps(args.kind, settings)
            if steps is not None:
                print()
                print(steps)
        if not _yes("Connect the account now? [y/N] "):
            print("Nothing was connected.")
            return 0
    with unlock(args.case, creating_allowed=True) as case:
        target = connect_account(
            case,
            args.kind,
            settings=settings,
            show=lambda message: print(literal_multiline(message)),
            browser=args.browser,
        )
    print(f"Connected {literal(target, 200)} to the case {args.case!r}. `auditor audit --case {args.case}` checks it.")
    return 0


def handle_list(args: argparse.Namespace) -> int:
    from auditor.application.signin import is_signed_in
    from auditor.cli.unlock import unlock
    from auditor.safetext import literal

    with unlock(args.case) as case:
        accounts = case.accounts()
        if not accounts:
            print(f"The case {args.case!r} has no accounts yet. `auditor account add KIND --case NAME` adds one.")
        for account in accounts:
            kind, target = account["kind"], account["target"]
            if kind in KINDS:
                state = "signed in" if is_signed_in(case, kind, target) else "no sign-in stored"
            else:
                state = "device"
            print(f"{kind:<10} {literal(target, 200):<40} {state:<18} added {account['added_at']}")
    return 0


def handle_forget(args: argparse.Namespace) -> int:
    from auditor.application.signin import forget_account
    from auditor.cli.unlock import unlock
    from auditor.config import load_settings
    from auditor.safetext import literal_multiline

    settings = load_settings()
    with unlock(args.case) as case:
        print(literal_multiline(forget_account(case, args.kind, args.target, settings)))
    return 0
