"""The encrypted case store: confidentiality, crash safety, migrations, locking, export/import, decisions."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlcipher3

from auditor.checkapi import CheckContext, Decisions, Reading, Source
from auditor.cli import main
from auditor.engine import LoadedCheck, run_audit
from auditor.errors import CaseError, CaseLocked, WrongPassphrase
from auditor.model import AuditRun, CheckSpec, Finding, Severity, Status, utcnow
from auditor.store import MIGRATIONS, VERSION, CaseStore, case_path, import_case, list_cases
from auditor.store.case import _connect
from auditor.timeline import Channel, Outcome, Timeline

CANARY = "CANARY-7f3a9c-zebra"
REPO = Path(__file__).resolve().parents[2]


def every_file_bytes(home: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in home.rglob("*") if p.is_file()}


def sample_run(marker: str = CANARY) -> AuditRun:
    run = AuditRun(started_at=utcnow(), finished_at=utcnow())
    run.findings = [
        Finding(
            check="google.gmail.autoforward",
            target=f"{marker}@example.com",
            status=Status.FOUND,
            severity=Severity.CRITICAL,
            title=f"Your mail is forwarded to {marker}@evil.example",
            evidence={"emailAddress": f"{marker}@evil.example"},
            playbooks=("device-monitoring-software",),
            subject=marker,
        )
    ]
    return run


def test_no_canary_is_readable_anywhere_under_home(isolated_home: Path) -> None:
    store = CaseStore.create("ann", "correct horse")
    store.save_run(sample_run())
    store.put_secret("google-token", f"token-{CANARY}".encode())
    store.set_decision(sample_run().findings[0].fingerprint, "not-mine", note=f"note {CANARY}")
    store.add_event("note", f"summary {CANARY}", {"url": f"https://{CANARY}.example/"})
    store.set_step(sample_run().findings[0].fingerprint, "p", "any:1", True)
    # while open (WAL and SHM present) ...
    for path, data in every_file_bytes(isolated_home).items():
        assert CANARY.encode() not in data, path
        assert CANARY.encode("utf-16-le") not in data, path
    store.close()
    # ... and after closing
    files = every_file_bytes(isolated_home)
    assert files
    for path, data in files.items():
        assert CANARY.encode() not in data, path


def test_round_trip_of_runs_secrets_decisions_steps() -> None:
    run = sample_run()
    with CaseStore.create("ann", "pw") as store:
        run_id = store.save_run(run)
        store.put_secret("t", b"\x00\x01binary")
        store.set_decision(run.findings[0].fingerprint, "mine", "my other address")
        store.set_step(run.findings[0].fingerprint, "device-remote-access", "windows:2", True)
        store.add_account("google", "ann@example.com", {"workspace": False})
    with CaseStore.open("ann", "pw") as store:
        assert store.findings_of(run_id) == run.findings
        assert store.get_secret("t") == b"\x00\x01binary"
        assert store.decision_records() == {run.findings[0].fingerprint: ("mine", "my other address")}
        assert store.decisions().get(run.findings[0].fingerprint) == "mine"
        assert store.steps_done(run.findings[0].fingerprint, "device-remote-access") == {"windows:2"}
        assert store.accounts()[0]["settings"] == {"workspace": False}
        assert store.integrity_check() == "ok"
        store.delete_secret("t")
        assert store.get_secret("t") is None


def test_wrong_passphrase_changes_nothing(isolated_home: Path) -> None:
    CaseStore.create("ann", "right").close()
    before = every_file_bytes(isolated_home)
    with pytest.raises(WrongPassphrase, match="passphrase is wrong"):
        CaseStore.open("ann", "wrong")
    after = every_file_bytes(isolated_home)
    assert {p: d for p, d in after.items() if not p.name.endswith(".lock")} == {
        p: d for p, d in before.items() if not p.name.endswith(".lock")
    }


def test_wrong_passphrase_exits_2_on_the_command_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    CaseStore.create("ann", "right").close()
    monkeypatch.setenv("AUDITOR_PASSPHRASE", "wrong")
    assert main(["changes", "--case", "ann"]) == 2
    assert "passphrase is wrong" in capsys.readouterr().err


def test_a_case_open_in_another_process_is_refused_cleanly(isolated_home: Path) -> None:
    CaseStore.create("ann", "pw").close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
            import sys, time
            from auditor.store import CaseStore
            s = CaseStore.open("ann", "pw")
            print("open", flush=True)
            time.sleep(30)
            """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(CaseLocked, match="open in another"):
            CaseStore.open("ann", "pw")
    finally:
        holder.kill()
        holder.wait()
    with CaseStore.open("ann", "pw") as store:
        assert store.integrity_check() == "ok"


WRITER = textwrap.dedent(
    """
    import sys
    from auditor.store import CaseStore
    store = CaseStore.open("crash", "pw")
    i = 0
    while True:
        i += 1
        event_id = store.add_event("note", "event %d " % i + "x" * 200, {"i": i})
        print(event_id, flush=True)
    """
)


def test_sigkill_at_random_points_loses_no_committed_record(isolated_home: Path) -> None:
    CaseStore.create("crash", "pw").close()
    rng = random.Random(1234)
    committed: set[int] = set()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for _ in range(20):
        writer = subprocess.Popen([sys.executable, "-c", WRITER], stdout=subprocess.PIPE, text=True, env=env)
        assert writer.stdout is not None
        first = writer.stdout.readline()
        assert first.strip().isdigit(), first
        committed.add(int(first))
        time.sleep(rng.uniform(0.0, 0.15))
        os.kill(writer.pid, signal.SIGKILL)
        rest, _ = writer.communicate()
        committed.update(int(line) for line in rest.split() if line.isdigit())
    with CaseStore.open("crash", "pw") as store:
        assert store.integrity_check() == "ok"
        stored = {e["id"] for e in store.events(limit=10_000_000)}
    assert committed <= stored, sorted(committed - stored)[:5]
    assert len(committed) > 20


@pytest.mark.parametrize("version", range(0, VERSION))
def test_migrations_from_every_earlier_version(isolated_home: Path, version: int) -> None:
    path = case_path("old")
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = _connect(path, "pw")
    for statements in MIGRATIONS[:version]:
        for statement in statements:
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    if version >= 1:
        conn.execute("INSERT INTO secrets (name, value, updated_at) VALUES ('kept', x'01', '2026-01-01')")
    conn.close()
    with CaseStore.open("old", "pw") as store:
        assert store.schema_version == VERSION
        assert store.integrity_check() == "ok"
        if version >= 1:
            assert store.get_secret("kept") == b"\x01"
        store.add_event("note", "after migration")
        assert store.events()[0]["summary"] == "after migration"


def test_a_case_from_a_newer_version_is_refused(isolated_home: Path) -> None:
    CaseStore.create("new", "pw").close()
    conn = _connect(case_path("new"), "pw")
    conn.execute(f"PRAGMA user_version = {VERSION + 1}")
    conn.close()
    with pytest.raises(CaseError, match="newer version"):
        CaseStore.open("new", "pw")


def test_export_then_import_round_trips_every_table(tmp_path: Path) -> None:
    run = sample_run()
    with CaseStore.create("ann", "pw") as store:
        store.save_run(run)
        store.put_secret("tok", b"abc")
        store.set_decision(run.findings[0].fingerprint, "not-mine", "n")
        store.set_step(run.findings[0].fingerprint, "p", "any:1", True)
        store.add_account("device", "This computer")
        store.add_event("note", "hello")
        timeline = Timeline(store)
        location = timeline.add_location("https://leak.example/p/1", "Leak site")
        shot = tmp_path / "shot.png"
        shot.write_bytes(b"\x89PNG\r\n\x1a\nscreenshot")
        timeline.add_evidence_file(shot, location_id=location.id)
        report = timeline.add_report(Channel.PLATFORM_NCII, [location.id], reference="R-1")
        timeline.add_response(report.id, Outcome.ACKNOWLEDGED)
        counts = store.table_counts()
        exported = tmp_path / "handover.case"
        store.export_to(exported, "handover-pass")
    # The session tables are filled and round-tripped by tests/session.
    session_tables = {"sessions", "session_items", "session_notes"}
    assert all(n > 0 for table, n in counts.items() if table not in session_tables), counts
    with pytest.raises(WrongPassphrase):
        import_case(exported, "pw", "copy")
    with import_case(exported, "handover-pass", "copy") as copy:
        assert copy.table_counts() == counts
        assert copy.get_secret("tok") == b"abc"
        assert copy.findings_of(copy.runs()[0].id) == run.findings
        assert Timeline(copy).verify() == []
    assert list_cases() == ["ann", "copy"]


def test_import_refuses_a_damaged_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.case"
    junk.write_bytes(os.urandom(8192))
    with pytest.raises(WrongPassphrase):
        import_case(junk, "pw", "junk")
    assert list_cases() == []


def test_rekey_and_delete(isolated_home: Path) -> None:
    with CaseStore.create("ann", "old") as store:
        store.put_secret("x", b"1")
        store.rekey("new")
    with pytest.raises(WrongPassphrase):
        CaseStore.open("ann", "old")
    with CaseStore.open("ann", "new") as store:
        assert store.get_secret("x") == b"1"
    assert main(["case", "delete", "ann", "--yes"]) == 0
    assert list(isolated_home.rglob("ann.case*")) == []


# --- decisions change later audits, through the real engine -------------------------------------------

REVIEW_SPEC = CheckSpec(
    id="test.forwarding",
    title="forwarding",
    kind="device",
    severity=Severity.HIGH,
    reads=("a test address",),
    playbooks=("device-monitoring-software",),
)


def review_check(ctx: CheckContext) -> list[Finding]:
    made = ctx.review_or_found("Mail goes to x@evil.example", "Is x@evil.example yours?", subject="x@evil.example")
    return [made] if made else [ctx.clear("x@evil.example is yours", Reading("a test reading", None))]


def test_decisions_change_later_audits() -> None:
    check = LoadedCheck(REVIEW_SPEC, review_check, "test")
    source = Source(kind="device", target="me")
    with CaseStore.create("ann", "pw") as store:
        first = asyncio.run(run_audit([check], [source], decisions=Decisions(store.decisions())))
        store.save_run(first)
        fp = first.findings[0].fingerprint
        assert first.findings[0].status is Status.REVIEW
        store.set_decision(fp, "not-mine")
        second = asyncio.run(run_audit([check], [source], decisions=Decisions(store.decisions())))
        assert second.findings[0].status is Status.FOUND
        store.set_decision(fp, "mine")
        third = asyncio.run(run_audit([check], [source], decisions=Decisions(store.decisions())))
        assert third.findings[0].status is Status.CLEAR


def test_manual_answers_reach_manual_checks() -> None:
    from auditor.manual import ManualCheck, manual_finding

    manual = ManualCheck(
        id="test.manual",
        kind="device",
        title="Devices signed in",
        question="Do you know every device?",
        where_to_look=("Settings",),
        playbooks=("device-monitoring-software",),
    )
    spec = manual.spec()
    source = Source(kind="device", target="me")
    with CaseStore.create("ann", "pw") as store:
        ctx = CheckContext(spec, source, Decisions(store.decisions()))
        unanswered = manual_finding(ctx, manual)
        assert unanswered.status is Status.MANUAL
        store.set_decision(unanswered.fingerprint, "found-something", "an old tablet")
        answered = manual_finding(CheckContext(spec, source, Decisions(store.decisions())), manual)
        assert answered.status is Status.FOUND
        assert answered.evidence["note"] == "an old tablet"


# --- the command line -------------------------------------------------------------------------------


def test_audit_case_quiet_prints_changes_and_exits_with_design_codes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], shipped_iocs: Path
) -> None:
    monkeypatch.setenv("AUDITOR_PASSPHRASE", "pw")
    assert main(["iocs", "update", "--from", str(shipped_iocs / "ioc.yaml")]) == 0
    capsys.readouterr()
    first = main(["audit", "--case", "weekly", "--only", "device", "--quiet"])
    assert first in (0, 1, 3)
    assert "first audit" in capsys.readouterr().out
    second = main(["audit", "--case", "weekly", "--only", "device", "--quiet"])
    out = capsys.readouterr().out
    assert second == first
    assert "0 new, 0 resolved" in out
    with CaseStore.open("weekly", "pw") as store:
        assert len(store.runs()) == 2
        assert store.runs()[-1].exit_code == second


def test_confirm_and_changes_on_the_command_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUDITOR_PASSPHRASE", "pw")
    run = sample_run("plain")
    with CaseStore.create("ann", "pw") as store:
        store.save_run(run)
        again = AuditRun(started_at=utcnow(), finished_at=utcnow())  # the same check, on the same account: clear
        again.findings = [_finding(run.findings[0].check, run.findings[0].target, Status.CLEAR)]
        store.save_run(again)
    fp = run.findings[0].fingerprint
    assert main(["confirm", "--case", "ann", fp, "--not-mine", "--note", "never seen it"]) == 0
    assert "not yours" in capsys.readouterr().out
    assert main(["confirm", "--case", "ann", "0" * 20, "--mine"]) == 2
    assert main(["changes", "--case", "ann"]) == 0
    out = capsys.readouterr().out
    assert "RESOLVED" in out and "0 new, 1 resolved, 0 unchanged" in out
    with CaseStore.open("ann", "pw") as store:
        assert store.decision_records()[fp] == ("not-mine", "never seen it")


def test_no_passphrase_and_no_terminal_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", open(os.devnull))
    assert main(["case", "create", "ann"]) == 2
    assert "AUDITOR_PASSPHRASE" in capsys.readouterr().err


def test_case_names_are_checked() -> None:
    with pytest.raises(Exception, match="not a usable case name"):
        CaseStore.create("../etc/passwd", "pw")


def test_sqlcipher_is_really_encrypting(isolated_home: Path) -> None:
    CaseStore.create("ann", "pw").close()
    raw = case_path("ann").read_bytes()
    assert not raw.startswith(b"SQLite format 3")
    plain = sqlcipher3.connect(str(case_path("ann")))
    with pytest.raises(sqlcipher3.DatabaseError):
        plain.execute("SELECT * FROM sqlite_master").fetchall()
    plain.close()


def _finding(check: str, target: str, status: Status, subject: str = "") -> Finding:
    return Finding(
        check=check, target=target, status=status, severity=Severity.HIGH, title=f"{check} {subject}", subject=subject
    )


def test_an_audit_of_one_source_resolves_nothing_it_did_not_look_at() -> None:
    from auditor.store import changes_between

    forwarding = _finding("google.gmail_autoforward", "ann@example.com", Status.FOUND, "mark")
    spyware = _finding("ios.stalkerware_apps", "Ann's iPhone", Status.FOUND, "com.spy")
    # An iPhone-only audit: the phone's app is gone, the mail account was not read at all.
    phone_only = [_finding("ios.stalkerware_apps", "Ann's iPhone", Status.CLEAR)]
    changes = changes_between([forwarding, spyware], phone_only)
    assert changes.resolved == [spyware]
    assert changes.new == [] and changes.unchanged == []
    # The account read again, with forwarding gone: now it is resolved.
    both = [*phone_only, _finding("google.gmail_autoforward", "ann@example.com", Status.CLEAR)]
    assert changes_between([forwarding, spyware], both).resolved == [forwarding, spyware]
