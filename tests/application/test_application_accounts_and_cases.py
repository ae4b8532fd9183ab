"""Registering the accounts an audit names, and opening cases, through the application layer."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.application.accounts import register_accounts
from auditor.application.cases import (
    PRACTICE_CASE,
    case_exists,
    case_names,
    open_case,
    open_or_create_case,
    open_practice_case,
    practice_home,
)
from auditor.config import paths
from auditor.errors import CaseError, CaseNotFound, WrongPassphrase
from auditor.model import Finding, Severity, Status
from auditor.store import CaseStore


def finding(check: str, target: str) -> Finding:
    return Finding(check=check, target=target, status=Status.CLEAR, severity=Severity.LOW, title="t")


def test_register_accounts_adds_each_new_account_once_of_its_checks_kind(case: CaseStore) -> None:
    case.add_account("exchange", "ann@contoso.example", {"url": "https://mail.contoso.example/EWS/Exchange.asmx"})
    findings = [
        finding("google.gmail_filters", "ann@gmail.example"),
        finding("google.gmail_send_as", "ann@gmail.example"),
        finding("exchange.delegates", "ann@contoso.example"),  # known: left as it is, settings and all
        finding("plugin.extra", "this computer"),  # a plug-in's ID need not start with its kind
        finding("nokind.check", "somewhere"),  # neither a known check nor a kind: registers nothing
    ]
    kinds = {"google.gmail_filters": "google", "exchange.delegates": "exchange", "plugin.extra": "device"}
    added = register_accounts(case, findings, kinds)
    assert added == [("device", "this computer"), ("google", "ann@gmail.example")]
    assert sorted((a["kind"], a["target"], a["settings"]) for a in case.accounts()) == [
        ("device", "this computer", {}),
        ("exchange", "ann@contoso.example", {"url": "https://mail.contoso.example/EWS/Exchange.asmx"}),
        ("google", "ann@gmail.example", {}),
    ]
    assert register_accounts(case, findings, kinds) == []


def test_register_accounts_reads_the_kinds_of_the_shipped_checks_by_default(case: CaseStore) -> None:
    assert register_accounts(case, [finding("apple.find_my", "Your Apple Account and iPhone")]) == [
        ("apple", "Your Apple Account and iPhone")
    ]


def test_opening_creating_and_listing_cases(isolated_home: Path) -> None:
    assert case_names() == [] and not case_exists("ann")
    with pytest.raises(CaseNotFound):
        open_case("ann", "pw")
    open_case("ann", "pw", create=True).close()
    assert case_names() == ["ann"] and case_exists("ann")
    with pytest.raises(WrongPassphrase):
        open_case("ann", "not it")
    with open_case("ann", "pw") as case, pytest.raises(CaseError, match="already"):
        open_case("ann", "pw", create=True)
    assert case.closed
    with open_or_create_case("bea", "pw2") as created:
        created.add_account("apple", "bea@icloud.example")
    with open_or_create_case("bea", "pw2") as again:
        assert [a["target"] for a in again.accounts()] == ["bea@icloud.example"]


def test_the_practice_case_is_kept_apart_and_opens_without_asking(isolated_home: Path) -> None:
    home = paths()
    with open_practice_case(home) as practice:
        practice.add_event("note", "practised")
    assert case_names() == [], "the practice case is not among the real cases"
    assert case_names(practice_home(home)) == [PRACTICE_CASE]
    with open_practice_case(home) as again:
        assert [e["summary"] for e in again.events()] == ["practised"]
