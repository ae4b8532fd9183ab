"""Session intake (YAML errors name file and line; consent limits what is kept) and its encrypted storage."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.errors import UsageError
from auditor.session.intake import Concern, IntakeError, load_intake, parse_intake
from auditor.session.interview import interview
from auditor.session.store import add_note, latest_session, notes, sessions, start_session
from auditor.store import CaseStore, case_path

FULL = """\
consent: {concerns: true, accounts: true, people: true, notes: true}
concerns: [accounts-hacked, images-shared]
items:
  - kind: apple
    label: ann@icloud.example
    access:
      - {person: Mark, when: had, how: knew the passcode, addresses: [mark@example.net]}
  - kind: social
    label: Instagram @ann
  - kind: google
    label: ann@gmail.example
"""


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("consent: {}\nconcerns: [accounts-hacked, bored]\n", 2, "concerns.1"),
        ("consent: {}\nitems:\n  - kind: apple\n    label: x\n  - kind: toaster\n    label: y\n", 5, "not one of"),
        ("consent: {notes: maybe}\n", 1, "consent.notes"),
        ("consent: {}\nitems:\n  - kind: apple\n", 3, "items.0.label"),
        ("consent: {}\nitems:\n  - kind: apple\n    label: x\n    access: [{person: M, when: later}]\n", 5, "when"),
        ("concerns: []\n", 1, "consent"),
        ("consent: {}\nsurprise: 1\n", 2, "surprise"),
        ("consent: {}\nitems: [\n", 3, "not valid YAML"),
        ("- just a list\n", 1, "must be a mapping"),
    ],
)
def test_malformed_intake_names_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = tmp_path / "intake.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(IntakeError) as info:
        load_intake(path)
    message = str(info.value)
    assert message.startswith(f"{path}, line {line}: "), message
    assert words in message


def test_full_intake_is_kept_as_given(case: CaseStore) -> None:
    session = start_session(case, parse_intake(FULL))
    again = latest_session(case)
    assert again is not None and again.intake == parse_intake(FULL) and again.id == session.id
    assert again.intake.concerns == (Concern.ACCOUNTS_HACKED, Concern.IMAGES_SHARED)
    # guided kinds become accounts of the case (their questions are asked per account); connected ones do not
    assert {(a["kind"], a["target"]) for a in case.accounts()} == {
        ("apple", "ann@icloud.example"),
        ("social", "Instagram @ann"),
    }
    assert case.events(limit=1)[0]["summary"] == "Advocate session started"


def test_consent_decides_what_is_kept(case: CaseStore) -> None:
    refused = FULL.replace("{concerns: true, accounts: true, people: true, notes: true}", "{accounts: true}")
    start_session(case, parse_intake(refused))
    kept = latest_session(case)
    assert kept is not None
    assert kept.intake.concerns == ()
    assert [i.access for i in kept.intake.items] == [(), (), ()]
    with pytest.raises(UsageError, match="did not agree to notes"):
        add_note(case, "should not be written")
    assert case.table_counts()["session_notes"] == 0
    start_session(case, parse_intake("consent: {}\nconcerns: [location-known]\nitems: [{kind: apple, label: z}]\n"))
    nothing = latest_session(case)
    assert nothing is not None and nothing.intake.items == () and nothing.intake.concerns == ()
    assert len(sessions(case)) == 2


def test_notes_are_encrypted_on_disk(isolated_home: Path) -> None:
    secret_note = "Mark-knows-the-shelter-address-7Q2X"
    secret_person = "Person-Name-9ZK4"
    with CaseStore.create("enc", "pw") as case:
        start_session(case, parse_intake(FULL.replace("Mark", secret_person)))
        add_note(case, secret_note)
        assert [n.text for n in notes(case)] == [secret_note]
        path = case.path
        # while open, the write-ahead log holds the newest pages: scan it too
        on_disk = b"".join(p.read_bytes() for p in path.parent.iterdir() if p.is_file())
        for needle in (secret_note, secret_person, "ann@icloud.example", "session_notes"):
            assert needle.encode() not in on_disk
            assert needle.encode("utf-16-le") not in on_disk
    on_disk = b"".join(p.read_bytes() for p in case_path("enc").parent.iterdir() if p.is_file())
    assert secret_note.encode() not in on_disk and b"SQLite format 3" not in on_disk
    with CaseStore.open("enc", "pw") as case:
        assert [n.text for n in notes(case)] == [secret_note]


def test_session_tables_survive_export_and_import(case: CaseStore, tmp_path: Path) -> None:
    from auditor.store import import_case

    start_session(case, parse_intake(FULL))
    add_note(case, "hello")
    counts = case.table_counts()
    assert counts["sessions"] == 1 and counts["session_items"] == 3 and counts["session_notes"] == 1
    case.export_to(tmp_path / "handover.case", "other")
    with import_case(tmp_path / "handover.case", "other", "copy") as copy:
        assert copy.table_counts() == counts
        assert [n.text for n in notes(copy)] == ["hello"]


def test_interactive_interview_asks_consent_first_and_respects_it() -> None:
    answers = iter(
        [
            "y", "y", "n", "y",  # consent: concerns, accounts, NOT people, notes
            "n", "y", "n", "n", "n",  # concerns: location-known only
            "apple", "Ann's iPhone",
            "toaster",  # rejected kind, asked again
            "social", "X @ann",
            "",  # done
        ]
    )  # fmt: skip
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return next(answers)

    intake = interview(ask, lambda _: None)
    assert intake.consent.people is False and intake.consent.notes is True
    assert intake.concerns == (Concern.LOCATION_KNOWN,)
    assert [(i.kind, i.label) for i in intake.items] == [("apple", "Ann's iPhone"), ("social", "X @ann")]
    assert not any("anyone else" in p for p in asked)  # people were not asked about without consent
    assert asked[0].startswith("Keep what worries you most")
