"""The command line over the application layer: `auditor audit --case`, `auditor confirm` and `auditor session
answer` against the practice servers, doing what the app does with the same functions."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from auditor.application.cases import open_case
from auditor.cli import main
from auditor.model import Status, fingerprint
from auditor.sandbox import Sandbox

GMAIL = "ann.example@gmail.com"


@pytest.fixture
def google_practice(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """The practice Google account, pointed at as a scheduler would (environment variables, no sign-in)."""
    with Sandbox("compromised") as sandbox:
        monkeypatch.setenv("AUDITOR_GOOGLE_API_URL", sandbox.env["AUDITOR_GOOGLE_API_URL"])
        monkeypatch.setenv("AUDITOR_BEARER_TOKEN", sandbox.env["AUDITOR_BEARER_TOKEN"])
        monkeypatch.setenv("AUDITOR_PASSPHRASE", "case passphrase")
        yield sandbox


def test_audit_into_a_case_registers_its_accounts_and_answers_apply_to_the_next(
    google_practice: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "--case", "ann", "--only", "google", "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    [forward] = [f for f in findings if f["check"] == "google.gmail_autoforward"]
    assert forward["status"] == "review"
    with open_case("ann", "case passphrase") as case:
        assert [(a["kind"], a["target"]) for a in case.accounts()] == [("google", GMAIL)]
        assert len(case.runs()) == 1
    assert main(["confirm", "--case", "ann", forward["fingerprint"], "--not-mine"]) == 0
    assert main(["session", "answer", "--case", "ann", "google.manual_devices", "found-something"]) == 0
    capsys.readouterr()
    # No --only: the case's own Google account is audited (with this computer), the answers applied.
    assert main(["audit", "--case", "ann", "--format", "json"]) == 1
    again = {(f["check"], f["target"]): f["status"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert again[("google.gmail_autoforward", GMAIL)] == "found"
    assert again[("google.manual_devices", GMAIL)] == "found"
    with open_case("ann", "case passphrase") as case:
        assert len(case.runs()) == 2
        assert {a["kind"] for a in case.accounts()} == {"google", "device"}
        answered = case.decision_records()[fingerprint("google.manual_devices", GMAIL, "")]
        assert answered == ("found-something", "")
        stored = case.findings_of(case.runs()[-1].id)
        assert [f.status for f in stored if f.check == "google.manual_devices"] == [Status.FOUND]


def test_confirm_refuses_an_id_the_case_does_not_have(
    google_practice: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    open_case("ann", "case passphrase", create=True).close()
    assert main(["confirm", "--case", "ann", "0123456789abcdef0123", "--mine"]) == 2
    assert "has no finding with id 0123456789abcdef0123" in capsys.readouterr().err
    with open_case("ann", "case passphrase") as case:
        assert case.decision_records() == {}
