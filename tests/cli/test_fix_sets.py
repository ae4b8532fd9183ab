"""`auditor fix` with the other findings like it: five photos shared by link are five findings, and closing one
offers the other four as a listed set (no is the default), or lists them straight away with `--all-like`; one
confirmation then covers the list. Against the practice Drive server, with a person typing at the terminal.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fix_terminal import Run, findings_of, order_of, runner
from google_accounts.writing import google_only, writes

from auditor.application.cases import open_case
from auditor.sandbox import FaultRule, Sandbox, Scenario
from auditor.sandbox.google import DriveFile

PUBLIC = "google.drive_public_media"
HOSTILE = "[bold red]IMG[/] \x1b[31mred\x1b]8;;https://evil.example\x07link\x1b]8;;\x07 \u202egpj.exe"
PHOTOS = ("IMG_5001.jpg", "IMG_5002.jpg", "IMG_5003.jpg", "IMG_5004.jpg", HOSTILE)
OFFER = "There are 4 more photos and videos on ann.example@gmail.com closed the same way: close them all too?"
LISTED = "All anyone-with-the-link links on these 4 other photos and videos — each listed (nothing has been sent):"
ALL = "Make all 5 changes — this finding's and the 4 others' listed above? [y/N]"


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Run:
    settings = tmp_path / "settings.yaml"
    settings.write_text("request_timeout: 1.0\nretry_budget: 2.0\n", encoding="utf-8")
    monkeypatch.setenv("AUDITOR_CONFIG", str(settings))
    return runner(monkeypatch, capsys)


def photos_by_link() -> Scenario:
    scenario = google_only()
    google = scenario.sections["google"]
    google.drive = [DriveFile(name=name, mimeType="image/jpeg", visibility="anyoneWithLink") for name in PHOTOS]
    return scenario


@pytest.fixture
def drive(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    with Sandbox(photos_by_link()) as sb:
        for name, value in sb.env.items():
            monkeypatch.setenv(name, value)
        yield sb


def photos(run: Run) -> list[dict[str, Any]]:
    code, out, err = run("audit", "--case", "ann", "--only", "google", "--format", "json")
    assert code in (1, 3), err
    found = [f for f in findings_of(out) if f["check"] == PUBLIC and f["status"] == "found"]
    return sorted(found, key=lambda f: str(f["title"]))


def deletes(sb: Sandbox) -> list[tuple[str, str, int]]:
    return [(w.method, w.path, w.status) for w in writes(sb)]


def path_events() -> list[dict[str, Any]]:
    with open_case("ann", "correct horse") as case:
        return [{"id": row.id, **row.payload} for row in case.path_event_rows()]


def evidence_count() -> int:
    with open_case("ann", "correct horse") as case:
        return int(case.table_counts()["evidence"])


def test_the_others_are_offered_after_the_ones_own_change_and_no_closes_only_the_one(run: Run, drive: Sandbox) -> None:
    found = photos(run)
    assert len(found) == 5
    one = found[0]
    drive.log.clear()
    code, out, err = run("fix", "--case", "ann", str(one["fingerprint"]), typed="\ny\n")
    assert code == 0, err + out
    order_of(
        out,
        "The change that would close it (nothing has been sent):",
        OFFER,
        "Make this change? [y/N]",
        "Closed: the check ran again and no longer finds it.",
    )
    assert LISTED not in out  # not listed unless asked for
    [(method, path, status)] = deletes(drive)
    assert method == "DELETE" and status == 204 and str(one["evidence"]["id"]) in path
    [event] = path_events()
    assert event["fingerprint"] == one["fingerprint"] and "together" not in event
    assert {f["fingerprint"] for f in photos(run)} == {f["fingerprint"] for f in found[1:]}


def test_yes_lists_them_one_by_one_and_one_confirmation_sends_exactly_those(run: Run, drive: Sandbox) -> None:
    found = photos(run)
    before = evidence_count()
    drive.log.clear()
    code, out, err = run("fix", "--case", "ann", str(found[0]["fingerprint"]), typed="y\ny\n")
    assert code == 0, err + out
    order_of(
        out,
        "Evidence: the finding's record was kept as evidence",
        "The change that would close it",
        OFFER,
        LISTED,
        "  1. Stop sharing “",
        "The exact request: DELETE https://www.googleapis.com/drive/v3/files/",
        "  4. Stop sharing “",
        ALL,
        "Evidence: the records of the 4 others were kept as evidence",
        "A BROAD permission: ",
        "5 of 5 closed.",
        "  1. Closed: ",
        "  5. Closed: ",
        "put one back on its own: auditor fix --case ann --restore EVENT_ID",
    )
    # Exactly the five removals reached the server, each once; one evidence item per finding.
    sent = deletes(drive)
    assert [(m, s) for m, _, s in sent] == [("DELETE", 204)] * 5 and len({p for _, p, _ in sent}) == 5
    assert {p.split("/")[4] for _, p, _ in sent} == {str(f["evidence"]["id"]) for f in found}
    assert evidence_count() == before + 5
    events = path_events()
    assert [e["outcome"] for e in events] == ["closed"] * 5
    assert {e["fingerprint"] for e in events} == {f["fingerprint"] for f in found}
    assert photos(run) == []
    # One put back on its own: one request, only that photo open again.
    drive.log.clear()
    code, out, err = run("fix", "--case", "ann", "--restore", str(events[3]["id"]), typed="y\n")
    assert code == 0, err + out
    [(method, _, _)] = deletes(drive)
    assert method == "POST"
    assert [f["fingerprint"] for f in photos(run)] == [events[3]["fingerprint"]]


def test_all_like_lists_the_set_straight_away_and_declining_it_sends_nothing(run: Run, drive: Sandbox) -> None:
    found = photos(run)
    drive.log.clear()
    code, out, _ = run("fix", "--case", "ann", "--all-like", str(found[0]["fingerprint"]), typed="\n")
    assert code == 1 and out.rstrip().endswith("Nothing was changed.")
    order_of(out, "The change that would close it", LISTED, ALL)
    assert OFFER not in out and "Make this change?" not in out
    assert drive.requests == [] and path_events() == []
    code, out, err = run("fix", "--case", "ann", "--all-like", str(found[0]["fingerprint"]), typed="yes\n")
    assert code == 0, err + out
    assert len(deletes(drive)) == 5 and "5 of 5 closed." in out
    code, _, err = run("fix", "--case", "ann", "--restore", "1", "--all-like")
    assert code == 2 and "not both" in err


def test_piped_the_set_is_shown_and_nothing_is_changed(run: Run, drive: Sandbox) -> None:
    found = photos(run)
    drive.log.clear()
    code, out, err = run("fix", "--case", "ann", "--all-like", str(found[0]["fingerprint"]), piped="y\ny\n")
    assert code == 1 and "standard input is not a terminal" in err
    assert LISTED in out and "[y/N]" not in out
    assert drive.requests == [] and path_events() == []


def test_a_server_error_on_the_third_stops_the_rest_each_said_and_recorded(run: Run, drive: Sandbox) -> None:
    found = photos(run)
    code, out, _ = run("fix", "--case", "ann", "--all-like", str(found[0]["fingerprint"]), typed="\n")
    # The third change sent is the second listed (the finding's own comes first).
    second_listed = out.split("  2. Stop sharing", 1)[1]
    third_path = second_listed.split("DELETE https://www.googleapis.com", 1)[1].split("\n", 1)[0].strip()
    drive.set_faults([FaultRule("google", third_path, "500")])
    drive.log.clear()
    code, out, _ = run("fix", "--case", "ann", "--all-like", str(found[0]["fingerprint"]), typed="y\n")
    drive.clear_faults()
    assert code == 1
    assert [s for *_, s in deletes(drive)] == [204, 204, 500] and deletes(drive)[2][1] == third_path
    order_of(
        out,
        "2 of 5 closed.",
        "  1. Closed: ",
        "  2. Closed: ",
        "  3. Not changed, still open: ",
        "500",
        "  4. Not changed, still open: ",
        "(not sent: an earlier change of the set failed",
        "  5. Not changed, still open: ",
        "`auditor audit --case ann` lists what is left open",
    )
    events = path_events()
    assert [e["outcome"] for e in events] == ["closed", "closed", "not-changed", "not-changed", "not-changed"]
    assert len(photos(run)) == 3


def test_what_an_attacker_named_a_photo_is_listed_literally(run: Run, drive: Sandbox) -> None:
    found = photos(run)
    code, out, err = run("fix", "--case", "ann", "--all-like", str(found[0]["fingerprint"]), typed="\n")
    assert code == 1
    for text in (out, err):
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "[bold red]IMG[/]" in out  # markup printed as the characters it is
