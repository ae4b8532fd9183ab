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

KINDS = ("google", "microsoft", "exchange")


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


def _open_case(name: str, creating_allowed: bool) -> Any:
    from auditor.store import CaseStore, case_path
    from auditor.store.passphrase import ask

    if creating_allowed and not case_path(name).exists():
        return CaseStore.create(name, ask("New case passphrase: ", confirm=True))
    return CaseStore.open(name, ask())


def handle_add(args: argparse.Namespace) -> int:
    from auditor.config import load_settings
    from auditor.connectors.signin import signin_module
    from auditor.errors import UsageError
    from auditor.safetext import literal, literal_multiline

    settings = load_settings()
    module = signin_module(args.kind)
    check = getattr(module, "check_settings", None)  # optional: settings a sign-in cannot start without
    if check is not None:
        check(settings)
    print(module.warning(settings))
    if not args.yes:
        if not sys.stdin or not sys.stdin.isatty():
            raise UsageError(
                "connecting an account asks you two questions first; run it in a terminal, or add --yes once you "
                "have read the warning above"
            )
        if _yes("Check forwarding by hand first? [y/N] "):
            steps = getattr(module, "manual_steps", None)
            if steps is not None:
                print()
                print(steps(settings))
        if not _yes("Connect the account now? [y/N] "):
            print("Nothing was connected.")
            return 0
    import inspect

    extra: dict[str, Any] = {}
    if args.browser and "browser" in inspect.signature(module.connect).parameters:
        extra["browser"] = args.browser
    with _open_case(args.case, creating_allowed=True) as case:
        target = module.connect(case, settings, show=lambda message: print(literal_multiline(message)), **extra)
    print(f"Connected {literal(target, 200)} to the case {args.case!r}. `auditor audit --case {args.case}` checks it.")
    return 0


def handle_list(args: argparse.Namespace) -> int:
    from auditor.connectors.signin import secret_name
    from auditor.safetext import literal

    with _open_case(args.case, creating_allowed=False) as case:
        accounts = case.accounts()
        if not accounts:
            print(f"The case {args.case!r} has no accounts yet. `auditor account add KIND --case NAME` adds one.")
        for account in accounts:
            kind, target = account["kind"], account["target"]
            if kind in KINDS:
                signed_in = case.get_secret(secret_name(kind, target)) is not None
                state = "signed in" if signed_in else "no sign-in stored"
            else:
                state = "device"
            print(f"{kind:<10} {literal(target, 200):<40} {state:<18} added {account['added_at']}")
    return 0


def handle_forget(args: argparse.Namespace) -> int:
    from auditor.config import load_settings
    from auditor.connectors.signin import signin_module
    from auditor.safetext import literal_multiline

    settings = load_settings()
    module = signin_module(args.kind)
    with _open_case(args.case, creating_allowed=False) as case:
        print(literal_multiline(module.forget(case, args.target, settings)))
    return 0
