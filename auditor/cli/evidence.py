"""`auditor evidence ...`: keep files and findings inside the encrypted case, and prove they are unchanged."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("evidence", help="keep screenshots, saved pages and findings as evidence; verify them")
    actions = p.add_subparsers(dest="evidence_command", metavar="ACTION", required=True)

    c = actions.add_parser("add", help="copy a file into the encrypted case, unchanged, and print its SHA-256")
    c.add_argument("--case", required=True, metavar="NAME")
    c.add_argument("file", type=Path, metavar="FILE")
    c.add_argument("--url", default="", help="where it was captured from")
    c.add_argument("--note", default="")
    c.add_argument("--location", type=int, metavar="ID", help="the content location it shows")
    c.add_argument("--captured", metavar="ISO", help="when it was captured (default: now)")
    c.set_defaults(handler=handle_add)

    c = actions.add_parser("finding", help="freeze a finding's record as evidence, before changing anything")
    c.add_argument("--case", required=True, metavar="NAME")
    c.add_argument("fingerprint", metavar="FINGERPRINT", help="the finding's id, as `auditor audit` prints it")
    c.add_argument("--note", default="")
    c.set_defaults(handler=handle_finding)

    c = actions.add_parser("list", help="every kept item with its SHA-256")
    c.add_argument("--case", required=True, metavar="NAME")
    c.set_defaults(handler=handle_list)

    c = actions.add_parser("verify", help="re-hash every kept item; fails loudly if anything changed")
    c.add_argument("--case", required=True, metavar="NAME")
    c.set_defaults(handler=handle_verify)

    c = actions.add_parser("extract", help="write one kept item out to a file (NOT encrypted)")
    c.add_argument("--case", required=True, metavar="NAME")
    c.add_argument("evidence_id", type=int, metavar="ID")
    c.add_argument("--out", required=True, type=Path)
    c.set_defaults(handler=handle_extract)


def handle_add(args: argparse.Namespace) -> int:
    from auditor.cli.timeline import open_timeline
    from auditor.safetext import literal
    from auditor.timeline.files import read_evidence_file
    from auditor.timeline.model import check_url, parse_when

    # Check everything before the passphrase is asked and the case is opened: a bad input adds nothing.
    url = check_url(args.url) if args.url else ""
    captured = parse_when(args.captured, "--captured") if args.captured else None
    read_evidence_file(args.file)
    with open_timeline(args.case) as timeline:
        item = timeline.add_evidence_file(args.file, url, args.note, args.location, captured)
    print(f"Kept {literal(item.file_name, 120)} as evidence {item.id} ({item.size} bytes, {literal(item.media_type)}).")
    print(f"SHA-256 {item.sha256}")
    if item.reupload_of:
        print(f"This looks like the same picture as evidence {item.reupload_of}: linked as a reupload.")
    return 0


def handle_finding(args: argparse.Namespace) -> int:
    from auditor.cli.timeline import open_timeline

    with open_timeline(args.case) as timeline:
        item = timeline.add_finding_evidence(args.fingerprint, args.note)
    print(f"Kept the record of finding {args.fingerprint} as evidence {item.id}, as it was observed.")
    print(f"SHA-256 {item.sha256}")
    return 0


def handle_list(args: argparse.Namespace) -> int:
    from auditor.cli.timeline import open_timeline
    from auditor.timeline.render import evidence_line

    with open_timeline(args.case) as timeline:
        items = timeline.evidence()
    if not items:
        print("No evidence kept yet: `auditor evidence add --case NAME FILE` keeps a file.")
    for item in items:
        print(evidence_line(item))
    return 0


def handle_verify(args: argparse.Namespace) -> int:
    import sys

    from auditor.cli.timeline import open_timeline
    from auditor.safetext import literal

    with open_timeline(args.case) as timeline:
        count = len(timeline.evidence())
        mismatches = timeline.verify()
    if not mismatches:
        print(f"All {count} evidence items match the SHA-256 recorded when they were kept.")
        return 0
    for m in mismatches:
        print(
            f"MISMATCH: evidence {m.evidence_id} ({literal(m.file_name, 120)}) was recorded as "
            f"SHA-256 {m.recorded_sha256} ({m.recorded_size} bytes) but now hashes to {m.actual_sha256} "
            f"({m.actual_size} bytes).",
            file=sys.stderr,
        )
    print(
        f"EVIDENCE CHANGED: {len(mismatches)} of {count} items no longer match. Do not hand this case over as it "
        "is; keep a copy and ask for help.",
        file=sys.stderr,
    )
    return 1


def handle_extract(args: argparse.Namespace) -> int:
    import sys

    from auditor.cli.timeline import open_timeline
    from auditor.reports.output import UNENCRYPTED_WARNING, write_file

    print(UNENCRYPTED_WARNING, file=sys.stderr)
    with open_timeline(args.case) as timeline:
        content = timeline.evidence_content(args.evidence_id)
    digest = write_file(args.out, content)
    print(f"Wrote evidence {args.evidence_id} to {args.out}; SHA-256 {digest}")
    return 0
