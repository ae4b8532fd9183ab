"""Garbage collection in the app's own process.

A full collection walks every container object alive — Textual's DOM and styles, pydantic's schemas, the
provider libraries, the checks — and holds the interpreter while it does: measured at 60–140 ms, with the
event loop and every worker stopped, it was the app's longest stall during an audit. What is loaded for
the life of the process is frozen out of the collector's walk (``gc.freeze``), and young collections run
less often, so a full one comes rarely and walks only what the current audit made.

Only the process that runs nothing but the app does this (``auditor``, ``auditor demo``): freezing keeps
alive whatever garbage exists at that moment, which is harmless once at startup but not in a long test run.
"""

from __future__ import annotations

import gc

# Allocations (net) between young collections; Python's default is 700. The middle and old generations
# keep their defaults, so the older generations are still collected, just less often in absolute terms.
YOUNG_THRESHOLD = 10_000


def tune_collector() -> None:
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
    gc.freeze()


def freeze_loaded() -> None:
    """Everything alive now stays alive (modules imported, screens built, checks loaded): stop walking it."""
    gc.freeze()
