"""Microsoft checks through the real connector (httpx) against the Graph practice server."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from sandbox.urls import url_of

from auditor.checkapi import Decisions, Source
from auditor.cli import main
from auditor.connectors.graph.client import GraphClient
from auditor.engine import run_audit
from auditor.model import AuditRun, Severity, Status, fingerprint
from auditor.sandbox import FaultRule, Sandbox
from auditor.sandbox.faults import FaultKind

from .conftest import AUTOMATED, by_check, run_microsoft, scenario_from, statuses

WORK = "ann.example@contoso.example"


def test_compromised_work_account() -> None:
    with Sandbox("compromised") as sb:
        run = run_microsoft(sb)
    found = by_check(run)
    assert set(found) >= AUTOMATED
    assert {f.target for f in run.findings} == {WORK}

    rules = found["microsoft.outlook_inbox_rules"]
    assert [(f.status, f.severity) for f in rules] == [
        (Status.FOUND, Severity.CRITICAL),
        (Status.FOUND, Severity.HIGH),
    ]
    assert rules[0].title.startswith("Your mail is redirected to keepingtabs@proton.example")
    assert "deletes it" in rules[0].title and "marks it read" in rules[0].title and "“.”" in rules[0].title
    assert rules[1].title.startswith("Your mail is forwarded as an attachment to ann.backup@proton.example")
    assert rules[0].evidence["actions"]["redirectTo"][0]["emailAddress"]["address"] == "keepingtabs@proton.example"

    public = found["microsoft.onedrive_public_media"]
    assert all(f.status is Status.FOUND and f.severity is Severity.CRITICAL for f in public)
    titles = sorted(f.title for f in public)
    assert titles == [
        "Folder Pictures/Private: anyone with the link can open its photo or video (and change or delete it)",
        "Pictures/Camera Roll/IMG_2041.jpg: anyone with the link can open it",
    ]
    folder = next(f for f in public if f.title.startswith("Folder"))
    assert folder.evidence["media"] == ["VID_0007.mp4"]
    assert all(link["webUrl"].startswith("https://") for f in public for link in f.evidence["links"])

    people = found["microsoft.onedrive_people_media"]
    assert [(f.status, f.subject) for f in people] == [(Status.REVIEW, "mark.ex@outlook.example")]
    assert [m["name"] for m in people[0].evidence["files"]] == ["beach.jpg"]  # not the shared PDF or document

    methods = found["microsoft.auth_methods"]
    assert {f.status for f in methods} == {Status.REVIEW}
    labels = sorted(f.title.split("? ", 1)[1].split(" can sign in")[0] for f in methods)
    assert labels == ["+44 7700 900123", "Ann's iPhone", "SM-A546B", "keepingtabs@proton.example"]

    grants = found["microsoft.app_grants"]
    assert {f.status for f in grants} == {Status.REVIEW}
    backup = next(f for f in grants if "Mail Backup Pro" in f.title)
    assert "Mail.ReadWrite" in backup.title and backup.severity is Severity.HIGH
    assert "(Unverified)" in backup.title

    manual = {f.check for f in run.findings if f.status is Status.MANUAL}
    assert "microsoft.manual_forwarding" in manual
    assert run.exit_code == 1


def test_clean_personal_account_is_clear_skipped_or_manual() -> None:
    with Sandbox("clean") as sb:
        run = run_microsoft(sb)
    by = {(f.check, f.status) for f in run.findings}
    assert {(c, s) for c, s in by if c in AUTOMATED} == {
        ("microsoft.outlook_inbox_rules", Status.CLEAR),
        ("microsoft.onedrive_public_media", Status.CLEAR),
        ("microsoft.onedrive_people_media", Status.CLEAR),
        ("microsoft.auth_methods", Status.SKIPPED),  # personal accounts: Graph answers 403; guided checks instead
        ("microsoft.app_grants", Status.SKIPPED),
    }
    manual = {f.check for f in run.findings if f.status is Status.MANUAL}
    assert manual == {
        "microsoft.manual_forwarding",
        "microsoft.manual_devices",
        "microsoft.manual_sign_in_activity",
        "microsoft.manual_security_info",
        "microsoft.manual_apps",
    }
    assert run.exit_code == 0


def test_work_account_with_one_strong_method_and_no_grants_is_clear(tmp_path: Path) -> None:
    text = """name: strong
microsoft:
  account_type: work
  user: {userPrincipalName: kim@contoso.example}
  directory_reader: true
  auth_methods: [{type: fido2, displayName: YubiKey 5}]
  inbox_rules:
    - displayName: Alerts to a folder
      conditions: {subjectContains: [weekly report]}
      actions: {moveToFolder: AAMkADReports=}
"""
    with Sandbox(scenario_from(tmp_path, text)) as sb:
        key = fingerprint("microsoft.auth_methods", "kim@contoso.example", "")
        first = run_microsoft(sb)
        method = by_check(first)["microsoft.auth_methods"][0]
        assert method.status is Status.REVIEW and "YubiKey 5" in method.title
        second = run_microsoft(sb, Decisions({method.fingerprint: "mine", key: "mine"}))
    assert statuses(second, "microsoft.auth_methods") == [Status.CLEAR]
    assert statuses(second, "microsoft.app_grants") == [Status.CLEAR]
    assert statuses(second, "microsoft.outlook_inbox_rules") == [Status.CLEAR]


def test_paging_across_many_pages_and_every_item_read() -> None:
    with Sandbox("large") as sb:  # 200 rules in pages of 10; 5,000 OneDrive items in delta pages of 200
        run = run_microsoft(sb)
        requests = sb.requests
    rules = by_check(run)["microsoft.outlook_inbox_rules"]
    assert [f.title for f in rules] == ["No inbox rule forwards mail or hides security mail (200 rules checked)"]
    public = by_check(run)["microsoft.onedrive_public_media"]
    assert len(public) == 5 and {f.status for f in public} == {Status.FOUND}
    rule_pages = [r for r in requests if r.path.endswith("/messageRules")]
    delta_pages = [r for r in requests if r.path.endswith("/delta")]
    assert len(rule_pages) == 20 and len(delta_pages) > 20
    assert all(r.query.get("$select") for r in rule_pages + delta_pages)


def test_only_get_and_batch_and_each_resource_once() -> None:
    with Sandbox("compromised") as sb:
        run_microsoft(sb)
        requests = sb.requests
    assert requests and sb.refused == []
    assert all(r.method == "GET" or (r.method == "POST" and r.path == "/v1.0/$batch") for r in requests)
    gets = [(r.path, json.dumps(r.query, sort_keys=True)) for r in requests if r.method == "GET"]
    assert len(gets) == len(set(gets)), "a resource was fetched twice"
    # OneDrive: one delta listing, then permissions only of shared items holding photos or videos, batched
    assert not any("/children" in r.path or "/permissions" in r.path for r in requests)
    assert len([r for r in requests if r.path == "/v1.0/$batch"]) == 2  # permissions; the grants' app names


def test_inner_batch_429s_are_retried_after_retry_after() -> None:
    rule = FaultRule("graph", "/v1.0/me/drive/items/*/permissions", "429", retry_after=1, times=2)
    with Sandbox("compromised", faults=[rule]) as sb:
        began = time.monotonic()
        run = run_microsoft(sb)
        waited = time.monotonic() - began
        batches = [r for r in sb.requests if r.path == "/v1.0/$batch"]
    assert waited >= 1.0, "the inner Retry-After was honoured"
    assert len(by_check(run)["microsoft.onedrive_public_media"]) == 2
    assert statuses(run, "microsoft.onedrive_people_media") == [Status.REVIEW]
    assert len(batches) == 3  # permissions, the throttled ones again, and the grants' app names


@pytest.mark.parametrize("kind", ["429", "503", "500", "reset"])
def test_transient_faults_are_retried_to_the_right_result(kind: FaultKind) -> None:
    rule = FaultRule("graph", "/v1.0/me/mailFolders/inbox/messageRules", kind, retry_after=0, times=2)
    with Sandbox("compromised", faults=[rule]) as sb:
        run = run_microsoft(sb)
        attempts = [r for r in sb.requests if r.path.endswith("/messageRules")]
    assert statuses(run, "microsoft.outlook_inbox_rules") == [Status.FOUND, Status.FOUND]
    assert len(attempts) == 3


@pytest.mark.parametrize("scenario", ["clean", "compromised"])
@pytest.mark.parametrize(
    ("kind", "path", "words"),
    [
        ("429", "/v1.0/me/mailFolders/inbox/messageRules", "answered 429 and kept answering"),
        ("503", "/v1.0/me/mailFolders/inbox/messageRules", "answered 503 and kept answering"),
        ("500", "/v1.0/me/drive/root/delta", "answered 500"),
        ("hang", "/v1.0/me/mailFolders/inbox/messageRules", "did not answer within"),
        ("reset", "/v1.0/me/drive/root/delta", "connection to Microsoft Graph failed"),
        ("malformed", "/v1.0/me/mailFolders/inbox/messageRules", "not valid JSON"),
        ("401", "/v1.0/me/mailFolders/inbox/messageRules", "refused the sign-in"),
        ("endless", "/v1.0/me/mailFolders/inbox/messageRules", "repeated a next-page link"),
        ("endless", "/v1.0/me/drive/root/delta", "repeated a next-page link"),
    ],
)
def test_faults_end_in_error_never_clear(scenario: str, kind: FaultKind, path: str, words: str) -> None:
    rule = FaultRule("graph", path, kind, seconds=3, retry_after=1)
    with Sandbox(scenario, faults=[rule]) as sb:
        run = run_microsoft(sb)
    checks = (
        ["microsoft.outlook_inbox_rules"]
        if "messageRules" in path
        else ["microsoft.onedrive_public_media", "microsoft.onedrive_people_media"]
    )
    for check in checks:
        findings = by_check(run)[check]
        assert [f.status for f in findings] == [Status.ERROR], findings
        assert words in findings[0].detail, findings[0].detail
    if scenario == "clean":
        assert run.exit_code == 3


@pytest.mark.parametrize("kind", ["429", "500", "401", "malformed", "hang"])
def test_faults_inside_a_batch_end_in_error(kind: FaultKind) -> None:
    rule = FaultRule("graph", "/v1.0/me/drive/items/*/permissions", kind, seconds=0.2, retry_after=1)
    with Sandbox("compromised", faults=[rule]) as sb:
        run = run_microsoft(sb)
    for check in ("microsoft.onedrive_public_media", "microsoft.onedrive_people_media"):
        assert statuses(run, check) == [Status.ERROR], by_check(run)[check]


@pytest.mark.parametrize("kind", ["500", "401", "hang", "malformed", "429", "reset"])
@pytest.mark.parametrize(
    ("path", "check"),
    [
        ("/v1.0/me/authentication/methods", "microsoft.auth_methods"),
        ("/v1.0/me/oauth2PermissionGrants", "microsoft.app_grants"),
        ("/v1.0/servicePrincipals/*", "microsoft.app_grants"),  # inside the batch naming the apps
    ],
)
def test_work_only_reads_that_fail_are_errors(kind: FaultKind, path: str, check: str) -> None:
    rule = FaultRule("graph", path, kind, seconds=1.5, retry_after=1)
    with Sandbox("compromised", faults=[rule]) as sb:
        run = run_microsoft(sb)
    found = statuses(run, check)
    if "servicePrincipals" in path and kind != "401":
        # The grants were read: each is still asked about, by its id, beside the gap naming the apps not named.
        assert found.count(Status.ERROR) == 1 and Status.CLEAR not in found, by_check(run)[check]
        gap = next(f for f in by_check(run)[check] if f.status is Status.ERROR)
        assert gap.title == "Couldn't check all of the names of the apps given access"
    else:
        assert found == [Status.ERROR], by_check(run)[check]


def test_a_403_on_a_work_account_is_an_error_not_skipped() -> None:
    from auditor.audit import load_checks

    with Sandbox("clean") as sb:  # Graph refuses these resources with 403; here the account is said to be work

        async def go() -> AuditRun:
            client = GraphClient(url_of(sb, "graph"), sb.token, timeout=2, retry_budget=2)
            client.account_type = "work"
            source = Source("microsoft", "sam.example@outlook.example", clients={"graph": client})
            try:
                return await run_audit(load_checks(), [source])
            finally:
                await client.aclose()

        run = asyncio.run(go())
    for check in ("microsoft.auth_methods", "microsoft.app_grants"):
        findings = by_check(run)[check]
        assert [f.status for f in findings] == [Status.ERROR]
        assert "403" in findings[0].detail and "organizations" in findings[0].detail


def test_unreachable_account_is_error_for_every_check() -> None:
    with Sandbox("clean", faults=[FaultRule("graph", "/v1.0/me", "401")]) as sb:
        run = run_microsoft(sb)
    automated = [f for f in run.findings if f.check in AUTOMATED]
    assert {f.status for f in automated} == {Status.ERROR} and {f.check for f in automated} == AUTOMATED
    assert run.exit_code == 3


HOSTILE_RAW = ("\x1b", "\x07", "\u202e", "\u200b", "\u2066")


def test_hostile_text_is_literal_in_the_table(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with Sandbox("hostile") as sb:
        for key, value in sb.env.items():
            monkeypatch.setenv(key, value)
        assert main(["audit", "--only", "microsoft", "--details"]) == 1
    out = capsys.readouterr().out
    for raw in HOSTILE_RAW:
        assert raw not in out
    assert "[bold red]Security[/]" in out  # markup stays text
    assert "\\x1b[2J" in out  # the escape is shown, not obeyed
    assert "more characters)" in out


def test_hostile_text_in_json_is_data(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    with Sandbox("hostile") as sb:
        for key, value in sb.env.items():
            monkeypatch.setenv(key, value)
        assert main(["audit", "--only", "microsoft", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    titles = " ".join(f["title"] for f in data["findings"])
    for raw in HOSTILE_RAW:
        assert raw not in titles
    rules = [f for f in data["findings"] if f["check"] == "microsoft.outlook_inbox_rules" and f["status"] == "found"]
    assert rules and rules[0]["evidence"]["displayName"].startswith("displayName:[bold red]")  # evidence is raw data


def test_cli_json_exit_codes(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for scenario, faults, code in (
        ("compromised", [], 1),
        ("clean", [], 0),
        ("clean", [FaultRule("graph", "/v1.0/me/drive/root/delta", "500")], 3),
    ):
        with Sandbox(scenario, faults=faults) as sb:
            for key, value in sb.env.items():
                monkeypatch.setenv(key, value)
            monkeypatch.setenv("AUDITOR_CONFIG", str(_fast_settings(monkeypatch)))
            assert main(["audit", "--only", "microsoft", "--format", "json"]) == code
        data = json.loads(capsys.readouterr().out)
        assert data["exit_code"] == code
        assert {f["target"] for f in data["findings"]} == {
            "ann.example@contoso.example" if scenario == "compromised" else "sam.example@outlook.example"
        }
        assert all(
            {"check", "status", "severity", "title", "evidence", "playbooks", "fingerprint"} <= set(f)
            for f in data["findings"]
        )


def _fast_settings(monkeypatch: pytest.MonkeyPatch) -> Path:
    import os

    path = Path(os.environ["AUDITOR_HOME"]) / "fast-settings.yaml"
    path.write_text("request_timeout: 1\nretry_budget: 2\n", encoding="utf-8")
    return path


def test_microsoft_without_a_server_or_case_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["audit", "--only", "microsoft"]) == 2
    assert "AUDITOR_GRAPH_API_URL" in capsys.readouterr().err
    monkeypatch.setenv("AUDITOR_GRAPH_API_URL", "http://127.0.0.1:9/v1.0")
    assert main(["audit", "--only", "microsoft"]) == 2
    assert "AUDITOR_BEARER_TOKEN" in capsys.readouterr().err


def test_demo_shows_the_microsoft_findings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Your mail is redirected to keepingtabs@proton.example" in out
    assert "ann.example@contoso.example" in out


def test_playbooks_start_with_safety_and_evidence() -> None:
    from auditor.playbooks import builtin_playbooks

    books = {k: v for k, v in builtin_playbooks().items() if k.startswith("microsoft-")}
    assert set(books) == {"microsoft-mail-forwarding", "microsoft-onedrive-sharing", "microsoft-account-security"}
    from auditor.audit import load_checks

    microsoft = [c.spec for k, c in load_checks().items() if k.startswith("microsoft.")]
    assert all(set(spec.playbooks) & set(books) for spec in microsoft)
    for book in books.values():
        assert book.safety and book.preserve_evidence and book.escalate
