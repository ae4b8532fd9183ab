"""`auditor iocs update|status`: the stalkerware indicator set the device and phone checks use."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("iocs", help="install or inspect the stalkerware indicator set")
    iocs = p.add_subparsers(dest="iocs_command", metavar="ACTION", required=True)
    up = iocs.add_parser(
        "update",
        help="download the current set (or install from files); the old set stays if anything fails",
    )
    up.add_argument(
        "--from",
        dest="files",
        metavar="FILE",
        type=Path,
        action="append",
        help="install this ioc.yaml (repeat for watchware.yaml too) instead of downloading",
    )
    up.set_defaults(handler=handle_update)
    st = iocs.add_parser("status", help="where the installed set came from, when, and what it holds")
    st.set_defaults(handler=handle_status)


def _print_counts(indicators: Any) -> None:
    c = indicators.counts()
    print(f"  apps:           {c.apps}")
    print(f"  package names:  {c.packages}")
    print(f"  certificates:   {c.certificates}")
    print(f"  C2 domains:     {c.c2_domains}")
    print(f"  C2 IPs:         {c.c2_ips}")


def handle_update(args: argparse.Namespace) -> int:
    from auditor.iocs import install_from_files, update_from_upstream

    indicators = install_from_files(args.files) if args.files else update_from_upstream()
    print(f"Installed the stalkerware indicator set from {indicators.source}")
    _print_counts(indicators)
    return 0


def handle_status(args: argparse.Namespace) -> int:
    from auditor.errors import CheckUnavailable
    from auditor.iocs import current_meta, describe_age, installed_indicators, stale_notice

    try:
        indicators = installed_indicators()
        meta = current_meta()
    except CheckUnavailable as exc:
        print(str(exc))
        return exc.exit_code
    print(f"Source:     {meta.source}")
    if meta.bundled:
        print(f"Commit:     {meta.commit}")
        print(f"Dated:      {meta.published_at}")
        print(f"Licence:    CC-BY 4.0 — {meta.attribution}")
    else:
        print(f"Installed:  {meta.installed_at}")
    print(f"Files:      {', '.join(sorted(meta.files))}")
    print(f"Age:        {describe_age(meta)}")
    _print_counts(indicators)
    notice = stale_notice(meta)
    if notice:
        print(notice)
    return 0
