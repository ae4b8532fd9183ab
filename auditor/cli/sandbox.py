"""`auditor sandbox serve`: the practice servers, standalone, for training and for testing against."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser(
        "sandbox", help="run the practice servers that imitate Google, Microsoft and Exchange (no account needed)"
    )
    actions = p.add_subparsers(dest="sandbox_command", metavar="ACTION", required=True)
    serve = actions.add_parser(
        "serve",
        help="serve a scenario on 127.0.0.1 and print the variables that point auditor at it",
        description=(
            "Serve a practice scenario on 127.0.0.1 until interrupted. Faults are written "
            "PROVIDER:PATH:KIND[:times=N][:seconds=S][:retry_after=S], where KIND is latency, 429, 500, 503, "
            "hang, reset, malformed, 401, 403 or endless, and PATH is a pattern such as /gmail/v1/users/*/settings/*."
        ),
    )
    serve.add_argument("--scenario", default="compromised", help="clean, compromised, large, hostile, or a YAML file")
    serve.add_argument("--fault", action="append", default=[], metavar="SPEC", help="inject a fault (repeatable)")
    serve.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    serve.set_defaults(handler=handle_serve)


def handle_serve(args: argparse.Namespace) -> int:
    from auditor.sandbox import FaultRule, Sandbox

    faults = [FaultRule.parse(spec) for spec in args.fault]
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with Sandbox(args.scenario, faults=faults, latency=args.latency) as sb:
        print(f"# PRACTICE servers for the {sb.scenario.name!r} scenario — nothing here is a real account.")
        for name, value in sb.env.items():
            print(f"export {name}={value}")
        if sb.identity_url:
            # The Microsoft sign-in (device code) goes to this identity server, over TLS with its own certificate.
            print(f"export AUDITOR_MICROSOFT_AUTHORITY_URL={sb.identity_url}")
            print(f"export AUDITOR_MICROSOFT_CA_FILE={sb.ca_file}")
        print("# Press Ctrl-C to stop.", flush=True)
        try:
            while not done.wait(0.2):
                pass
        except KeyboardInterrupt:
            pass
    print("# stopped", file=sys.stderr)
    return 0
