"""Guided Apple, iPhone, social and phone-plan checks: well formed, joined to playbooks, asked per account."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from auditor.audit import audit, load_checks
from auditor.checkapi import Decisions
from auditor.cli import main
from auditor.manual import guided_files, load_manual_file
from auditor.model import KINDS, Status, fingerprint
from auditor.playbooks import builtin_playbooks, covering_checks
from auditor.store import CaseStore

GUIDED_PROVIDERS = ("apple", "social", "carrier")  # checks/<provider>/guided.yaml
SAFETY_CHECK = "Settings › Privacy & Security › scroll to the bottom › Safety Check"


def guided() -> list:
    return [m for name in GUIDED_PROVIDERS for m in load_manual_file(guided_files()[name])]


def test_every_guided_check_is_well_formed_and_has_its_playbook() -> None:
    checks = guided()
    assert len(checks) == 24
    all_ids = [m.id for path in guided_files().values() for m in load_manual_file(path)]
    assert len(all_ids) == len(set(all_ids))
    playbooks = builtin_playbooks()
    for manual in checks:
        assert manual.kind in KINDS and manual.kind in ("apple", "social", "carrier")
        assert manual.id.startswith(manual.kind + ".")  # the case files an answer under the id's kind
        assert len(manual.where_to_look) >= 2, manual.id
        assert manual.question.endswith("?"), manual.id
        for pid in manual.playbooks:
            assert pid in playbooks, (manual.id, pid)
    for pid in (
        "apple-account-security",
        "apple-sharing-location",
        "apple-icloud-mail-forwarding",
        "iphone-device-security",
        "social-account-security",
        "social-impersonation",
        "carrier-account-security",
    ):
        book = playbooks[pid]
        assert book.safety and book.preserve_evidence and book.steps and book.escalate
        assert covering_checks(pid, [m.spec() for m in checks]), pid
    loaded = load_checks()
    assert {m.id for m in checks} <= set(loaded)


def test_ios_paths_name_the_version() -> None:
    by_id = {m.id: m for m in guided()}
    apple_order = sorted((m.order, m.id) for m in guided() if m.kind == "apple")
    assert apple_order[0][1] == "apple.safety_check", "the questionnaire asks Safety Check first too"
    assert SAFETY_CHECK in by_id["apple.safety_check"].where_to_look[0]
    assert any("Quick Exit" in line for line in by_id["apple.safety_check"].where_to_look)
    for check in ("apple.trusted_numbers", "apple.recovery", "apple.family_sharing"):
        text = " ".join(by_id[check].where_to_look)
        assert "iOS 18" in text and "iOS 17" in text, check
    assert "VPN & Device Management" in by_id["apple.iphone_profiles"].where_to_look[0]


def test_each_platform_is_covered_by_the_social_questions() -> None:
    social = [m for m in guided() if m.kind == "social"]
    text = " ".join(line for m in social for line in m.where_to_look)
    for platform in ("Facebook", "Instagram", "WhatsApp", "Snapchat", "TikTok", "X:"):
        assert platform in text, platform
    by_id = {m.id: m for m in social}
    # Sessions and devices, linked accounts, two-factor, third-party apps: each says where to look on every one
    # of the six platforms (or that the platform has no such list).
    for check in ("social.sessions", "social.two_factor", "social.linked_accounts", "social.third_party_apps"):
        lines = by_id[check].where_to_look
        for platform in ("Facebook", "Instagram", "WhatsApp", "Snapchat", "TikTok", "X:"):
            assert any(line.startswith(platform) or f" {platform}" in line for line in lines), (check, platform)
    linked = " ".join(by_id["social.linked_accounts"].where_to_look)
    assert "Trusted contacts" in linked and "recover" in by_id["social.linked_accounts"].question


@pytest.mark.parametrize(("kind", "count"), [("apple", 14), ("social", 6), ("carrier", 4)])
def test_audit_only_kind_lists_questions_as_check_by_hand(
    capsys: pytest.CaptureFixture[str], kind: str, count: int
) -> None:
    assert main(["audit", "--only", kind, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["findings"]) == count
    assert {f["status"] for f in data["findings"]} == {"manual"}
    assert {f["check"].split(".")[0] for f in data["findings"]} == {kind}


def test_one_source_per_account_in_the_case_and_answers_apply(isolated_home: Path) -> None:
    with CaseStore.create("c", "pw") as case:
        case.add_account("social", "Instagram @ann")
        case.add_account("social", "X @ann")
        case.add_account("apple", "ann@icloud.example")
        answer = fingerprint("social.sessions", "X @ann", "")
        case.set_decision(answer, "found-something", "a login from a town I never visited")
        case.set_decision(fingerprint("apple.find_my", "ann@icloud.example", ""), "looks-fine")
        run = asyncio.run(audit(["social", "apple"], case=case, decisions=case.decisions()))
    social = [f for f in run.findings if f.check.startswith("social.")]
    assert {f.target for f in social} == {"Instagram @ann", "X @ann"} and len(social) == 12
    found = [f for f in run.findings if f.status is Status.FOUND]
    assert [(f.check, f.target) for f in found] == [("social.sessions", "X @ann")]
    assert found[0].evidence["note"] == "a login from a town I never visited"
    find_my = next(f for f in run.findings if f.check == "apple.find_my")
    assert find_my.status is Status.CLEAR
    assert run.exit_code == 1


def test_without_a_case_one_general_source_per_kind() -> None:
    run = asyncio.run(audit(["carrier"], decisions=Decisions()))
    assert {f.target for f in run.findings} == {"Your phone plan"}
    assert {f.check for f in run.findings} == {
        "carrier.account_holder",
        "carrier.sim_protection",
        "carrier.call_forwarding",
        "carrier.family_locator",
    }


def test_general_source_gives_way_to_named_accounts(isolated_home: Path) -> None:
    with CaseStore.create("c", "pw") as case:
        run = asyncio.run(audit(["apple"], case=case))
        case.save_run(run)
        for target in sorted({(f.check.split(".", 1)[0], f.target) for f in run.findings}):
            case.add_account(*target)  # what `auditor audit --case` does after a run
        assert {f.target for f in run.findings} == {"Your Apple Account and iPhone"}
        case.add_account("apple", "ann@icloud.example")
        again = asyncio.run(audit(["apple"], case=case))
    assert {f.target for f in again.findings} == {"ann@icloud.example"}
