"""`auditor timeline`, `auditor evidence`: real commands against a real encrypted case."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.store import CaseStore
from auditor.timeline import Timeline

from .conftest import HOSTILE, HOSTILE_URL, Cli, assert_inert


def counts() -> dict[str, int]:
    with CaseStore.open("c1", "pw") as store:
        return store.table_counts()


@pytest.fixture
def made(cli: Cli) -> None:
    assert cli("case", "create", "c1")[0] == 0


def test_add_report_answer_and_list_with_overdue_first(cli: Cli, made: None) -> None:
    code, out, _ = cli("timeline", "add", "--case", "c1", "--url", "https://a.example/p/1", "--platform", "Site A")
    assert code == 0 and "content location 1" in out
    cli("timeline", "add", "--case", "c1", "--url", "https://b.example/2", "--platform", "Site B", "--kind", "mirror")
    code, out, _ = cli(
        "timeline", "report", "--case", "c1", "--channel", "take-it-down", "--location", "1",
        "--when", "2026-11-01T10:00:00Z", "--reference", "TID-77",
    )  # fmt: skip
    assert code == 0
    assert "Follow-up 1 is due 2026-11-03 10:00 UTC" in out
    code, out, _ = cli(
        "timeline", "report", "--case", "c1", "--channel", "police", "--location", "2", "--when", "2026-11-02",
    )  # fmt: skip
    assert "due 2026-11-09 00:00 UTC" in out
    code, out, _ = cli("timeline", "list", "--case", "c1", "--now", "2026-11-04T10:00:00Z")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "OVERDUE (1)"
    assert lines[1].lstrip().startswith("OVERDUE by 24 h: Expect an answer to: TAKE IT DOWN Act removal request")
    assert "due in 5 days" in out
    assert out.index("OVERDUE") < out.index("Follow-ups due") < out.index("Where the content is")
    assert "REPORTED" in out and "TID-77" in out
    code, out, _ = cli(
        "timeline", "response", "--case", "c1", "--report", "1", "--outcome", "removed", "--when", "2026-11-03",
    )  # fmt: skip
    assert code == 0
    code, out, _ = cli("timeline", "list", "--case", "c1", "--now", "2026-11-04T10:00:00Z")
    assert "OVERDUE" not in out
    assert "REMOVED" in out and "answer 2026-11-03 00:00 UTC: removed" in out
    code, out, _ = cli("timeline", "status", "--case", "c1", "--location", "1", "--status", "reappeared")
    code, out, _ = cli("timeline", "list", "--case", "c1")
    assert "REAPPEARED" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--url", "notaurl", "--platform", "X"), "not a web address"),
        (("--url", "https://[::1/broken", "--platform", "X"), "not a web address"),
        (("--url", "https://a.example/1", "--platform", "X", "--when", "last tuesday"), "not an ISO 8601"),
        (("--url", "https://a.example/1", "--platform", "X", "--when", "2026-02-30"), "not an ISO 8601"),
        (("--url", "https://a.example/1", "--platform", "X", "--when", "0001-01-01T00:00+05:00"), "not a date from"),
    ],
)
def test_malformed_input_is_named_and_adds_nothing(cli: Cli, made: None, argv: tuple[str, ...], message: str) -> None:
    before = counts()
    code, _, err = cli("timeline", "add", "--case", "c1", *argv)
    assert code == 2
    assert message in err
    assert counts() == before


def test_evidence_add_prints_the_stored_sha256(cli: Cli, made: None, tmp_path: Path) -> None:
    shot = tmp_path / "screenshot.png"
    shot.write_bytes(os.urandom(5000))
    before = shot.read_bytes()
    code, out, _ = cli("evidence", "add", "--case", "c1", str(shot), "--url", "https://a.example/1", "--note", "n")
    assert code == 0
    digest = hashlib.sha256(before).hexdigest()
    assert f"SHA-256 {digest}" in out
    assert shot.read_bytes() == before, "the original is never modified"
    with CaseStore.open("c1", "pw") as store:
        assert Timeline(store).evidence_content(1) == before
    code, out, _ = cli("evidence", "list", "--case", "c1")
    assert digest in out and "screenshot.png" in out
    code, out, _ = cli("evidence", "verify", "--case", "c1")
    assert code == 0 and "All 1 evidence items match" in out


def test_evidence_of_a_bad_file_is_refused_and_adds_nothing(cli: Cli, made: None, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    cases = [
        (tmp_path / "missing.png", "no such file"),
        (tmp_path, "is a folder"),
        (fifo, "not a regular file"),
        (Path("/proc/self/mem"), "cannot be read"),
    ]
    before = counts()
    for path, message in cases:
        code, _, err = cli("evidence", "add", "--case", "c1", str(path))
        assert code == 2, path
        assert message in err and "nothing was added" in err, err
    assert counts() == before
    good = tmp_path / "ok.txt"
    good.write_text("x")
    code, _, err = cli("evidence", "add", "--case", "c1", str(good), "--url", "javascript:alert(1)")
    assert code == 2 and "not a web address" in err
    code, _, err = cli("evidence", "add", "--case", "c1", str(good), "--captured", "soon")
    assert code == 2 and "not an ISO 8601" in err
    assert counts() == before


def test_verify_fails_loudly_on_a_tampered_item(cli: Cli, made: None, tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes(b"first")
    b.write_bytes(b"second")
    cli("evidence", "add", "--case", "c1", str(a))
    cli("evidence", "add", "--case", "c1", str(b))
    with CaseStore.open("c1", "pw") as store, store.transaction() as conn:
        conn.execute("UPDATE evidence SET content = ? WHERE id = 2", (b"secone",))
    code, _, err = cli("evidence", "verify", "--case", "c1")
    assert code == 1
    assert "MISMATCH: evidence 2 (b.txt)" in err
    assert hashlib.sha256(b"second").hexdigest() in err and hashlib.sha256(b"secone").hexdigest() in err
    assert "EVIDENCE CHANGED: 1 of 2 items" in err
    code, _, err = cli("export", "--case", "c1", "--format", "json", "--out", str(tmp_path / "r.json"))
    assert code == 2 and "no longer matches" in err
    assert not (tmp_path / "r.json").exists()


def test_finding_saved_as_evidence_from_the_cli(cli: Cli, made: None) -> None:
    from .conftest import T0, audit_run

    run = audit_run(T0, "x@evil.example")
    with CaseStore.open("c1", "pw") as store:
        store.save_run(run)
    finding = run.findings[0]
    code, out, _ = cli("evidence", "finding", "--case", "c1", finding.fingerprint)
    assert code == 0
    assert f"SHA-256 {hashlib.sha256(finding.evidence_json().encode()).hexdigest()}" in out
    code, _, err = cli("evidence", "finding", "--case", "c1", "ffffffffffffffffffff")
    assert code == 2 and "no finding with id ffffffffffffffffffff" in err


def test_hostile_text_is_shown_literally(cli: Cli, made: None, tmp_path: Path) -> None:
    code, out, _ = cli(
        "timeline", "add", "--case", "c1", "--url", HOSTILE_URL, "--platform", HOSTILE, "--note", HOSTILE
    )
    assert code == 0
    assert_inert(out)
    shot = tmp_path / "x.png"
    shot.write_bytes(b"x")
    cli("evidence", "add", "--case", "c1", str(shot), "--note", HOSTILE)
    cli("timeline", "report", "--case", "c1", "--channel", "dmca", "--location", "1", "--reference", HOSTILE)
    for argv in (("timeline", "list", "--case", "c1"), ("evidence", "list", "--case", "c1")):
        code, out, err = cli(*argv)
        assert code == 0
        assert_inert(out + err)
    code, out, _ = cli("timeline", "list", "--case", "c1")
    assert "[bold red]boom[/]" in out, "Rich markup is printed as text"
    assert "\\x1b[31mred" in out and "<U+202E>gnp.exe" in out, "escapes and bidi are made visible"
    assert "<script>alert(1)</script>" in out


def test_without_a_terminal_or_passphrase_it_says_how(isolated_home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "AUDITOR_PASSPHRASE"}
    env["AUDITOR_HOME"] = str(isolated_home)
    proc = subprocess.run(
        [sys.executable, "-c", "from auditor.cli import entry; entry()", "timeline", "list", "--case", "c1"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "AUDITOR_PASSPHRASE" in proc.stderr


def test_a_file_named_like_a_data_url_gives_no_media_type_from_its_name(cli: Cli, made: None, tmp_path: Path) -> None:
    # A downloaded file's name is chosen by whoever served it; Python reads "data:TYPE,..." names as data URLs.
    odd = tmp_path / "data:\x1b[31m[bold]evil\u202e,saved"
    odd.write_bytes(b"saved page")
    code, out, _ = cli("evidence", "add", "--case", "c1", str(odd))
    assert code == 0
    assert_inert(out)
    assert "application/octet-stream" in out and "\\x1b[31m[bold]evil<U+202E>" in out
    with CaseStore.open("c1", "pw") as store:
        assert Timeline(store).evidence()[0].media_type == "application/octet-stream"


def test_the_removal_window_comes_from_the_settings_file(cli: Cli, made: None, isolated_home: Path) -> None:
    from auditor.config import paths

    settings = paths().settings_file
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text("followup_hours: 72\n", encoding="utf-8")
    cli("timeline", "add", "--case", "c1", "--url", "https://a.example/1", "--platform", "Site A")
    code, out, _ = cli(
        "timeline", "report", "--case", "c1", "--channel", "platform-ncii", "--location", "1",
        "--when", "2026-11-01T10:00:00Z",
    )  # fmt: skip
    assert code == 0 and "due 2026-11-04 10:00 UTC" in out, out
    settings.write_text("concurrency: 4\nfollowup_hours: 0\n", encoding="utf-8")
    before = counts()
    code, _, err = cli("timeline", "report", "--case", "c1", "--channel", "take-it-down", "--location", "1")
    assert code == 2
    assert f"{settings}, line 2" in err and "followup_hours" in err, err
    assert counts() == before
    settings.write_text("followup_hours: 100000000000\n", encoding="utf-8")  # would overflow a date
    code, _, err = cli("timeline", "report", "--case", "c1", "--channel", "take-it-down", "--location", "1")
    assert code == 2
    assert f"{settings}, line 1: followup_hours" in err and "87840" in err, err
    assert counts() == before


def test_follow_up_done_and_extract_from_the_command_line(cli: Cli, made: None, tmp_path: Path) -> None:
    import stat

    cli("timeline", "add", "--case", "c1", "--url", "https://a.example/1", "--platform", "Site A")
    sent = tmp_path / "sent.txt"
    sent.write_text("Please remove https://a.example/1 " + HOSTILE, encoding="utf-8")
    code, out, _ = cli(
        "timeline", "report", "--case", "c1", "--channel", "hosting-abuse", "--location", "1",
        "--sent-file", str(sent), "--when", "2026-11-01",
    )  # fmt: skip
    assert code == 0 and "Follow-up 1 is due 2026-11-08 00:00 UTC" in out
    with CaseStore.open("c1", "pw") as store:
        assert Timeline(store).report(1).sent_text == sent.read_text(encoding="utf-8")
    code, _, err = cli("timeline", "follow-up", "--case", "c1", "--due", "next week", "--what", "call them")
    assert code == 2 and "--due 'next week' is not an ISO 8601" in err
    code, _, err = cli(
        "timeline", "report", "--case", "c1", "--channel", "dmca", "--location", "1", "--follow-up-hours", "10" * 6
    )
    assert code == 2 and "--follow-up-hours must be from 1 to" in err
    code, out, _ = cli(
        "timeline", "follow-up", "--case", "c1", "--due", "2026-11-02T09:00:00Z", "--what", HOSTILE, "--location", "1"
    )
    assert code == 0 and "Follow-up 2 is due 2026-11-02 09:00 UTC" in out
    code, out, _ = cli("timeline", "list", "--case", "c1", "--now", "2026-11-03")
    assert_inert(out)
    assert "OVERDUE (1)" in out and "[bold red]boom[/]" in out and "follow-up 2" in out
    assert cli("timeline", "done", "--case", "c1", "2")[0] == 0
    code, out, _ = cli("timeline", "list", "--case", "c1", "--now", "2026-11-03")
    assert "OVERDUE" not in out
    code, _, err = cli("timeline", "done", "--case", "c1", "9")
    assert code == 2 and "no follow-up 9" in err

    shot = tmp_path / "shot.bin"
    shot.write_bytes(os.urandom(3000))
    cli("evidence", "add", "--case", "c1", str(shot))
    copy = tmp_path / "copy.bin"
    code, out, err = cli("evidence", "extract", "--case", "c1", "1", "--out", str(copy))
    assert code == 0 and "NOT encrypted" in err
    assert copy.read_bytes() == shot.read_bytes()
    assert f"SHA-256 {hashlib.sha256(shot.read_bytes()).hexdigest()}" in out
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    code, _, err = cli("evidence", "extract", "--case", "c1", "5", "--out", str(tmp_path / "none.bin"))
    assert code == 2 and "no evidence item 5" in err
    assert not (tmp_path / "none.bin").exists()
