"""Versioned schema of a case database. ``PRAGMA user_version`` holds the version a database is at.

To change the schema, append one migration (SQL statements) to ``MIGRATIONS``; never edit an earlier one:
cases made by older versions are migrated forward, in order, inside one transaction, when they are opened.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[str, ...]] = [
    # 1: accounts and devices, secrets, audit runs and findings, decisions, playbook step progress
    (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE accounts (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            target TEXT NOT NULL,
            settings TEXT NOT NULL DEFAULT '{}',
            added_at TEXT NOT NULL,
            UNIQUE (kind, target))""",
        "CREATE TABLE secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL, updated_at TEXT NOT NULL)",
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            practice INTEGER NOT NULL DEFAULT 0,
            exit_code INTEGER NOT NULL)""",
        """CREATE TABLE findings (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            fingerprint TEXT NOT NULL,
            check_id TEXT NOT NULL,
            target TEXT NOT NULL,
            status TEXT NOT NULL,
            severity TEXT NOT NULL,
            title TEXT NOT NULL,
            detail TEXT NOT NULL,
            subject TEXT NOT NULL,
            evidence TEXT NOT NULL,
            playbooks TEXT NOT NULL,
            observed_at TEXT NOT NULL)""",
        "CREATE INDEX findings_by_run ON findings (run_id)",
        "CREATE INDEX findings_by_fingerprint ON findings (fingerprint)",
        """CREATE TABLE decisions (
            fingerprint TEXT PRIMARY KEY,
            answer TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            decided_at TEXT NOT NULL)""",
        """CREATE TABLE step_progress (
            fingerprint TEXT NOT NULL,
            playbook TEXT NOT NULL,
            step TEXT NOT NULL,
            done INTEGER NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (fingerprint, playbook, step))""",
    ),
    # 2: the case's event log (the takedown timeline builds on it)
    (
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            summary TEXT NOT NULL,
            payload TEXT NOT NULL DEFAULT '{}')""",
        "CREATE INDEX events_by_time ON events (at DESC, id DESC)",
    ),
]

VERSION = len(MIGRATIONS)
