"""Microsoft's and exchangelib's published EWS answers (tests/fixtures/ews), served verbatim by the practice server
and read by the real connector (exchangelib) through the whole audit."""

from __future__ import annotations

import asyncio
from pathlib import Path

from auditor.audit import audit
from auditor.config import Settings
from auditor.model import AuditRun, Finding, Status
from auditor.sandbox import Sandbox, load_scenario
from auditor.sandbox.exchange import LiteralAnswer
from auditor.sandbox.scenario import Scenario

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ews"
FAST = Settings(request_timeout=2.0, retry_budget=4.0)
CHECKS = ("exchange.inbox_rules", "exchange.delegates", "exchange.automatic_replies")


def published(name: str, status: int = 200, times: int | None = None) -> LiteralAnswer:
    return LiteralAnswer(xml=(FIXTURES / name).read_text(encoding="utf-8"), status=status, times=times)


def serving(**answers: LiteralAnswer) -> Scenario:
    scenario = load_scenario("clean")
    scenario.sections["exchange"].answers = dict(answers)
    return scenario


def audited(scenario: Scenario) -> tuple[AuditRun, list[int]]:
    """The run, and the HTTP status of every answer the practice server gave (in order)."""
    with Sandbox(scenario) as sb:
        run = asyncio.run(audit(["exchange"], settings=FAST, endpoints=sb.endpoints()))
        statuses = [r.status for r in sb.requests if r.provider == "ews"]
    return run, statuses


def of(run: AuditRun, check: str) -> list[Finding]:
    return [f for f in run.findings if f.check == check]


def test_the_reference_getinboxrules_answer_is_one_ordinary_rule() -> None:
    run, _ = audited(serving(GetInboxRules=published("getinboxrules-response.xml")))
    [finding] = of(run, "exchange.inbox_rules")
    assert (finding.status, finding.title) == (
        Status.CLEAR,
        "No inbox rule forwards mail or hides security mail (1 rule checked)",
    )


def test_the_ex_routed_page_as_published_is_not_soap_and_so_couldnt_check() -> None:
    """The how-to page writes the SOAP namespace with https://; an envelope in another namespace has no Body."""
    text = published("getinboxrules-ex-routed-response.xml").xml.replace(
        'xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"', 'xmlns:s="https://schemas.xmlsoap.org/soap/envelope/"'
    )
    run, _ = audited(serving(GetInboxRules=LiteralAnswer(xml=text)))
    assert {f.check: f.status for f in run.findings if f.check in CHECKS} == dict.fromkeys(CHECKS, Status.ERROR)
    assert "not valid EWS XML" in of(run, "exchange.inbox_rules")[0].detail


def test_the_reference_getdelegate_answer_asks_about_user1() -> None:
    run, _ = audited(serving(GetDelegate=published("getdelegate-response.xml")))
    [finding] = of(run, "exchange.delegates")
    assert finding.status is Status.REVIEW
    assert finding.title == (
        "User1 (User1@example.com) is a delegate of your mailbox (Calendar: Author, Contacts: Reviewer) — "
        "is this someone you chose?"
    )
    assert finding.evidence["sid"] == "S-1-5-21-1333220396-2200287332-232816053-1116"


def test_the_reference_oof_answer_is_off() -> None:
    run, _ = audited(serving(GetUserOofSettings=published("getuseroofsettings-response.xml")))
    [finding] = of(run, "exchange.automatic_replies")
    assert (finding.status, finding.title) == (Status.CLEAR, "Automatic replies are off")
    assert finding.evidence["end"] == "2006-11-04T23:00:00+00:00"


def test_the_reference_oof_fault_is_couldnt_check_for_that_check_only() -> None:
    run, _ = audited(serving(GetUserOofSettings=published("getuseroofsettings-error-response.xml", status=500)))
    assert [f.status for f in of(run, "exchange.automatic_replies")] == [Status.ERROR]
    assert [f.status for f in of(run, "exchange.inbox_rules")] == [Status.CLEAR]
    assert [f.status for f in of(run, "exchange.delegates")] == [Status.CLEAR]


def test_exchangelibs_delegate_answer_is_not_well_formed_and_is_couldnt_check() -> None:
    run, _ = audited(serving(GetDelegate=published("exchangelib-getdelegate-response.xml")))
    [finding] = of(run, "exchange.delegates")
    assert finding.status is Status.ERROR
    assert "not well-formed XML (line 19, column 56: mismatched tag" in finding.detail
    assert [f.status for f in of(run, "exchange.inbox_rules")] == [Status.CLEAR]


def test_a_five_minute_back_off_beyond_the_retry_budget_is_couldnt_check_without_waiting() -> None:
    """exchangelib's ErrorServerBusy answer asks for 297.749 s; that is past the 4 s budget, so no retry."""
    run, statuses = audited(serving(GetInboxRules=published("exchangelib-errorserverbusy-fault.xml", status=500)))
    assert {f.check: f.status for f in run.findings if f.check in CHECKS} == dict.fromkeys(CHECKS, Status.ERROR)
    assert "busy" in of(run, "exchange.inbox_rules")[0].detail
    assert statuses.count(500) == 1  # asked once: the server's back-off was not waited out


def test_a_busy_answer_once_is_retried_to_the_right_result() -> None:
    answer = published("exchangelib-errorserverbusy-fault.xml", status=500, times=1)
    answer = answer.model_copy(update={"xml": answer.xml.replace(">297749<", ">200<")})
    run, statuses = audited(serving(GetInboxRules=answer))
    assert [f.status for f in of(run, "exchange.inbox_rules")] == [Status.CLEAR]
    assert statuses.count(500) == 1
