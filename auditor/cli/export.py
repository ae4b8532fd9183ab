"""`auditor export`: a report of the case for an advocate, a platform or the police (NOT encrypted)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

_FORMATS = ("html", "pdf", "json", "timesketch", "csv")


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="write a report of the case: html, pdf, json or timesketch csv (NOT encrypted)")
    p.add_argument("--case", required=True, metavar="NAME")
    p.add_argument("--format", required=True, choices=_FORMATS)
    p.add_argument("--out", type=Path, help="the file to write (default: print; pdf needs --out)")
    p.add_argument("--no-findings", action="store_true", help="leave out the access paths the audit found")
    p.add_argument("--no-evidence", action="store_true", help="leave out the evidence manifest")
    p.add_argument("--no-notes", action="store_true", help="leave out notes and the text of reports sent")
    p.add_argument("--no-access-map", action="store_true", help="leave out the access map")
    p.set_defaults(handler=handle_export)


def handle_export(args: argparse.Namespace) -> int:
    import sys

    from auditor.cli.timeline import open_timeline
    from auditor.errors import UsageError
    from auditor.reports.data import Choices
    from auditor.reports.export import render_export
    from auditor.reports.output import UNENCRYPTED_WARNING, write_file

    if args.format == "pdf" and args.out is None:
        raise UsageError("a PDF needs --out FILE")
    if args.out is not None and args.out.is_dir():
        raise UsageError(f"{args.out} is a folder; give a file name to write")
    choices = Choices(
        findings=not args.no_findings,
        evidence=not args.no_evidence,
        notes=not args.no_notes,
        access_map=not args.no_access_map,
    )
    # Said before anything is written, so the person can still stop.
    print(UNENCRYPTED_WARNING, file=sys.stderr)
    with open_timeline(args.case) as timeline:
        content = render_export(timeline, args.format, choices)
    if args.out is None:
        import hashlib

        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        print(f"SHA-256 of this export: {hashlib.sha256(content).hexdigest()}", file=sys.stderr)
        return 0
    digest = write_file(args.out, content)
    print(f"Wrote {args.out} ({len(content)} bytes). It is NOT encrypted.")
    print(f"SHA-256 {digest} — give this number with the file so the copy can be checked.")
    return 0
