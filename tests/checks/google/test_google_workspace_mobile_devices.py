"""google.workspace_mobile_devices — checks/google/workspace_mobile_devices.py;
playbook playbooks/google-workspace-access.yaml.

Each phone or tablet syncing the account (Workspace Admin SDK, the account's own devices only) is a question.
"""

from __future__ import annotations

from google_accounts.answering import AnsweringClient, Withheld, fixture, quiet_answers, run_check

from auditor.model import Status
from auditor.safetext import literal

CHECK = "google.workspace_mobile_devices"
DEVICES = fixture("admin_mobiledevices.json")  # Google's example: one of Sales', one of Liz's (the account)


def listed(*pages: object) -> AnsweringClient:
    return AnsweringClient({**quiet_answers(), "mobiledevices": list(pages)})


def test_the_accounts_own_device_is_asked_about() -> None:
    (finding,) = run_check(CHECK, listed(DEVICES))
    assert finding.status is Status.REVIEW
    assert finding.title == "Galaxy Nexus (Android 4.2.2), last synced unknown — is this your device?"


def test_no_device_read_whole_is_clear() -> None:
    (finding,) = run_check(CHECK, AnsweringClient(quiet_answers()))
    assert (finding.status, finding.title) == (Status.CLEAR, "No phone or tablet syncs your Workspace account")


def test_a_listing_not_read_to_its_end_is_couldnt_check() -> None:
    unfinished = {**DEVICES, "nextPageToken": "no-such-page"}
    assert {f.status for f in run_check(CHECK, listed(unfinished))} == {Status.REVIEW, Status.ERROR}
    assert [f.status for f in run_check(CHECK, Withheld(quiet_answers()))] == [Status.ERROR]


def test_a_hostile_device_model_is_literal() -> None:
    hostile = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202e"
    device = {"resourceId": "r1", "email": ["liz@example.com"], "model": hostile, "os": "Android 14"}
    (finding,) = run_check(CHECK, listed({"mobiledevices": [device]}))
    assert literal(hostile, 80) in finding.title and hostile not in finding.title
