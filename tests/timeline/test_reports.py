"""`auditor export`: HTML (escaped, self-contained), PDF (renders, text literal), JSON, Timesketch CSV."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from auditor.store import CaseStore
from auditor.timeline import Channel, LocationKind, Outcome, Timeline

from .conftest import HOSTILE, HOSTILE_URL, T0, Cli, assert_inert, audit_run


@pytest.fixture
def filled(cli: Cli, tmp_path: Path) -> Path:
    """A case with an access path found then closed, hostile content, evidence, a report and an answer."""
    assert cli("case", "create", "c1")[0] == 0
    shot = tmp_path / "shot.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\n" + b"pixels" * 50)
    with CaseStore.open("c1", "pw") as store:
        store.save_run(audit_run(T0 - timedelta(days=2), "x@evil.example", "keep@evil.example"))
        store.save_run(audit_run(T0 - timedelta(days=1), "keep@evil.example"))
        timeline = Timeline(store)
        loc = timeline.add_location(HOSTILE_URL, HOSTILE, LocationKind.ORIGINAL, T0, "NOTE-" + HOSTILE)
        timeline.add_evidence_file(shot, "https://a.example/1", "EVIDENCE-NOTE", loc.id, T0)
        report = timeline.add_report(Channel.TAKE_IT_DOWN, [loc.id], T0, "REF-9", "SENT-TEXT")
        timeline.add_response(report.id, Outcome.ACKNOWLEDGED, T0 + timedelta(hours=1), "RESPONSE-NOTE")
    return shot


def export(cli: Cli, tmp_path: Path, fmt: str, *extra: str) -> tuple[bytes, str, str]:
    out = tmp_path / f"report.{fmt}"
    code, stdout, stderr = cli("export", "--case", "c1", "--format", fmt, "--out", str(out), *extra)
    assert code == 0, stderr
    content = out.read_bytes()
    assert f"SHA-256 {hashlib.sha256(content).hexdigest()}" in stdout, "the export's own hash is printed"
    assert "NOT encrypted" in stderr
    return content, stdout, stderr


def test_html_escapes_everything_and_is_self_contained(cli: Cli, filled: Path, tmp_path: Path) -> None:
    content, _, _ = export(cli, tmp_path, "html")
    page = content.decode()
    assert "<script" not in page, "no script element at all, hostile or ours"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "\x1b" not in page and "\u202e" not in page
    assert "[bold red]boom[/]" in page and "&lt;U+202E&gt;gnp.exe" in page
    assert not re.search(r'(src|href)="(https?:)?//', page), "nothing is loaded from elsewhere"
    assert "<style>" in page
    sha = hashlib.sha256(filled.read_bytes()).hexdigest()
    assert sha in page, "the evidence manifest lists every SHA-256"
    assert "<td>still open</td><td>Your mail is forwarded to keep@evil.example</td>" in page
    assert "<td>closed</td><td>Your mail is forwarded to x@evil.example</td>" in page
    assert "RESPONSE-NOTE" in page and "EVIDENCE-NOTE" in page


def test_exports_hold_only_what_was_chosen(cli: Cli, filled: Path, tmp_path: Path) -> None:
    sha = hashlib.sha256(filled.read_bytes()).hexdigest()
    content, _, _ = export(cli, tmp_path, "html", "--no-findings", "--no-evidence", "--no-notes")
    page = content.decode()
    for left_out in ("x@evil.example", "keep@evil.example", sha, "EVIDENCE-NOTE", "RESPONSE-NOTE", "NOTE-"):
        assert left_out not in page, left_out
    assert "Left out by choice" in page
    data = json.loads(export(cli, tmp_path, "json", "--no-findings", "--no-evidence", "--no-notes")[0])
    assert "access_paths" not in data and "evidence_manifest" not in data
    assert "note" not in data["content_locations"][0] and "sent_text" not in data["reports"][0]
    assert all(e["kind"] not in ("access-path", "evidence") for e in data["timeline"])
    full = json.loads(export(cli, tmp_path, "json")[0])
    assert full["evidence_manifest"][0]["sha256"] == sha
    assert full["content_locations"][0]["url"] == HOSTILE_URL, "JSON keeps the exact value (it is data)"
    assert full["reports"][0]["sent_text"] == "SENT-TEXT"
    assert [f["title"] for f in full["access_paths"]["open"]] == ["Your mail is forwarded to keep@evil.example"]


def test_timesketch_csv_has_the_required_columns_and_iso_datetimes(cli: Cli, filled: Path, tmp_path: Path) -> None:
    content, _, _ = export(cli, tmp_path, "timesketch")
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert rows
    for row in rows:
        assert {"message", "datetime", "timestamp_desc"} <= row.keys()
        at = datetime.fromisoformat(row["datetime"])
        assert at.tzinfo is not None
        assert int(row["timestamp"]) == int(at.timestamp() * 1_000_000)
        assert "\x1b" not in row["message"] and "\u202e" not in row["message"]
    descriptions = {r["timestamp_desc"] for r in rows}
    assert {"Report sent", "Answer received", "Evidence captured", "Content first seen", "Audit"} <= descriptions


def test_pdf_renders_with_pages_and_literal_text(cli: Cli, filled: Path, tmp_path: Path) -> None:
    content, _, _ = export(cli, tmp_path, "pdf")
    assert content.startswith(b"%PDF-")
    pdf = tmp_path / "report.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    counted = re.search(r"^Pages:\s+(\d+)", info, re.M)
    assert counted is not None, info
    pages = int(counted.group(1))
    assert pages > 0
    subprocess.run(["pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    assert list(tmp_path.glob("page*.png"))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)
    assert "<script>alert(1)</script>" in flat, "the hostile HTML shows as text"
    assert "[boldred]boom[/]" in flat
    assert "<U+202E>gnp.exe" in flat
    assert hashlib.sha256(filled.read_bytes()).hexdigest() in flat
    assert "\u202e" not in text
    # the access map is drawn in the PDF too: its heading, the open path and the one closed since
    assert "Accessmap" in flat and "1openaccesspaths,1closed" in flat


def test_pdf_needs_an_out_file_and_stdout_export_prints_its_hash(cli: Cli, filled: Path) -> None:
    code, _, err = cli("export", "--case", "c1", "--format", "pdf")
    assert code == 2 and "--out" in err
    code, out, err = cli("export", "--case", "c1", "--format", "json")
    assert code == 0
    assert_inert(out)
    assert json.loads(out)["content_locations"][0]["platform"] == HOSTILE
    assert f"SHA-256 of this export: {hashlib.sha256(out.encode()).hexdigest()}" in err
    assert err.index("NOT encrypted") < err.index("SHA-256")
    for fmt in ("html", "csv"):
        code, out, err = cli("export", "--case", "c1", "--format", fmt)
        assert code == 0 and out and "NOT encrypted" in err
        assert_inert(out)


def test_the_access_map_is_left_out_when_asked(filled: Path) -> None:
    from auditor.reports.data import Choices
    from auditor.reports.export import render_export

    with CaseStore.open("c1", "pw") as store:
        timeline = Timeline(store)
        assert b'<section class="access-map">' in render_export(timeline, "html", Choices())
        without = render_export(timeline, "html", Choices(access_map=False)).decode()
        assert "access-map" not in without and "<svg" not in without
        assert "Left out by choice: access map." in without
        assert "keep@evil.example" in without, "the access paths table stays: only the map was left out"


def test_notes_typed_with_guided_answers_stay_out_of_an_export_without_notes(cli: Cli, tmp_path: Path) -> None:
    intake = tmp_path / "intake.yaml"
    intake.write_text("consent: {accounts: true, notes: true}\nitems: [{kind: apple, label: ann@icloud.example}]\n")
    assert cli("session", "start", "--case", "c1", "--from", str(intake))[0] == 0
    note = "GUIDED-NOTE " + HOSTILE
    assert cli("session", "answer", "--case", "c1", "apple.find_my", "found-something", "--note", note)[0] == 0
    assert cli("audit", "--case", "c1", "--only", "apple")[0] == 1
    for fmt in ("html", "pdf"):
        content, _, _ = export(cli, tmp_path, fmt)
        shown = content.decode() if fmt == "html" else pdf_text(tmp_path / "report.pdf")
        assert "Found by hand: GUIDED-NOTE" in shown, "with notes, the map shows what was found"
        content, _, _ = export(cli, tmp_path, fmt, "--no-notes")
        shown = content.decode() if fmt == "html" else pdf_text(tmp_path / "report.pdf")
        assert "GUIDED-NOTE" not in shown, fmt
        assert "Something found by hand" in shown, "the path itself stays on the map"


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_the_sessions_access_map_is_in_the_report_once(filled: Path) -> None:
    from auditor.reports.data import Choices
    from auditor.reports.export import render_export

    with CaseStore.open("c1", "pw") as store:
        page = render_export(Timeline(store), "html", Choices()).decode()
        assert page.count("Access map</h2>") == 1
        assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and "keep@evil.example" in page
        assert "<svg" not in render_export(Timeline(store), "html", Choices(findings=False)).decode()


def test_a_finding_kept_as_evidence_is_left_out_with_the_findings(cli: Cli, filled: Path, tmp_path: Path) -> None:
    with CaseStore.open("c1", "pw") as store:
        fingerprint = store.findings_of(store.runs()[-1].id)[0].fingerprint
    assert cli("evidence", "finding", "--case", "c1", fingerprint)[0] == 0
    full = json.loads(export(cli, tmp_path, "json")[0])
    assert [e["kind"] for e in full["evidence_manifest"]] == ["file", "finding"]
    assert full["evidence_manifest"][1]["note"] == "Your mail is forwarded to keep@evil.example"
    page = export(cli, tmp_path, "html", "--no-findings")[0].decode()
    assert "keep@evil.example" not in page and fingerprint not in page
    assert hashlib.sha256(filled.read_bytes()).hexdigest() in page, "the screenshot stays in the manifest"
    data = json.loads(export(cli, tmp_path, "json", "--no-findings")[0])
    assert [e["kind"] for e in data["evidence_manifest"]] == ["file"]
    assert sum(e["kind"] == "evidence" for e in data["timeline"]) == 1


def test_the_report_never_reads_an_unchecked_account_as_clear(cli: Cli, tmp_path: Path) -> None:
    import dataclasses

    from auditor.model import Status

    assert cli("case", "create", "c1")[0] == 0
    page = export(cli, tmp_path, "html")[0].decode()
    assert "No audit is stored in this case" in page and "found no access path" not in page
    failed = audit_run(T0, "", status=Status.ERROR)
    failed = dataclasses.replace(
        failed, findings=[dataclasses.replace(failed.findings[0], title="Couldn't check " + HOSTILE)]
    )
    with CaseStore.open("c1", "pw") as store:
        store.save_run(failed)
    page = export(cli, tmp_path, "html")[0].decode()
    assert "some checks could not run" in page and "<h3>Could not check</h3>" in page
    assert "Couldn&#x27;t check [bold red]boom[/]" in page and "&lt;script&gt;" in page and "<script" not in page
    data = json.loads(export(cli, tmp_path, "json")[0])
    assert [f["target"] for f in data["access_paths"]["could_not_check"]] == ["ann@example.com"]
    assert data["access_paths"]["audits_stored"] == 1
    with CaseStore.open("c1", "pw") as store:
        store.save_run(audit_run(T0 + timedelta(days=1), "", status=Status.CLEAR))
    page = export(cli, tmp_path, "html")[0].decode()
    assert "Could not check" not in page and "The audits stored in this case found no access path." in page


# --- the stalkerware indicator set's age and source ---------------------------------------------------------


def _installed_record(home: Path, record: object) -> None:
    folder = home / "indicators"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "installed.json").write_text(record if isinstance(record, str) else json.dumps(record))


def test_every_report_states_the_indicator_sets_age_and_source(cli: Cli, filled: Path, tmp_path: Path) -> None:
    from auditor.iocs import current_meta, describe_age

    data = json.loads(export(cli, tmp_path, "json")[0])
    meta = current_meta()
    made = datetime.fromisoformat(data["generated_at"])
    assert data["indicator_set"] == {
        "read": True,
        "summary": describe_age(meta, made),
        "source": meta.source,
        "dated": meta.dated.isoformat(),
        "age_days": (made - meta.dated).days,
        "shipped_with_auditor": True,
        "commit": meta.commit,
        "attribution": "Stalkerware indicators by Echap (CC-BY 4.0)",
    }
    assert data["indicator_set"]["summary"].startswith("Stalkerware indicator set shipped with auditor, dated ")
    page = export(cli, tmp_path, "html")[0].decode()
    made_line = re.search(r'<p class="meta">Made (\S+) by', page)
    assert made_line is not None, "the report says when it was made"
    page_made = datetime.fromisoformat(made_line.group(1))
    assert f'<p class="meta">{describe_age(meta, page_made)} Source: ' in page
    assert "Stalkerware indicator set shipped with auditor, dated " + meta.dated.date().isoformat() in page
    assert "Source: Stalkerware indicators by Echap (github.com/AssoEchap/stalkerware-indicators)" in page
    assert f"Commit {meta.commit}." in page and "CC-BY 4.0" in page
    export(cli, tmp_path, "pdf")
    flat = re.sub(r"\s+", "", pdf_text(tmp_path / "report.pdf"))
    assert (
        re.sub(r"\s+", "", "Stalkerware indicator set shipped with auditor, dated " + meta.dated.date().isoformat())
        in flat
    )
    assert "Source:StalkerwareindicatorsbyEchap" in flat


def test_an_installed_set_is_reported_with_its_own_date_and_source_literally(
    cli: Cli,
    filled: Path,
    tmp_path: Path,
    isolated_home: Path,
) -> None:
    _installed_record(
        isolated_home,
        {"source": "/home/x/" + HOSTILE + "/ioc.yaml", "installed_at": "2026-01-02T03:04:05+00:00", "files": {}},
    )
    data = json.loads(export(cli, tmp_path, "json")[0])
    record = data["indicator_set"]
    assert record["read"] is True and record["shipped_with_auditor"] is False
    assert record["source"] == "/home/x/" + HOSTILE + "/ioc.yaml", "JSON keeps the exact value (it is data)"
    assert record["dated"] == "2026-01-02T03:04:05+00:00"
    assert record["summary"].startswith("Stalkerware indicator set installed, dated 2026-01-02 (")
    assert "commit" not in record and "attribution" not in record
    page = export(cli, tmp_path, "html")[0].decode()
    assert "Stalkerware indicator set installed, dated 2026-01-02" in page
    assert "Source: /home/x/[bold red]boom[/]" in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page and "\x1b" not in page and "\u202e" not in page


@pytest.mark.parametrize(
    "record",
    [
        "{not json",
        {"source": "x", "files": {}},  # no installed_at
        {"source": "x", "installed_at": "yesterday-ish", "files": {}},  # a date that is not a date
    ],
    ids=["not json", "missing date", "bad date"],
)
def test_a_report_says_when_the_indicator_sets_record_could_not_be_read(
    cli: Cli,
    filled: Path,
    tmp_path: Path,
    isolated_home: Path,
    record: object,
) -> None:
    _installed_record(isolated_home, record)
    data = json.loads(export(cli, tmp_path, "json")[0])
    assert data["indicator_set"]["read"] is False
    assert data["indicator_set"]["summary"].startswith(
        "The stalkerware indicator set's record could not be read, so its age and source are not known"
    )
    assert set(data["indicator_set"]) == {"read", "summary"}, "no age or source is made up"
    page = export(cli, tmp_path, "html")[0].decode()
    assert '<p class="warning">The stalkerware indicator set&#x27;s record could not be read' in page
    assert "Stalkerware indicator set shipped with auditor" not in page
