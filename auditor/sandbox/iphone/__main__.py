"""`python -m auditor.sandbox.iphone [--scenario NAME|FILE]`: serve a practice iPhone until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from auditor.sandbox.iphone import PracticeIPhone


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m auditor.sandbox.iphone", description=__doc__)
    parser.add_argument(
        "--scenario", default="stalkerware", help="clean, stalkerware, hostile, untrusted, ... or a YAML file"
    )
    args = parser.parse_args(argv)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with PracticeIPhone(args.scenario) as phone:
        print(f"# PRACTICE iPhone, scenario {phone.scenario.name!r} — not a real phone.")
        print(f"export USBMUXD_SOCKET_ADDRESS={phone.usbmux_address}")
        print("# then: auditor audit --only ios      (Ctrl-C stops the practice phone)", flush=True)
        try:
            while not done.wait(0.2):
                pass
        except KeyboardInterrupt:
            pass
    print("# stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
