"""The store's public reads of the timeline and session tables: typed rows, written through the layers above.

The timeline and the sessions read the case only through these (the store's ``_query`` is its own), so each
method is checked here against what was written, including the empty answers (no such id, nothing yet).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from auditor.model import AuditRun, Finding, Severity, Status, utcnow
from auditor.session.intake import Access, Concern, Consent, Intake, Item
from auditor.session.store import add_note, start_session
from auditor.store import (
    CaseStore,
    ContentLocationRow,
    DecisionRow,
    EvidenceRow,
    FollowUpRow,
    PerceptualHashRow,
    ReportRow,
    ResponseRow,
    SessionItemRow,
    SessionNoteRow,
    SessionRow,
)
from auditor.timeline import Channel, LocationKind, LocationStatus, Outcome, Timeline

T0 = datetime(2026, 11, 1, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def case(isolated_home: Path) -> Iterator[CaseStore]:
    store = CaseStore.create("rows", "pw")
    yield store
    store.close()


def test_content_location_rows(case: CaseStore) -> None:
    assert case.content_location_rows() == [] and case.content_location_row(1) is None
    timeline = Timeline(case)
    first = timeline.add_location("https://a.example/1", "Site A", first_seen=T0, note="seen by a friend")
    second = timeline.add_location("https://b.example/2", "Site B", LocationKind.MIRROR, first_seen=T0)
    timeline.set_location_status(second.id, LocationStatus.REMOVED)
    rows = case.content_location_rows()
    assert rows == [
        ContentLocationRow(
            first.id, "https://a.example/1", "Site A", "original", T0.isoformat(), "live", "seen by a friend"
        ),
        ContentLocationRow(second.id, "https://b.example/2", "Site B", "mirror", T0.isoformat(), "removed", ""),
    ]
    assert case.content_location_row(second.id) == rows[1]
    assert case.content_location_row(second.id + 1) is None


def _picture(seed: int, size: tuple[int, int] = (400, 300)) -> bytes:
    image = Image.new("RGB", (400, 300))
    draw = ImageDraw.Draw(image)
    for x in range(400):
        draw.line([(x, 0), (x, 299)], fill=((x * seed) % 256, (x * 2 + seed * 40) % 256, (255 - x) % 256))
    for i in range(6):
        box = ((seed * 37 + i * 61) % 300, (seed * 53 + i * 29) % 200)
        draw.ellipse([box, (box[0] + 90, box[1] + 80)], fill=((i * 70) % 256, (seed * 90) % 256, 40))
    buffer = io.BytesIO()
    image.resize(size).save(buffer, "PNG")
    return buffer.getvalue()


def test_evidence_rows_content_and_perceptual_hashes(case: CaseStore, tmp_path: Path) -> None:
    assert case.evidence_rows() == [] and case.evidence_row(1) is None and case.evidence_content(1) is None
    assert case.perceptual_hash_rows() == []
    timeline = Timeline(case)
    note = tmp_path / "note.txt"
    note.write_bytes(b"the message he sent\x00\xff")
    (tmp_path / "a.png").write_bytes(_picture(3))
    (tmp_path / "b.png").write_bytes(_picture(3, (320, 240)))
    kept = timeline.add_evidence_file(note, source_url="https://a.example/1", note="first", captured_at=T0)
    picture = timeline.add_evidence_file(tmp_path / "a.png", captured_at=T0)
    again = timeline.add_evidence_file(tmp_path / "b.png", captured_at=T0)
    rows = case.evidence_rows()
    assert [r.id for r in rows] == [kept.id, picture.id, again.id]
    assert rows[0] == EvidenceRow(
        kept.id, "file", "note.txt", kept.media_type, 21, kept.sha256, T0.isoformat(), "https://a.example/1", "first",
        None, None, None, None, None,
    )  # fmt: skip
    assert case.evidence_row(again.id) == rows[2] and rows[2].reupload_of == picture.id
    assert case.evidence_content(kept.id) == b"the message he sent\x00\xff"
    hashes = case.perceptual_hash_rows()
    assert [h.evidence_id for h in hashes] == [picture.id, again.id]  # the text file has none
    picture_hash, picture_quality = rows[1].perceptual_hash, rows[1].perceptual_quality
    assert picture_hash is not None and picture_quality is not None, "the picture's evidence row has its hash"
    assert hashes[0] == PerceptualHashRow(picture.id, picture_hash, picture_quality, None)
    assert hashes[1].reupload_of == picture.id


def test_report_response_and_followup_rows(case: CaseStore) -> None:
    assert case.report_rows() == [] and case.report_row(1) is None
    assert case.response_rows() == [] and case.followup_rows() == [] and not case.has_followup(1)
    timeline = Timeline(case)
    a = timeline.add_location("https://a.example/1", "Site A", first_seen=T0)
    b = timeline.add_location("https://b.example/2", "Site B", first_seen=T0)
    later = timeline.add_report(Channel.DMCA, [b.id], sent_at=T0 + timedelta(hours=2))
    report = timeline.add_report(Channel.PLATFORM_NCII, [b.id, a.id], sent_at=T0, reference="R-1", recipient="x")
    assert case.report_rows() == [
        ReportRow(report.id, "platform-ncii", T0.isoformat(), "R-1", "", "x", "", (a.id, b.id)),
        ReportRow(later.id, "dmca", (T0 + timedelta(hours=2)).isoformat(), "", "", "", "", (b.id,)),
    ]
    assert case.report_row(later.id) == case.report_rows()[1] and case.report_row(report.id + 1) is None
    answered = timeline.add_response(report.id, Outcome.REMOVED, received_at=T0 + timedelta(hours=5), note="gone")
    timeline.add_response(later.id, Outcome.ACKNOWLEDGED, received_at=T0 + timedelta(hours=3))
    assert case.response_rows(report.id) == [
        ResponseRow(answered.id, report.id, (T0 + timedelta(hours=5)).isoformat(), "removed", "gone")
    ]
    assert [r.report_id for r in case.response_rows()] == [later.id, report.id]  # in the order they came
    followups = case.followup_rows()
    assert [f.report_id for f in followups] == [report.id, later.id]  # soonest due first
    done = followups[0]
    assert isinstance(done, FollowUpRow) and done.done_at == (T0 + timedelta(hours=5)).isoformat()
    assert case.followup_rows(open_only=True) == [followups[1]]
    assert case.has_followup(done.id) and not case.has_followup(max(f.id for f in followups) + 1)


def test_decision_rows(case: CaseStore) -> None:
    assert case.decision_rows() == []
    case.set_decision("fp-review", "not-mine", "never seen it")
    case.set_decision("fp-guided", "found-something", "an old tablet")
    rows = case.decision_rows()
    assert {r.fingerprint: r[:3] for r in rows} == {
        "fp-review": ("fp-review", "not-mine", "never seen it"),
        "fp-guided": ("fp-guided", "found-something", "an old tablet"),
    }
    assert all(isinstance(r, DecisionRow) and datetime.fromisoformat(r.decided_at) <= utcnow() for r in rows)
    # What later audits apply is a plain mapping: the store hands nothing of the engine's.
    assert case.decisions() == {"fp-review": "not-mine", "fp-guided": "found-something:an old tablet"}
    assert type(case.decisions()) is dict


def test_session_rows_items_and_notes(case: CaseStore) -> None:
    assert case.session_rows() == [] and case.latest_session_row() is None
    assert case.session_item_rows(1) == [] and case.session_note_rows(1) == []
    quiet = start_session(case, Intake(consent=Consent()))
    item = Item(kind="apple", label="ann@icloud.example", access=(Access(person="ex-partner", how="knew it"),))
    everything = Intake(
        consent=Consent(concerns=True, accounts=True, people=True, notes=True),
        concerns=(Concern.LOCATION_KNOWN,),
        items=(item,),
    )
    full = start_session(case, everything)
    note = add_note(case, "keeps the phone in the car")
    rows = case.session_rows()
    assert [r.id for r in rows] == [quiet.id, full.id] and all(isinstance(r, SessionRow) for r in rows)
    assert case.latest_session_row() == rows[-1]
    assert Consent.model_validate_json(rows[-1].consent).notes and rows[-1].concerns == '["location-known"]'
    assert case.session_item_rows(quiet.id) == []
    [stored] = case.session_item_rows(full.id)
    assert stored == SessionItemRow("apple", "ann@icloud.example", stored.access)
    assert '"person": "ex-partner"' in stored.access
    assert case.session_note_rows(quiet.id) == []
    assert case.session_note_rows(full.id) == [SessionNoteRow(note.id, note.at.isoformat(), "note", note.text)]


def test_adding_a_known_account_again_keeps_the_settings_its_sign_in_saved(case: CaseStore) -> None:
    saved = {"url": "https://mail.contoso.example/EWS/Exchange.asmx", "auth": "basic", "username": "ann"}
    case.add_account("exchange", "ann@contoso.example", saved)
    case.add_account("exchange", "ann@contoso.example")  # an audit naming the account again
    [account] = case.accounts()
    assert account["settings"] == saved
    case.add_account("exchange", "ann@contoso.example", {"url": "https://other.example/EWS/Exchange.asmx"})
    assert case.accounts()[0]["settings"] == {"url": "https://other.example/EWS/Exchange.asmx"}  # given: replaced


def test_nothing_outside_the_store_calls_its_private_query() -> None:
    import re

    import auditor

    root = Path(auditor.__file__).parent
    callers = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.parent.name != "store" and re.search(r"\._query\b", path.read_text(encoding="utf-8"))
    ]
    assert callers == []


def test_rows_are_read_from_a_reopened_case(isolated_home: Path) -> None:
    """The rows come from the database, not from anything kept in memory by the writers."""
    with CaseStore.create("again", "pw") as store:
        Timeline(store).add_location("https://a.example/1", "Site A", first_seen=T0)
        run = AuditRun(started_at=T0, finished_at=T0)
        run.findings = [Finding(check="device.x", target="me", status=Status.FOUND, severity=Severity.LOW, title="t")]
        store.save_run(run)
        store.set_decision(run.findings[0].fingerprint, "not-mine")
    with CaseStore.open("again", "pw") as store:
        assert [r.url for r in store.content_location_rows()] == ["https://a.example/1"]
        assert [r.answer for r in store.decision_rows()] == ["not-mine"]
