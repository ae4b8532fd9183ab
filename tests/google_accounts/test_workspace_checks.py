"""Workspace checks (Admin SDK directory and reports, through googleapiclient) against the practice server."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from auditor.audit import audit
from auditor.checkapi import Decisions
from auditor.cli import main
from auditor.config import Settings
from auditor.model import AuditRun, Finding, Status
from auditor.sandbox import FaultRule, Sandbox, load_scenario
from auditor.sandbox.faults import FaultKind
from auditor.sandbox.google import Workspace, WorkspaceUser

from .practice import ADMIN, ANN, with_workspace
from .practice import run_google as audit_google

WORKSPACE_CHECKS = {
    "google.workspace_two_step",
    "google.workspace_app_tokens",
    "google.workspace_app_passwords",
    "google.workspace_mobile_devices",
    "google.workspace_logins",
}


def run_google(sb: Sandbox, settings: Settings = ADMIN, decisions: Decisions | None = None) -> AuditRun:
    return audit_google(sb, decisions, settings)


def workspace(run: AuditRun) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for finding in run.findings:
        if finding.check in WORKSPACE_CHECKS:
            out.setdefault(finding.check, []).append(finding)
    return out


def test_compromised_workspace_account() -> None:
    with Sandbox("compromised") as sb:
        run = run_google(sb)
        admin = [r for r in sb.requests if r.path.startswith("/admin/")]
    found = workspace(run)
    assert set(found) == WORKSPACE_CHECKS
    assert [(f.status, f.severity.value) for f in found["google.workspace_two_step"]] == [(Status.FOUND, "high")]
    assert "2-Step Verification is off" in found["google.workspace_two_step"][0].title
    (token,) = found["google.workspace_app_tokens"]
    assert token.status is Status.REVIEW and token.subject == "1022-photo.apps.example"
    assert "Photo Backup Pro" in token.title and "gmail.readonly" in token.title and "photoslibrary" in token.title
    assert token.evidence["scopes"][0] == "https://www.googleapis.com/auth/gmail.readonly"
    (asp,) = found["google.workspace_app_passwords"]
    assert asp.status is Status.REVIEW and "Mail on old laptop" in asp.title and asp.subject == "7"
    (device,) = found["google.workspace_mobile_devices"]
    assert device.status is Status.REVIEW and device.title.startswith("Pixel 6 (Android 14)")
    (login,) = found["google.workspace_logins"]
    assert login.status is Status.FOUND and "suspicious sign-in from 203.0.113.77" in login.title
    assert all(f.playbooks == ("google-workspace-access",) for fs in found.values() for f in fs)
    # read only, each resource once, the server filtering what it can
    assert admin and all(r.method == "GET" for r in admin)
    paths = sorted(r.path for r in admin)
    assert paths == sorted(set(paths))
    mobile = next(r for r in admin if r.path.endswith("/devices/mobile"))
    assert mobile.query["query"] == [f"email:{ANN}"] and mobile.path.startswith("/admin/directory/v1/customer/my_")
    logins = next(r for r in admin if r.path.startswith("/admin/reports/"))
    assert logins.path == "/admin/reports/v1/activity/users/ann.example%40gmail.com/applications/login"
    assert "startTime" in logins.query and logins.query["maxResults"] == ["1000"]


def test_a_tidy_workspace_account_is_clear() -> None:
    tidy = Workspace(users=[WorkspaceUser(primaryEmail=ANN, isEnrolledIn2Sv=True, isEnforcedIn2Sv=True)])
    with Sandbox(with_workspace(tidy, "clean")) as sb:
        run = run_google(sb)
    found = workspace(run)
    assert {c: [f.status for f in fs] for c, fs in found.items()} == {c: [Status.CLEAR] for c in WORKSPACE_CHECKS}
    assert run.exit_code == 0


def test_not_an_administrator_skips_without_asking() -> None:
    with Sandbox("compromised") as sb:
        run = run_google(sb, Settings(request_timeout=1.0, retry_budget=3.0))
        admin = [r for r in sb.requests if r.path.startswith("/admin/")]
    found = workspace(run)
    assert {f.status for fs in found.values() for f in fs} == {Status.SKIPPED}
    assert "google.workspace_admin" in found["google.workspace_two_step"][0].detail
    assert admin == []


@pytest.mark.parametrize("data", [None, Workspace(caller_is_admin=False, users=[WorkspaceUser(primaryEmail=ANN)])])
def test_refused_admin_reads_are_errors_never_clear(data: Workspace | None) -> None:
    # The person said they administer Workspace, but Google answers 403 (a consumer account, or no admin role).
    with Sandbox(with_workspace(data)) as sb:
        run = run_google(sb)
    found = workspace(run)
    assert set(found) == WORKSPACE_CHECKS
    for findings in found.values():
        assert [f.status for f in findings] == [Status.ERROR]
        assert "not a Workspace administrator" in findings[0].detail
    assert run.exit_code == 1  # the Gmail findings are still there


@pytest.mark.parametrize(
    ("kind", "path", "check", "words"),
    [
        ("500", "/admin/directory/v1/users/*/tokens", "google.workspace_app_tokens", "kept answering"),
        ("429", "/admin/directory/v1/users/*/asps", "google.workspace_app_passwords", "kept answering"),
        ("malformed", "/admin/directory/v1/users/*", "google.workspace_two_step", "not valid JSON"),
        ("hang", "/admin/reports/v1/*", "google.workspace_logins", "did not answer"),
        ("reset", "/admin/directory/v1/customer/*", "google.workspace_mobile_devices", "connection to Google failed"),
        ("401", "/admin/directory/v1/users/*/tokens", "google.workspace_app_tokens", "refused the sign-in"),
    ],
)
def test_faults_end_in_error(kind: FaultKind, path: str, check: str, words: str) -> None:
    tidy = Workspace(users=[WorkspaceUser(primaryEmail=ANN, isEnrolledIn2Sv=True)])
    rule = FaultRule("google", path, kind, seconds=3, retry_after=1)
    with Sandbox(with_workspace(tidy, "clean"), faults=[rule]) as sb:
        run = run_google(sb)
    findings = workspace(run)[check]
    assert [f.status for f in findings] == [Status.ERROR], findings
    assert words in findings[0].detail
    assert run.exit_code == 3


def test_transient_fault_is_retried_to_the_right_result() -> None:
    rule = FaultRule("google", "/admin/directory/v1/users/*/asps", "503", retry_after=0, times=2)
    with Sandbox("compromised", faults=[rule]) as sb:
        run = run_google(sb)
    assert [f.status for f in workspace(run)["google.workspace_app_passwords"]] == [Status.REVIEW]


def test_hostile_workspace_text_is_literal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    scenario = load_scenario("hostile")
    compromised = load_scenario("compromised").sections["google"].workspace
    compromised.users[0].primaryEmail = scenario.sections["google"].account
    for table in (compromised.tokens, compromised.app_passwords):
        table[scenario.sections["google"].account] = table.pop(ANN)
    compromised.mobile_devices[0].email = scenario.sections["google"].account
    scenario.sections["google"].workspace = compromised
    config = tmp_path / "settings.yaml"
    config.write_text("google:\n  workspace_admin: true\n")
    monkeypatch.setenv("AUDITOR_CONFIG", str(config))
    with Sandbox(scenario) as sb:
        for key, value in sb.env.items():
            monkeypatch.setenv(key, value)
        assert main(["audit", "--only", "google", "--details"]) == 1
        out = capsys.readouterr().out
        assert main(["audit", "--only", "google", "--format", "json"]) == 1
        data = json.loads(capsys.readouterr().out)
    titles = [f["title"] for f in data["findings"] if f["check"] in WORKSPACE_CHECKS]
    assert len([t for t in titles if "\\x1b" in t or "<U+" in t]) >= 3  # app, app password, device names
    for raw in ("\x1b", "\x07", "\u202e", "\u200b", "\u2066"):
        assert raw not in out
        assert not any(raw in t for t in titles)


def test_practice_demo_shows_workspace_findings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    statuses = {f["check"]: f["status"] for f in data["findings"] if f["check"] in WORKSPACE_CHECKS}
    assert statuses == {
        "google.workspace_two_step": "found",
        "google.workspace_app_tokens": "review",
        "google.workspace_app_passwords": "review",
        "google.workspace_mobile_devices": "review",
        "google.workspace_logins": "found",
    }


@pytest.mark.parametrize(("scenario", "expected"), [("clean", {Status.SKIPPED}), ("compromised", None)])
def test_practice_mode_follows_the_simulated_account(scenario: str, expected: set | None) -> None:
    with Sandbox(scenario) as sb:
        run = asyncio.run(audit(["google"], settings=Settings(), endpoints=sb.endpoints(), practice=True))
        users = [r for r in sb.requests if re.fullmatch(r"/admin/directory/v1/users/[^/]+", r.path)]
    found = workspace(run)
    assert set(found) == WORKSPACE_CHECKS
    statuses = {f.status for fs in found.values() for f in fs}
    if expected is not None:
        assert statuses == expected  # a practice consumer account: not applicable, not "couldn't check"
    else:
        assert Status.ERROR not in statuses and Status.SKIPPED not in statuses
    assert len(users) == 1  # the directory user is asked once
