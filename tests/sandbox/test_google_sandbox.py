"""The Google practice server speaks Gmail v1 and Drive v3 as the shipped discovery documents define them."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httplib2
import httpx
import pytest
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import Resource, build
from googleapiclient.errors import HttpError

from auditor.checkapi import Reading
from auditor.errors import ScenarioError
from auditor.sandbox import FaultRule, Sandbox, load_scenario
from auditor.sandbox.faults import FaultKind
from auditor.sandbox.scenario import Scenario

from .discovery import problems, response_schema
from .urls import url_of

PRIVATE = "_"


def gmail(sb: Sandbox) -> Resource:
    http = AuthorizedHttp(Credentials(sb.token), http=httplib2.Http(timeout=5))
    return build("gmail", "v1", http=http, static_discovery=True, client_options={"api_endpoint": sb.google_url})


def drive(sb: Sandbox) -> Resource:
    http = AuthorizedHttp(Credentials(sb.token), http=httplib2.Http(timeout=5))
    return build(
        "drive",
        "v3",
        http=http,
        static_discovery=True,
        client_options={"api_endpoint": url_of(sb, "google") + "drive/v3/"},
    )


def test_real_client_reads_the_compromised_account() -> None:
    with Sandbox("compromised") as sb:
        service = gmail(sb)
        settings = service.users().settings()
        assert service.users().getProfile(userId="me").execute()["emailAddress"] == "ann.example@gmail.com"
        forwarding = settings.getAutoForwarding(userId="me").execute()
        assert forwarding == {"enabled": True, "emailAddress": "keepingtabs@proton.example", "disposition": "archive"}
        filters = settings.filters().list(userId="me").execute()["filter"]
        assert filters[0]["action"]["forward"] == "keepingtabs@proton.example"
        assert (
            settings.forwardingAddresses().list(userId="me").execute()["forwardingAddresses"][0]["verificationStatus"]
            == "accepted"
        )
        assert len(settings.sendAs().list(userId="me").execute()["sendAs"]) == 2
        assert settings.getImap(userId="me").execute()["enabled"] is True
        assert settings.getPop(userId="me").execute()["accessWindow"] == "allMail"
        with pytest.raises(HttpError) as info:
            settings.delegates().list(userId="me").execute()
        assert info.value.resp.status == 403
        assert json.loads(info.value.content)["error"]["status"] == "FAILED_PRECONDITION"

        files = drive(sb).files()
        q = (
            "(visibility='anyoneWithLink' or visibility='anyoneCanFind') and "
            "(mimeType contains 'image/' or mimeType contains 'video/') and trashed=false"
        )
        listed = files.list(q=q, fields="nextPageToken, files(id,name,mimeType,webViewLink)", pageSize=1000).execute()
        assert sorted(f["name"] for f in listed["files"]) == ["IMG_2041.jpg", "IMG_2042.jpg", "VID_0007.mp4"]
        assert set(listed["files"][0]) == {"id", "name", "mimeType", "webViewLink"}
        perms = drive(sb).permissions().list(fileId=listed["files"][0]["id"]).execute()["permissions"]
        assert {p["type"] for p in perms} == {"user", "anyone"}


def test_clean_account_has_no_filter_key_when_empty_and_no_forwarding() -> None:
    with Sandbox("clean") as sb:
        settings = gmail(sb).users().settings()
        # proto3 JSON, as Gmail writes it: forwarding off is the default, and defaults are left out
        assert settings.getAutoForwarding(userId="me").execute() == {}
        assert settings.forwardingAddresses().list(userId="me").execute() == {}


def test_drive_paging_with_page_tokens() -> None:
    scenario = load_scenario("large")
    scenario.sections["google"].generate.drive_files = 2500
    with Sandbox(scenario) as sb:
        files = drive(sb).files()
        request = files.list(q="trashed=false", fields="nextPageToken, files(id)", pageSize=1000)
        seen, pages = [], 0
        while request is not None:
            response = request.execute()
            seen += [f["id"] for f in response["files"]]
            pages += 1
            request = files.list_next(request, response)
        assert pages == 3 and len(seen) == len(set(seen)) == 2500


def test_invalid_query_is_a_400_as_drive_answers() -> None:
    with Sandbox("clean") as sb:
        with pytest.raises(HttpError) as info:
            drive(sb).files().list(q="visibility === 'x'").execute()
        assert info.value.resp.status == 400


def test_every_response_matches_the_discovery_schemas() -> None:
    scenario = load_scenario("large")
    scenario.sections["google"].generate.drive_files = 300
    scenario.sections["google"].generate.filters = 20
    for which in ("compromised", "clean", "hostile", scenario):
        with Sandbox(which) as sb:
            headers = {"Authorization": f"Bearer {sb.token}"}
            base = url_of(sb, "google").rstrip("/")
            paths = [
                "/gmail/v1/users/me/profile",
                "/gmail/v1/users/me/settings/autoForwarding",
                "/gmail/v1/users/me/settings/forwardingAddresses",
                "/gmail/v1/users/me/settings/filters",
                "/gmail/v1/users/me/settings/sendAs",
                "/gmail/v1/users/me/settings/imap",
                "/gmail/v1/users/me/settings/pop",
                "/gmail/v1/users/me/settings/vacation",
            ]
            checked = 0
            for path in paths:
                body = httpx.get(base + path, headers=headers).json()
                schema = response_schema("gmail.v1", path)
                assert schema, path
                assert problems("gmail.v1", schema, body) == [], path
                checked += 1
            listed = httpx.get(
                base + "/drive/v3/files", headers=headers, params={"fields": "*", "pageSize": 1000}
            ).json()
            assert problems("drive.v3", "FileList", listed) == []
            assert not any(k.startswith(PRIVATE) for f in listed["files"] for k in f)
            first = listed["files"][0]["id"]
            perms = httpx.get(base + f"/drive/v3/files/{first}/permissions", headers=headers).json()
            assert problems("drive.v3", "PermissionList", perms) == []
            about = httpx.get(base + "/drive/v3/about", headers=headers, params={"fields": "user"}).json()
            assert problems("drive.v3", "About", about) == []
            assert checked == len(paths)


def test_missing_or_wrong_token_is_401_in_googles_format() -> None:
    with Sandbox("clean") as sb:
        answer = httpx.get(url_of(sb, "google") + "gmail/v1/users/me/profile", headers={"Authorization": "Bearer nope"})
        assert answer.status_code == 401
        assert answer.json()["error"]["status"] == "UNAUTHENTICATED"


def test_writes_are_refused_logged_and_change_nothing() -> None:
    """Only the tool's own changes are accepted (tests/sandbox/test_google_sandbox_writes.py); any other write is
    refused by the server around the app, logged, and changes nothing."""
    with Sandbox("compromised") as sb:
        headers = {"Authorization": f"Bearer {sb.token}"}
        base = url_of(sb, "google")
        url = base + "gmail/v1/users/me/settings/imap"
        assert httpx.put(url, headers=headers, json={"enabled": False}).status_code == 403
        assert (
            httpx.delete(base + "gmail/v1/users/me/settings/sendAs/x%40outlook.example", headers=headers).status_code
            == 403
        )
        assert httpx.patch(base + "drive/v3/files/x", headers=headers, json={"name": "y"}).status_code == 403
        assert [(r.method, r.path) for r in sb.refused] == [
            ("PUT", "/gmail/v1/users/me/settings/imap"),
            ("DELETE", "/gmail/v1/users/me/settings/sendAs/x%40outlook.example"),
            ("PATCH", "/drive/v3/files/x"),
        ]
        assert httpx.get(url, headers=headers).json()["enabled"] is True
        assert all(r.headers.get("authorization") == "<redacted>" for r in sb.requests if "authorization" in r.headers)


@pytest.mark.parametrize("kind", ["429", "500", "503", "401"])
def test_status_faults(kind: FaultKind) -> None:
    rule = FaultRule("google", "/gmail/v1/users/*/settings/filters", kind, retry_after=2, times=1)
    with Sandbox("compromised", faults=[rule]) as sb:
        headers = {"Authorization": f"Bearer {sb.token}"}
        url = url_of(sb, "google") + "gmail/v1/users/me/settings/filters"
        first = httpx.get(url, headers=headers)
        assert first.status_code == int(kind)
        assert first.json()["error"]["code"] == int(kind)
        if kind in ("429", "503"):
            assert first.headers["Retry-After"] == "2"
        assert httpx.get(url, headers=headers).status_code == 200  # times=1: only the first


def test_malformed_hang_reset_and_latency_faults() -> None:
    rules = [
        FaultRule("google", "/gmail/v1/users/me/settings/imap", "malformed"),
        FaultRule("google", "/gmail/v1/users/me/settings/pop", "hang", seconds=5),
        FaultRule("google", "/gmail/v1/users/me/settings/vacation", "reset"),
        FaultRule("google", "/gmail/v1/users/me/profile", "latency", seconds=0.3),
    ]
    with Sandbox("compromised", faults=rules) as sb:
        headers = {"Authorization": f"Bearer {sb.token}"}
        base = url_of(sb, "google") + "gmail/v1/users/me/"
        with pytest.raises(json.JSONDecodeError):
            httpx.get(base + "settings/imap", headers=headers).json()
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(base + "settings/pop", headers=headers, timeout=0.5)
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            httpx.get(base + "settings/vacation", headers=headers)
        began = time.perf_counter()
        assert httpx.get(base + "profile", headers=headers).status_code == 200
        assert time.perf_counter() - began >= 0.3
        assert {r.fault for r in sb.requests} >= {"malformed", "hang", "reset", "latency"}


def test_endless_page_tokens() -> None:
    with Sandbox("compromised", faults=[FaultRule("google", "/drive/v3/files", "endless")]) as sb:
        headers = {"Authorization": f"Bearer {sb.token}"}
        token = None
        for _ in range(5):
            params = {"pageSize": 1, **({"pageToken": token} if token else {})}
            body = httpx.get(url_of(sb, "google") + "drive/v3/files", headers=headers, params=params).json()
            assert "nextPageToken" in body
            token = body["nextPageToken"]


def test_start_is_fast_and_stop_leaves_no_thread_or_port() -> None:
    before = set(threading.enumerate())
    began = time.perf_counter()
    sb = Sandbox("compromised", faults=[FaultRule("google", "/gmail/v1/users/me/settings/pop", "hang", seconds=60)])
    sb.start()
    started = time.perf_counter() - began
    port = int(url_of(sb, "google").rsplit(":", 1)[1].strip("/"))
    outcome: list[object] = []

    def hang() -> None:
        try:
            httpx.get(
                url_of(sb, "google") + "gmail/v1/users/me/settings/pop",
                timeout=10,
                headers={"Authorization": f"Bearer {sb.token}"},
            )
        except httpx.HTTPError as exc:  # the server stops and closes the hung connection
            outcome.append(exc)

    hung = threading.Thread(target=hang, daemon=True)
    hung.start()
    time.sleep(0.2)
    sb.stop()
    hung.join(timeout=5)
    assert started < 1.0
    assert outcome and isinstance(outcome[0], httpx.RemoteProtocolError)
    assert set(threading.enumerate()) - before == set()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_malformed_scenario_names_file_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ngoogle:\n  account: a@b.example\n  auto_forwarding:\n    enabled: maybe\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(bad)
    assert "bad.yaml, line 5" in str(info.value) and "google.auto_forwarding.enabled" in str(info.value)
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("name: x\ngooogle: {}\n")
    with pytest.raises(ScenarioError, match="line 2"):
        load_scenario(unknown)
    with pytest.raises(ScenarioError, match="shipped ones are"):
        load_scenario("nonexistent")


def test_hostile_scenario_serves_hostile_text() -> None:
    with Sandbox("hostile") as sb:
        headers = {"Authorization": f"Bearer {sb.token}"}
        filters = httpx.get(url_of(sb, "google") + "gmail/v1/users/me/settings/filters", headers=headers).json()[
            "filter"
        ]
        query = filters[0]["criteria"]["query"]
        assert "\x1b]8;;" in query and "\u202e" in query and "[bold red]" in query and len(query) > 100_000


def test_every_shipped_scenario_loads() -> None:
    from auditor.sandbox import shipped_scenarios

    names = shipped_scenarios()
    assert {"clean", "compromised", "large", "hostile"} <= set(names)
    for name in names:
        assert load_scenario(name).sections


def test_sandbox_serve_prints_the_environment_and_stops_on_sigterm() -> None:
    import os
    import signal
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from auditor.cli import entry; entry()",
            "sandbox",
            "serve",
            "--scenario",
            "compromised",
            "--fault",
            "google:/gmail/v1/users/*/settings/imap:503:times=1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(repo)},
    )
    try:
        env = {}
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("export "):
                key, _, value = line[7:].strip().partition("=")
                env[key] = value
            if line.startswith("# Press Ctrl-C"):
                break
        assert env["AUDITOR_MICROSOFT_AUTHORITY_URL"].startswith("https://127.0.0.1:")
        assert Path(env["AUDITOR_MICROSOFT_CA_FILE"]).is_file()
        assert {"AUDITOR_GRAPH_API_URL", "AUDITOR_EWS_URL"} <= env.keys()
        headers = {"Authorization": f"Bearer {env['AUDITOR_BEARER_TOKEN']}"}
        url = env["AUDITOR_GOOGLE_API_URL"] + "gmail/v1/users/me/settings/imap"
        assert httpx.get(url, headers=headers).status_code == 503
        assert httpx.get(url, headers=headers).json() == {  # maxFolderSize 0 (no limit) is left out
            "enabled": True,
            "autoExpunge": True,
            "expungeBehavior": "archive",
        }
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def workspace_scenario() -> Scenario:
    from auditor.sandbox.google import AppPassword, AppToken, LoginEvent, MobileDevice, Workspace, WorkspaceUser

    scenario = load_scenario("clean")
    scenario.sections["google"].account = "ann.example@gmail.com"
    scenario.sections["google"].workspace = Workspace(
        users=[WorkspaceUser(primaryEmail="ann.example@gmail.com", fullName="Ann Example", isEnrolledIn2Sv=False)],
        tokens={
            "ann.example@gmail.com": [
                AppToken(
                    clientId="123.apps.example",
                    displayText="Photo Backup Pro",
                    scopes=["https://www.googleapis.com/auth/gmail.readonly"],
                )
            ]
        },
        app_passwords={"ann.example@gmail.com": [AppPassword(codeId=7, name="Mail on old laptop")]},
        mobile_devices=[MobileDevice(resourceId="AFiQxQ8x", email="ann.example@gmail.com", model="Pixel 6")],
        logins=[LoginEvent(time="2026-11-21T02:14:00.000Z", ipAddress="203.0.113.77", event="suspicious_login")],
    )
    return scenario


def test_admin_sdk_routes_through_the_real_client_and_schemas() -> None:
    with Sandbox(workspace_scenario()) as sb:
        http = AuthorizedHttp(Credentials(sb.token), http=httplib2.Http(timeout=5))
        directory = build(
            "admin", "directory_v1", http=http, static_discovery=True, client_options={"api_endpoint": sb.google_url}
        )
        reports = build(
            "admin", "reports_v1", http=http, static_discovery=True, client_options={"api_endpoint": sb.google_url}
        )
        user = directory.users().get(userKey="ann.example@gmail.com").execute()
        assert user["isEnrolledIn2Sv"] is False
        assert problems("admin.directory_v1", "User", user) == []
        users = directory.users().list(customer="my_customer").execute()
        assert problems("admin.directory_v1", "Users", users) == []
        tokens = directory.tokens().list(userKey="ann.example@gmail.com").execute()
        assert tokens["items"][0]["displayText"] == "Photo Backup Pro"
        assert problems("admin.directory_v1", "Tokens", tokens) == []
        asps = directory.asps().list(userKey="ann.example@gmail.com").execute()
        assert problems("admin.directory_v1", "Asps", asps) == []
        devices = directory.mobiledevices().list(customerId="my_customer").execute()
        assert devices["mobiledevices"][0]["model"] == "Pixel 6"
        assert problems("admin.directory_v1", "MobileDevices", devices) == []
        logins = reports.activities().list(userKey="all", applicationName="login").execute()
        assert logins["items"][0]["events"][0]["name"] == "suspicious_login"
        assert problems("admin.reports_v1", "Activities", logins) == []


def test_admin_sdk_refuses_a_consumer_account() -> None:
    with Sandbox("clean") as sb:
        answer = httpx.get(
            url_of(sb, "google") + "admin/directory/v1/users/me", headers={"Authorization": f"Bearer {sb.token}"}
        )
        assert answer.status_code == 403
        assert answer.json()["error"]["message"] == "Not Authorized to access this resource/api"


def test_compromised_scenario_has_a_workspace_user_without_two_step() -> None:
    with Sandbox("compromised") as sb:
        body = httpx.get(
            url_of(sb, "google") + "admin/directory/v1/users/me", headers={"Authorization": f"Bearer {sb.token}"}
        )
        assert body.status_code == 200 and body.json()["isEnrolledIn2Sv"] is False


def test_faults_declared_in_a_scenario_file(tmp_path: Path) -> None:
    scenario = tmp_path / "flaky.yaml"
    scenario.write_text(
        "name: flaky\n"
        "google:\n  account: sam.example@gmail.com\n"
        "faults:\n"
        "  - {provider: google, path: /gmail/v1/users/*/settings/imap, kind: '503', retry_after: 4, times: 1}\n"
    )
    with Sandbox(scenario) as sb:
        url = url_of(sb, "google") + "gmail/v1/users/me/settings/imap"
        headers = {"Authorization": f"Bearer {sb.token}"}
        first = httpx.get(url, headers=headers)
        assert first.status_code == 503 and first.headers["Retry-After"] == "4"
        assert httpx.get(url, headers=headers).status_code == 200
    bad = tmp_path / "badfault.yaml"
    bad.write_text("name: x\ngoogle: {}\nfaults:\n  - {provider: google, path: /x, kind: explode}\n")
    with pytest.raises(ScenarioError, match=r"line 4.*faults\.0\.kind"):
        load_scenario(bad)


# -- Google's OAuth endpoints (practice sign-in) ----------------------------------------------------------


def _pkce() -> tuple[str, str]:
    import base64
    import hashlib
    import secrets

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def _authorize(sb: Sandbox, scope: str, challenge: str, redirect: str = "http://127.0.0.1:5999/") -> httpx.Response:
    oauth = sb.scenario.sections["google"].oauth
    return httpx.get(
        f"{sb.google_oauth_url}/o/oauth2/auth",
        params={
            "response_type": "code",
            "client_id": oauth.client_id,
            "redirect_uri": redirect,
            "scope": scope,
            "state": "s-1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "access_type": "offline",
        },
    )


def _token(sb: Sandbox, **form: str) -> httpx.Response:
    oauth = sb.scenario.sections["google"].oauth
    body = {"client_id": oauth.client_id, "client_secret": oauth.client_secret, **form}
    return httpx.post(f"{sb.google_oauth_url}/token", data=body)


def _signed_in(sb: Sandbox, scope: str) -> dict:
    from urllib.parse import parse_qs, urlsplit

    verifier, challenge = _pkce()
    answer = _authorize(sb, scope, challenge)
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["state"] == ["s-1"] and query["scope"] == [scope]
    exchanged = _token(
        sb,
        grant_type="authorization_code",
        code=query["code"][0],
        code_verifier=verifier,
        redirect_uri="http://127.0.0.1:5999/",
    )
    assert exchanged.status_code == 200, exchanged.text
    return dict(exchanged.json())


GMAIL_SETTINGS = "https://www.googleapis.com/auth/gmail.settings.basic"
DRIVE_METADATA = "https://www.googleapis.com/auth/drive.metadata.readonly"


def test_oauth_code_exchange_refresh_and_revoke_in_google_wire_format() -> None:
    with Sandbox("compromised") as sb:
        tokens = _signed_in(sb, f"{GMAIL_SETTINGS} {DRIVE_METADATA}")
        assert set(tokens) == {"access_token", "expires_in", "refresh_token", "scope", "token_type"}
        assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3599
        api = httpx.Client(headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert api.get(url_of(sb, "google") + "gmail/v1/users/me/settings/imap").status_code == 200
        refreshed = _token(sb, grant_type="refresh_token", refresh_token=tokens["refresh_token"]).json()
        assert "refresh_token" not in refreshed and refreshed["access_token"] != tokens["access_token"]
        assert httpx.post(f"{sb.google_oauth_url}/revoke", data={"token": tokens["refresh_token"]}).json() == {}
        assert api.get(url_of(sb, "google") + "gmail/v1/users/me/settings/imap").status_code == 401
        again = httpx.post(f"{sb.google_oauth_url}/revoke", data={"token": tokens["refresh_token"]})
        assert again.status_code == 400 and again.json()["error"] == "invalid_token"
        denied = _token(sb, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
        assert denied.status_code == 400 and denied.json()["error"] == "invalid_grant"
        assert not sb.refused


def test_oauth_tokens_are_held_to_their_scopes() -> None:
    with Sandbox("compromised") as sb:
        tokens = _signed_in(sb, GMAIL_SETTINGS)
        api = httpx.Client(headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert api.get(url_of(sb, "google") + "gmail/v1/users/me/settings/autoForwarding").status_code == 200
        for path in ("gmail/v1/users/me/profile", "drive/v3/about?fields=user", "admin/directory/v1/users/me"):
            answer = api.get(url_of(sb, "google") + path)
            assert answer.status_code == 403, path
            assert answer.json()["error"]["errors"][0]["reason"] == "insufficientPermissions"
        sb.app("google-oauth").registry.expire_access_tokens()
        assert api.get(url_of(sb, "google") + "gmail/v1/users/me/settings/autoForwarding").status_code == 401


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"grant_type": "authorization_code", "code": "4/never-issued"}, 400, "invalid_grant"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": "refresh_token", "refresh_token": "1//unknown"}, 400, "invalid_grant"),
        ({"grant_type": "refresh_token", "client_secret": "wrong"}, 401, "invalid_client"),
    ],
)
def test_oauth_token_errors(form: dict, status: int, error: str) -> None:
    with Sandbox("clean") as sb:
        answer = _token(sb, **form)
    assert answer.status_code == status and answer.json()["error"] == error


def test_oauth_pkce_and_redirect_rules() -> None:
    with Sandbox("clean") as sb:
        _, challenge = _pkce()
        answer = _authorize(sb, GMAIL_SETTINGS, challenge)
        from urllib.parse import parse_qs, urlsplit

        code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
        wrong = _token(
            sb,
            grant_type="authorization_code",
            code=code,
            code_verifier="x" * 50,
            redirect_uri="http://127.0.0.1:5999/",
        )
        assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
        assert _authorize(sb, GMAIL_SETTINGS, challenge, redirect="https://evil.example/cb").status_code == 400
        assert _authorize(sb, "https://mail.google.com/", challenge).status_code == 400  # not offered here
        assert httpx.post(f"{sb.google_oauth_url}/o/oauth2/auth").status_code == 403  # refused as a write


def test_oauth_consent_setting_is_validated(tmp_path: Path) -> None:
    bad = tmp_path / "consent.yaml"
    bad.write_text("name: x\ngoogle:\n  oauth:\n    consent: maybe\n")
    with pytest.raises(ScenarioError, match=r"line 4.*google\.oauth\.consent"):
        load_scenario(bad)


def test_every_practice_answer_is_read_whole_by_the_connectors_models() -> None:
    """The practice server's answers, for every shipped scenario, fit the same models the connector validates
    Google's answers against (auditor.checkapi.google): nothing in them is left out as not understood."""
    from auditor.connectors.google import answers
    from auditor.sandbox import shipped_scenarios

    large = load_scenario("large")
    large.sections["google"].generate.drive_files = 300
    large.sections["google"].generate.filters = 20
    gmail: dict[str, Callable[[Any], Reading[Any]]] = {
        "settings/autoForwarding": answers.auto_forwarding,
        "settings/forwardingAddresses": answers.forwarding_addresses,
        "settings/filters": answers.filters,
        "settings/sendAs": answers.send_as,
        "settings/imap": answers.imap,
        "settings/pop": answers.pop,
    }
    read = 0
    for scenario in [*(load_scenario(n) for n in shipped_scenarios() if n != "large"), large]:
        if "google" not in scenario.sections:
            continue
        with Sandbox(scenario) as sb:
            headers = {"Authorization": f"Bearer {sb.token}"}
            base = url_of(sb, "google").rstrip("/")
            for path, parse in gmail.items():
                reading = parse(httpx.get(f"{base}/gmail/v1/users/me/{path}", headers=headers).json())
                assert reading.whole, (scenario.name, path, reading.problems)
                read += 1
            listed = httpx.get(base + "/drive/v3/files", headers=headers, params={"fields": "*", "pageSize": 1000})
            reading, _ = answers.drive_page("files")(listed.json(), 0)
            assert reading.whole and reading.value, (scenario.name, reading.problems)
            account = scenario.sections["google"].account.replace("@", "%40")
            admin: dict[str, Callable[[Any], Reading[Any]]] = {
                f"/admin/directory/v1/users/{account}": answers.directory_user,
                f"/admin/directory/v1/users/{account}/tokens": answers.app_tokens,
                f"/admin/directory/v1/users/{account}/asps": answers.app_passwords,
                "/admin/directory/v1/customer/my_customer/devices/mobile": lambda b: answers.mobile_page()(b, 0)[0],
                f"/admin/reports/v1/activity/users/{account}/applications/login": lambda b: answers.logins_page()(b, 0)[
                    0
                ],
            }
            for path, parse in admin.items():
                answer = httpx.get(base + path, headers=headers)
                if answer.status_code == 403:  # a consumer practice account: the Admin SDK refuses it
                    continue
                reading = parse(answer.json())
                assert reading.whole, (scenario.name, path, reading.problems)
                read += 1
    assert read >= 6 * 4 + 5  # every Gmail answer of every scenario, and the compromised one's Admin SDK


def test_the_serve_help_names_every_fault_kind(capsys: pytest.CaptureFixture[str]) -> None:
    from auditor.cli import main
    from auditor.sandbox.faults import KINDS

    with pytest.raises(SystemExit):
        main(["sandbox", "serve", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    for kind in KINDS:
        assert f" {kind}," in shown or f" {kind} or" in shown or f"or {kind}," in shown, kind
