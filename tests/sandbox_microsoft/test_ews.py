"""EWS on the practice server, read with real exchangelib (no autodiscover, fixed version)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from exchangelib import (
    DELEGATE,
    Account,
    Build,
    Configuration,
    Credentials,
    OAuth2AuthorizationCodeCredentials,
    Version,
)
from exchangelib.errors import ErrorInternalServerError, UnauthorizedError
from sandbox.urls import url_of

from auditor.sandbox import FaultRule, Sandbox

pytestmark = pytest.mark.usefixtures("insecure_oauth")


@contextmanager
def account(sb: Sandbox, mailbox: str, credentials: object | None = None) -> Iterator[Account]:
    creds = credentials or OAuth2AuthorizationCodeCredentials(
        access_token={"access_token": sb.token, "token_type": "Bearer"}
    )
    config = Configuration(service_endpoint=sb.ews_url, credentials=creds, version=Version(build=Build(15, 1, 2507, 6)))
    acc = Account(primary_smtp_address=mailbox, config=config, autodiscover=False, access_type=DELEGATE)
    try:
        yield acc
    finally:
        acc.protocol.close()


def test_compromised_rules_delegates_and_oof_over_oauth() -> None:
    with Sandbox("compromised") as sb, account(sb, "ann.example@contoso.example") as acc:
        rules = acc.rules
        assert [r.display_name for r in rules] == [".", "Newsletters"]
        hiding = rules[0].actions
        assert [a.email_address for a in hiding.redirect_to_recipients] == ["keepingtabs@proton.example"]
        assert hiding.delete is True and hiding.mark_as_read is True and hiding.stop_processing_rules is True
        assert "password" in rules[0].conditions.contains_subject_or_body_strings
        assert rules[1].actions.move_to_folder.folder_id.id

        delegates = acc.delegates
        assert len(delegates) == 1
        mark = delegates[0]
        assert mark.user_id.primary_smtp_address == "mark.ex@contoso.example"
        perms = mark.delegate_permissions
        assert perms.inbox_folder_permission_level == "Editor" and perms.calendar_folder_permission_level == "Editor"
        assert mark.view_private_items is True and mark.receive_copies_of_meeting_messages is True

        assert acc.oof_settings.state == "Disabled"
        assert acc.inbox.name == "Inbox"  # GetFolder for a well-known folder
        assert {r.status for r in sb.requests if r.provider == "ews"} == {200}
        assert sb.refused == []


def test_password_auth_probe_then_reads(tmp_path: Path) -> None:
    with Sandbox("clean") as sb:
        creds = Credentials("sam.example@contoso.example", "practice-only")
        with account(sb, "sam.example@contoso.example", creds) as acc:
            rules = acc.rules
            assert rules[0].actions.stop_processing_rules is True
            assert acc.delegates == []
            # exchangelib's unauthenticated ConvertId probe learns the schemes; like on-premises Exchange, the
            # server offers NTLM first, and exchangelib takes it
            assert acc.protocol.auth_type == "NTLM"
        ews = [r for r in sb.requests if r.provider == "ews"]
        assert ews[0].status == 401
        assert [r.status for r in ews].count(200) >= 2  # both reads, each after its NTLM handshake
        wrong = Credentials("sam.example@contoso.example", "wrong")
        with pytest.raises(UnauthorizedError), account(sb, "sam.example@contoso.example", wrong) as acc:
            acc.rules  # noqa: B018


def test_wrong_bearer_token_is_401() -> None:
    with Sandbox("compromised") as sb:
        bad = OAuth2AuthorizationCodeCredentials(access_token={"access_token": "nope", "token_type": "Bearer"})
        with pytest.raises(UnauthorizedError), account(sb, "ann.example@contoso.example", bad) as acc:
            acc.rules  # noqa: B018


def test_operations_that_change_the_mailbox_are_refused_with_a_soap_fault() -> None:
    """Only the tool's own confirmed changes are accepted (tests/remedy/test_exchange_*); any other write, such as
    changing a delegate's permissions, is refused."""
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
        'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><soap:Body>'
        "<m:UpdateDelegate><m:Mailbox><t:EmailAddress>ann.example@contoso.example</t:EmailAddress></m:Mailbox>"
        "<m:DelegateUsers><t:DelegateUser><t:UserId><t:PrimarySmtpAddress>mark.ex@contoso.example"
        "</t:PrimarySmtpAddress></t:UserId><t:DelegatePermissions><t:InboxFolderPermissionLevel>Editor"
        "</t:InboxFolderPermissionLevel></t:DelegatePermissions></t:DelegateUser></m:DelegateUsers>"
        "</m:UpdateDelegate></soap:Body></soap:Envelope>"
    )
    with Sandbox("compromised") as sb:
        response = httpx.post(
            url_of(sb, "ews"),
            content=body,
            headers={"Authorization": f"Bearer {sb.token}", "Content-Type": "text/xml"},
            trust_env=False,
        )
        assert response.status_code == 403
        assert "ErrorAccessDenied" in response.text and "<s:Fault>" in response.text
        assert len(sb.refused) == 1 and sb.refused[0].provider == "ews"


def test_large_mailbox_has_200_rules() -> None:
    with Sandbox("large") as sb, account(sb, "busy.example@contoso.example") as acc:
        assert len(acc.rules) == 200


def test_hostile_text_arrives_literally() -> None:
    with Sandbox("hostile") as sb, account(sb, "ann.example@contoso.example") as acc:
        name = acc.rules[0].display_name
        assert "[bold red]" in name and "\u202e" in name and "\u200b" in name and len(name) > 100_000
        assert "\x1b[31m" in name and "\x1b]8;;" in name  # control characters travel as character references
        delegate = acc.delegates[0].user_id.display_name
        assert "\u202e" in delegate
        assert "[bold red]" in acc.oof_settings.internal_reply


def test_ews_fault_becomes_an_exchangelib_error() -> None:
    rule = FaultRule("ews", "/EWS/Exchange.asmx", "500")
    with Sandbox("compromised", faults=[rule]) as sb, account(sb, "ann.example@contoso.example") as acc:
        with pytest.raises(ErrorInternalServerError):
            acc.rules  # noqa: B018


def test_other_mailbox_is_not_found(tmp_path: Path) -> None:
    with Sandbox("compromised") as sb, account(sb, "someone.else@contoso.example") as acc:
        from exchangelib.errors import ErrorMailRecipientNotFound, ErrorNonExistentMailbox

        rules = acc.rules  # exchangelib hands back the response's error as an item
        assert len(rules) == 1 and isinstance(rules[0], ErrorMailRecipientNotFound)
        with pytest.raises(ErrorNonExistentMailbox):
            acc.delegates  # noqa: B018


def test_convert_id_names_the_mailbox_an_id_belongs_to() -> None:
    """As Exchange does: whatever Mailbox the request gives, the answer names the id's own mailbox."""
    from exchangelib.properties import AlternateId

    with Sandbox("compromised") as sb, account(sb, "ann.example@contoso.example") as acc:
        folder_id = acc.inbox.id
        [answer] = acc.protocol.convert_ids(
            [AlternateId(id=folder_id, format="EwsId", mailbox="someone@invalid.example")], destination_format="EwsId"
        )
        assert answer.mailbox == "ann.example@contoso.example" and answer.id == folder_id
        [dummy] = acc.protocol.convert_ids(
            [AlternateId(id="DUMMY", format="EwsId", mailbox="DUMMY@invalid.example")], destination_format="EwsId"
        )
        from exchangelib.errors import ErrorInvalidIdMalformed

        assert isinstance(dummy, ErrorInvalidIdMalformed)


def test_throttling_is_an_error_server_busy_fault_with_a_back_off() -> None:
    """Exchange on-premises throttles with HTTP 500 and ErrorServerBusy carrying BackOffMilliseconds."""
    from exchangelib.errors import ErrorServerBusy

    rule = FaultRule("ews", "/EWS/Exchange.asmx", "429")
    with Sandbox("compromised", faults=[rule]) as sb:
        response = httpx.post(url_of(sb, "ews"), content=b"<x/>", trust_env=False)
        assert response.status_code == 500 and "ErrorServerBusy" in response.text
        assert '<t:Value Name="BackOffMilliseconds">500</t:Value>' in response.text
        with account(sb, "ann.example@contoso.example") as acc, pytest.raises(ErrorServerBusy) as raised:
            acc.rules  # noqa: B018
        assert raised.value.back_off == 0.5
