"""The practice Google server accepts exactly the tool's changes, shaped as the reference pages document them, held
to the scope each page names (and, for Gmail's forwarding settings, to a service account with domain-wide
delegation); it applies them to its own copy of the scenario and logs them with their body. Its OAuth endpoint
honours incremental authorization (include_granted_scopes) and online access (no refresh token)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from auditor.sandbox import Sandbox, Scenario, load_scenario
from auditor.sandbox.google_oauth import GOOGLE_SCOPE, TokenRegistry

SETTINGS = "/gmail/v1/users/me/settings"


def _scenario(delegation: bool = False) -> Scenario:
    scenario = load_scenario("compromised")
    scenario.sections = {"google": scenario.sections["google"]}
    scenario.sections["google"].domain_wide_delegation = delegation
    return scenario


def _token(sb: Sandbox, *scopes: str, subject: str | None = None) -> str:
    """An access token as the practice sign-in issues it, for ``scopes`` (short names)."""
    registry: TokenRegistry = sb.app("google-oauth").registry
    grant = registry.new_grant(
        "1024-practice.apps.googleusercontent.com", tuple(GOOGLE_SCOPE + s for s in scopes), subject=subject
    )
    return registry.issue_access(grant, 600)


def _api(sb: Sandbox, token: str) -> httpx.Client:
    base = (sb.google_url or "").rstrip("/")
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, trust_env=False, timeout=5)


def test_each_write_needs_the_scope_its_reference_page_names() -> None:
    with Sandbox(_scenario()) as sb:
        reader = _api(sb, _token(sb, "gmail.settings.basic", "drive.metadata.readonly"))
        drive_file = _api(sb, _token(sb, "drive.file"))
        files = reader.get("/drive/v3/files", params={"fields": "files(id,name,permissions(id,type))"}).json()
        video = next(f for f in files["files"] if f["name"] == "VID_0007.mp4")
        # drive.metadata.readonly reads sharing but cannot change it
        denied = reader.delete(f"/drive/v3/files/{video['id']}/permissions/anyone")
        assert denied.status_code == 403
        assert denied.json()["error"]["errors"][0]["reason"] == "insufficientPermissions"
        # drive.file reaches only files the app made or the person opened with it: Drive answers "not found"
        assert drive_file.delete(f"/drive/v3/files/{video['id']}/permissions/anyone").status_code == 404
        # gmail.settings.basic deletes a filter (filters.delete names it)
        filters = reader.get(f"{SETTINGS}/filters").json()["filter"]
        assert reader.delete(f"{SETTINGS}/filters/{filters[0]['id']}").status_code == 204
        assert len(reader.get(f"{SETTINGS}/filters").json()["filter"]) == len(filters) - 1
        written = [(r.method, r.status) for r in sb.requests if r.method != "GET"]
    assert written == [("DELETE", 403), ("DELETE", 404), ("DELETE", 204)]


def test_forwarding_settings_are_changed_only_by_a_delegated_service_account() -> None:
    with Sandbox(_scenario(delegation=True)) as sb:
        person = _api(sb, _token(sb, "gmail.settings.sharing"))
        service = _api(sb, _token(sb, "gmail.settings.sharing", subject="ann.example@gmail.com"))
        body = {"enabled": False, "emailAddress": "keepingtabs@proton.example", "disposition": "archive"}
        refused = person.put(f"{SETTINGS}/autoForwarding", json=body)
        assert refused.status_code == 403 and refused.json()["error"]["status"] == "FAILED_PRECONDITION"
        accepted = service.put(f"{SETTINGS}/autoForwarding", json=body)
        # proto3 JSON: enabled false is left out of the answer
        assert accepted.json() == {"emailAddress": "keepingtabs@proton.example", "disposition": "archive"}
        assert service.get(f"{SETTINGS}/autoForwarding").json().get("enabled") is None
        # enabling needs a verified forwarding address
        unverified = service.put(f"{SETTINGS}/autoForwarding", json={"enabled": True, "emailAddress": "x@y.example"})
        assert unverified.status_code == 400
        logged = [(r.method, r.extra.get("body")) for r in sb.requests if r.method == "PUT"]
    assert logged[1] == ("PUT", body)  # the request log keeps the body of the write


def test_forwarding_address_create_and_delete_and_filter_create_as_gmail_does() -> None:
    with Sandbox(_scenario(delegation=True)) as sb:
        api = _api(sb, sb.token)
        address = "keepingtabs%40proton.example"
        assert api.delete(f"{SETTINGS}/forwardingAddresses/{address}").status_code == 204
        assert api.delete(f"{SETTINGS}/forwardingAddresses/{address}").status_code == 404
        assert api.get(f"{SETTINGS}/forwardingAddresses").json() == {}
        # a filter that forwards to an address that is not a confirmed forwarding address is refused
        made = {"criteria": {"from": "a@b.example"}, "action": {"forward": "keepingtabs@proton.example"}}
        assert api.post(f"{SETTINGS}/filters", json=made).status_code == 400
        created = api.post(f"{SETTINGS}/forwardingAddresses", json={"forwardingEmail": "keepingtabs@proton.example"})
        assert created.json() == {"forwardingEmail": "keepingtabs@proton.example", "verificationStatus": "pending"}
        assert (
            api.post(
                f"{SETTINGS}/forwardingAddresses", json={"forwardingEmail": "keepingtabs@proton.example"}
            ).status_code
            == 409
        )
        assert sb.app("google").outbox == [
            {"to": "keepingtabs@proton.example", "what": "forwarding confirmation request"}
        ]
        plain = api.post(
            f"{SETTINGS}/filters", json={"criteria": {"from": "a@b.example"}, "action": {"addLabelIds": ["TRASH"]}}
        )
        assert plain.status_code == 200 and plain.json()["id"].startswith("ANe1Bm")
        assert api.post(f"{SETTINGS}/filters", json={"criteria": {"nonsense": 1}}).status_code == 400


def test_permissions_create_follows_drives_rules() -> None:
    with Sandbox(_scenario()) as sb:
        api = _api(sb, sb.token)
        files = api.get("/drive/v3/files", params={"fields": "files(id,name)"}).json()["files"]
        beach = next(f["id"] for f in files if f["name"] == "beach.jpg")
        link = {"type": "anyone", "role": "reader", "allowFileDiscovery": False}
        # sendNotificationEmail is allowed only when sharing with users or groups
        assert (
            api.post(
                f"/drive/v3/files/{beach}/permissions", params={"sendNotificationEmail": "false"}, json=link
            ).status_code
            == 400
        )
        made = api.post(f"/drive/v3/files/{beach}/permissions", json=link).json()
        assert made["id"] == "anyoneWithLink"
        listed = api.get("/drive/v3/files", params={"q": "visibility = 'anyoneWithLink'", "fields": "files(name)"})
        assert {"name": "beach.jpg"} in listed.json()["files"]  # the query sees the write at once
        owner = next(
            p for p in api.get(f"/drive/v3/files/{beach}/permissions").json()["permissions"] if p["role"] == "owner"
        )
        assert api.delete(f"/drive/v3/files/{beach}/permissions/{owner['id']}").status_code == 403
        assert (
            api.post(f"/drive/v3/files/{beach}/permissions", json={"type": "user", "role": "reader"}).status_code == 400
        )


def test_each_sandbox_has_its_own_copy_of_the_scenario() -> None:
    scenario = _scenario()
    with Sandbox(scenario) as sb:
        api = _api(sb, sb.token)
        filter_id = api.get(f"{SETTINGS}/filters").json()["filter"][0]["id"]
        assert api.delete(f"{SETTINGS}/filters/{filter_id}").status_code == 204
    with Sandbox(scenario) as sb:
        assert len(_api(sb, sb.token).get(f"{SETTINGS}/filters").json()["filter"]) == 2


def _authorize(sb: Sandbox, scope: str, **extra: str) -> dict[str, list[str]]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    params = {
        "client_id": "1024-practice.apps.googleusercontent.com",
        "redirect_uri": "http://127.0.0.1:5999/",
        "response_type": "code",
        "scope": scope,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    answer = httpx.get(f"{sb.google_oauth_url}/o/oauth2/auth", params=params, trust_env=False)
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    token = httpx.post(
        f"{sb.google_oauth_url}/token",
        data={
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "code_verifier": verifier,
            "redirect_uri": "http://127.0.0.1:5999/",
            "client_id": "1024-practice.apps.googleusercontent.com",
            "client_secret": "GOCSPX-practice-secret",
        },
        trust_env=False,
    ).json()
    return {"redirect_scope": query["scope"], **{k: [str(v)] for k, v in token.items()}}


@pytest.mark.parametrize("incremental", [True, False])
def test_incremental_authorization_and_online_access(incremental: bool) -> None:
    read = GOOGLE_SCOPE + "gmail.settings.basic " + GOOGLE_SCOPE + "drive.metadata.readonly"
    with Sandbox(_scenario()) as sb:
        first = _authorize(sb, read)
        extra = {"access_type": "online", **({"include_granted_scopes": "true"} if incremental else {})}
        second = _authorize(sb, GOOGLE_SCOPE + "drive", **extra)
    assert "refresh_token" in first and "refresh_token" not in second  # online access: no refresh token
    expected = (read + " " + GOOGLE_SCOPE + "drive") if incremental else GOOGLE_SCOPE + "drive"
    assert second["scope"] == [expected] and second["redirect_scope"] == [expected]
