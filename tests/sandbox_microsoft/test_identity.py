"""The practice identity platform, signed in to with real msal (device code flow)."""

from __future__ import annotations

import ssl
import threading
from pathlib import Path

import httpx
import msal
import msal.exceptions
import pytest
from sandbox.urls import url_of

from auditor.sandbox import FaultRule, Sandbox

from .conftest import CLIENT_ID, graph, msal_session, scenario_from


def _app(sb: Sandbox, **kwargs: object) -> msal.PublicClientApplication:
    options = {"instance_discovery": False, **kwargs}
    return msal.PublicClientApplication(
        CLIENT_ID, authority=url_of(sb, "identity") + "/common", http_client=msal_session(sb), **options
    )


def _approve(sb: Sandbox, user_code: str) -> httpx.Response:
    with httpx.Client(verify=ssl.create_default_context(cafile=str(sb.ca_file)), trust_env=False) as client:
        return client.get(url_of(sb, "identity") + "/devicelogin", params={"user_code": user_code})


def test_device_code_flow_waits_for_approval_then_returns_a_read_only_token() -> None:
    with Sandbox("clean") as sb:
        app = _app(sb)
        flow = app.initiate_device_flow(scopes=["Mail.Read", "Files.Read"])
        assert flow["verification_uri"] == url_of(sb, "identity") + "/devicelogin"
        assert flow["user_code"] in flow["message"] and flow["interval"] == 1 and flow["expires_in"] == 900

        polled = threading.Event()

        def approve_after_first_poll() -> None:
            while not any(r.path.endswith("/token") for r in sb.requests):
                polled.wait(0.02)
            assert _approve(sb, flow["user_code"]).status_code == 200

        approver = threading.Thread(target=approve_after_first_poll)
        approver.start()
        result = app.acquire_token_by_device_flow(flow)
        approver.join()

        # A token of this sign-in's own, holding what it asked for: reads, and no write.
        tokens = sb.app("identity").tokens
        assert tokens.granted(result["access_token"]) == {"Mail.Read", "Files.Read"}, result
        assert result["token_type"] == "Bearer" and result["refresh_token"]
        claims = result["id_token_claims"]
        assert claims["preferred_username"] == "sam.example@outlook.example" and claims["aud"] == CLIENT_ID
        assert claims["tid"] == "9188040d-6c67-4c5b-b112-36a304b66dad"  # personal accounts' tenant
        token_calls = [r.status for r in sb.requests if r.path == "/common/oauth2/v2.0/token"]
        assert token_calls[0] == 400 and token_calls[-1] == 200  # authorization_pending, then the token
        assert sb.refused == []

        account = app.get_accounts()[0]
        assert account["username"] == "sam.example@outlook.example"
        refreshed = app.acquire_token_silent(["Mail.Read"], account=account, force_refresh=True)
        assert refreshed and tokens.granted(refreshed["access_token"]) == {"Mail.Read"}
        with graph(sb, token=refreshed["access_token"]) as client:
            assert client.get("me").json()["userPrincipalName"] == "sam.example@outlook.example"


def test_pending_answer_is_the_identity_platforms_error() -> None:
    with Sandbox("clean") as sb:
        flow = _app(sb).initiate_device_flow(scopes=["User.Read"])
        with httpx.Client(verify=ssl.create_default_context(cafile=str(sb.ca_file)), trust_env=False) as client:
            token_url = url_of(sb, "identity") + "/common/oauth2/v2.0/token"
            form = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": CLIENT_ID}
            pending = client.post(token_url, data={**form, "device_code": flow["device_code"]})
            assert pending.status_code == 400
            body = pending.json()
            assert body["error"] == "authorization_pending" and body["error_codes"] == [70016]
            assert body["error_description"].startswith("AADSTS70016")
            bogus = client.post(token_url, data={**form, "device_code": "nope"})
            assert bogus.json()["error"] == "invalid_grant"
            assert _approve(sb, "WRONGCODE").status_code == 400
            refresh = client.post(
                token_url, data={"grant_type": "refresh_token", "client_id": CLIENT_ID, "refresh_token": "made-up"}
            )
            assert refresh.json()["error"] == "invalid_grant"


def test_auto_approve_and_instance_discovery_endpoint() -> None:
    with Sandbox("compromised") as sb:  # identity.auto_approve: practice mode signs in without a browser
        app = _app(sb, instance_discovery=url_of(sb, "identity") + "/common/discovery/instance")
        flow = app.initiate_device_flow(scopes=["User.Read"])
        result = app.acquire_token_by_device_flow(flow)
        assert sb.app("identity").tokens.granted(result["access_token"]) == {"User.Read"}
        assert result["id_token_claims"]["preferred_username"] == "ann.example@contoso.example"
        assert any(r.path == "/common/discovery/instance" for r in sb.requests)


def test_unknown_client_is_refused_like_entra_id(tmp_path: Path) -> None:
    text = "name: x\nmicrosoft:\n  identity: {client_ids: [only-this-app]}\n"
    with Sandbox(scenario_from(tmp_path, text)) as sb:
        flow = _app(sb).initiate_device_flow(scopes=["User.Read"])
        assert flow["error"] == "unauthorized_client" and "AADSTS700016" in flow["error_description"]


def test_token_endpoint_faults_reach_msal_as_errors() -> None:
    with Sandbox("compromised") as sb:
        app = _app(sb)
        flow = app.initiate_device_flow(scopes=["User.Read"])
        sb.set_faults([FaultRule("identity", "/*/oauth2/v2.0/token", "503", retry_after=1)])
        flow["expires_at"] = 0  # poll once
        with pytest.raises(msal.exceptions.MsalServiceError, match="503"):
            app.acquire_token_by_device_flow(flow)
        assert [r.fault for r in sb.requests if r.path.endswith("/token")] == ["503"]


def test_msal_needs_the_sandbox_certificate() -> None:
    import requests

    with Sandbox("clean") as sb:
        session = requests.Session()
        session.trust_env = False  # default trust store: the throw-away certificate is not in it
        with pytest.raises(requests.exceptions.SSLError):
            msal.PublicClientApplication(
                CLIENT_ID, authority=url_of(sb, "identity") + "/common", instance_discovery=False, http_client=session
            )
