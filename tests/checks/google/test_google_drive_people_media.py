"""google.drive_people_media — checks/google/drive_people_media.py; playbook playbooks/google-drive-sharing.yaml.

Photos and videos shared with particular people, groups or a whole domain: one question per person. A
permission Google does not name someone on is never dropped.
"""

from __future__ import annotations

import copy
from typing import Any

from google_accounts.answering import AnsweringClient, Withheld, fixture, quiet_answers, run_check
from google_accounts.practice import by_check, run_google

from auditor.model import Status
from auditor.safetext import literal
from auditor.sandbox import Sandbox

CHECK = "google.drive_people_media"
LISTING = fixture("drive_files_list.json")  # Google's example: a writer by address and a whole domain


def pages(*bodies: Any) -> AnsweringClient:
    return AnsweringClient({**quiet_answers(), "files": list(bodies)})


def test_each_person_a_photo_is_shared_with_is_asked_about() -> None:
    findings = run_check(CHECK, pages(LISTING))
    assert [(f.status, f.subject) for f in findings] == [
        (Status.REVIEW, "everyone at example.com"),
        (Status.REVIEW, "user@example.com"),
    ]
    assert findings[1].title == "user@example.com can open 1 of your photos or videos — is that all right?"


def test_nothing_shared_read_whole_is_clear() -> None:
    (finding,) = run_check(CHECK, AnsweringClient(quiet_answers()))
    assert (finding.status, finding.title) == (
        Status.CLEAR,
        "None of your photos or videos in Drive is shared with other people",
    )


def test_a_file_whose_permissions_were_not_listed_is_couldnt_check() -> None:
    listing = copy.deepcopy(LISTING)
    del listing["files"][0]["permissions"]
    findings = run_check(CHECK, pages(listing))
    assert [f.status for f in findings] == [Status.ERROR] and "who can open 1 of your photos" in findings[0].detail
    assert {f.status for f in run_check(CHECK, Withheld({**quiet_answers(), "files": [LISTING]}))} == {
        Status.REVIEW,
        Status.ERROR,
    }


def test_hostile_names_are_literal() -> None:
    hostile = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202e"
    listing = copy.deepcopy(LISTING)
    listing["files"][0]["name"] = f"{hostile}.jpg"
    listing["files"][0]["permissions"][1]["emailAddress"] = f"{hostile}@evil.example"
    findings = run_check(CHECK, pages(listing))
    shown = " ".join(f.title + f.detail for f in findings)
    assert literal(f"{hostile}@evil.example", 200) in shown and hostile not in shown


def test_media_shared_with_a_whole_domain_is_reported() -> None:
    from auditor.sandbox import load_scenario
    from auditor.sandbox.google import DriveFile

    scenario = load_scenario("clean")
    scenario.sections["google"].drive.append(DriveFile(name="IMG_0001.jpg", visibility="domainWithLink"))
    with Sandbox(scenario) as sb:
        run = run_google(sb)
    people = by_check(run)["google.drive_people_media"]
    assert [(f.status, f.subject) for f in people] == [(Status.REVIEW, "everyone at gmail.com")]
    assert people[0].evidence["files"][0]["name"] == "IMG_0001.jpg"


def test_a_drive_permission_google_does_not_name_is_never_dropped() -> None:
    from auditor.checkapi.google import DrivePermission as P
    from auditor.checks.google.drive_people_media import UNNAMED, people

    assert people(P(type="user", role="reader")) == [UNNAMED]
    assert people(P(type="group", role="writer", emailAddress="g@example.org")) == ["g@example.org"]
    assert people(P(type="user", role="owner", emailAddress="me@example.org")) == []
    assert people(P(type="anyone", role="reader")) == []  # the anyone-with-the-link check reports these


def test_each_file_in_the_evidence_keeps_the_permission_that_lets_the_person_in() -> None:
    """What removing that person's access needs: the file's id and the id of that person's permission."""
    by_subject = {f.subject: f for f in run_check(CHECK, pages(LISTING))}
    [file] = by_subject["user@example.com"].evidence["files"]
    assert (file["id"], file["permission"]) == (
        LISTING["files"][0]["id"],
        {"id": "04751519436738385555", "type": "user", "role": "writer", "emailAddress": "user@example.com"},
    )
    [domain] = by_subject["everyone at example.com"].evidence["files"]
    assert domain["permission"]["id"] == "03486985434962245778k" and domain["permission"]["domain"] == "example.com"
    # through the real connector, whose field mask must ask Drive for the permission ids
    from auditor.sandbox import load_scenario
    from auditor.sandbox.google import DriveFile

    scenario = load_scenario("clean")
    scenario.sections["google"].drive.append(DriveFile(name="IMG_0001.jpg", shared_with=["mark@example.org"]))
    with Sandbox(scenario) as sb:
        (found,) = by_check(run_google(sb))[CHECK]
    [shared] = found.evidence["files"]
    assert shared["permission"]["emailAddress"] == "mark@example.org" and shared["permission"]["id"]
    assert found.subject == "mark@example.org"  # the fingerprint's subject is unchanged: the person
