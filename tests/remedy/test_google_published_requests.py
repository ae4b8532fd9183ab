"""The bodies the tool sends are the ones Google's own samples send (tests/fixtures/google/requests, credited in
the README there): the practice server is given Google's published bodies through the real google-api-python-client,
the checks find what they made, and the tool's change and its restore send the same body back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httplib2
from google.oauth2.credentials import Credentials
from google_accounts.practice import ANN
from google_accounts.writing import apply, findings, google_only, planned, restore, with_token, writes
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build

from auditor.model import Finding, Severity, Status
from auditor.remedy.google import REMEDIES
from auditor.sandbox import Sandbox
from auditor.sandbox.google import AutoForwarding, ForwardingAddress

REQUESTS = Path(__file__).resolve().parents[1] / "fixtures" / "google" / "requests"


def published(name: str) -> Any:
    return json.loads((REQUESTS / name).read_text(encoding="utf-8"))


def service(sb: Sandbox, api: str) -> Any:
    http = AuthorizedHttp(Credentials(sb.token), http=httplib2.Http(timeout=5))
    root = (sb.google_url or "") + ("drive/v3/" if api == "drive" else "")
    version = "v3" if api == "drive" else "v1"
    return build(api, version, http=http, static_discovery=True, client_options={"api_endpoint": root})


def test_forwarding_off_and_back_on_send_the_published_body() -> None:
    body = published("gmail_update_auto_forwarding.json")
    address = published("gmail_create_forwarding_address.json")
    scenario = google_only(delegation=True)
    scenario.sections["google"].auto_forwarding = AutoForwarding(**body)
    scenario.sections["google"].forwarding_addresses = [ForwardingAddress(**address)]
    with Sandbox(scenario) as sb:
        [forwarding] = planned(sb, "google.gmail_autoforward")
        [removal] = planned(sb, "google.gmail_forwarding_addresses")
        writer = with_token(sb, [forwarding, removal])
        sb.log.clear()
        off = apply(writer, forwarding)
        restore(writer, off)
        gone = apply(writer, removal)
        restore(writer, gone)
        sent = [(w.method, w.body) for w in writes(sb)]
    assert sent == [
        ("PUT", {**body, "enabled": False}),  # off, the rest kept as found
        ("PUT", body),  # back on: the published body itself
        ("DELETE", None),
        ("POST", address),  # the address added back, as the sample adds it
    ]


def test_a_filter_made_again_is_the_published_filter() -> None:
    content = published("gmail_create_filter.json")
    with Sandbox(google_only()) as sb:
        created = service(sb, "gmail").users().settings().filters().create(userId="me", body=content).execute()
        finding = Finding(
            check="google.gmail_filters",
            target=ANN,
            status=Status.REVIEW,
            severity=Severity.HIGH,
            title="A filter",
            subject=created["id"],
            evidence=created,
        )
        [change] = REMEDIES.changes_for(finding)
        writer = with_token(sb, [change])
        sb.log.clear()
        restore(writer, apply(writer, change))
        sent = [(w.method, w.path, w.body) for w in writes(sb)]
    assert created["criteria"] == content["criteria"] and created["action"] == content["action"]
    assert sent == [
        ("DELETE", f"/gmail/v1/users/me/settings/filters/{created['id']}", None),
        ("POST", "/gmail/v1/users/me/settings/filters", content),
    ]


def test_sharing_stopped_and_made_again_is_the_published_permission() -> None:
    user, domain = published("drive_create_permissions.json")
    with Sandbox(google_only()) as sb:
        drive = service(sb, "drive")
        beach = next(
            f["id"] for f in drive.files().list(fields="files(id,name)").execute()["files"] if f["name"] == "beach.jpg"
        )
        for body in (user, domain):
            drive.permissions().create(fileId=beach, body=body, fields="id").execute()
        people = {f.subject: f for f in findings(sb, "google.drive_people_media")}
        changes = [
            c for who in ("user@example.com", "everyone at example.com") for c in REMEDIES.changes_for(people[who])
        ]
        writer = with_token(sb, changes)
        sb.log.clear()
        for change in changes:
            restore(writer, apply(writer, change))
        sent = [(w.method, w.body, w.query.get("sendNotificationEmail")) for w in writes(sb)]
    assert [c.words for c in changes] == [
        "Stop sharing “beach.jpg” with user@example.com",
        "Stop sharing “beach.jpg” with everyone at example.com",
    ]
    assert sent == [
        ("DELETE", None, None),
        ("POST", user, ["false"]),  # the person is not e-mailed about it again
        ("DELETE", None, None),
        ("POST", {**domain, "allowFileDiscovery": False}, None),  # as found: not findable in the domain
    ]
