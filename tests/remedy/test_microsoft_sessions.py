"""Signing a work or school account out of every session (POST /me/revokeSignInSessions) against the practice
server, with real msal + httpx: offered only on work or school accounts, said plainly (every device, the person's
own too, refresh tokens ended, a few minutes, cannot be undone), one request, every refresh token the practice
identity platform issued before it refused afterwards, and no way to put it back."""

from __future__ import annotations

import asyncio
from pathlib import Path

import msal
import pytest
from microsoft_accounts.writing import (
    ANN,
    CLIENT_ID,
    METHODS_CHECK,
    PERSONAL,
    RULES_CHECK,
    SAM,
    WORK,
    apply,
    asked,
    changes,
    graph_requests,
    open_findings,
    request,
    run,
    scenario,
    sent,
)
from sandbox_microsoft.conftest import msal_session

from auditor.errors import ConnectorError
from auditor.model import Finding, Severity, Status
from auditor.remedy import Applied
from auditor.remedy.microsoft import REMEDIES, SESSIONS_REVOKE, SIGN_OUT
from auditor.sandbox import Sandbox


def _signed_in(sb: Sandbox) -> msal.PublicClientApplication:
    """A read-only sign-in made before the sign-out (as the case's own is)."""
    app = msal.PublicClientApplication(
        CLIENT_ID, authority=f"{sb.identity_url}/organizations", http_client=msal_session(sb), instance_discovery=False
    )
    flow = app.initiate_device_flow(scopes=["User.Read"])
    result = app.acquire_token_by_device_flow(flow)
    assert "refresh_token" in result, result
    return app


def test_signing_out_is_offered_for_a_sign_in_method_on_a_work_account_and_said_plainly(tmp_path: Path) -> None:
    with Sandbox(scenario(tmp_path, WORK)) as sb:
        audited = run(sb)
        (rule,) = open_findings(audited, RULES_CHECK)
        methods = open_findings(audited, METHODS_CHECK)
    per_method = [f for f in methods if f.subject != "no-strong-method"]
    assert per_method and all([c.action for c in changes([f])] == [SESSIONS_REVOKE] for f in per_method)
    assert [changes([f]) for f in methods if f.subject == "no-strong-method"] == [[]]
    # Not beside a rule's changes: the flow would show it as another way of closing the rule, which it is not.
    assert SESSIONS_REVOKE not in [c.action for c in changes([rule])]
    (sign_out,) = changes(per_method[:1])
    assert sign_out.permission == SIGN_OUT and sign_out.permission.name == "User.RevokeSessions.All"
    assert not sign_out.restorable and "cannot be undone" in sign_out.restore_note.lower()
    words = sign_out.words
    for plain in ("every phone, computer and app", "yours too", "within a few minutes", "cannot be undone"):
        assert plain in words
    assert "does not change the password or remove any sign-in method" in words
    assert sign_out.request == "POST /me/revokeSignInSessions"


def test_no_sign_in_method_is_read_on_a_personal_account_so_signing_out_is_never_offered(tmp_path: Path) -> None:
    with Sandbox(scenario(tmp_path, PERSONAL)) as sb:
        audited = run(sb)
    assert SESSIONS_REVOKE not in [c.action for f in audited.findings for c in REMEDIES.changes_for(f)]


def test_signing_out_sends_one_request_and_ends_every_refresh_token_issued_before(tmp_path: Path) -> None:
    with Sandbox(scenario(tmp_path, WORK)) as sb:
        method = next(f for f in open_findings(run(sb), METHODS_CHECK) if f.subject != "no-strong-method")
        (sign_out,) = changes([method], SESSIONS_REVOKE)
        earlier = _signed_in(sb)
        account = earlier.get_accounts()[0]
        assert earlier.acquire_token_silent(["User.Read"], account=account, force_refresh=True)  # works before
        sb.log.clear()
        (applied,) = apply(sb, ANN, [sign_out])

        assert sent(sb) == [("POST", "/v1.0/me/revokeSignInSessions", None)]
        assert [(r.method, r.status) for r in graph_requests(sb)] == [("POST", 200)]
        assert graph_requests(sb)[0].extra["granted"] == ["User.RevokeSessions.All"]
        assert asked(sb)[-1] == {"User.RevokeSessions.All", "openid", "profile", "offline_access"}
        assert applied.answer == {"revoked": True}
        refused = earlier.acquire_token_silent_with_error(["User.Read"], account=account, force_refresh=True)
        assert refused is not None and refused.get("error") == "invalid_grant"
        assert sb.app("graph").user.get("signInSessionsValidFromDateTime")

        # It cannot be put back: the writer refuses and sends nothing.
        sb.log.clear()

        async def try_restore() -> None:
            writer = await REMEDIES.open_writer(request(sb, ANN, [sign_out]))
            try:
                await writer.restore(Applied(sign_out))
            finally:
                await writer.aclose()

        with pytest.raises(Exception, match="cannot be undone"):
            asyncio.run(try_restore())
        assert graph_requests(sb) == []


def test_graph_refuses_signing_out_a_personal_account_and_the_tool_says_so(tmp_path: Path) -> None:
    finding = Finding(
        check=METHODS_CHECK, target=SAM, status=Status.FOUND, severity=Severity.HIGH, title="x", subject="m1"
    )
    (sign_out,) = REMEDIES.changes_for(finding)
    with Sandbox(scenario(tmp_path, PERSONAL)) as sb:
        sb.log.clear()
        with pytest.raises(ConnectorError, match="403"):
            apply(sb, SAM, [sign_out])
        assert [(r.method, r.status) for r in graph_requests(sb)] == [("POST", 403)]
