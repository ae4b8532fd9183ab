"""`auditor settings export|import|paths`: an organisation's sign-in settings, shared as one small file.

An administrator (a clinic, a helpline) registers the Google OAuth client and the Microsoft app once
(docs/organisations.md) and exports a settings bundle; the people they help import it instead of opening a
developer console. The bundle's organisation name and contact are its author's words: printed literally.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Literal

TRUST_NOTE = (
    "Import a settings file only from an organisation you trust, handed to you directly: its Google and Microsoft "
    "apps are the ones your sign-in will trust."
)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "settings",
        help="export or import an organisation's sign-in settings (no developer console needed)",
        description=(
            "A settings bundle carries an organisation's Google OAuth client (Desktop app), Microsoft app ID and "
            "Exchange server: never tokens, passwords or case data. docs/organisations.md explains it."
        ),
    )
    actions = p.add_subparsers(dest="settings_command", metavar="ACTION", required=True)
    e = actions.add_parser("export", help="write this computer's sign-in settings as a bundle to share")
    e.add_argument("file", type=Path, metavar="FILE", help="where to write it (.json for JSON, otherwise YAML)")
    e.add_argument("--organisation", metavar="NAME", help="your organisation's name, shown to whoever imports it")
    e.add_argument("--contact", metavar="TEXT", help="how people reach you (a phone number, an address)")
    e.set_defaults(handler=handle_export)
    i = actions.add_parser("import", help="check a bundle, show what it sets, then save it to your settings")
    i.add_argument("file", type=Path, metavar="FILE", help="the .yaml or .json file an organisation gave you")
    i.add_argument("--yes", action="store_true", help="replace settings you already have without asking (scripts)")
    i.add_argument("--dry-run", action="store_true", help="only check the bundle and show what would be set")
    i.set_defaults(handler=handle_import)
    s = actions.add_parser("paths", help="how Google, Microsoft and Exchange sign-ins are set up here")
    s.set_defaults(handler=handle_paths)


def handle_export(args: argparse.Namespace) -> int:
    from auditor.bundle import build_export, render_bundle
    from auditor.config import load_settings
    from auditor.errors import UsageError
    from auditor.reports.output import write_file

    export = build_export(load_settings(), args.organisation, args.contact)
    fmt: Literal["yaml", "json"] = "json" if args.file.suffix.lower() == ".json" else "yaml"
    if args.file.exists() and args.file.is_dir():
        raise UsageError(f"{args.file} is a folder; give a file name to write")
    write_file(args.file, render_bundle(export.data, fmt))
    for note in export.notes:
        print(note)
    parts = [name for name in ("google", "microsoft", "exchange") if name in export.data]
    print(f"Wrote the settings bundle {args.file} ({', '.join(parts)}).")
    print("It holds no tokens, passwords, user names or case data: share it with the people you help, who run")
    print(f"  auditor settings import {args.file.name}")
    return 0


def _print_plan(plan: Any) -> None:
    from auditor.safetext import literal

    bundle = plan.bundle
    print(f"Settings bundle: {literal(plan.source, 300)}")
    if bundle.organisation is not None:
        # The organisation's words are the bundle author's: shown literally, never as markup or escapes.
        print(f"From: {literal(bundle.organisation.name, 200)}")
        if bundle.organisation.contact:
            print(f"Contact: {literal(bundle.organisation.contact, 500)}")
    else:
        print("From: an organisation that did not give its name")
    print(TRUST_NOTE)
    print()
    print(f"What this sets in {literal(plan.settings_path, 300)}:")
    width = max(len(c.setting) for c in plan.changes)
    for change in plan.changes:
        if change.current is None:
            state = "new"
        elif change.same:
            state = "unchanged"
        else:
            state = f"replaces {change.current}"
        print(f"  {change.setting:<{width}}  {change.new}  ({state})")
    if bundle.exchange is not None:
        from urllib.parse import urlsplit

        host = literal(urlsplit(bundle.exchange.url).hostname or bundle.exchange.url, 200)
        print(f"Exchange: when you connect, your mailbox password goes to {host}. Check that it is your")
        print("organisation's own mail server before you connect.")
    print()


def handle_import(args: argparse.Namespace) -> int:
    from auditor.bundle import apply_import, plan_import
    from auditor.errors import UsageError

    plan = plan_import(args.file)
    _print_plan(plan)
    if args.dry_run:
        print("Checked: nothing was changed (--dry-run).")
        return 0
    conflicts = plan.conflicts
    if conflicts and not args.yes:
        names = ", ".join(c.setting for c in conflicts)
        if sys.stdin is None or not sys.stdin.isatty():
            raise UsageError(
                f"this would replace settings you already have ({names}); nothing was changed. Run it in a "
                "terminal to confirm, or add --yes"
            )
        try:
            answer = input(
                f"Replace {len(conflicts)} setting{'s' if len(conflicts) != 1 else ''} you already have? [y/N] "
            )
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing was changed.")
            return 0
    for line in apply_import(plan):
        print(line)
    _print_next_steps(plan)
    return 0


def _print_next_steps(plan: Any) -> None:
    from auditor.bundle import connection_paths
    from auditor.config import Settings

    settings = Settings.model_validate(plan.merged)
    print()
    for path in connection_paths(settings).values():
        print(path.text)
    if plan.bundle.google is not None or plan.bundle.microsoft is not None:
        print("Next: `auditor account add google --case NAME` (or microsoft) shows a warning first, then signs in.")


def handle_paths(args: argparse.Namespace) -> int:
    from auditor.bundle import connection_paths
    from auditor.config import load_settings

    for path in connection_paths(load_settings()).values():
        print(path.text)
    return 0
