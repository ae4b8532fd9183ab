"""The write permission for a Microsoft change is asked for only when the writer is opened, with real msal's device
code flow against the practice identity platform: exactly the permissions of the confirmed changes, for the
account they are for, the person entering the code. The token lives in memory: the case's stored read-only
sign-in is not touched and nothing of the write sign-in reaches a file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from microsoft_accounts.writing import (
    ANN,
    METHODS_CHECK,
    OIDC,
    PUBLIC_CHECK,
    RULES_CHECK,
    WORK,
    apply,
    approver,
    asked,
    changes,
    graph_requests,
    open_findings,
    request,
    run,
    scenario,
    sent,
    settings,
)

from auditor.connectors.graph import signin
from auditor.connectors.signin import secret_name
from auditor.errors import AuthError, ConnectorError, UsageError
from auditor.remedy import Change
from auditor.remedy.microsoft import REMEDIES, RULE_DELETE, RULE_OFF
from auditor.sandbox import Sandbox
from auditor.store import CaseStore

BY_HAND = WORK.replace("  identity: {auto_approve: true}\n", "")


def test_the_case_s_read_only_sign_in_is_untouched_and_the_write_token_is_kept_nowhere(
    tmp_path: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Sandbox(scenario(tmp_path, BY_HAND)) as sb:
        monkeypatch.setenv(signin.AUTHORITY_ENV, str(sb.identity_url))
        monkeypatch.setenv(signin.CA_ENV, str(sb.ca_file))
        shown: list[str] = []
        with CaseStore.create("ann", "pw") as case:
            assert signin.connect(case, settings(), show=approver(sb, shown), work=True) == ANN
            stored = case.get_secret(secret_name("microsoft", ANN))
            accounts = case.accounts()
            (rule,) = open_findings(run(sb), RULES_CHECK)
            (off,) = changes([rule], RULE_OFF)
            sb.log.clear()

            async def go() -> None:
                writer = await REMEDIES.open_writer(request(sb, ANN, [off], show=approver(sb, shown), case=case))
                try:
                    await writer.apply(off)
                finally:
                    await writer.aclose()

            asyncio.run(go())

            # The person saw a second code, for the change only.
            assert len(shown) == 2 and f"{sb.identity_url}/devicelogin" in shown[1]
            assert asked(sb)[-1] == {"MailboxSettings.ReadWrite", *OIDC}
            assert asked(sb)[0] >= {"User.Read", "MailboxSettings.Read"}  # the case's sign-in asked to read only
            assert not any(".ReadWrite" in scope for scope in asked(sb)[0])
            path = f"/v1.0/me/mailFolders/inbox/messageRules/{rule.evidence['id']}"
            assert sent(sb) == [("PATCH", path, {"isEnabled": False})]
            assert graph_requests(sb)[0].extra["granted"] == ["MailboxSettings.ReadWrite"]
            # The stored sign-in is byte for byte what it was, and the case records nothing new.
            assert case.get_secret(secret_name("microsoft", ANN)) == stored
            assert case.accounts() == accounts
        for kept in isolated_home.rglob("*"):
            if kept.is_file():
                assert b"sandbox-write-" not in kept.read_bytes(), kept


def test_an_organisation_that_lets_only_its_administrator_approve_the_permission_changes_nothing(
    tmp_path: Path,
) -> None:
    approval = "identity: {auto_approve: true, needs_admin_approval: [User.RevokeSessions.All]}"
    text = WORK.replace("identity: {auto_approve: true}", approval)
    with Sandbox(scenario(tmp_path, text)) as sb:
        method = next(f for f in open_findings(run(sb), METHODS_CHECK) if f.subject != "no-strong-method")
        sign_out = changes([method], "sessions.revoke")
        sb.log.clear()
        with pytest.raises(AuthError, match="AADSTS65001"):
            apply(sb, ANN, sign_out)
        assert graph_requests(sb) == []
        assert asked(sb) == [{"User.RevokeSessions.All", *OIDC}]


def test_a_sign_in_with_another_account_changes_nothing(tmp_path: Path) -> None:
    with Sandbox(scenario(tmp_path, WORK)) as sb:
        (rule,) = open_findings(run(sb), RULES_CHECK)
        (off,) = changes([rule], RULE_OFF)
        other = Change.from_dict({**off.to_dict(), "target": "someone.else@contoso.example"})
        sb.log.clear()
        with pytest.raises(AuthError, match=r"not someone\.else@contoso\.example"):
            apply(sb, "someone.else@contoso.example", [other])
        assert graph_requests(sb) == []


def test_the_writer_sends_only_changes_whose_permission_this_sitting_asked_for(tmp_path: Path) -> None:
    with Sandbox(scenario(tmp_path, WORK)) as sb:
        audited = run(sb)
        (rule,) = open_findings(audited, RULES_CHECK)
        (delete,) = changes([rule], RULE_DELETE)
        link = changes(open_findings(audited, PUBLIC_CHECK))[0]
        sb.log.clear()

        async def go() -> None:
            writer = await REMEDIES.open_writer(request(sb, ANN, [delete]))
            try:
                with pytest.raises(AuthError, match="not asked for"):
                    await writer.apply(link)
                other = Change.from_dict({**delete.to_dict(), "target": "x@contoso.example"})
                with pytest.raises(UsageError):
                    await writer.apply(other)
            finally:
                await writer.aclose()

        asyncio.run(go())
        assert graph_requests(sb) == []
        assert asked(sb) == [{"MailboxSettings.ReadWrite", *OIDC}]


def test_without_a_way_to_show_the_code_nothing_is_asked_for(tmp_path: Path) -> None:
    with Sandbox(scenario(tmp_path, WORK)) as sb:
        (rule,) = open_findings(run(sb), RULES_CHECK)
        (off,) = changes([rule], RULE_OFF)
        with pytest.raises(UsageError):
            asyncio.run(REMEDIES.open_writer(request(sb, ANN, [off], show=None)))
        assert asked(sb) == []


def test_a_token_given_is_used_as_it_is_without_a_sign_in(tmp_path: Path) -> None:
    with Sandbox(scenario(tmp_path, WORK)) as sb:
        (rule,) = open_findings(run(sb), RULES_CHECK)
        (off,) = changes([rule], RULE_OFF)
        sb.log.clear()
        # Practice mode: the sandbox's own token (AUDITOR_BEARER_TOKEN) stands for every permission.
        apply(sb, ANN, [off], token=sb.token)
        assert asked(sb) == []
        assert [(r.method, r.extra["granted"]) for r in graph_requests(sb)] == [("PATCH", ["*"])]


def test_a_read_only_sign_in_s_token_cannot_make_a_change(tmp_path: Path) -> None:
    with Sandbox(scenario(tmp_path, WORK)) as sb:
        (rule,) = open_findings(run(sb), RULES_CHECK)
        (off,) = changes([rule], RULE_OFF)
        read_only = sb.app("identity").tokens.issue(signin.scopes_for(work=True))
        sb.log.clear()
        with pytest.raises(ConnectorError, match="403"):
            apply(sb, ANN, [off], token=read_only)
        assert [(r.method, r.refused) for r in graph_requests(sb)] == [("PATCH", True)]
        assert [f.fingerprint for f in open_findings(run(sb), RULES_CHECK)] == [rule.fingerprint]
