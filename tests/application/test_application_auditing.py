"""Auditing through the application layer: against the practice servers through the real connectors, into a case.

What `auditor audit --case` and the app's audit worker both run: the plan's sources opened, every check run,
the run and its findings saved, the accounts they name registered, progress reported, sources closed; a stop
asked for (or the case locked) saves nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from pathlib import Path

import pytest

from auditor.application.auditing import (
    AuditCancelled,
    AuditPlan,
    CheckFinished,
    CheckStarted,
    Progress,
    audit_into_case,
    check_again,
    run_plan,
)
from auditor.application.cases import open_case
from auditor.checkapi import Source
from auditor.config import Endpoints, Settings
from auditor.connectors.signin import secret_name
from auditor.model import Status
from auditor.sandbox import Sandbox
from auditor.store import CaseStore

GMAIL = "ann.example@gmail.com"
CONTOSO = "ann.example@contoso.example"


def test_audit_into_case_saves_the_run_registers_its_accounts_and_reports_progress(
    case: CaseStore, accounts_plan: AuditPlan, practice: Sandbox
) -> None:
    events: list[Progress] = []
    audited = asyncio.run(audit_into_case(case, accounts_plan, on_progress=events.append))
    run = audited.run
    # The real connectors read the practice servers: the forwarding filter and the mailbox delegate are found.
    found = {(f.check, f.target) for f in run.findings if f.status is Status.FOUND}
    assert ("google.gmail_filters", GMAIL) in found and ("exchange.delegates", CONTOSO) in found
    assert {r.provider for r in practice.requests} >= {"google", "graph", "ews"}
    # Saved: one run, holding exactly the findings returned.
    assert [r.id for r in case.runs()] == [audited.run_id]
    assert [f.fingerprint for f in case.findings_of(audited.run_id)] == [f.fingerprint for f in run.findings]
    # Registered: the accounts the findings name, so the next audit of the case reads them too.
    expected = [("exchange", CONTOSO), ("google", GMAIL), ("microsoft", CONTOSO)]
    assert list(audited.accounts_added) == expected
    assert sorted((a["kind"], a["target"]) for a in case.accounts()) == expected
    # Progress: each check's start and end, and every finding of the run passed through the callback once.
    started = Counter((e.check, e.target) for e in events if isinstance(e, CheckStarted))
    finished = [e for e in events if isinstance(e, CheckFinished)]
    assert started == Counter((e.check, e.target) for e in finished) and started
    assert Counter(f.fingerprint for e in finished for f in e.findings) == Counter(f.fingerprint for f in run.findings)


def test_a_second_audit_adds_nothing_and_keeps_what_a_sign_in_saved(isolated_home: Path) -> None:
    """The server and sign-in scheme saved by the Exchange sign-in survive audits: the second audit still reads
    the mailbox (the run used to re-add every account it named, wiping those settings, so the second audit said
    "the case does not say which Exchange server it is on")."""
    with Sandbox("compromised") as sandbox, open_case("sam", "pw", create=True) as case:
        saved = {"url": sandbox.ews_url, "auth": "basic", "username": CONTOSO}
        case.add_account("exchange", CONTOSO, saved)  # what `auditor account add exchange` keeps
        case.put_secret(secret_name("exchange", CONTOSO), b"practice-only")
        no_environment = Endpoints(google=None, graph=None, ews=None, token=None)
        plan = AuditPlan(kinds=("exchange",), endpoints=no_environment, settings=Settings(request_timeout=1.0))
        first = asyncio.run(audit_into_case(case, plan))
        second = asyncio.run(audit_into_case(case, plan))
        accounts = case.accounts()
    assert first.accounts_added == () and second.accounts_added == ()
    assert [a["settings"] for a in accounts] == [saved]
    for audited in (first, second):
        statuses = {f.check: f.status for f in audited.run.findings}
        assert statuses["exchange.inbox_rules"] is Status.FOUND, audited.run.findings


class ClosingSource:
    """A source the caller opened itself (as an iPhone backup is): the audit must close it whatever happens."""

    def __init__(self) -> None:
        self.closed = 0
        self.source = Source(kind="device", target="a source opened by the caller", closers=[self.close])

    def close(self) -> None:
        self.closed += 1


def test_a_stop_asked_for_ends_the_audit_saves_nothing_and_closes_every_source(
    case: CaseStore, accounts_plan: AuditPlan
) -> None:
    extra = ClosingSource()
    plan = dataclasses.replace(accounts_plan, extra_sources=(extra.source,))
    events: list[Progress] = []
    with pytest.raises(AuditCancelled):
        asyncio.run(audit_into_case(case, plan, on_progress=events.append, should_stop=lambda: len(events) >= 3))
    assert len(events) == 3, "the audit stopped at the event after the stop was asked for"
    assert case.runs() == [] and case.accounts() == []
    assert extra.closed == 1


def test_a_case_locked_while_the_audit_runs_saves_nothing(isolated_home: Path, accounts_plan: AuditPlan) -> None:
    case = open_case("locked", "pw", create=True)
    events: list[Progress] = []

    def lock_at_first_event(event: Progress) -> None:
        events.append(event)
        case.close()  # the app's quick exit locks the case while an audit runs

    with pytest.raises(AuditCancelled, match="locked"):
        asyncio.run(audit_into_case(case, accounts_plan, on_progress=lock_at_first_event))
    with open_case("locked", "pw") as reopened:
        assert reopened.runs() == [] and reopened.accounts() == []


def test_run_plan_applies_the_case_answers(case: CaseStore, accounts_plan: AuditPlan) -> None:
    first = asyncio.run(audit_into_case(case, accounts_plan)).run
    [forwarded] = [f for f in first.findings if f.check == "google.gmail_autoforward"]
    assert forwarded.status is Status.REVIEW
    case.set_decision(forwarded.fingerprint, "not-mine")
    again = asyncio.run(run_plan(accounts_plan, case=case))
    assert [f.status for f in again.findings if f.fingerprint == forwarded.fingerprint] == [Status.FOUND]
    case.set_decision(forwarded.fingerprint, "mine")
    mine = asyncio.run(run_plan(accounts_plan, case=case))
    assert [f.status for f in mine.findings if f.check == "google.gmail_autoforward"] == [Status.CLEAR]
    without = asyncio.run(run_plan(accounts_plan, case=case, decisions={}))  # answers given replace the case's
    assert [f.status for f in without.findings if f.check == "google.gmail_autoforward"] == [Status.REVIEW]


def test_check_again_runs_one_check_on_its_kind_and_logs_it_without_saving_a_run(
    case: CaseStore, accounts_plan: AuditPlan, practice: Sandbox
) -> None:
    events: list[Progress] = []
    run = asyncio.run(check_again(case, accounts_plan, "exchange.delegates", on_progress=events.append))
    assert {(f.check, f.target) for f in run.findings} == {("exchange.delegates", CONTOSO)}
    assert {(e.check, e.target) for e in events} == {("exchange.delegates", CONTOSO)}
    assert not [r for r in practice.requests if r.provider in ("google", "graph")], "only Exchange was read"
    assert case.runs() == []
    [event] = [e for e in case.events() if e["kind"] == "recheck"]
    assert event["payload"] == {"check": "exchange.delegates"} and event["summary"].startswith("Checked again: ")


def test_the_audit_the_scripts_import_is_the_application_one() -> None:
    import auditor.application.auditing
    import auditor.application.checks
    import auditor.audit

    assert auditor.audit.audit is auditor.application.auditing.audit
    assert auditor.audit.load_checks is auditor.application.checks.load_checks


def test_check_again_with_nothing_to_read_refuses_and_records_nothing(case: CaseStore) -> None:
    from auditor.errors import UsageError

    with pytest.raises(UsageError, match="its account or device is not in it"):
        asyncio.run(check_again(case, AuditPlan(kinds=("device",)), "google.gmail_filters"))
    assert case.events() == []
