"""Google's own example answers (tests/fixtures/google, credited in its README): read whole by the connector,
valid against the discovery schemas, served by the practice server through the real google-api-python-client to
the right findings — and the practice server's own Gmail answers equal Google's for the same data; a server
answering empty objects is not clear. (The bugs of single settings checks are tested beside each check, in
tests/checks/google/.)"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sandbox.discovery import problems
from sandbox.urls import url_of

from auditor.audit import audit
from auditor.cli import main
from auditor.config import GoogleSettings, Settings
from auditor.connectors.google import answers
from auditor.model import AuditRun, Finding
from auditor.sandbox import Sandbox, load_scenario
from auditor.sandbox.google import Delegate, FilterAction, FilterCriteria
from auditor.sandbox.google import ForwardingAddress as ScenarioAddress
from auditor.sandbox.google import GmailFilter as ScenarioFilter

from .answering import FIXTURES, fixture

ADMIN = Settings(google=GoogleSettings(workspace_admin=True), request_timeout=2.0, retry_budget=3.0)
LIZ = "liz@example.com"

# fixture -> (discovery document, schema, the connector's parse function, how many records it holds)
READS: dict[str, tuple[str, str, Callable[[Any], Any], int]] = {
    "gmail_auto_forwarding.json": ("gmail.v1", "AutoForwarding", answers.auto_forwarding, 1),
    "gmail_auto_forwarding_off.json": ("gmail.v1", "AutoForwarding", answers.auto_forwarding, 1),
    "gmail_forwarding_addresses.json": (
        "gmail.v1",
        "ListForwardingAddressesResponse",
        answers.forwarding_addresses,
        2,
    ),
    "gmail_filters.json": ("gmail.v1", "ListFiltersResponse", answers.filters, 1),
    "gmail_send_as.json": ("gmail.v1", "ListSendAsResponse", answers.send_as, 1),
    "gmail_imap.json": ("gmail.v1", "ImapSettings", answers.imap, 1),
    "gmail_imap_off.json": ("gmail.v1", "ImapSettings", answers.imap, 1),
    "gmail_pop.json": ("gmail.v1", "PopSettings", answers.pop, 1),
    "gmail_pop_off.json": ("gmail.v1", "PopSettings", answers.pop, 1),
    "gmail_delegates.json": ("gmail.v1", "ListDelegatesResponse", answers.delegates, 1),
    "drive_files_list.json": ("drive.v3", "FileList", lambda b: answers.drive_page("files")(b, 0)[0], 1),
    "drive_folders_list.json": ("drive.v3", "FileList", lambda b: answers.drive_page("folders")(b, 0)[0], 1),
    "drive_folder_children.json": ("drive.v3", "FileList", lambda b: answers.drive_page("contents")(b, 0)[0], 2),
    "drive_inherited_photo.json": ("drive.v3", "FileList", lambda b: answers.drive_page("files")(b, 0)[0], 1),
    "admin_user.json": ("admin.directory_v1", "User", answers.directory_user, 1),
    "admin_tokens.json": ("admin.directory_v1", "Tokens", answers.app_tokens, 1),
    "admin_asps.json": ("admin.directory_v1", "Asps", answers.app_passwords, 1),
    "admin_mobiledevices.json": ("admin.directory_v1", "MobileDevices", lambda b: answers.mobile_page()(b, 0)[0], 2),
    "reports_login_activities.json": ("admin.reports_v1", "Activities", lambda b: answers.logins_page()(b, 0)[0], 1),
}


def test_every_fixture_is_credited_and_read() -> None:
    files = {p.name for p in FIXTURES.glob("*.json")}
    credits = (FIXTURES / "README.md").read_text(encoding="utf-8")
    assert files == set(READS)
    assert all(f"`{name}`" in credits for name in files)


@pytest.mark.parametrize("name", sorted(READS))
def test_googles_examples_are_valid_and_read_whole(name: str) -> None:
    document, schema, parse, count = READS[name]
    body = fixture(name)
    assert problems(document, schema, body) == [], name
    reading = parse(body)
    assert reading.whole, reading.problems
    assert (len(reading.value) if isinstance(reading.value, list) else 1) == count


# --- the practice server answers as Google does --------------------------------------------------------


def _gmail_get(sb: Sandbox, path: str) -> Any:
    answer = httpx.get(
        url_of(sb, "google") + "gmail/v1/users/me/" + path, headers={"Authorization": f"Bearer {sb.token}"}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_practice_server_answers_gmail_settings_exactly_as_googles_examples() -> None:
    scenario = load_scenario("clean")
    data = scenario.sections["google"]
    off = {
        "settings/autoForwarding": fixture("gmail_auto_forwarding_off.json"),
        "settings/imap": fixture("gmail_imap_off.json"),
        "settings/pop": fixture("gmail_pop_off.json"),
    }
    with Sandbox(scenario) as sb:
        for path, expected in off.items():
            assert _gmail_get(sb, path) == expected, path  # a clean account: proto3 JSON, defaults left out
    data.auto_forwarding = type(data.auto_forwarding).model_validate(fixture("gmail_auto_forwarding.json"))
    data.imap = type(data.imap).model_validate({"enabled": True})
    data.pop = type(data.pop).model_validate(fixture("gmail_pop.json"))
    data.forwarding_addresses = [
        ScenarioAddress.model_validate(a) for a in fixture("gmail_forwarding_addresses.json")["forwardingAddresses"]
    ]
    published = fixture("gmail_filters.json")["filter"][0]
    data.filters = [
        ScenarioFilter(
            id=published["id"],
            criteria=FilterCriteria.model_validate(published["criteria"]),
            action=FilterAction.model_validate(published["action"]),
        )
    ]
    data.domain_wide_delegation = True
    data.delegates = [Delegate.model_validate(d) for d in fixture("gmail_delegates.json")["delegates"]]
    same = {
        "settings/autoForwarding": "gmail_auto_forwarding.json",
        "settings/imap": "gmail_imap.json",
        "settings/pop": "gmail_pop.json",
        "settings/forwardingAddresses": "gmail_forwarding_addresses.json",
        "settings/filters": "gmail_filters.json",
        "settings/delegates": "gmail_delegates.json",
    }
    with Sandbox(scenario) as sb:
        for path, name in same.items():
            assert _gmail_get(sb, path) == fixture(name), path


def _served(account: str = LIZ) -> dict[str, Any]:
    """Google's examples, by the request path the real client sends for each read."""
    user = account.replace("@", "%40")
    gmail = "/gmail/v1/users/me/settings/"
    return {
        "/drive/v3/about": {"user": {"emailAddress": account}},
        gmail + "autoForwarding": fixture("gmail_auto_forwarding.json"),
        gmail + "forwardingAddresses": fixture("gmail_forwarding_addresses.json"),
        gmail + "filters": fixture("gmail_filters.json"),
        gmail + "sendAs": fixture("gmail_send_as.json"),
        gmail + "imap": fixture("gmail_imap.json"),
        gmail + "pop": fixture("gmail_pop.json"),
        gmail + "delegates": fixture("gmail_delegates.json"),
        "/drive/v3/files": fixture("drive_files_list.json"),
        f"/admin/directory/v1/users/{user}": fixture("admin_user.json"),
        f"/admin/directory/v1/users/{user}/tokens": fixture("admin_tokens.json"),
        f"/admin/directory/v1/users/{user}/asps": fixture("admin_asps.json"),
        "/admin/directory/v1/customer/my_customer/devices/mobile": fixture("admin_mobiledevices.json"),
        f"/admin/reports/v1/activity/users/{user}/applications/login": fixture("reports_login_activities.json"),
    }


def _by_check(run: AuditRun) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for finding in run.findings:
        out.setdefault(finding.check, []).append(finding)
    return out


def test_googles_examples_served_by_the_practice_server_through_the_real_client() -> None:
    scenario = load_scenario("clean")
    scenario.sections["google"].answers = _served()
    with Sandbox(scenario) as sb:
        run = asyncio.run(audit(["google"], settings=ADMIN, endpoints=sb.endpoints()))
        served = {r.path for r in sb.requests}
    assert served >= set(_served())
    found = _by_check(run)
    assert {f.target for f in run.findings} == {LIZ}
    summary = {c: sorted((f.status.value, f.subject) for f in fs) for c, fs in found.items() if c in _AUTOMATED}
    assert summary == {
        "google.gmail_autoforward": [("review", "gduser1@workspacesamples.dev")],
        "google.gmail_forwarding_addresses": [
            ("review", "gduser1@workspacesamples.dev"),
            ("review", "gduser2@workspacesamples.dev"),
        ],
        "google.gmail_filters": [("clear", "")],  # skips the inbox for one sender: no way in
        "google.gmail_send_as": [("clear", "")],  # only the account's own address
        "google.gmail_pop_imap": [("review", "imap"), ("review", "pop")],
        "google.gmail_delegates": [("review", "gduser2@workspacesamples.dev")],
        # the one example is served to every files.list, the folder listing too, where a photo is not what was asked
        # for: that listing is not understood, said beside the photo found
        "google.drive_public_media": [
            ("error", "not-read:Google Drive's folders shared by link"),
            ("found", "1Z7NvJ0kNvJ9l2xM9bq3aPp7yB1Q3sK8d"),
        ],
        "google.drive_people_media": [("review", "everyone at example.com"), ("review", "user@example.com")],
        "google.workspace_two_step": [("found", "not-enrolled")],
        "google.workspace_app_tokens": [("review", "1234567890-abcdefghijklmnop.apps.googleusercontent.com")],
        "google.workspace_app_passwords": [("review", "7")],
        "google.workspace_mobile_devices": [("review", "resourceId value")],  # Liz's, not the Sales phone
        "google.workspace_logins": [("found", "suspicious_login:203.0.113.77")],
    }
    assert "(your copy is deleted)" in found["google.gmail_autoforward"][0].title
    assert found["google.gmail_filters"][0].title == "No filter forwards or hides security mail (1 filters checked)"
    assert "Google flagged a suspicious sign-in from 203.0.113.77" in found["google.workspace_logins"][0].title
    assert run.exit_code == 1


_AUTOMATED = {
    "google.gmail_autoforward",
    "google.gmail_forwarding_addresses",
    "google.gmail_filters",
    "google.gmail_send_as",
    "google.gmail_pop_imap",
    "google.gmail_delegates",
    "google.drive_public_media",
    "google.drive_people_media",
    "google.workspace_two_step",
    "google.workspace_app_tokens",
    "google.workspace_app_passwords",
    "google.workspace_mobile_devices",
    "google.workspace_logins",
}


# --- bug: an answer of {} said "Looks clear" -------------------------------------------------------------


class EmptyObjects(BaseHTTPRequestHandler):
    """A server that answers every request with ``{}``."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def empty_objects() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), EmptyObjects)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def test_a_server_answering_empty_objects_is_not_clear(
    empty_objects: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUDITOR_GOOGLE_API_URL", empty_objects)
    monkeypatch.setenv("AUDITOR_BEARER_TOKEN", "t")
    code = main(["audit", "--only", "google", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    by_check = {f["check"]: f for f in data["findings"]}
    assert code == 3, [(f["check"], f["status"]) for f in data["findings"]]
    pop_imap = by_check["google.gmail_pop_imap"]
    assert pop_imap["status"] == "error" and "pop.accessWindow: accessWindowUnspecified" in pop_imap["detail"]
    send_as = by_check["google.gmail_send_as"]
    assert send_as["status"] == "error" and "primary) address was not listed" in send_as["detail"]
    # Left out, Gmail's "enabled" is false (proto3 JSON, README): forwarding off is documented as {}
    assert by_check["google.gmail_autoforward"]["status"] == "clear"


def test_the_exit_code_is_three_when_a_setting_is_not_understood(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for answer, code in (({"accessWindow": "disabled"}, 0), ({}, 3), ({"accessWindow": "allMail"}, 1)):
        scenario = load_scenario("clean")
        scenario.sections["google"].answers = {"/gmail/v1/users/me/settings/pop": answer}
        with Sandbox(scenario) as sb:
            for key, value in sb.env.items():
                monkeypatch.setenv(key, value)
            assert main(["audit", "--only", "google", "--format", "json"]) == code, answer
    capsys.readouterr()


# --- bug: a forwarding address waiting for confirmation was called confirmed --------------------------------


# --- bug: filter criteria said "hasAttachment: True" ---------------------------------------------------------


def test_scenario_files_can_hold_googles_literal_answers(tmp_path: Path) -> None:
    path = tmp_path / "literal.yaml"
    path.write_text(
        "name: literal\ngoogle:\n  account: liz@example.com\n  answers:\n"
        "    /gmail/v1/users/me/settings/pop: {accessWindow: fromNowOn}\n"
        "  raw_answers:\n    /gmail/v1/users/me/settings/imap: '{\"enabled\": tru'\n",
        encoding="utf-8",
    )
    with Sandbox(load_scenario(path)) as sb:
        assert _gmail_get(sb, "settings/pop") == {"accessWindow": "fromNowOn"}
        headers = {"Authorization": f"Bearer {sb.token}"}
        raw = httpx.get(url_of(sb, "google") + "gmail/v1/users/me/settings/imap", headers=headers)
        assert raw.text == '{"enabled": tru'
