"""`auditor case ...`, `auditor confirm`, `auditor changes` and `auditor audit --case`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auditor.application.phones import PhoneRequest
    from auditor.config import Endpoints, Settings
    from auditor.store import CaseStore, Changes


def register(sub: Any) -> None:
    p = sub.add_parser("case", help="create, list, export, import or delete encrypted cases")
    cases = p.add_subparsers(dest="case_command", metavar="ACTION", required=True)
    c = cases.add_parser("create", help="create a case (asks for a passphrase twice)")
    c.add_argument("name")
    c.set_defaults(handler=handle_create)
    c = cases.add_parser("list", help="list the cases on this computer")
    c.set_defaults(handler=handle_list)
    c = cases.add_parser("passphrase", help="change a case's passphrase")
    c.add_argument("name")
    c.set_defaults(handler=handle_passphrase)
    c = cases.add_parser("delete", help="delete a case and everything in it")
    c.add_argument("name")
    c.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    c.set_defaults(handler=handle_delete)
    c = cases.add_parser("export", help="write a case as one encrypted file, under a new passphrase")
    c.add_argument("name")
    c.add_argument("file", type=Path)
    c.set_defaults(handler=handle_export)
    c = cases.add_parser("import", help="check and add a case file exported on another computer")
    c.add_argument("file", type=Path)
    c.add_argument("--name", help="name for the imported case (default: the file's name)")
    c.set_defaults(handler=handle_import)

    p = sub.add_parser("confirm", help='answer "Is this yours?" for a finding')
    p.add_argument("--case", required=True, metavar="NAME")
    p.add_argument("fingerprint", metavar="FINGERPRINT", help="the finding's id, as `auditor audit` prints it")
    mine = p.add_mutually_exclusive_group(required=True)
    mine.add_argument("--mine", dest="answer", action="store_const", const="mine")
    mine.add_argument("--not-mine", dest="answer", action="store_const", const="not-mine")
    p.add_argument("--note", default="")
    p.set_defaults(handler=handle_confirm)

    p = sub.add_parser("changes", help="what is new, resolved and unchanged since the previous audit")
    p.add_argument("--case", required=True, metavar="NAME")
    p.set_defaults(handler=handle_changes)


def _new_passphrase() -> str:
    from auditor.store.passphrase import ask

    return ask("New case passphrase: ", confirm=True)


def _open(name: str) -> CaseStore:
    from auditor.cli.unlock import unlock

    return unlock(name)


def handle_create(args: argparse.Namespace) -> int:
    from auditor.application.cases import open_case

    open_case(args.name, _new_passphrase(), create=True).close()
    print(f"Created the encrypted case {args.name!r}.")
    return 0


def handle_list(args: argparse.Namespace) -> int:
    from auditor.application.cases import case_names

    names = case_names()
    if not names:
        print("No cases yet. `auditor case create NAME` makes one.")
    for name in names:
        print(name)
    return 0


def handle_passphrase(args: argparse.Namespace) -> int:
    from auditor.application.cases import open_case
    from auditor.store.passphrase import ask

    current = ask("Current passphrase: ")
    with open_case(args.name, current) as store:
        store.rekey(ask("New case passphrase: ", confirm=True, env=False))
    print(f"The passphrase of {args.name!r} was changed.")
    return 0


def handle_delete(args: argparse.Namespace) -> int:
    from auditor.errors import UsageError
    from auditor.store import delete_case

    if not args.yes:
        if not sys.stdin or not sys.stdin.isatty():
            raise UsageError("deleting a case needs --yes when there is no one to ask")
        answer = input(f"Delete the case {args.name!r} and everything in it? Type its name to confirm: ")
        if answer != args.name:
            print("Nothing was deleted.")
            return 0
    delete_case(args.name)
    print(f"Deleted the case {args.name!r}.")
    return 0


def handle_export(args: argparse.Namespace) -> int:
    from auditor.store.passphrase import ask

    with _open(args.name) as store:
        new = os.environ.get("AUDITOR_EXPORT_PASSPHRASE") or ask("Passphrase for the exported file: ", True, False)
        store.export_to(args.file, new)
    print(f"Wrote {args.file} — the whole case, encrypted under the new passphrase.")
    return 0


def handle_import(args: argparse.Namespace) -> int:
    from auditor.store import import_case
    from auditor.store.passphrase import ask

    name = args.name or args.file.stem
    store = import_case(args.file, ask("Passphrase of the exported file: "), name)
    store.close()
    print(f"Imported the case as {name!r}. It keeps the passphrase it was exported with.")
    return 0


def handle_confirm(args: argparse.Namespace) -> int:
    from auditor.application.answers import answer_review

    with _open(args.case) as store:
        answer_review(store, args.fingerprint, args.answer, args.note)
    words = "yours" if args.answer == "mine" else "not yours"
    print(f"Recorded: {args.fingerprint} is {words}. Later audits use this.")
    return 0


def print_changes(changes: Changes | None) -> None:
    from auditor.render import changes_lines

    if changes is None:
        print("This is the case's first audit: nothing to compare with yet.")
        return
    lines = changes_lines("NEW", changes.new) + changes_lines("RESOLVED", changes.resolved)
    print("\n".join(lines) if lines else "Nothing changed since the previous audit.")
    print(f"{len(changes.new)} new, {len(changes.resolved)} resolved, {len(changes.unchanged)} unchanged.")


def handle_changes(args: argparse.Namespace) -> int:
    with _open(args.case) as store:
        print_changes(store.latest_changes())
    return 0


def audit_case(
    args: argparse.Namespace, settings: Settings, endpoints: Endpoints, phone: PhoneRequest | None = None
) -> int:
    """`auditor audit --case NAME`: audit the case's sources, store the run, creating the case if new.

    With ``phone`` (`--only ios` or `--only ios-backup`), only that iPhone is audited, through the application
    layer's audit_phone; a backup's password is passed for that one audit and never kept in the case."""
    import asyncio

    from auditor.application.auditing import AuditPlan, audit_into_case
    from auditor.application.kinds import kinds_for_case
    from auditor.application.phones import audit_phone
    from auditor.cli.audit import print_run, say_iphones_not_read
    from auditor.cli.unlock import unlock

    with unlock(args.case, creating_allowed=True) as store:
        if phone is not None:
            plan = AuditPlan(kinds=(), endpoints=endpoints, settings=settings)
            saved = asyncio.run(audit_phone(phone, plan=plan, case=store)).saved
            assert saved is not None  # with a case and without stop_if_unreadable the run is always saved
            run = saved.run
        else:
            kinds = tuple(kinds_for_case(store, args.only, endpoints))
            plan = AuditPlan(kinds=kinds, endpoints=endpoints, settings=settings)
            run = asyncio.run(audit_into_case(store, plan)).run
            say_iphones_not_read(store, args.case)
        if args.quiet:
            print_changes(store.latest_changes())
        else:
            print_run(run, args.format, args.details)
    return run.exit_code
