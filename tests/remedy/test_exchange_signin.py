"""The sign-in for an Exchange change. EWS has no incremental consent: with a password (NTLM, as on-premises
Exchange offers, or Basic) the person types it again for the change — it is used for that change, never stored,
and dropped with the writer; with a token, the same token (its EWS permission already allows changes). Nothing
is sent before the change itself."""

from __future__ import annotations

import gc

import pytest
from exchange_accounts.writing import (
    ANN,
    FAST,
    RULES,
    CaseWithAccount,
    apply,
    ews_url,
    open_paths,
    planned,
    run,
    writes,
)

from auditor.config import ExchangeSettings, Settings
from auditor.errors import AuthError, ConfigError, UsageError
from auditor.remedy import Change, WriterRequest
from auditor.remedy.exchange import REMEDIES, ExchangeWriterForChanges
from auditor.sandbox import Sandbox

PASSWORD = "practice-only"  # the compromised scenario's mailbox password


def signed_in(
    sb: Sandbox, changes: list[Change], password: str, auth: str = "ntlm", shown: list[str] | None = None
) -> tuple[ExchangeWriterForChanges, CaseWithAccount, list[str]]:
    prompts: list[str] = []

    def typed(prompt: str) -> str:
        prompts.append(prompt)
        return password

    case = CaseWithAccount(ANN, {"url": ews_url(sb), "auth": auth, "username": ANN})
    request = WriterRequest(
        ANN,
        changes,
        case=case,
        settings=FAST,
        show=(shown if shown is not None else []).append,
        extra={"password": typed},
    )
    return run(REMEDIES.open_writer(request)), case, prompts


@pytest.mark.parametrize("auth", ["ntlm", "basic"])
def test_the_password_is_asked_for_again_used_for_the_change_only_and_never_stored(auth: str) -> None:
    with Sandbox("compromised") as sb:
        disable, _ = planned(sb, RULES)
        sb.log.clear()
        shown: list[str] = []
        writer, case, prompts = signed_in(sb, [disable], PASSWORD, auth, shown)
        assert sb.requests == []  # asking for the password sent nothing
        apply(writer, disable)
        statuses = [entry.status for entry in sb.requests]
        sent = writes(sb)
        applied = list(sb.app("ews").applied)
        login = writer._writer._login
        run(writer.aclose())
        closed = writer._writer._login
        assert open_paths(sb, RULES) == []
    assert prompts == [f"Password for {ANN} (for this change only): "]
    assert shown and "needs your password" in shown[0] and "not stored" in shown[0]
    assert case.stored == []
    # NTLM (requests_ntlm): the request goes without a sign-in, then with NTLM's NEGOTIATE, each answered 401 (the
    # schemes, then the server's challenge), then with the answer to the challenge; Basic: the change alone
    assert statuses == ([401, 401, 200] if auth == "ntlm" else [200])
    assert [(w.changes, w.status) for w in sent][-1] == (("SetRuleOperation",), 200)
    assert [a["change"] for a in applied] == ["SetRuleOperation"]  # made once
    assert login is not None and login.secret == PASSWORD and login.auth == auth
    assert closed is None  # the password is dropped with the writer
    gc.collect()
    from exchangelib.protocol import Protocol

    cached = [protocol for protocol, _ in Protocol._protocol_cache.values()]
    assert not any(getattr(getattr(p, "credentials", None), "password", None) == PASSWORD for p in cached)


def test_a_wrong_password_changes_nothing() -> None:
    with Sandbox("compromised") as sb:
        disable, _ = planned(sb, RULES)
        writer, _, _ = signed_in(sb, [disable], "wrong")
        with pytest.raises(AuthError, match="refused the sign-in"):
            apply(writer, disable)
        assert sb.app("ews").applied == []


def test_no_password_no_change_and_nothing_sent() -> None:
    with Sandbox("compromised") as sb:
        disable, _ = planned(sb, RULES)
        sb.log.clear()
        with pytest.raises(UsageError, match="no password was given; nothing was changed"):
            signed_in(sb, [disable], "")
        assert sb.requests == []


def test_a_server_reached_in_clear_is_refused_before_the_password_is_asked() -> None:
    with Sandbox("compromised") as sb:
        disable, _ = planned(sb, RULES)
    asked: list[str] = []
    case = CaseWithAccount(ANN, {"url": "http://mail.example.org/EWS/Exchange.asmx", "auth": "ntlm", "username": ANN})
    request = WriterRequest(ANN, [disable], case=case, settings=FAST, extra={"password": asked.append})
    with pytest.raises(ConfigError, match="not https"):
        run(REMEDIES.open_writer(request))
    assert asked == []


def test_a_mailbox_signed_in_with_a_token_needs_that_token_for_a_change() -> None:
    with Sandbox("compromised") as sb:
        disable, _ = planned(sb, RULES)
    settings = Settings(exchange=ExchangeSettings(url="https://mail.example.org/EWS/Exchange.asmx", auth="oauth"))
    with pytest.raises(UsageError, match="AUDITOR_BEARER_TOKEN"):
        run(REMEDIES.open_writer(WriterRequest(ANN, [disable], settings=settings)))
    with pytest.raises(ConfigError, match="which Exchange server"):
        run(REMEDIES.open_writer(WriterRequest(ANN, [disable], settings=Settings())))


def test_with_a_token_the_same_token_is_used_and_said_so() -> None:
    with Sandbox("compromised") as sb:
        disable, _ = planned(sb, RULES)
        shown: list[str] = []
        request = WriterRequest(ANN, [disable], settings=FAST, endpoint=ews_url(sb), token=sb.token, show=shown.append)
        writer = run(REMEDIES.open_writer(request))
        apply(writer, disable)
        run(writer.aclose())
        [write] = writes(sb)
    assert write.status == 200
    assert shown == [
        "Exchange has no separate permission for changes: the token this audit reads with (EWS.AccessAsUser.All) "
        "also allows them. Only the change you confirmed is sent."
    ]
