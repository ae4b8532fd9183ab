"""Timeline records round-trip through the encrypted case; follow-ups, overdue, findings joined in."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from auditor.errors import CaseError, UsageError
from auditor.model import Status
from auditor.reports.data import Choices, build
from auditor.store import CaseStore, import_case
from auditor.timeline import Channel, LocationKind, LocationStatus, Outcome, Timeline
from auditor.timeline.model import parse_when

from .conftest import HOSTILE, HOSTILE_URL, T0, audit_run

TIMELINE_TABLES = ("content_locations", "evidence", "reports", "report_locations", "responses", "followups")


def fill(timeline: Timeline, tmp_path: Path) -> None:
    loc = timeline.add_location("https://a.example/1", "Site A", LocationKind.MIRROR, T0, "first copy")
    timeline.add_location(HOSTILE_URL, HOSTILE, LocationKind.IMPERSONATION, T0 + timedelta(hours=1), HOSTILE)
    shot = tmp_path / "shot.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really an image")
    timeline.add_evidence_file(shot, "https://a.example/1", "screenshot", loc.id, T0)
    report = timeline.add_report(Channel.TAKE_IT_DOWN, [loc.id], T0, "REF-1", "please remove", "form", "sent")
    timeline.add_response(report.id, Outcome.ACKNOWLEDGED, T0 + timedelta(hours=2), "auto-reply")
    timeline.add_followup(T0 + timedelta(days=3), "call the police unit", location_id=loc.id)


def test_every_record_round_trips(timeline: Timeline, tmp_path: Path) -> None:
    fill(timeline, tmp_path)
    a, b = timeline.locations()
    assert (a.url, a.platform, a.kind, a.first_seen, a.status, a.note) == (
        "https://a.example/1",
        "Site A",
        LocationKind.MIRROR,
        T0,
        LocationStatus.REPORTED,
        "first copy",
    )
    assert (b.url, b.platform, b.note, b.kind) == (HOSTILE_URL, HOSTILE, HOSTILE, LocationKind.IMPERSONATION)
    (item,) = timeline.evidence()
    content = b"\x89PNG\r\n\x1a\nnot really an image"
    assert timeline.evidence_content(item.id) == content
    assert item.sha256 == hashlib.sha256(content).hexdigest()
    assert (item.size, item.media_type, item.file_name, item.source_url, item.note, item.location_id) == (
        len(content),
        "image/png",
        "shot.png",
        "https://a.example/1",
        "screenshot",
        a.id,
    )
    assert item.captured_at == T0
    (report,) = timeline.reports()
    assert (report.channel, report.sent_at, report.reference, report.sent_text, report.recipient, report.note) == (
        Channel.TAKE_IT_DOWN,
        T0,
        "REF-1",
        "please remove",
        "form",
        "sent",
    )
    assert report.location_ids == (a.id,)
    (response,) = timeline.responses(report.id)
    assert (response.outcome, response.received_at, response.note) == (
        Outcome.ACKNOWLEDGED,
        T0 + timedelta(hours=2),
        "auto-reply",
    )
    due = [(f.due_at, f.report_id, f.location_id, f.done_at) for f in timeline.followups()]
    assert due == [(T0 + timedelta(hours=48), report.id, None, None), (T0 + timedelta(days=3), None, a.id, None)]


def test_covered_platform_follow_up_defaults_to_48_hours_and_is_configurable(case: CaseStore) -> None:
    timeline = Timeline(case)
    loc = timeline.add_location("https://a.example/1", "Site A")
    timeline.add_report(Channel.PLATFORM_NCII, [loc.id], T0)
    timeline.add_report(Channel.POLICE, [loc.id], T0)
    Timeline(case, followup_hours=24).add_report(Channel.TAKE_IT_DOWN, [loc.id], T0)
    timeline.add_report(Channel.DMCA, [loc.id], T0, follow_up_hours=5)
    due = sorted(f.due_at - T0 for f in timeline.followups())
    assert due == [timedelta(hours=5), timedelta(hours=24), timedelta(hours=48), timedelta(days=7)]


def test_overdue_is_judged_against_the_given_now(timeline: Timeline) -> None:
    loc = timeline.add_location("https://a.example/1", "Site A")
    report = timeline.add_report(Channel.TAKE_IT_DOWN, [loc.id], T0)
    assert timeline.overdue(T0 + timedelta(hours=47, minutes=59)) == []
    (late,) = timeline.overdue(T0 + timedelta(hours=48, seconds=1))
    assert late.report_id == report.id
    timeline.add_response(report.id, Outcome.MORE_INFO, T0 + timedelta(hours=10))
    assert len(timeline.overdue(T0 + timedelta(hours=49))) == 1, "asking for more information does not close it"
    timeline.add_response(report.id, Outcome.REMOVED, T0 + timedelta(hours=50))
    assert timeline.overdue(T0 + timedelta(days=30)) == []
    assert timeline.location(loc.id).status is LocationStatus.REMOVED
    timeline.set_location_status(loc.id, LocationStatus.REAPPEARED)
    assert timeline.location(loc.id).status is LocationStatus.REAPPEARED
    f = timeline.add_followup(T0, "check the mirror again")
    timeline.complete_followup(f.id, T0)
    assert [x.id for x in timeline.followups(open_only=True)] == []


def test_refused_marks_the_content_refused(timeline: Timeline) -> None:
    loc = timeline.add_location("https://a.example/1", "Site A")
    report = timeline.add_report(Channel.HOSTING_ABUSE, [loc.id], T0)
    timeline.add_response(report.id, Outcome.REFUSED, T0 + timedelta(days=1))
    assert timeline.location(loc.id).status is LocationStatus.REFUSED
    assert timeline.followups(open_only=True) == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda t: t.add_location("not a url", "Site"), "not a web address"),
        (lambda t: t.add_location("ftp://a.example/x", "Site"), "not a web address"),
        (lambda t: t.add_location("http://[bad/x", "Site"), "not a web address"),
        (lambda t: t.add_location("https://a.example/a b", "Site"), "spaces"),
        (lambda t: t.add_location("https://a.example/1", "  "), "platform name is empty"),
        (lambda t: t.add_report(Channel.DMCA, [99], T0), "no content location 99"),
        (lambda t: t.add_response(42, Outcome.REMOVED), "no report 42"),
        (lambda t: t.add_finding_evidence("0123456789abcdef0123"), "no finding"),
        (lambda t: t.complete_followup(7), "no follow-up 7"),
    ],
)
def test_bad_input_is_refused_and_adds_nothing(
    timeline: Timeline, call: Callable[[Timeline], object], message: str
) -> None:
    before = timeline.case.table_counts()
    with pytest.raises(UsageError, match=message):
        call(timeline)
    assert timeline.case.table_counts() == before


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "2026-11-01T25:00", ""])
def test_malformed_dates_are_named(text: str) -> None:
    with pytest.raises(UsageError, match="not an ISO 8601"):
        parse_when(text, "--when")


def test_a_finding_is_frozen_as_evidence_with_its_hash(timeline: Timeline) -> None:
    run = audit_run(T0, "x@evil.example")
    timeline.case.save_run(run)
    finding = run.findings[0]
    item = timeline.add_finding_evidence(finding.fingerprint)
    content = timeline.evidence_content(item.id)
    assert content == finding.evidence_json().encode()
    assert item.sha256 == hashlib.sha256(content).hexdigest()
    assert (item.kind, item.finding_fingerprint, item.media_type) == (
        "finding",
        finding.fingerprint,
        "application/json",
    )


def test_findings_join_the_timeline_as_found_confirmed_and_closed(timeline: Timeline) -> None:
    case = timeline.case
    case.save_run(audit_run(T0, "x@evil.example", "y@evil.example"))
    fp = audit_run(T0, "x@evil.example").findings[0].fingerprint
    case.set_decision(fp, "not-mine")
    case.save_run(audit_run(T0 + timedelta(days=2), "y@evil.example"))
    summaries = [e.summary for e in timeline.entries() if e.kind == "access-path"]
    assert "Access path found: Your mail is forwarded to x@evil.example (ann@example.com)" in summaries
    assert "Access path found: Your mail is forwarded to y@evil.example (ann@example.com)" in summaries
    assert "Access path closed: Your mail is forwarded to x@evil.example (ann@example.com)" in summaries
    assert any(s.startswith("Confirmed as an access path: Your mail is forwarded to x@") for s in summaries)
    closed_at = next(e.at for e in timeline.entries() if e.summary.startswith("Access path closed"))
    assert closed_at == T0 + timedelta(days=2, minutes=1)
    still_open, closed = timeline.findings_summary()
    assert [f.subject for f in still_open] == ["y@evil.example"]
    assert [f.subject for f in closed] == ["x@evil.example"]
    assert all(f.status is Status.FOUND for f in still_open + closed)


def test_a_check_that_failed_or_did_not_run_closes_no_access_path(timeline: Timeline) -> None:
    case = timeline.case
    case.save_run(audit_run(T0, "x@evil.example"))
    failed = audit_run(T0 + timedelta(days=1), "", status=Status.ERROR)
    case.save_run(failed)
    other = audit_run(T0 + timedelta(days=2), "someone")
    case.save_run(dataclasses.replace(other, findings=[dataclasses.replace(other.findings[0], check="google.filters")]))
    case.save_run(audit_run(T0 + timedelta(days=3), "", status=Status.SKIPPED))
    case.save_run(audit_run(T0 + timedelta(days=3, hours=1), "", status=Status.MANUAL))
    still_open, closed = timeline.findings_summary()
    assert [f.subject for f in still_open if f.check == "google.gmail.autoforward"] == ["x@evil.example"]
    assert closed == []
    assert not any(e.summary.startswith("Access path closed") for e in timeline.entries())
    case.save_run(audit_run(T0 + timedelta(days=4), "", status=Status.CLEAR))
    still_open, closed = timeline.findings_summary()
    assert [f.subject for f in closed] == ["x@evil.example"]
    assert "x@evil.example" not in [f.subject for f in still_open]
    (closing,) = [e for e in timeline.entries() if e.summary.startswith("Access path closed")]
    assert closing.at == T0 + timedelta(days=4, minutes=1)


def test_verify_catches_a_tampered_record_and_export_refuses(timeline: Timeline, tmp_path: Path) -> None:
    fill(timeline, tmp_path)
    assert timeline.verify() == []
    with timeline.case.transaction() as conn:
        conn.execute("UPDATE evidence SET content = ? WHERE id = 1", (b"\x89PNG\r\n\x1a\nnot really an imagf",))
    (mismatch,) = timeline.verify()
    assert mismatch.evidence_id == 1
    assert mismatch.recorded_sha256 != mismatch.actual_sha256
    with pytest.raises(CaseError, match="no longer matches"):
        build(timeline, Choices())


def test_case_export_and_import_carry_the_timeline(timeline: Timeline, tmp_path: Path) -> None:
    fill(timeline, tmp_path)
    counts = timeline.case.table_counts()
    assert all(counts[t] > 0 for t in TIMELINE_TABLES), counts
    exported = tmp_path / "handover.case"
    timeline.case.export_to(exported, "other-pass")
    with import_case(exported, "other-pass", "copy") as copy:
        assert copy.table_counts() == counts
        again = Timeline(copy)
        assert again.locations() == timeline.locations()
        assert again.evidence() == timeline.evidence()
        assert again.reports() == timeline.reports()
        assert again.followups() == timeline.followups()
        assert again.verify() == []


def test_a_case_at_schema_2_is_migrated_forward(isolated_home: Path) -> None:
    from auditor.store.case import _connect, case_path
    from auditor.store.schema import MIGRATIONS

    path = case_path("old")
    path.parent.mkdir(parents=True)
    conn = _connect(path, "pw")
    for statements in MIGRATIONS[:2]:
        for statement in statements:
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 2")
    conn.execute("INSERT INTO events (at, kind, summary) VALUES ('2026-01-01T00:00:00+00:00', 'note', 'kept')")
    conn.close()
    with CaseStore.open("old", "pw") as store:
        timeline = Timeline(store)
        loc = timeline.add_location("https://a.example/1", "Site")
        assert timeline.location(loc.id).url == "https://a.example/1"
        assert store.table_counts()["events"] == 2


@pytest.mark.parametrize(
    "text", ["9999-12-31T23:00:00Z", "0001-01-01T00:00:00+05:00", "0001-01-01", "1969-12-31T23:59:59Z", "2200-01-01"]
)
def test_dates_off_the_calendar_are_named_not_a_traceback(text: str) -> None:
    with pytest.raises(UsageError, match=r"--when .* is not a date from 1970 to 2199"):
        parse_when(text, "--when")


def test_follow_up_windows_past_ten_years_are_refused_and_add_nothing(timeline: Timeline) -> None:
    loc = timeline.add_location("https://a.example/1", "Site A")
    before = timeline.case.table_counts()
    for hours in (10**11, 10 * 366 * 24 + 1, -3):
        with pytest.raises(UsageError, match="must be from 1 to 87840 hours"):
            timeline.add_report(Channel.DMCA, [loc.id], T0, follow_up_hours=hours)
    assert timeline.case.table_counts() == before
    with pytest.raises(UsageError, match="followup_hours in the settings"):
        Timeline(timeline.case, followup_hours=0)
    report = timeline.add_report(Channel.DMCA, [loc.id], parse_when("2199-12-31T00:00:00Z"), follow_up_hours=24)
    assert timeline.followups()[0].due_at.year == 2200 and report.id == 1
