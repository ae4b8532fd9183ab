"""`auditor audit`: a headless audit for people, scripts and schedulers."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auditor.application.phones import PhoneRequest
    from auditor.config import Endpoints, Settings
    from auditor.model import AuditRun
    from auditor.store import CaseStore


def register(sub: Any) -> None:
    p = sub.add_parser(
        "audit",
        help="run the checks without the app",
        description=(
            "Run the checks and print what was found. Exit codes: 0 every applicable automated check "
            "is clear; 1 an access path was found or needs review; 3 nothing found but at least one check "
            "could not complete; 2 usage or configuration error."
        ),
    )
    p.add_argument("--case", metavar="NAME", help="audit this case's accounts and devices and store the run")
    p.add_argument(
        "--only",
        metavar="KIND",
        help="audit one kind only: device, google, microsoft, exchange, android, ios (an iPhone connected by "
        "cable), ios-backup (an iPhone backup folder, with --path)",
    )
    p.add_argument(
        "--path",
        metavar="DIR",
        help="with --only ios-backup: the backup folder (the one holding Manifest.plist); an encrypted backup's "
        "password is asked for, or read from AUDITOR_IOS_BACKUP_PASSWORD, and never stored",
    )
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--details", action="store_true", help="show each finding's detail text")
    p.add_argument("--quiet", action="store_true", help="with --case: print only what changed")
    p.set_defaults(handler=handle)


def print_run(run: AuditRun, fmt: str, details: bool = False) -> None:
    from auditor import render

    text = render.as_json(run) if fmt == "json" else render.table(run, details=details)
    sys.stdout.write(text + "\n")


# The kinds whose checks match against the stalkerware indicator set.
INDICATOR_KINDS = frozenset({"device", "android", "ios", "ios-backup"})


def say_if_indicators_stale(kinds: list[str], case: bool = False) -> None:
    """One line on standard error (never in the JSON) when the indicator set a scan uses is past its age."""
    if not (case or INDICATOR_KINDS.intersection(kinds)):
        return
    from auditor.errors import AuditorError
    from auditor.iocs import current_meta, stale_notice

    try:
        notice = stale_notice(current_meta())
    except AuditorError:
        return  # the checks themselves say the set could not be loaded
    if notice:
        print(f"auditor: {notice}", file=sys.stderr)


def say_iphones_not_read(store: CaseStore, case_name: str) -> None:
    """After an audit of the case, on standard error (never in the JSON or --quiet's list of changes): it did not
    read the case's iPhones, how one is read, and when each was last read (its findings stay in the case)."""
    from auditor.application.phones import current_findings, iphone_reads, not_read_words
    from auditor.safetext import literal

    for line in not_read_words(iphone_reads(store.accounts(), current_findings(store)), case_name):
        print(f"auditor: {literal(line)}", file=sys.stderr)


def handle(args: argparse.Namespace) -> int:
    from auditor.application.kinds import kinds_to_audit
    from auditor.config import Endpoints, load_settings

    settings = load_settings()
    endpoints = Endpoints.from_env()
    kinds = kinds_to_audit(args.only, endpoints)
    if args.path and args.only != "ios-backup":
        from auditor.errors import UsageError

        raise UsageError("--path goes with --only ios-backup (the iPhone backup folder to check)")
    say_if_indicators_stale(kinds, case=bool(args.case))
    if args.only in ("ios", "ios-backup"):
        return audit_iphone(args, settings, endpoints)
    if args.case:
        from auditor.cli.case import audit_case

        return audit_case(args, settings, endpoints)
    if args.quiet:
        from auditor.errors import UsageError

        raise UsageError("--quiet needs --case NAME (it prints what changed since the case's last audit)")
    import asyncio

    from auditor.application.auditing import AuditPlan, run_plan

    run = asyncio.run(run_plan(AuditPlan(kinds=tuple(kinds), endpoints=endpoints, settings=settings)))
    print_run(run, args.format, args.details)
    return run.exit_code


def backup_password(folder: Path) -> str | None:
    """AUDITOR_IOS_BACKUP_PASSWORD, or — for an encrypted backup, on a terminal — typed without echo. Never stored."""
    import os

    from auditor.application.phones import backup_is_encrypted

    password = os.environ.get("AUDITOR_IOS_BACKUP_PASSWORD")
    if password:
        return password
    if backup_is_encrypted(folder) and sys.stdin.isatty():
        import getpass

        typed = getpass.getpass("This backup is encrypted. Backup password (not stored, not shown): ")
        return typed or None
    return None


def phone_request(args: argparse.Namespace) -> PhoneRequest:
    """`--only ios`: the iPhone connected by cable; `--only ios-backup --path DIR`: that backup folder, with its
    password asked for here (the password is passed for this one audit and never leaves this process)."""
    import os

    from auditor.application.phones import PhoneRequest
    from auditor.errors import UsageError
    from auditor.ios.source import NO_BACKUP_PATH

    if args.only == "ios":
        return PhoneRequest()
    folder = args.path or os.environ.get("AUDITOR_IOS_BACKUP_PATH")
    if not folder:
        raise UsageError(NO_BACKUP_PATH)
    path = Path(folder).expanduser()
    return PhoneRequest(backup=path, password=backup_password(path))


def audit_iphone(args: argparse.Namespace, settings: Settings, endpoints: Endpoints) -> int:
    """`--only ios` or `--only ios-backup`, into a case with --case: the application layer's audit_phone, as the
    app's add-phone screen uses it."""
    import asyncio

    from auditor.application.auditing import AuditPlan
    from auditor.application.phones import BEFORE_CONNECTING, audit_phone

    request = phone_request(args)
    if request.over_usb:
        print(f"auditor: {BEFORE_CONNECTING}", file=sys.stderr)
    if args.case:
        from auditor.cli.case import audit_case

        return audit_case(args, settings, endpoints, phone=request)
    if args.quiet and request.over_usb:
        from auditor.errors import UsageError

        raise UsageError("--quiet needs --case NAME (it prints what changed since the case's last audit)")
    plan = AuditPlan(kinds=(), endpoints=endpoints, settings=settings)
    run = asyncio.run(audit_phone(request, plan=plan)).run
    assert run is not None  # without stop_if_unreadable the phone's checks always run
    print_run(run, args.format, args.details)
    return run.exit_code
