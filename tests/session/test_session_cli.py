"""`auditor session ...` end to end through the command line, with the case encrypted on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.store import CaseStore, case_path
from auditor.timeline import LocationKind, Timeline

INTAKE = """\
consent: {concerns: true, accounts: true, people: true, notes: true}
concerns: [location-known, images-shared]
items:
  - kind: apple
    label: ann@icloud.example
    access:
      - {person: Mark, when: had, how: set up the iPhone, addresses: [keepingtabs@proton.example]}
  - kind: social
    label: Instagram @ann
"""


@pytest.fixture
def started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    monkeypatch.setenv("AUDITOR_PASSPHRASE", "correct horse")
    intake = tmp_path / "intake.yaml"
    intake.write_text(INTAKE, encoding="utf-8")
    assert main(["session", "start", "--case", "ann", "--from", str(intake)]) == 0
    return intake


def test_start_prints_what_is_kept_and_the_plan(started: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = capsys.readouterr().out
    assert "Session 1 started in the case 'ann'." in out
    assert "Kept in the case: concerns, accounts, people, notes." in out
    first = out.index("First, before connecting any account")
    assert first < out.index("iCloud Mail forwarding and rules") < out.index("Guided questions")
    assert "on: ann@icloud.example" in out
    assert case_path("ann").exists()


def test_show_plan_and_notes(started: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["session", "note", "--case", "ann", "Ann prefers text messages"]) == 0
    assert main(["session", "show", "--case", "ann"]) == 0
    out = capsys.readouterr().out
    assert "Consent — concerns: yes, devices and accounts: yes, people: yes, notes: yes" in out
    assert "  - Someone knows where I am" in out
    assert "      Mark had access, set up the iPhone" in out
    assert "[note] Ann prefers text messages" in out
    assert main(["session", "plan", "--case", "ann"]) == 0
    plan = capsys.readouterr().out
    assert plan.index("Apple Safety Check") < plan.index("Profiles pretending to be you")


def test_answer_then_audit_then_map(started: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert (
        main(["session", "answer", "--case", "ann", "apple.find_my", "found-something", "--note", "Mark sees me"]) == 0
    )
    capsys.readouterr()
    assert main(["audit", "--case", "ann", "--only", "apple", "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    found = [f for f in findings if f["status"] == "found"]
    assert [(f["check"], f["target"]) for f in found] == [("apple.find_my", "ann@icloud.example")]
    html_file = tmp_path / "map.html"
    assert main(["session", "map", "--case", "ann", "--html", str(html_file)]) == 0
    out = capsys.readouterr().out
    assert "ann@icloud.example (apple)" in out
    assert "OPEN    → Found by hand: Mark sees me" in out
    assert "past    → Mark: had access (set up the iPhone) (make sure it has ended)" in out
    fragment = html_file.read_text(encoding="utf-8")
    assert fragment.startswith('<section class="access-map">') and "Found by hand: Mark sees me" in fragment
    # answering "looks fine" later closes the path on the next audit
    assert main(["session", "answer", "--case", "ann", "apple.find_my", "looks-fine"]) == 0
    assert main(["audit", "--case", "ann", "--only", "apple"]) == 0
    capsys.readouterr()
    assert main(["session", "map", "--case", "ann"]) == 0
    assert "closed  → Found by hand: Mark sees me" in capsys.readouterr().out


def test_answer_needs_a_target_when_the_case_has_several(started: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with CaseStore.open("ann", "correct horse") as case:
        case.add_account("social", "X @ann")
    capsys.readouterr()
    assert main(["session", "answer", "--case", "ann", "social.sessions", "looks-fine"]) == 2
    assert "several social accounts" in capsys.readouterr().err
    assert main(["session", "answer", "--case", "ann", "social.sessions", "looks-fine", "--target", "X @ann"]) == 0
    assert main(["session", "answer", "--case", "ann", "google.gmail_filters", "looks-fine"]) == 2
    assert "not a guided check" in capsys.readouterr().err


def test_impersonation_profile_goes_to_the_timeline(started: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = "https://www.instagram.example/ann.real.2"
    assert main(["session", "note", "--case", "ann", "--impersonation", url, "--platform", "Instagram"]) == 0
    assert "content location 1" in capsys.readouterr().out
    with CaseStore.open("ann", "correct horse") as case:
        [location] = Timeline(case).locations()
    assert (location.url, location.platform, location.kind) == (url, "Instagram", LocationKind.IMPERSONATION)
    assert main(["session", "note", "--case", "ann", "--impersonation", url]) == 2
    assert "--platform" in capsys.readouterr().err


def test_steps_show_the_safety_prompt_before_noticeable_steps(
    started: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["session", "steps", "--case", "ann", "apple-icloud-mail-forwarding"]) == 0
    out = capsys.readouterr().out
    assert out.index("Do you have a safety plan") < out.index("[web:1]")
    assert "Where to get help:" in out and "hotline" in out
    assert "You can go on whenever you are ready" in out
    assert "[web:3] Look in Trash for security alerts a rule hid; they show what the other person did." in out
    assert "(may be noticed)" in out.split("[web:1]", 1)[1].split("[web:2]", 1)[0]


def test_bad_intake_names_file_and_line_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUDITOR_PASSPHRASE", "pw")
    bad = tmp_path / "bad.yaml"
    bad.write_text("consent: {}\nconcerns:\n  - location-known\n  - aliens\n", encoding="utf-8")
    assert main(["session", "start", "--case", "new", "--from", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}, line 4: concerns.1" in err
    assert not case_path("new").exists()


def test_start_without_a_terminal_needs_a_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUDITOR_PASSPHRASE", "pw")
    assert main(["session", "start", "--case", "x"]) == 2
    assert "--from FILE" in capsys.readouterr().err


def test_commands_before_a_session_say_how_to_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUDITOR_PASSPHRASE", "pw")
    CaseStore.create("empty", "pw").close()
    for action in ("show", "plan"):
        assert main(["session", action, "--case", "empty"]) == 2
        assert "auditor session start" in capsys.readouterr().err
    assert main(["session", "note", "--case", "empty", "hello"]) == 2
    assert main(["session", "map", "--case", "empty"]) == 0
    assert "run an audit or start a session" in capsys.readouterr().out


def test_interactive_start_and_safety_answer_in_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import auditor.cli.session as session_cli
    from auditor.session.store import notes

    monkeypatch.setenv("AUDITOR_PASSPHRASE", "pw")
    monkeypatch.setattr(session_cli, "_tty", lambda: True)
    answers = iter(
        [
            "y", "y", "y", "y",  # keep concerns, accounts, people, notes
            "y", "n", "n", "n", "n",  # accounts hacked
            "carrier", "My phone plan", "y", "Mark", "y", "holds the plan", "",  # Mark still has access
            "n",  # nobody else
            "",  # no more devices or accounts
            "n",  # steps: no safety plan yet
        ]
    )  # fmt: skip
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    assert main(["session", "start", "--case", "tty"]) == 0
    out = capsys.readouterr().out
    assert "Kept in the case: concerns, accounts, people, notes." in out
    assert "on: My phone plan" in out
    assert main(["session", "steps", "--case", "tty", "carrier-account-security"]) == 0
    assert "Your answer was kept in the session notes." in capsys.readouterr().out
    with CaseStore.open("tty", "pw") as case:
        assert [n.kind for n in notes(case)] == ["safety-plan"]
        assert ("carrier", "My phone plan") in {(a["kind"], a["target"]) for a in case.accounts()}


def test_map_written_as_html_is_said_to_be_unencrypted_and_kept_private(
    started: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import hashlib
    import stat

    capsys.readouterr()
    out_file = tmp_path / "map.html"
    assert main(["session", "map", "--case", "ann", "--html", str(out_file)]) == 0
    out, err = capsys.readouterr()
    assert "NOT encrypted" in err and "NOT encrypted" in out
    assert f"SHA-256 {hashlib.sha256(out_file.read_bytes()).hexdigest()}" in out
    assert stat.S_IMODE(out_file.stat().st_mode) == 0o600, "only the owner can read it"
    missing = tmp_path / "no-such-folder" / "map.html"
    assert main(["session", "map", "--case", "ann", "--html", str(missing)]) == 2
    assert "does not exist; nothing was written" in capsys.readouterr().err
    assert not missing.parent.exists()


def test_an_answer_about_an_account_the_case_did_not_know_adds_it(
    started: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = "TikTok [bold]@ann[/] \x1b[31mred\u202e"
    capsys.readouterr()
    argv = ["session", "answer", "--case", "ann", "social.sessions", "found-something", "--note", "a login in Leeds"]
    assert main([*argv, "--target", hostile]) == 0
    out = capsys.readouterr().out
    assert "TikTok [bold]@ann[/] \\x1b[31mred<U+202E> is now a social account" in out
    assert "\x1b" not in out and "\u202e" not in out
    assert main(["audit", "--case", "ann", "--only", "social", "--format", "json"]) == 1
    found = [f for f in json.loads(capsys.readouterr().out)["findings"] if f["status"] == "found"]
    assert [(f["check"], f["target"], f["evidence"]["note"]) for f in found] == [
        ("social.sessions", hostile, "a login in Leeds")
    ]
    assert main(["session", "answer", "--case", "ann", "social.sessions", "looks-fine", "--target", " "]) == 2
    assert "--target is empty" in capsys.readouterr().err


def test_notes_with_answers_and_profiles_are_refused_when_notes_were_not_agreed_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUDITOR_PASSPHRASE", "pw")
    intake = tmp_path / "intake.yaml"
    intake.write_text("consent: {accounts: true}\nitems: [{kind: apple, label: ann@icloud.example}]\n")
    assert main(["session", "start", "--case", "c", "--from", str(intake)]) == 0
    with CaseStore.open("c", "pw") as case:
        before = case.table_counts()
    capsys.readouterr()
    assert main(["session", "answer", "--case", "c", "apple.find_my", "found-something", "--note", "Mark"]) == 2
    assert "did not agree to notes" in capsys.readouterr().err
    with CaseStore.open("c", "pw") as case:
        assert case.table_counts() == before
    url = "https://www.instagram.example/ann.fake"
    argv = ["session", "note", "--case", "c", "--impersonation", url, "--platform", "Instagram"]
    assert main([*argv, "posted by Mark"]) == 2
    assert "did not agree to notes" in capsys.readouterr().err
    with CaseStore.open("c", "pw") as case:
        assert case.table_counts() == before
    assert main(["session", "answer", "--case", "c", "apple.find_my", "found-something"]) == 0
    assert main(argv) == 0
    with CaseStore.open("c", "pw") as case:
        [location] = Timeline(case).locations()
        assert (location.url, location.note) == (url, "")


def test_input_closed_mid_intake_records_nothing_and_mid_steps_still_shows_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import auditor.cli.session as session_cli
    from auditor.session.store import notes

    monkeypatch.setenv("AUDITOR_PASSPHRASE", "pw")
    monkeypatch.setattr(session_cli, "_tty", lambda: True)
    answers = iter(["y", "y", "y", "y", "y"])

    def closing_input(prompt: str = "") -> str:
        for answer in answers:
            return answer
        raise EOFError  # what input() raises on Ctrl-D

    monkeypatch.setattr("builtins.input", closing_input)
    assert main(["session", "start", "--case", "eof"]) == 2
    assert "the intake ended before it was finished" in capsys.readouterr().err
    assert not case_path("eof").exists()
    intake = tmp_path / "intake.yaml"
    intake.write_text("consent: {notes: true}\n")
    assert main(["session", "start", "--case", "eof", "--from", str(intake)]) == 0
    capsys.readouterr()
    assert main(["session", "steps", "--case", "eof", "carrier-account-security"]) == 0
    out = capsys.readouterr().out
    assert "No answer was given; nothing was kept." in out and "You can go on whenever you are ready" in out
    assert out.index("No answer was given") < out.rindex("(may be noticed)")
    with CaseStore.open("eof", "pw") as case:
        assert notes(case) == []
