"""google.drive_public_media — checks/google/drive_public_media.py; playbook playbooks/google-drive-sharing.yaml.

Every photo or video in Drive that anyone with the link can open (or anyone can find) is found; Drive is
filtered on the server and every page of the listing must be read for a clear.
"""

from __future__ import annotations

import copy
from typing import Any

from google_accounts.answering import AnsweringClient, Withheld, fixture, quiet_answers, run_check
from google_accounts.practice import by_check, run_google

from auditor.model import Status
from auditor.safetext import literal
from auditor.sandbox import Sandbox, load_scenario
from auditor.sandbox.google import DriveFile

CHECK = "google.drive_public_media"
LISTING = fixture("drive_files_list.json")  # Google's example: photo.jpg, anyone with the link


def pages(*bodies: Any) -> AnsweringClient:
    return AnsweringClient({**quiet_answers(), "files": list(bodies)})


def test_a_photo_anyone_with_the_link_can_open_is_found() -> None:
    (finding,) = run_check(CHECK, pages(LISTING))
    assert (finding.status, finding.title) == (Status.FOUND, "photo.jpg: anyone with the link can open it")
    findable = copy.deepcopy(LISTING)
    findable["files"][0]["permissions"][0]["allowFileDiscovery"] = True
    assert run_check(CHECK, pages(findable))[0].title == "photo.jpg: anyone on the internet can find and open it"


def test_no_shared_media_read_whole_is_clear() -> None:
    (finding,) = run_check(CHECK, AnsweringClient(quiet_answers()))
    assert (finding.status, finding.title) == (Status.CLEAR, "No photo or video in your Google Drive is shared by link")


def test_a_listing_not_read_to_its_end_is_couldnt_check() -> None:
    unfinished = {**LISTING, "nextPageToken": "no-such-page"}  # the next page fails
    assert {f.status for f in run_check(CHECK, pages(unfinished))} == {Status.FOUND, Status.ERROR}
    assert [f.status for f in run_check(CHECK, Withheld(quiet_answers()))] == [Status.ERROR]


def test_a_hostile_file_name_is_literal() -> None:
    hostile = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202egpj.exe"
    listing = copy.deepcopy(LISTING)
    listing["files"][0]["name"] = hostile
    (finding,) = run_check(CHECK, pages(listing))
    assert literal(hostile, 200) in finding.title and hostile not in finding.title
    assert finding.evidence["name"] == hostile


def test_drive_media_across_several_pages_are_all_reported() -> None:
    scenario = load_scenario("clean")
    drive = scenario.sections["google"].drive
    drive += [DriveFile(name=f"IMG_{n:04}.jpg", visibility="anyoneWithLink") for n in range(2500)]
    drive += [
        DriveFile(name=f"notes-{n}.pdf", mimeType="application/pdf", visibility="anyoneWithLink") for n in range(50)
    ]
    with Sandbox(scenario) as sb:
        run = run_google(sb)
        pages = [r for r in sb.requests if r.path == "/drive/v3/files" and "anyoneWithLink" in r.query["q"][0]]
    media = by_check(run)["google.drive_public_media"]
    assert len(media) == 2500 and {f.status for f in media} == {Status.FOUND}
    assert len({f.evidence["name"] for f in media}) == 2500  # every page read once, none twice
    assert [bool(r.query.get("pageToken")) for r in pages] == [False, True, True]  # 1000 + 1000 + 500


def test_the_evidence_keeps_the_file_and_permission_ids_that_removing_the_link_needs() -> None:
    (finding,) = run_check(CHECK, pages(LISTING))
    assert finding.subject == finding.evidence["id"] == LISTING["files"][0]["id"]
    assert finding.evidence["permissions"][0] == {
        "id": "anyoneWithLink",
        "type": "anyone",
        "role": "reader",
        "allowFileDiscovery": False,
        "kind": "drive#permission",
    }
    # through the real connector, whose field mask must ask Drive for the permission ids
    scenario = load_scenario("clean")
    scenario.sections["google"].drive.append(DriveFile(name="IMG_0001.jpg", visibility="anyoneCanFind"))
    with Sandbox(scenario) as sb:
        (found,) = by_check(run_google(sb))[CHECK]
    assert [(p["id"], p["type"]) for p in found.evidence["permissions"] if p["type"] == "anyone"] == [
        ("anyone", "anyone")
    ]
