"""google.workspace_app_tokens — checks/google/workspace_app_tokens.py;
playbook playbooks/google-workspace-access.yaml.

Each third-party app holding a token for the account (Workspace Admin SDK) is a question, naming its scopes.
"""

from __future__ import annotations

from google_accounts.answering import AnsweringClient, Withheld, fixture, quiet_answers, run_check
from google_accounts.practice import ADMIN, ANN, by_check, run_google, with_workspace

from auditor.checkapi import Decisions
from auditor.model import Status, fingerprint
from auditor.safetext import literal
from auditor.sandbox import Sandbox
from auditor.sandbox.google import AppToken, Workspace, WorkspaceUser

CHECK = "google.workspace_app_tokens"


def test_an_app_holding_a_token_is_asked_about_with_its_scopes() -> None:
    (finding,) = run_check(CHECK, AnsweringClient({**quiet_answers(), "tokens": fixture("admin_tokens.json")}))
    assert finding.status is Status.REVIEW
    assert finding.title == (
        "The app Example Photo Backup can reach your account (gmail.readonly, drive.metadata.readonly) — "
        "did you add it?"
    )


def test_no_tokens_read_whole_is_clear() -> None:
    (finding,) = run_check(CHECK, AnsweringClient(quiet_answers()))
    assert (finding.status, finding.title) == (
        Status.CLEAR,
        "No third-party app holds access to your Workspace account",
    )


def test_a_partial_reading_is_couldnt_check() -> None:
    assert [f.status for f in run_check(CHECK, Withheld(quiet_answers()))] == [Status.ERROR]
    tokens = {"items": [*fixture("admin_tokens.json")["items"], {"clientId": 5}]}
    assert {f.status for f in run_check(CHECK, AnsweringClient({**quiet_answers(), "tokens": tokens}))} == {
        Status.REVIEW,
        Status.ERROR,
    }


def test_a_hostile_app_name_and_scope_are_literal() -> None:
    hostile = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202e"
    tokens = {"items": [{"clientId": "9-x.apps.example", "displayText": hostile, "scopes": [f"https://{hostile}"]}]}
    (finding,) = run_check(CHECK, AnsweringClient({**quiet_answers(), "tokens": tokens}))
    assert literal(hostile, 120) in finding.title and hostile not in finding.title and hostile not in finding.detail


def test_app_token_decisions() -> None:
    data = Workspace(
        users=[WorkspaceUser(primaryEmail=ANN, isEnrolledIn2Sv=True)],
        tokens={
            ANN: [
                AppToken(clientId="1-mine.apps.example", displayText="My calendar app", scopes=["openid"]),
                AppToken(clientId="2-spy.apps.example", displayText="Backup", scopes=["https://mail.google.com/"]),
            ]
        },
    )
    with Sandbox(with_workspace(data, "clean")) as sb:
        mine = fingerprint("google.workspace_app_tokens", ANN, "1-mine.apps.example")
        spy = fingerprint("google.workspace_app_tokens", ANN, "2-spy.apps.example")
        tokens = by_check(run_google(sb, settings=ADMIN, decisions=Decisions({mine: "mine", spy: "not-mine"})))
    (only,) = tokens["google.workspace_app_tokens"]
    assert only.status is Status.FOUND and only.subject == "2-spy.apps.example"
    assert "https://mail.google.com/" in only.title  # a scope outside googleapis.com is shown in full
