"""One case = one SQLCipher 4 database, keyed from the person's passphrase.

Everything about the incident lives inside it: accounts and devices, tokens, audit runs and findings, the
person's decisions, playbook progress and the event log. Nothing readable is written outside it: temporary
storage is kept in memory, and there are no logs or caches of case data.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import sqlcipher3

from auditor.config import Paths, paths
from auditor.errors import CaseError, CaseNotFound, UsageError, WrongPassphrase
from auditor.model import AuditRun, Finding, Severity, Status, utcnow
from auditor.store.fixes import FixTables
from auditor.store.lock import CaseLock
from auditor.store.schema import MIGRATIONS, VERSION
from auditor.store.sessions import SessionTables
from auditor.store.takedown import TakedownTables

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$")
SUFFIX = ".case"
REVIEW_ANSWERS = ("mine", "not-mine")
MANUAL_ANSWERS = ("looks-fine", "found-something", "not-sure")


def check_name(name: str) -> str:
    if not _NAME.match(name) or ".." in name or name.endswith((".", " ")):
        raise UsageError(f"{name!r} is not a usable case name: use letters, digits, spaces, '-', '_' or '.', up to 64")
    return name


def case_path(name: str, where: Paths | None = None) -> Path:
    return (where or paths()).cases / f"{check_name(name)}{SUFFIX}"


def list_cases(where: Paths | None = None) -> list[str]:
    folder = (where or paths()).cases
    if not folder.is_dir():
        return []
    return sorted(p.name[: -len(SUFFIX)] for p in folder.glob(f"*{SUFFIX}"))


def _companions(path: Path) -> list[Path]:
    return [path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal"), Path(f"{path}.lock")]


def _quote(passphrase: str) -> str:
    if not passphrase:
        raise UsageError("the passphrase is empty")
    if "\x00" in passphrase:
        raise UsageError("the passphrase contains a NUL character")
    return "'" + passphrase.replace("'", "''") + "'"


def _connect(path: Path, passphrase: str) -> sqlcipher3.Connection:
    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10)
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = {_quote(passphrase)}")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError:
        conn.close()
        raise WrongPassphrase("The passphrase is wrong for this case (nothing was changed).") from None
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


@dataclass(frozen=True)
class RunSummary:
    id: int
    started_at: str
    finished_at: str | None
    practice: bool
    exit_code: int


class DecisionRow(NamedTuple):
    """The person's answer on one finding, as recorded."""

    fingerprint: str
    answer: str
    note: str
    decided_at: str


@dataclass(frozen=True)
class Changes:
    new: list[Finding]
    resolved: list[Finding]
    unchanged: list[Finding]


OPEN_STATUSES = {Status.FOUND, Status.REVIEW, Status.ERROR, Status.MANUAL}


def changes_between(previous: Sequence[Finding], current: Sequence[Finding]) -> Changes:
    """What is new, resolved and unchanged among open findings (found, review, error, manual).

    Resolved only where the current audit looked again: the same check ran on the same account or device (every
    check that runs says something there, if only "Looks clear"). An audit of one phone says nothing about the
    mail accounts, so their findings are not called resolved by it.
    """
    before = {f.fingerprint: f for f in previous if f.status in OPEN_STATUSES}
    now = {f.fingerprint: f for f in current if f.status in OPEN_STATUSES}
    looked = {(f.check, f.target) for f in current}
    return Changes(
        new=[f for fp, f in now.items() if fp not in before],
        resolved=[f for fp, f in before.items() if fp not in now and (f.check, f.target) in looked],
        unchanged=[f for fp, f in now.items() if fp in before],
    )


class CaseStore(TakedownTables, SessionTables, FixTables):
    """An open, unlocked case. Use :meth:`create` or :meth:`open`; close it (or use ``with``).

    Only the store writes SQL to read a case: what the timeline and the sessions read comes from the typed
    row methods (``*_row``/``*_rows``) here and in :mod:`auditor.store.takedown` and :mod:`auditor.store.sessions`.
    """

    def __init__(self, name: str, path: Path, conn: sqlcipher3.Connection, lock: CaseLock) -> None:
        self.name = name
        self.path = path
        self._conn = conn
        self._lock = lock

    # -- life cycle ---------------------------------------------------------------------------------

    @classmethod
    def create(cls, name: str, passphrase: str, where: Paths | None = None) -> CaseStore:
        path = case_path(name, where)
        if path.exists():
            raise CaseError(f"A case named {name!r} already exists.")
        (where or paths()).ensure(path.parent)
        return cls._open(name, path, passphrase, creating=True)

    @classmethod
    def open(cls, name: str, passphrase: str, where: Paths | None = None) -> CaseStore:
        path = case_path(name, where)
        if not path.exists():
            raise CaseNotFound(f"There is no case named {name!r}. `auditor case list` shows the cases.")
        return cls._open(name, path, passphrase, creating=False)

    @classmethod
    def open_or_create(cls, name: str, passphrase: str, where: Paths | None = None) -> CaseStore:
        if case_path(name, where).exists():
            return cls.open(name, passphrase, where)
        return cls.create(name, passphrase, where)

    @classmethod
    def _open(cls, name: str, path: Path, passphrase: str, creating: bool) -> CaseStore:
        lock = CaseLock(Path(f"{path}.lock"), name)
        lock.acquire()
        try:
            if creating:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
                os.close(fd)
            conn = _connect(path, passphrase)
        except BaseException:
            lock.release()
            if creating:
                for companion in _companions(path):
                    companion.unlink(missing_ok=True)
            raise
        store = cls(name, path, conn, lock)
        try:
            store._migrate()
            if creating:
                store._set_meta("name", name)
                store._set_meta("created_at", utcnow().isoformat())
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlcipher3.Error:
                pass
            self._conn.close()
            self._conn = None  # type: ignore[assignment]
        self._lock.release()

    def __enter__(self) -> CaseStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._conn is None

    @contextmanager
    def transaction(self) -> Iterator[sqlcipher3.Connection]:
        """One logical write: all of it is committed, or none of it."""
        conn = self._conn
        if conn is None:
            raise CaseError(f"The case {self.name!r} is closed.")
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self._conn is None:
            raise CaseError(f"The case {self.name!r} is closed.")
        return list(self._conn.execute(sql, params).fetchall())

    # -- schema -------------------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        return int(self._query("PRAGMA user_version")[0][0])

    def _migrate(self) -> None:
        current = self.schema_version
        if current > VERSION:
            raise CaseError(
                f"The case {self.name!r} was made by a newer version of auditor (schema {current}); "
                "update auditor to open it."
            )
        if current == VERSION:
            return
        with self.transaction() as conn:
            for statements in MIGRATIONS[current:]:
                for statement in statements:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {VERSION}")

    def integrity_check(self) -> str:
        return str(self._query("PRAGMA integrity_check")[0][0])

    def rekey(self, new_passphrase: str) -> None:
        """Change the passphrase. SQLCipher re-encrypts every page in place."""
        quoted = _quote(new_passphrase)
        if self._conn is None:
            raise CaseError(f"The case {self.name!r} is closed.")
        self._conn.execute(f"PRAGMA rekey = {quoted}")

    def export_to(self, destination: Path, new_passphrase: str) -> None:
        """Write the whole case as one encrypted file under ``new_passphrase`` (atomically)."""
        destination = Path(destination)
        fd, tmp_name = tempfile.mkstemp(dir=destination.parent, prefix=".auditor-export-", suffix=".tmp")
        os.close(fd)
        tmp = Path(tmp_name)
        tmp.unlink()
        conn = self._conn
        try:
            conn.execute(f"ATTACH DATABASE ? AS exported KEY {_quote(new_passphrase)}", (str(tmp),))
            try:
                conn.execute("SELECT sqlcipher_export('exported')")
                conn.execute(f"PRAGMA exported.user_version = {self.schema_version}")
            finally:
                conn.execute("DETACH DATABASE exported")
            os.replace(tmp, destination)
        finally:
            for companion in _companions(tmp):
                companion.unlink(missing_ok=True)

    # -- meta ---------------------------------------------------------------------------------------

    def _set_meta(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    # -- accounts and devices -----------------------------------------------------------------------

    def add_account(self, kind: str, target: str, settings: dict[str, Any] | None = None) -> int:
        """Add an account or device; for one already there, ``settings`` replace its own only when given (an
        audit naming a signed-in account must not wipe the server and sign-in scheme its sign-in saved)."""
        keep = "DO NOTHING" if settings is None else "DO UPDATE SET settings = excluded.settings"
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO accounts (kind, target, settings, added_at) VALUES (?, ?, ?, ?) "
                f"ON CONFLICT (kind, target) {keep}",
                (kind, target, json.dumps(settings or {}), utcnow().isoformat()),
            )
            row = conn.execute("SELECT id FROM accounts WHERE kind = ? AND target = ?", (kind, target)).fetchone()
        return int(row[0])

    def accounts(self) -> list[dict[str, Any]]:
        rows = self._query("SELECT id, kind, target, settings, added_at FROM accounts ORDER BY id")
        return [
            {"id": r[0], "kind": r[1], "target": r[2], "settings": json.loads(r[3]), "added_at": r[4]} for r in rows
        ]

    def remove_account(self, kind: str, target: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM accounts WHERE kind = ? AND target = ?", (kind, target))

    # -- secrets (tokens) ---------------------------------------------------------------------------

    def put_secret(self, name: str, value: bytes) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO secrets (name, value, updated_at) VALUES (?, ?, ?)",
                (name, bytes(value), utcnow().isoformat()),
            )

    def get_secret(self, name: str) -> bytes | None:
        rows = self._query("SELECT value FROM secrets WHERE name = ?", (name,))
        return bytes(rows[0][0]) if rows else None

    def delete_secret(self, name: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM secrets WHERE name = ?", (name,))

    # -- runs and findings --------------------------------------------------------------------------

    def save_run(self, run: AuditRun) -> int:
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO runs (started_at, finished_at, practice, exit_code) VALUES (?, ?, ?, ?)",
                (
                    run.started_at.isoformat(),
                    run.finished_at.isoformat() if run.finished_at else None,
                    int(run.practice),
                    run.exit_code,
                ),
            )
            run_id = int(cursor.lastrowid or 0)
            conn.executemany(
                "INSERT INTO findings (run_id, fingerprint, check_id, target, status, severity, title, "
                "detail, subject, evidence, playbooks, observed_at) VALUES (" + ", ".join("?" * 12) + ")",
                [
                    (
                        run_id,
                        f.fingerprint,
                        f.check,
                        f.target,
                        f.status.value,
                        f.severity.value,
                        f.title,
                        f.detail,
                        f.subject,
                        json.dumps(f.to_dict()["evidence"], ensure_ascii=False),
                        json.dumps(list(f.playbooks)),
                        f.observed_at.isoformat(),
                    )
                    for f in run.findings
                ],
            )
            conn.execute(
                "INSERT INTO events (at, kind, summary, payload) VALUES (?, 'audit', ?, ?)",
                (
                    (run.finished_at or run.started_at).isoformat(),
                    f"Audit: {sum(f.status is Status.FOUND for f in run.findings)} found, "
                    f"{sum(f.status is Status.REVIEW for f in run.findings)} to review",
                    json.dumps({"run_id": run_id}),
                ),
            )
        return run_id

    def runs(self) -> list[RunSummary]:
        rows = self._query("SELECT id, started_at, finished_at, practice, exit_code FROM runs ORDER BY id")
        return [RunSummary(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows]

    def findings_of(self, run_id: int) -> list[Finding]:
        rows = self._query(
            "SELECT check_id, target, status, severity, title, detail, subject, evidence, playbooks, "
            "observed_at, fingerprint FROM findings WHERE run_id = ? ORDER BY id",
            (run_id,),
        )
        return [
            Finding(
                check=r[0],
                target=r[1],
                status=Status(r[2]),
                severity=Severity(r[3]),
                title=r[4],
                detail=r[5],
                subject=r[6],
                evidence=json.loads(r[7]),
                playbooks=tuple(json.loads(r[8])),
                observed_at=datetime.fromisoformat(r[9]),
                fingerprint=r[10],
            )
            for r in rows
        ]

    def load_run(self, run_id: int) -> AuditRun:
        summary = next((r for r in self.runs() if r.id == run_id), None)
        if summary is None:
            raise CaseError(f"The case {self.name!r} has no audit run {run_id}.")
        return AuditRun(
            started_at=datetime.fromisoformat(summary.started_at),
            finished_at=datetime.fromisoformat(summary.finished_at) if summary.finished_at else None,
            findings=self.findings_of(run_id),
            practice=summary.practice,
        )

    def latest_changes(self) -> Changes | None:
        """What changed in the last run since each of its checks last ran on the same account or device; None
        before the second audit. An audit of the case after one of a phone alone compares the accounts with the
        audit before (their findings are not "new"), and the phone with its own last read."""
        runs = self.runs()
        if len(runs) < 2:
            return None
        current = self.findings_of(runs[-1].id)
        wanted = {(f.check, f.target) for f in current}
        previous: list[Finding] = []
        for summary in reversed(runs[:-1]):
            if not wanted:
                break
            earlier = [f for f in self.findings_of(summary.id) if (f.check, f.target) in wanted]
            previous += earlier
            wanted -= {(f.check, f.target) for f in earlier}
        return changes_between(previous, current)

    def has_finding(self, fingerprint: str) -> bool:
        return bool(self._query("SELECT 1 FROM findings WHERE fingerprint = ? LIMIT 1", (fingerprint,)))

    # -- decisions and answers ----------------------------------------------------------------------

    def set_decision(self, fingerprint: str, answer: str, note: str = "") -> None:
        if answer not in REVIEW_ANSWERS + MANUAL_ANSWERS:
            raise UsageError(f"{answer!r} is not an answer; use one of {', '.join(REVIEW_ANSWERS + MANUAL_ANSWERS)}")
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO decisions (fingerprint, answer, note, decided_at) VALUES (?, ?, ?, ?)",
                (fingerprint, answer, note, utcnow().isoformat()),
            )
            conn.execute(
                "INSERT INTO events (at, kind, summary, payload) VALUES (?, 'decision', ?, ?)",
                (utcnow().isoformat(), f"Answered {answer}", json.dumps({"fingerprint": fingerprint})),
            )

    def decision_rows(self) -> list[DecisionRow]:
        """Every answer recorded, with when it was given, oldest first."""
        rows = self._query(
            "SELECT fingerprint, answer, note, decided_at FROM decisions ORDER BY decided_at, fingerprint"
        )
        return [DecisionRow(*r) for r in rows]

    def decision_records(self) -> dict[str, tuple[str, str]]:
        return {r.fingerprint: (r.answer, r.note) for r in self.decision_rows()}

    def decisions(self) -> dict[str, str]:
        """What later audits apply, by fingerprint: "mine"/"not-mine" for reviews, "answer:note" for guided
        checks. (The application hands them to the engine; the store knows nothing of running checks.)"""
        out = {}
        for fingerprint, (answer, note) in self.decision_records().items():
            out[fingerprint] = f"{answer}:{note}" if answer in MANUAL_ANSWERS else answer
        return out

    # -- playbook progress --------------------------------------------------------------------------

    def set_step(self, fingerprint: str, playbook: str, step: str, done: bool) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO step_progress (fingerprint, playbook, step, done, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (fingerprint, playbook, step, int(done), utcnow().isoformat()),
            )

    def steps_done(self, fingerprint: str, playbook: str) -> set[str]:
        rows = self._query(
            "SELECT step FROM step_progress WHERE fingerprint = ? AND playbook = ? AND done = 1",
            (fingerprint, playbook),
        )
        return {r[0] for r in rows}

    # -- event log ----------------------------------------------------------------------------------

    def add_event(self, kind: str, summary: str, payload: dict[str, Any] | None = None, at: str | None = None) -> int:
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO events (at, kind, summary, payload) VALUES (?, ?, ?, ?)",
                (at or utcnow().isoformat(), kind, summary, json.dumps(payload or {})),
            )
        return int(cursor.lastrowid or 0)

    def events(self, limit: int = 50, before_id: int | None = None) -> list[dict[str, Any]]:
        """The newest events first, a page at a time."""
        if before_id is None:
            rows = self._query(
                "SELECT id, at, kind, summary, payload FROM events ORDER BY at DESC, id DESC LIMIT ?",
                (limit,),
            )
        else:
            rows = self._query(
                "SELECT id, at, kind, summary, payload FROM events WHERE id < ? ORDER BY at DESC, id DESC LIMIT ?",
                (before_id, limit),
            )
        return [{"id": r[0], "at": r[1], "kind": r[2], "summary": r[3], "payload": json.loads(r[4])} for r in rows]

    def table_counts(self) -> dict[str, int]:
        tables = [r[0] for r in self._query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: int(self._query(f'SELECT count(*) FROM "{t}"')[0][0]) for t in tables}


def delete_case(name: str, where: Paths | None = None) -> None:
    path = case_path(name, where)
    if not path.exists():
        raise CaseNotFound(f"There is no case named {name!r}.")
    lock = CaseLock(Path(f"{path}.lock"), name)
    lock.acquire()
    try:
        for companion in _companions(path)[:-1]:
            companion.unlink(missing_ok=True)
    finally:
        lock.release()
        Path(f"{path}.lock").unlink(missing_ok=True)


def import_case(source: Path, passphrase: str, name: str, where: Paths | None = None) -> CaseStore:
    """Check an exported case opens with ``passphrase`` and is intact, then add it under ``name``."""
    import shutil

    source = Path(source)
    if not source.is_file():
        raise CaseNotFound(f"{source} is not a file")
    target = case_path(name, where)
    if target.exists():
        raise CaseError(f"A case named {name!r} already exists; import it under another name with --name.")
    (where or paths()).ensure(target.parent)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".import-", suffix=SUFFIX)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        shutil.copyfile(source, tmp)
        check = _connect(tmp, passphrase)
        try:
            version = int(check.execute("PRAGMA user_version").fetchone()[0])
            status = str(check.execute("PRAGMA integrity_check").fetchone()[0])
            tables = {r[0] for r in check.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            check.close()
        if status != "ok":
            raise CaseError(f"{source} is damaged (integrity check: {status}); nothing was imported.")
        if version < 1 or version > VERSION or "runs" not in tables:
            raise CaseError(f"{source} is not an auditor case this version can read; nothing was imported.")
        os.replace(tmp, target)
    finally:
        for companion in _companions(tmp):
            companion.unlink(missing_ok=True)
    return CaseStore.open(name, passphrase, where)
