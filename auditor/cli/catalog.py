"""`auditor checks` and `auditor playbook ID`: what the tool checks and how to close each path."""

from __future__ import annotations

import argparse
import sys
import textwrap
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("checks", help="list every check: ID, what it reads, its playbooks")
    p.add_argument("--kind", help="only checks of this kind")
    p.set_defaults(handler=handle_checks)
    p = sub.add_parser("playbook", help="print one remediation playbook")
    p.add_argument("id", metavar="ID", help="playbook ID, as listed by `auditor checks`")
    p.set_defaults(handler=handle_playbook)


def handle_checks(args: argparse.Namespace) -> int:
    from auditor.application.checks import load_checks

    checks = sorted(load_checks().values(), key=lambda c: (c.spec.kind, c.spec.id))
    for check in checks:
        spec = check.spec
        if args.kind and spec.kind != args.kind:
            continue
        how = "automated" if spec.automated else "by hand"
        print(f"{spec.id}  [{spec.kind}, {how}, {spec.severity.value}]")
        print(textwrap.fill(spec.title, 80, initial_indent="  ", subsequent_indent="  "))
        print(textwrap.fill("reads: " + "; ".join(spec.reads), 80, initial_indent="  ", subsequent_indent="    "))
        print(f"  playbooks: {', '.join(spec.playbooks)}")
    return 0


def handle_playbook(args: argparse.Namespace) -> int:
    from auditor.application.checks import load_checks
    from auditor.errors import UsageError
    from auditor.playbooks import builtin_playbooks, covering_checks, render_playbook

    library = builtin_playbooks()
    if args.id not in library:
        raise UsageError(f"no playbook {args.id!r}; `auditor checks` lists the playbook IDs")
    covers = covering_checks(args.id, (check.spec for check in load_checks().values()))
    sys.stdout.write(render_playbook(library[args.id], covers=covers) + "\n")
    return 0
