"""Exchange checks through the real connector (exchangelib) against the practice EWS server."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sandbox.urls import url_of

from auditor.audit import audit, load_checks
from auditor.checkapi import Source
from auditor.cli import main
from auditor.config import Endpoints, Settings
from auditor.connectors.ews.client import ExchangeClient, ExchangeLogin
from auditor.engine import run_audit
from auditor.errors import ConfigError
from auditor.model import AuditRun, Severity, Status
from auditor.sandbox import FaultRule, Sandbox
from auditor.sandbox.faults import FaultKind

from .readings import FAST, by_check, run_exchange, statuses

CHECKS = {"exchange.inbox_rules", "exchange.delegates", "exchange.automatic_replies"}
GUIDED = {"exchange.manual_forwarding", "exchange.manual_mobile_devices", "exchange.manual_mailbox_permissions"}
ANN = "ann.example@contoso.example"


def test_compromised_mailbox_over_a_bearer_token() -> None:
    with Sandbox("compromised") as sb:
        run = run_exchange(sb)
    found = by_check(run)
    assert set(found) == CHECKS | GUIDED
    assert {f.status for c in GUIDED for f in found[c]} == {Status.MANUAL}
    assert found["exchange.manual_forwarding"][0].evidence["where_to_look"][0].startswith("Outlook on the web")
    assert {f.target for f in run.findings} == {ANN}  # the mailbox was learnt from the server
    [rule] = found["exchange.inbox_rules"]
    assert (rule.status, rule.severity) == (Status.FOUND, Severity.CRITICAL)
    assert "redirects to keepingtabs@proton.example" in rule.title and "“.”" in rule.title
    assert "deletes it" in rule.title and "marks it read" in rule.title
    assert [r["address"] for r in rule.evidence["redirect_to"]] == ["keepingtabs@proton.example"]
    assert rule.playbooks == ("exchange-mail-forwarding",)
    [delegate] = found["exchange.delegates"]
    assert (delegate.status, delegate.severity) == (Status.FOUND, Severity.CRITICAL)
    assert "mark.ex@contoso.example" in delegate.title and "full access" in delegate.title
    assert "meeting messages" in delegate.title
    assert delegate.evidence["permissions"]["inbox"] == "Editor"
    assert statuses(run, "exchange.automatic_replies") == [Status.CLEAR]
    assert run.exit_code == 1


def test_clean_mailbox_is_clear_everywhere() -> None:
    with Sandbox("clean") as sb:
        run = run_exchange(sb)
    automated = {f.check: f.status for f in run.findings if f.check in CHECKS}
    assert automated == dict.fromkeys(CHECKS, Status.CLEAR)
    assert {f.status for f in run.findings if f.check in GUIDED} == {Status.MANUAL}
    assert {f.target for f in run.findings} == {"sam.example@contoso.example"}
    assert run.exit_code == 0


def test_large_mailbox_200_rules_are_clear_with_one_read_each() -> None:
    with Sandbox("large") as sb:
        run = run_exchange(sb)
        requests = [r for r in sb.requests if r.provider == "ews"]
    assert {f.status for f in run.findings if f.check in CHECKS} == {Status.CLEAR}
    assert "(200 rules checked)" in by_check(run)["exchange.inbox_rules"][0].title
    # version probe, GetFolder and ConvertId to learn the mailbox, then GetInboxRules, GetDelegate, GetUserOof
    assert len(requests) == 6


def test_only_reads_reach_the_server() -> None:
    with Sandbox("compromised") as sb:
        run_exchange(sb)
        requests = [r for r in sb.requests if r.provider == "ews"]
        refused = sb.refused
    assert refused == []  # the server refuses (and logs) any operation that would change the mailbox
    assert requests and {r.method for r in requests} == {"POST"} and {r.status for r in requests} == {200}
    public = {name for name in dir(ExchangeClient) if not name.startswith("_")}
    assert public == {
        "mailbox_address",
        "read_all",
        "inbox_rules",
        "delegates",
        "automatic_replies",
        "close",
        "aclose",
    }


# -- faults -----------------------------------------------------------------------------------------

EWS = "/EWS/Exchange.asmx"


@pytest.mark.parametrize("kind", ["503", "500", "429", "reset", "hang"])
def test_transient_faults_are_retried_to_the_right_result(kind: FaultKind) -> None:
    rule = FaultRule("ews", EWS, kind, seconds=3, retry_after=0, times=2)
    with Sandbox("compromised", faults=[rule]) as sb:
        run = run_exchange(sb)
        faulted = [r for r in sb.requests if r.fault == kind]
    assert len(faulted) == 2
    assert statuses(run, "exchange.inbox_rules") == [Status.FOUND]
    assert statuses(run, "exchange.delegates") == [Status.FOUND]
    assert run.exit_code == 1


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("503", "busy"),
        ("429", "busy"),
        ("500", "kept failing"),
        ("hang", "did not answer within 1 s"),
        ("reset", "connection to Exchange failed"),
        ("malformed", "not valid EWS XML"),
        ("401", "refused the sign-in"),
    ],
)
def test_faults_that_do_not_clear_end_in_error_never_clear(kind: FaultKind, words: str) -> None:
    rule = FaultRule("ews", EWS, kind, seconds=3, retry_after=0)
    with Sandbox("clean", faults=[rule]) as sb:
        run = run_exchange(sb)
    assert {f.check for f in run.findings} == CHECKS | GUIDED
    assert {f.status for f in run.findings} == {Status.ERROR}, run.findings
    assert all(words in f.detail for f in run.findings), run.findings[0].detail
    assert run.exit_code == 3


def test_retries_are_bounded_in_time() -> None:
    rule = FaultRule("ews", EWS, "503", retry_after=0)
    with Sandbox("clean", faults=[rule]) as sb:
        run = run_exchange(sb, settings=Settings(request_timeout=1.0, retry_budget=1.0))
        attempts = len(sb.requests)
    assert {f.status for f in run.findings} == {Status.ERROR}
    assert 1 <= attempts <= 3


def test_a_failed_read_makes_only_its_checks_error() -> None:
    """The mailbox opened; then the server fails every request: the read already made stands, the others error."""

    async def scenario(sb: Sandbox) -> AuditRun:
        client = ExchangeClient(url_of(sb, "ews"), ExchangeLogin("oauth", sb.token), timeout=1.0, retry_budget=1.0)
        try:
            await client.inbox_rules()
            sb.set_faults([FaultRule("ews", EWS, "500")])
            source = Source("exchange", await client.mailbox_address(), clients={"exchange": client})
            return await run_audit(load_checks(), [source])
        finally:
            await client.aclose()

    with Sandbox("compromised") as sb:
        run = asyncio.run(scenario(sb))
    assert statuses(run, "exchange.inbox_rules") == [Status.FOUND]
    assert statuses(run, "exchange.delegates") == [Status.ERROR]
    assert statuses(run, "exchange.automatic_replies") == [Status.ERROR]
    assert run.exit_code == 1


def test_a_password_or_token_never_crosses_the_network_in_clear() -> None:
    endpoints = Endpoints(google=None, graph=None, ews="http://mail.example.org/EWS/Exchange.asmx", token="t")
    run = asyncio.run(audit(["exchange"], settings=FAST, endpoints=endpoints))
    assert {f.status for f in run.findings} == {Status.ERROR}
    assert "is not https" in run.findings[0].detail
    with pytest.raises(ConfigError, match="not https"):
        ExchangeClient("http://10.0.0.5/EWS/Exchange.asmx", ExchangeLogin("basic", "pw", "u"))._configuration()


# -- command line -----------------------------------------------------------------------------------

HOSTILE_RAW = ("\x1b", "\x07", "\u202e", "\u200b", "\u2066")


def test_hostile_text_is_shown_literally_in_the_table(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with Sandbox("hostile") as sb:
        for key, value in sb.env.items():
            monkeypatch.setenv(key, value)
        assert main(["audit", "--only", "exchange", "--details"]) == 1
    out = capsys.readouterr().out
    for raw in HOSTILE_RAW:
        assert raw not in out
    assert "[bold red]Security[/]" in out  # markup stays text in plain output
    assert "\\x1b[2J" in out  # the escape is shown, not obeyed
    assert "more characters)" in out  # 100 KB names are cut, and say so
    assert "Automatic replies are on" in out


def test_hostile_text_in_json_is_data(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    with Sandbox("hostile") as sb:
        for key, value in sb.env.items():
            monkeypatch.setenv(key, value)
        assert main(["audit", "--only", "exchange", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    rules = [f for f in data["findings"] if f["check"] == "exchange.inbox_rules"]
    assert rules and rules[0]["status"] == "found"
    for raw in HOSTILE_RAW:
        assert raw not in rules[0]["title"]
    assert "\u202e" in rules[0]["evidence"]["name"]  # the evidence keeps the exact record


def test_cli_json_exit_codes(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for scenario, faults, code in (
        ("compromised", [], 1),
        ("clean", [], 0),
        ("clean", [FaultRule("ews", EWS, "401")], 3),
    ):
        with Sandbox(scenario, faults=faults) as sb:
            for key, value in sb.env.items():
                monkeypatch.setenv(key, value)
            assert main(["audit", "--only", "exchange", "--format", "json"]) == code
        data = json.loads(capsys.readouterr().out)
        assert data["exit_code"] == code
        assert {f["check"] for f in data["findings"]} == CHECKS | GUIDED
        for finding in data["findings"]:
            assert {"check", "status", "severity", "title", "target", "evidence", "playbooks", "fingerprint"} <= set(
                finding
            )


def test_exchange_without_a_server_is_a_clear_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["audit", "--only", "exchange"]) == 2
    assert "AUDITOR_EWS_URL" in capsys.readouterr().err
    monkeypatch.setenv("AUDITOR_EWS_URL", "http://127.0.0.1:9/EWS/Exchange.asmx")
    assert main(["audit", "--only", "exchange"]) == 2
    assert "AUDITOR_BEARER_TOKEN" in capsys.readouterr().err


def test_demo_shows_the_exchange_findings(capsys: pytest.CaptureFixture[str], isolated_home: Path) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "An inbox rule redirects to keepingtabs@proton.example" in out
    assert "Mark Example (mark.ex@contoso.example) has full access" in out
    assert ANN in out


def test_server_busy_back_off_is_honoured() -> None:
    """Exchange's throttling answer (ErrorServerBusy with BackOffMilliseconds=500) waits that long, then reads."""
    import time

    from exchangelib.errors import ErrorServerBusy

    from auditor.connectors.ews.client import _Retry, classify

    hinted = classify(ErrorServerBusy("busy", back_off=2.5), "inbox rules", 1.0, 1)
    assert isinstance(hinted, _Retry) and hinted.wait == 2.5
    guessed = classify(ErrorServerBusy("Reraised from X(Caused by HTTP 503 response)", back_off=10), "x", 1.0, 1)
    assert isinstance(guessed, _Retry) and guessed.wait is None  # exchangelib's own guess, not the server's
    rule = FaultRule("ews", EWS, "429", times=1)
    with Sandbox("compromised", faults=[rule]) as sb:
        began = time.monotonic()
        run = run_exchange(sb)
        elapsed = time.monotonic() - began
    assert statuses(run, "exchange.inbox_rules") == [Status.FOUND]
    assert elapsed >= 0.5
