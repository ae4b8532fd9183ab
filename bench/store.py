"""Case-store figures: 100,000 events — insert rate, open + newest page, and SQLCipher's cost vs plain SQLite.

Usage: python bench/store.py [--events N]
Targets: open + first page under 100 ms; encryption overhead under 2x.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

PAGE = 50


def fill(conn: Any, events: int) -> float:  # a SQLCipher connection or a plain sqlite3 one
    rows = [
        (
            f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00+00:00",
            "note",
            f"event {i} " + "x" * 80,
            json.dumps({"i": i}),
        )
        for i in range(events)
    ]
    began = time.perf_counter()
    for start in range(0, events, 1000):  # one transaction per batch of 1,000, as an import would
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO events (at, kind, summary, payload) VALUES (?, ?, ?, ?)", rows[start : start + 1000]
        )
        conn.execute("COMMIT")
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    os.environ["AUDITOR_HOME"] = tempfile.mkdtemp(prefix="auditor-bench-")
    from auditor.store import CaseStore
    from auditor.store.case import _connect
    from auditor.store.schema import MIGRATIONS

    store = CaseStore.create("bench", "a long enough passphrase")
    path = store.path
    store.close()
    conn = _connect(path, "a long enough passphrase")
    encrypted = fill(conn, args.events)
    conn.close()

    plain_path = Path(os.environ["AUDITOR_HOME"]) / "plain.db"
    plain = sqlite3.connect(plain_path, isolation_level=None)
    plain.execute("PRAGMA journal_mode = WAL")
    plain.execute("PRAGMA synchronous = FULL")
    for statements in MIGRATIONS:
        for statement in statements:
            plain.execute(statement)
    unencrypted = fill(plain, args.events)
    plain.close()

    began = time.perf_counter()
    store = CaseStore.open("bench", "a long enough passphrase")
    opened = time.perf_counter() - began
    page = store.events(limit=PAGE)
    open_and_page = time.perf_counter() - began
    store.close()

    began = time.perf_counter()
    kdf_only = _connect(path, "a long enough passphrase")
    kdf = time.perf_counter() - began
    kdf_only.close()

    began = time.perf_counter()
    plain = sqlite3.connect(plain_path)
    rows = plain.execute(
        "SELECT id, at, kind, summary, payload FROM events ORDER BY at DESC, id DESC LIMIT ?", (PAGE,)
    ).fetchall()
    plain_page = time.perf_counter() - began
    plain.close()
    assert len(page) == len(rows) == PAGE

    print(f"events: {args.events}")
    print(f"insert, encrypted: {args.events / encrypted:,.0f}/s ({encrypted:.2f} s)")
    print(f"insert, plain SQLite: {args.events / unencrypted:,.0f}/s ({unencrypted:.2f} s)")
    print(f"encryption overhead on inserts: {encrypted / unencrypted:.2f}x")
    print(f"open case (key derivation + checks): {opened * 1000:.0f} ms, of which key derivation ~{kdf * 1000:.0f} ms")
    print(f"open + newest page of {PAGE}: {open_and_page * 1000:.0f} ms (plain SQLite: {plain_page * 1000:.1f} ms)")
    print(f"newest page alone, after open: {(open_and_page - opened) * 1000:.1f} ms")
    print(f"machine: {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
