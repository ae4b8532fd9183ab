"""NTLM on the practice EWS server, in HTTP's wire format, driven by pyspnego's NTLM client (what requests_ntlm,
and so exchangelib, use)."""

from __future__ import annotations

import base64

import httpx
import spnego
from sandbox.urls import url_of

from auditor.sandbox import Sandbox

USER, PASSWORD = "ann.example@contoso.example", "practice-only"  # the compromised scenario's on-premises user
BODY = (
    '<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" '
    'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">'
    '<s:Header><t:RequestServerVersion Version="Exchange2016"/></s:Header>'
    "<s:Body><m:GetInboxRules><m:MailboxSmtpAddress>ann.example@contoso.example</m:MailboxSmtpAddress>"
    "</m:GetInboxRules></s:Body></s:Envelope>"
)


def post(client: httpx.Client, url: str, authorization: str | None = None) -> httpx.Response:
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    if authorization:
        headers["Authorization"] = authorization
    return client.post(url, content=BODY.encode(), headers=headers)


def handshake(client: httpx.Client, url: str, password: str) -> tuple[httpx.Response, str]:
    """NEGOTIATE, CHALLENGE, AUTHENTICATE; returns the last answer and the AUTHENTICATE header sent."""
    ntlm = spnego.client(USER, password, protocol="ntlm")
    negotiate = ntlm.step()
    assert negotiate is not None, "an NTLM client's first step is its NEGOTIATE message"
    first = post(client, url, "NTLM " + base64.b64encode(negotiate).decode())
    assert first.status_code == 401
    offered = first.headers["WWW-Authenticate"]
    assert offered.startswith("NTLM ")
    authenticate = "NTLM " + base64.b64encode(ntlm.step(base64.b64decode(offered[5:])) or b"").decode()
    return post(client, url, authenticate), authenticate


def test_ntlm_handshake_with_the_scenario_password_reads_the_mailbox() -> None:
    with Sandbox("compromised") as sb, httpx.Client(trust_env=False, timeout=10) as client:
        anonymous = post(client, url_of(sb, "ews"))
        assert anonymous.status_code == 401 and "NTLM" in anonymous.headers["WWW-Authenticate"].split(",")[0]
        answer, _ = handshake(client, url_of(sb, "ews"), PASSWORD)
        assert answer.status_code == 200 and "GetInboxRulesResponse" in answer.text
        assert "keepingtabs@proton.example" in answer.text


def test_a_wrong_password_a_replayed_answer_and_garbage_are_refused() -> None:
    with Sandbox("compromised") as sb, httpx.Client(trust_env=False, timeout=10) as client:
        wrong, _ = handshake(client, url_of(sb, "ews"), "not-the-password")
        assert wrong.status_code == 401
        right, authenticate = handshake(client, url_of(sb, "ews"), PASSWORD)
        assert right.status_code == 200
        assert post(client, url_of(sb, "ews"), authenticate).status_code == 401  # each challenge is answered once
        garbage = "NTLM " + base64.b64encode(b"NTLMSSP\x00\x03\x00\x00\x00" + b"\x00" * 40).decode()
        assert post(client, url_of(sb, "ews"), garbage).status_code == 401
        assert post(client, url_of(sb, "ews"), "NTLM not base64!").status_code == 401
