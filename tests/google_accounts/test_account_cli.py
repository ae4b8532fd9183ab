"""`auditor account add|list|forget` for Google, end to end against the practice server."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.sandbox import Sandbox
from auditor.store import case_path

from .conftest import BROWSER, FetchingBrowser, write_client_file

ANN = "ann.example@gmail.com"


class Terminal(io.StringIO):
    """Piped answers that look like a person at a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def practice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Sandbox]:
    with Sandbox("compromised") as sb:
        config = tmp_path / "settings.yaml"
        config.write_text(f"google:\n  client_file: {write_client_file(sb, tmp_path)}\nrequest_timeout: 2\n")
        monkeypatch.setenv("AUDITOR_CONFIG", str(config))
        monkeypatch.setenv("AUDITOR_PASSPHRASE", "correct horse")
        monkeypatch.setenv("AUDITOR_GOOGLE_API_URL", sb.google_url or "")
        yield sb


def test_add_list_audit_forget(practice: Sandbox, browser: FetchingBrowser, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["account", "add", "google", "--case", "ann", "--yes", "--browser", BROWSER]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Before you connect your Google account")
    assert "See all settings › Forwarding and POP/IMAP" in out
    assert f"Connected {ANN} to the case 'ann'" in out
    assert browser.opened and browser.opened[0].startswith(practice.google_oauth_url or "-")

    assert main(["account", "list", "--case", "ann"]) == 0
    listed = capsys.readouterr().out
    assert ANN in listed and "signed in" in listed

    assert main(["audit", "--case", "ann", "--only", "google", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    google = [f for f in data["findings"] if f["target"] == ANN]
    assert google and "error" not in {f["status"] for f in google}
    assert any(f["check"] == "google.gmail_autoforward" and f["status"] == "review" for f in google)

    assert main(["account", "forget", "google", ANN, "--case", "ann"]) == 0
    assert "Google revoked the tool's access" in capsys.readouterr().out
    assert [r.status for r in practice.requests if r.path == "/revoke"] == [200]
    assert main(["account", "list", "--case", "ann"]) == 0
    assert ANN not in capsys.readouterr().out

    assert main(["account", "forget", "google", ANN, "--case", "ann"]) == 2
    assert "no Google account" in capsys.readouterr().err


def test_without_a_terminal_it_needs_yes(practice: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["account", "add", "google", "--case", "ann"]) == 2
    captured = capsys.readouterr()
    assert "Before you connect" in captured.out
    assert "--yes" in captured.err
    assert not case_path("ann").exists()
    assert not [r for r in practice.requests if r.provider == "google-oauth"]


def test_checking_by_hand_first_and_stopping(
    practice: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", Terminal("y\nn\n"))
    assert main(["account", "add", "google", "--case", "ann"]) == 0
    out = capsys.readouterr().out
    assert "Is forwarding off in Gmail" in out and "Forwarding and POP/IMAP" in out
    assert "Nothing was connected." in out
    assert not case_path("ann").exists()
    assert not [r for r in practice.requests if r.provider == "google-oauth"]


def test_answering_yes_connects(
    practice: Sandbox, browser: FetchingBrowser, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", Terminal("n\ny\n"))
    assert main(["account", "add", "google", "--case", "ann", "--browser", BROWSER]) == 0
    out = capsys.readouterr().out
    assert "Is forwarding off in Gmail" not in out  # the by-hand steps were declined
    assert f"Connected {ANN}" in out


def test_input_that_ends_is_no(
    practice: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", Terminal(""))  # Ctrl-D at the first question
    assert main(["account", "add", "google", "--case", "ann"]) == 0
    assert "Nothing was connected." in capsys.readouterr().out
    assert not case_path("ann").exists()
    assert not [r for r in practice.requests if r.provider == "google-oauth"]


def test_missing_client_file_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUDITOR_PASSPHRASE", "pw")
    assert main(["account", "add", "google", "--case", "ann", "--yes"]) == 2
    assert "google.client_file" in capsys.readouterr().err
    assert not case_path("ann").exists()  # checked before the case is made


def test_list_of_a_missing_case(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AUDITOR_PASSPHRASE", "pw")
    assert main(["account", "list", "--case", "nobody"]) == 2
    assert "no case named 'nobody'" in capsys.readouterr().err


def test_a_hostile_account_address_is_shown_literally(
    browser: FetchingBrowser, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from auditor.sandbox import load_scenario

    scenario = load_scenario("compromised")
    scenario.sections["google"].account = "ann\x1b[31m\u202e[bold red]x[/]@gmail.example"
    with Sandbox(scenario) as sb:
        config = tmp_path / "settings.yaml"
        config.write_text(f"google:\n  client_file: {write_client_file(sb, tmp_path)}\n")
        monkeypatch.setenv("AUDITOR_CONFIG", str(config))
        monkeypatch.setenv("AUDITOR_PASSPHRASE", "pw")
        monkeypatch.setenv("AUDITOR_GOOGLE_API_URL", sb.google_url or "")
        assert main(["account", "add", "google", "--case", "ann", "--yes", "--browser", BROWSER]) == 0
        assert main(["account", "list", "--case", "ann"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out
    assert out.count("ann\\x1b[31m<U+202E>[bold red]x[/]@gmail.example") == 2
