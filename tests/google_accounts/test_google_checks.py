"""Google checks through the real connector (googleapiclient) against the practice server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.checkapi import Decisions
from auditor.cli import main
from auditor.model import Status
from auditor.sandbox import FaultRule, Sandbox
from auditor.sandbox.faults import FaultKind

from .practice import by_check, run_google

GOOGLE_CHECKS = {
    "google.gmail_autoforward",
    "google.gmail_forwarding_addresses",
    "google.gmail_filters",
    "google.gmail_pop_imap",
    "google.gmail_send_as",
    "google.gmail_delegates",
    "google.drive_public_media",
    "google.drive_people_media",
}


def test_compromised_account() -> None:
    with Sandbox("compromised") as sb:
        run = run_google(sb)
    found = by_check(run)
    assert set(found) >= GOOGLE_CHECKS
    assert {f.target for f in run.findings} == {"ann.example@gmail.com"}
    forward = found["google.gmail_autoforward"][0]
    assert forward.status is Status.REVIEW
    assert forward.title.startswith("Your mail is forwarded to keepingtabs@proton.example")
    filters = found["google.gmail_filters"]
    assert [(f.status, f.severity.value) for f in filters] == [(Status.FOUND, "critical")]
    assert "deletes it" in filters[0].title and "keepingtabs@proton.example" in filters[0].title
    media = found["google.drive_public_media"]
    assert sorted(f.evidence["name"] for f in media) == ["IMG_2041.jpg", "IMG_2042.jpg", "Photos 2024", "VID_0007.mp4"]
    assert all(f.status is Status.FOUND for f in media)
    # the folder shared by link is found itself, with its photos counted; its photos are shared through it
    [folder] = [f for f in media if f.evidence["name"] == "Photos 2024"]
    assert folder.title == "Folder “Photos 2024” with 2 photos and videos: anyone with the link can open it"
    assert folder.evidence["media_count"] == 2
    photos = [f for f in media if f.evidence["name"].startswith("IMG_")]
    assert {f.evidence["shared_through"]["id"] for f in photos} == {folder.evidence["id"]}
    assert any("anyone on the internet can find" in f.title for f in media)
    people = found["google.drive_people_media"]
    assert [(f.status, f.subject) for f in people] == [(Status.REVIEW, "mark.ex@gmail.example")]
    assert sorted(f.subject for f in found["google.gmail_pop_imap"]) == ["imap", "pop"]
    assert [f.subject for f in found["google.gmail_send_as"]] == ["ann.backup@outlook.example"]
    # Without domain-wide delegation the guided check asks instead (and keeps the answer).
    assert [f.status for f in found["google.gmail_delegates"]] == [Status.SKIPPED]
    assert [f.status for f in found["google.manual_delegation"]] == [Status.MANUAL]
    assert run.exit_code == 1


def test_clean_account_is_clear_everywhere() -> None:
    with Sandbox("clean") as sb:
        run = run_google(sb)
    not_clear = {(f.check, f.status) for f in run.findings if f.status is not Status.CLEAR}
    assert {check for check, status in not_clear if status not in (Status.MANUAL, Status.SKIPPED)} == set()
    skipped = {check for check, status in not_clear if status is Status.SKIPPED}
    # not an administrator; delegates are looked at by hand
    assert skipped == {c for c in by_check(run) if c.startswith("google.workspace_")} | {"google.gmail_delegates"}
    assert ("google.manual_delegation", Status.MANUAL) in not_clear
    assert run.exit_code == 0


def test_only_reads_and_server_side_drive_filters() -> None:
    with Sandbox("compromised") as sb:
        run_google(sb)
        requests = sb.requests
    assert requests and all(r.method == "GET" for r in requests)
    drive = [r for r in requests if r.path.startswith("/drive/") and r.path != "/drive/v3/about"]
    # photos and videos by link, with people, folders by link, and the photos and videos in the one folder found
    assert [r.path for r in drive] == ["/drive/v3/files"] * 4
    queries = sorted(r.query["q"][0] for r in drive)
    assert sum("visibility" in q for q in queries) == 3
    assert [q for q in queries if "visibility" not in q] == [
        "'1PhotosFolderSharedByLinkAAAAAAAAA' in parents and (mimeType contains 'image/' or mimeType contains "
        "'video/') and trashed = false"
    ]
    for request in drive:
        assert "fields" in request.query and request.query["pageSize"] == ["1000"]
    assert not any("permissions" in r.path for r in requests)
    settings = [r.path for r in requests if "/settings/" in r.path]
    assert len(settings) == len(set(settings)), "a settings resource was fetched twice"


@pytest.mark.parametrize("kind", ["429", "500", "503", "reset"])
def test_transient_faults_are_retried_to_the_right_result(kind: FaultKind) -> None:
    rule = FaultRule("google", "/gmail/v1/users/*/settings/filters", kind, retry_after=0, times=2)
    with Sandbox("compromised", faults=[rule]) as sb:
        run = run_google(sb)
        attempts = [r for r in sb.requests if r.path.endswith("/settings/filters")]
    assert [f.status for f in by_check(run)["google.gmail_filters"]] == [Status.FOUND]
    assert len(attempts) == 3


@pytest.mark.parametrize(
    ("kind", "path", "words"),
    [
        ("401", "/gmail/v1/users/*/settings/filters", "refused the sign-in"),
        ("malformed", "/gmail/v1/users/*/settings/filters", "not valid JSON"),
        ("hang", "/gmail/v1/users/*/settings/filters", "did not answer"),
        ("500", "/gmail/v1/users/*/settings/filters", "kept answering"),
        ("429", "/drive/v3/files", "kept answering"),
        ("endless", "/drive/v3/files", "repeated a page token"),
        ("reset", "/gmail/v1/users/*/settings/filters", "connection to Google failed"),
        ("503", "/drive/v3/files", "kept answering"),
        ("malformed", "/drive/v3/files", "not valid JSON"),
        ("hang", "/drive/v3/files", "did not answer"),
    ],
)
def test_faults_that_do_not_clear_end_in_error_never_clear(kind: FaultKind, path: str, words: str) -> None:
    rule = FaultRule("google", path, kind, seconds=3, retry_after=1)
    with Sandbox("clean", faults=[rule]) as sb:
        run = run_google(sb)
    check = "google.gmail_filters" if "filters" in path else "google.drive_public_media"
    findings = by_check(run)[check]
    assert [f.status for f in findings] == [Status.ERROR], findings
    assert words in findings[0].detail
    assert run.exit_code == 3


def test_unreachable_account_is_error_for_every_check(monkeypatch: pytest.MonkeyPatch) -> None:
    with Sandbox("clean", faults=[FaultRule("google", "/drive/v3/about", "401")]) as sb:
        run = run_google(sb)
    assert {f.status for f in run.findings} == {Status.ERROR}
    assert {f.check for f in run.findings} >= GOOGLE_CHECKS


def test_hostile_text_is_shown_literally(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    with Sandbox("hostile") as sb:
        for key, value in sb.env.items():
            monkeypatch.setenv(key, value)
        assert main(["audit", "--only", "google", "--details"]) == 1
    out = capsys.readouterr().out
    for raw in ("\x1b", "\x07", "\u202e", "\u200b", "\u2066"):
        assert raw not in out
    assert "[bold red]Security[/]" in out  # markup stays text in plain output
    assert "more characters)" in out  # 100 KB strings are cut, and say so


def test_cli_json_with_environment_variables(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for scenario, code in (("compromised", 1), ("clean", 0)):
        with Sandbox(scenario) as sb:
            for key, value in sb.env.items():
                monkeypatch.setenv(key, value)
            assert main(["audit", "--only", "google", "--format", "json"]) == code
        data = json.loads(capsys.readouterr().out)
        assert data["exit_code"] == code
        assert all(f["target"].endswith("@gmail.com") for f in data["findings"])


def test_google_without_a_server_is_a_clear_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--only", "google"]) == 2
    assert "AUDITOR_GOOGLE_API_URL" in capsys.readouterr().err


def test_demo_shows_practice_findings_and_writes_only_under_home(
    capsys: pytest.CaptureFixture[str], isolated_home: Path, tmp_path: Path
) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("PRACTICE")
    assert "Your mail is forwarded to keepingtabs@proton.example" in out
    assert "A filter forwards mail" in out and "This computer (" in out
    assert main(["demo", "--format", "json", "--exit-code"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["practice"] is True
    assert all(p.is_relative_to(isolated_home) for p in isolated_home.rglob("*"))


def test_a_case_account_without_a_server_is_reported_not_checked(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUDITOR_PASSPHRASE", "pw")
    with Sandbox("compromised") as sb:
        names = list(sb.env)
        for key, value in sb.env.items():
            monkeypatch.setenv(key, value)
        assert main(["audit", "--case", "ann", "--only", "google", "--quiet"]) == 1
    for key in names:
        monkeypatch.delenv(key)
    capsys.readouterr()
    code = main(["audit", "--case", "ann", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    google = [f for f in data["findings"] if f["target"] == "ann.example@gmail.com"]
    assert google and {f["status"] for f in google} == {"error"}
    assert "Sign in to it again with `auditor account add google --case ann`" in google[0]["evidence"]["reason"]
    assert code in (1, 3)


def test_guided_manual_checks_and_answers() -> None:
    from auditor.manual import manual_definitions

    manuals = {k: v for k, v in manual_definitions().items() if v.kind == "google"}
    assert {
        "google.manual_devices",
        "google.manual_recovery",
        "google.manual_photos_sharing",
        "google.manual_location_sharing",
        "google.manual_find_my_device",
    } <= set(manuals)
    for manual in manuals.values():
        assert manual.where_to_look and manual.playbooks
    with Sandbox("clean") as sb:
        first = run_google(sb)
        recovery = next(f for f in first.findings if f.check == "google.manual_recovery")
        assert recovery.status is Status.MANUAL
        assert recovery.evidence["where_to_look"][0].startswith("Open myaccount.google.com/security")
        answers = Decisions(
            {
                recovery.fingerprint: "found-something:the recovery phone is his",
                next(f for f in first.findings if f.check == "google.manual_devices").fingerprint: "looks-fine:",
            }
        )
        second = run_google(sb, answers)
    after = {f.check: f for f in second.findings}
    assert after["google.manual_recovery"].status is Status.FOUND
    assert after["google.manual_recovery"].evidence["note"] == "the recovery phone is his"
    assert after["google.manual_devices"].status is Status.CLEAR
    assert second.exit_code == 1


def test_gmail_delegation_by_hand_is_answered(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without domain-wide delegation, the guided check is asked, answered from the command line, and the answer
    becomes the finding of the next audit."""
    monkeypatch.setenv("AUDITOR_PASSPHRASE", "pw")
    with Sandbox("clean") as sb:
        for key, value in sb.env.items():
            monkeypatch.setenv(key, value)
        assert main(["audit", "--case", "ann", "--only", "google", "--quiet"]) == 0
        capsys.readouterr()
        target = "sam.example@gmail.com"  # the clean practice account
        assert (
            main(
                [
                    "session",
                    "answer",
                    "--case",
                    "ann",
                    "google.manual_delegation",
                    "found-something",
                    "--target",
                    target,
                    "--note",
                    "his address is listed",
                ]
            )
            == 0
        )
        assert "Gmail delegation" in capsys.readouterr().out
        assert main(["audit", "--case", "ann", "--only", "google", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    by = {f["check"]: f for f in data["findings"]}
    assert by["google.manual_delegation"]["status"] == "found"
    assert by["google.manual_delegation"]["evidence"]["note"] == "his address is listed"
    assert "Grant access to your account" in " ".join(by["google.manual_delegation"]["evidence"]["where_to_look"])
    assert by["google.gmail_delegates"]["status"] == "skipped"
    assert "Gmail delegation" in by["google.gmail_delegates"]["detail"]
