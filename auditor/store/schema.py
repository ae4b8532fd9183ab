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
    # 3: the takedown timeline: where content appeared, evidence kept (bytes inside the case), reports sent,
    # responses received and follow-ups due
    (
        """CREATE TABLE content_locations (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL,
            platform TEXT NOT NULL,
            kind TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            status TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            added_at TEXT NOT NULL)""",
        """CREATE TABLE evidence (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            file_name TEXT NOT NULL,
            media_type TEXT NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            captured_at TEXT NOT NULL,
            source_url TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '',
            finding_fingerprint TEXT,
            location_id INTEGER REFERENCES content_locations(id),
            perceptual_hash TEXT,
            perceptual_quality INTEGER,
            reupload_of INTEGER REFERENCES evidence(id),
            content BLOB NOT NULL)""",
        "CREATE INDEX evidence_by_sha256 ON evidence (sha256)",
        """CREATE TABLE reports (
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL,
            sent_at TEXT NOT NULL,
            reference TEXT NOT NULL DEFAULT '',
            sent_text TEXT NOT NULL DEFAULT '',
            recipient TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '')""",
        """CREATE TABLE report_locations (
            report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
            location_id INTEGER NOT NULL REFERENCES content_locations(id),
            PRIMARY KEY (report_id, location_id))""",
        """CREATE TABLE responses (
            id INTEGER PRIMARY KEY,
            report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
            received_at TEXT NOT NULL,
            outcome TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '')""",
        """CREATE TABLE followups (
            id INTEGER PRIMARY KEY,
            report_id INTEGER REFERENCES reports(id) ON DELETE CASCADE,
            location_id INTEGER REFERENCES content_locations(id),
            due_at TEXT NOT NULL,
            what TEXT NOT NULL,
            created_at TEXT NOT NULL,
            done_at TEXT)""",
        "CREATE INDEX followups_open ON followups (done_at, due_at)",
    ),
    # 4: advocate sessions: the consent given, chief concerns, devices and accounts with who has or had
    # access to each, session notes and safety-plan answers (only what consent allows is written)
    (
        """CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            consent TEXT NOT NULL,
            concerns TEXT NOT NULL DEFAULT '[]')""",
        """CREATE TABLE session_items (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            label TEXT NOT NULL,
            access TEXT NOT NULL DEFAULT '[]')""",
        """CREATE TABLE session_notes (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            text TEXT NOT NULL)""",
    ),
]

VERSION = len(MIGRATIONS)
