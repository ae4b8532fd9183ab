"""`auditor audit --case NAME` and the case's iPhone: the audit of the case does not read it over USB (the practice
iPhone, still served, receives nothing), says so in plain words with the command that reads it and when it was last
read, and keeps its findings; `--only ios --case NAME` reads it, after the Trust notice."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from auditor.application.cases import open_case
from auditor.application.phones import current_findings
from auditor.cli import main
from auditor.sandbox import Sandbox
from auditor.sandbox.iphone import PracticeIPhone

PHONE = "iPhone Sam's iPhone (iPhone12,1)"  # the stalkerware scenario's phone


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """No real usbmuxd: a closed loopback port unless a test starts the practice iPhone; the case's passphrase."""
    for name in ("AUDITOR_IOS_BACKUP_PATH", "AUDITOR_IOS_BACKUP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AUDITOR_IOS_PAIR_TIMEOUT", "0")
    monkeypatch.setenv("USBMUXD_SOCKET_ADDRESS", f"127.0.0.1:{closed_port()}")
    monkeypatch.setenv("AUDITOR_PASSPHRASE", "case passphrase")


@pytest.fixture
def google_practice(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    with Sandbox("compromised") as sandbox:
        monkeypatch.setenv("AUDITOR_GOOGLE_API_URL", sandbox.env["AUDITOR_GOOGLE_API_URL"])
        monkeypatch.setenv("AUDITOR_BEARER_TOKEN", sandbox.env["AUDITOR_BEARER_TOKEN"])
        yield sandbox


@pytest.fixture
def iphones(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[PracticeIPhone]]:
    started: list[PracticeIPhone] = []
    yield started
    for phone in started:
        phone.stop()


def serve(started: list[PracticeIPhone], scenario: str, monkeypatch: pytest.MonkeyPatch) -> PracticeIPhone:
    phone = PracticeIPhone(scenario).start()
    started.append(phone)
    monkeypatch.setenv("USBMUXD_SOCKET_ADDRESS", phone.usbmux_address)
    return phone


def flat(text: str) -> str:
    return " ".join(text.split())


def read_the_phone_into_the_case(
    iphones: list[PracticeIPhone], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(iphones, "stalkerware", monkeypatch)
    main(["audit", "--only", "ios", "--case", "ann", "--format", "json"])
    _, err = capsys.readouterr()
    assert "Trust This Computer?" in err  # the notice, before it connected
    with open_case("ann", "case passphrase") as case:
        assert ("ios", PHONE) in {(a["kind"], a["target"]) for a in case.accounts()}
    iphones.pop().stop()


def test_an_audit_of_the_case_does_not_read_its_iphone_and_says_how_it_is_read(
    google_practice: Sandbox,
    iphones: list[PracticeIPhone],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    read_the_phone_into_the_case(iphones, monkeypatch, capsys)
    phone = serve(iphones, "stalkerware", monkeypatch)  # still plugged in, unlocked and trusting: it would answer

    main(["audit", "--case", "ann", "--format", "json"])
    out, err = capsys.readouterr()
    assert phone.log() == [], "the audit of the case connected to the iPhone"
    findings = json.loads(out)["findings"]  # standard output stays JSON
    assert findings and not any(f["check"].startswith("ios.") for f in findings)
    said = flat(err)
    assert (
        "This audit did not read the iPhone: an iPhone is read only with `auditor audit --only ios --case ann`" in said
    )
    assert f"{PHONE}: last read over the cable 20" in said and "UTC" in said
    assert "Trust This Computer?" not in err  # nothing connects, so no notice

    with open_case("ann", "case passphrase") as case:
        kept = current_findings(case)
        assert any(f.check == "ios.jailbreak" and f.target == PHONE for f in kept)
        changes = case.latest_changes()
        assert changes is not None
        assert not any(f.check.startswith("ios.") for f in changes.resolved)


def test_a_scheduled_quiet_audit_says_it_too_and_lists_no_change_of_the_phone(
    google_practice: Sandbox,
    iphones: list[PracticeIPhone],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    read_the_phone_into_the_case(iphones, monkeypatch, capsys)
    phone = serve(iphones, "stalkerware", monkeypatch)
    main(["audit", "--case", "ann", "--only", "google", "--quiet"])
    capsys.readouterr()
    main(["audit", "--case", "ann", "--quiet"])
    out, err = capsys.readouterr()
    assert phone.log() == []
    assert "RESOLVED" not in out and "0 resolved" in out
    assert "This audit did not read the iPhone" in err and f"{PHONE}: last read over the cable" in err


def test_reading_the_iphone_into_the_case_again_is_the_only_way(
    iphones: list[PracticeIPhone], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    read_the_phone_into_the_case(iphones, monkeypatch, capsys)
    phone = serve(iphones, "stalkerware", monkeypatch)
    main(["audit", "--only", "ios", "--case", "ann", "--format", "json"])
    _, err = capsys.readouterr()
    assert "Trust This Computer?" in err and "This audit did not read the iPhone" not in err
    assert phone.log() != [] and phone.writes() == []
    with open_case("ann", "case passphrase") as case:
        assert len(case.runs()) == 2
        changes = case.latest_changes()
        assert changes is not None
        assert changes.new == [] and changes.resolved == []
        assert changes.unchanged and all(f.target == PHONE for f in changes.unchanged)


def test_a_case_without_an_iphone_says_nothing_of_one(
    google_practice: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["audit", "--case", "ann", "--only", "google", "--format", "json"])
    _, err = capsys.readouterr()
    assert "iPhone" not in err
