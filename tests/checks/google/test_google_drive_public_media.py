"""google.drive_public_media — checks/google/drive_public_media.py; playbook playbooks/google-drive-sharing.yaml.

Every photo or video in Drive that anyone with the link can open (or anyone can find) is found; Drive is
filtered on the server and every page of the listing must be read for a clear.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from google_accounts.answering import (
    AnsweringClient,
    Unreadable,
    Withheld,
    crashed,
    fixture,
    quiet_answers,
    run_check,
    statuses,
)
from google_accounts.practice import by_check, run_google
from google_accounts.test_google_fuzz import TOKENS, mutated, well_formed
from google_accounts.writing import google_only
from hypothesis import event, given
from hypothesis import strategies as st

from auditor.connectors.google.client import CONTENTS_FIELDS, folder_media_query
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
        pages = [
            r
            for r in sb.requests
            if r.path == "/drive/v3/files" and "anyoneWithLink" in r.query["q"][0] and "image/" in r.query["q"][0]
        ]
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


# --- folders shared by link, and photos shared through them ----------------------------------------------------

FOLDERS = fixture("drive_folders_list.json")  # one folder, its own anyone-with-the-link permission
CHILDREN = fixture("drive_folder_children.json")  # two photos and videos directly in it
INHERITED = fixture("drive_inherited_photo.json")  # a photo in it, the folder's permission inherited
FOLDER_ID = FOLDERS["files"][0]["id"]
EMPTY = {"kind": "drive#fileList", "incompleteSearch": False, "files": []}


def with_folders(folders: list[Any], contents: dict[str, list[Any]], files: list[Any] | None = None) -> AnsweringClient:
    return AnsweringClient(
        {**quiet_answers(), "files": files or [EMPTY], "folders": folders, "contents": contents}, max_pages=4
    )


def test_a_folder_shared_by_link_is_found_with_the_count_of_its_photos_and_videos() -> None:
    (finding,) = run_check(CHECK, with_folders([FOLDERS], {FOLDER_ID: [CHILDREN]}))
    assert finding.status is Status.FOUND
    assert finding.title == "Folder “Photos 2024” with 2 photos and videos: anyone with the link can open it"
    assert finding.subject == FOLDER_ID
    assert finding.evidence == {
        "id": FOLDER_ID,
        "name": "Photos 2024",
        "mimeType": "application/vnd.google-apps.folder",
        "webViewLink": FOLDERS["files"][0]["webViewLink"],
        "permissions": FOLDERS["files"][0]["permissions"],
        "media_count": 2,
    }
    assert "sub-folders were not opened" in finding.detail
    one = {**CHILDREN, "files": CHILDREN["files"][:1]}
    findable = copy.deepcopy(FOLDERS)
    findable["files"][0]["permissions"][0]["allowFileDiscovery"] = True
    (single,) = run_check(CHECK, with_folders([findable], {FOLDER_ID: [one]}))
    assert single.title == "Folder “Photos 2024” with 1 photo or video: anyone on the internet can find and open it"


def test_a_folder_without_photos_or_videos_is_not_a_finding_and_whole_readings_are_clear() -> None:
    (finding,) = run_check(CHECK, with_folders([FOLDERS], {FOLDER_ID: [EMPTY]}))
    assert finding.status is Status.CLEAR


def test_a_photo_shared_through_the_folder_names_the_folder_its_link_comes_from() -> None:
    found = run_check(CHECK, with_folders([FOLDERS], {FOLDER_ID: [CHILDREN]}, [INHERITED]))
    [photo] = [f for f in found if f.subject == INHERITED["files"][0]["id"]]
    assert photo.title == "IMG_2041.jpg: anyone with the link can open it"
    assert photo.evidence["shared_through"] == {
        "id": FOLDER_ID,
        "name": "Photos 2024",
        "mimeType": "application/vnd.google-apps.folder",
        "webViewLink": FOLDERS["files"][0]["webViewLink"],
        "permissions": FOLDERS["files"][0]["permissions"],
    }
    assert "shared through the folder “Photos 2024”" in photo.detail
    # the folder it comes from not among those read: said, and no folder named
    (alone,) = run_check(CHECK, with_folders([EMPTY], {}, [INHERITED]))
    assert alone.status is Status.FOUND and alone.evidence["shared_through"] is None
    assert "could not identify" in alone.detail


def test_the_folder_named_by_inherited_from_on_a_shared_drive_is_used() -> None:
    photo = copy.deepcopy(INHERITED)
    photo["files"][0]["parents"] = ["1SomeOtherFolder"]
    photo["files"][0]["permissions"][0]["permissionDetails"][0]["inheritedFrom"] = FOLDER_ID
    found = run_check(CHECK, with_folders([FOLDERS], {FOLDER_ID: [CHILDREN]}, [photo]))
    [shared] = [f for f in found if f.subject == photo["files"][0]["id"]]
    assert shared.evidence["shared_through"]["id"] == FOLDER_ID


@pytest.mark.parametrize(
    ("contents", "found"),
    [
        ({}, False),  # the listing of what is in it failed
        ({FOLDER_ID: [{**CHILDREN, "nextPageToken": "9"}]}, True),  # its second page never came
        ({FOLDER_ID: [{**CHILDREN, "incompleteSearch": True}]}, True),  # Drive did not search everything
        ({FOLDER_ID: [{**EMPTY, "incompleteSearch": True}]}, False),
        ({FOLDER_ID: [{"kind": "drive#fileList", "files": {"id": "x"}}]}, False),  # files not a list
        ({FOLDER_ID: [{**EMPTY, "nextPageToken": 7}]}, False),  # a token that is not a string
        ({FOLDER_ID: [{**EMPTY, "nextPageToken": "0"}]}, False),  # the same page again and again
        ({FOLDER_ID: [{**CHILDREN, "files": [None, {"id": ""}]}]}, False),  # records not read
    ],
)
def test_a_folders_contents_partial_or_malformed_is_couldnt_check(contents: dict[str, Any], found: bool) -> None:
    findings = run_check(CHECK, with_folders([FOLDERS], contents))
    assert Status.CLEAR not in {f.status for f in findings}
    assert Status.ERROR in {f.status for f in findings}
    assert any(f.status is Status.FOUND for f in findings) is found
    [gap] = [f for f in findings if f.status is Status.ERROR]
    assert "Photos 2024" in gap.detail


@pytest.mark.parametrize(
    "folders",
    [
        [{**EMPTY, "nextPageToken": "5"}],  # a page that fails
        [{**EMPTY, "incompleteSearch": True}],
        [{"kind": "drive#fileList", "files": "none"}],
        [{**EMPTY, "files": [{"id": "1x", "name": "a.jpg", "mimeType": "image/jpeg"}]}],  # not a folder
        [{**EMPTY, "files": [{"name": "no id", "mimeType": "application/vnd.google-apps.folder"}]}],
    ],
)
def test_a_folder_listing_partial_or_malformed_is_couldnt_check_and_the_photos_still_found(folders: list[Any]) -> None:
    findings = run_check(CHECK, with_folders(folders, {FOLDER_ID: [CHILDREN]}, [LISTING]))
    assert {f.status for f in findings} == {Status.FOUND, Status.ERROR}
    assert [f.evidence["name"] for f in findings if f.status is Status.FOUND] == ["photo.jpg"]


def test_a_folder_listing_that_fails_at_once_is_couldnt_check() -> None:
    findings = run_check(CHECK, with_folders([Unreadable('{"files": [')], {}, [LISTING]))
    assert {f.status for f in findings} == {Status.FOUND, Status.ERROR}
    [gap] = [f for f in findings if f.status is Status.ERROR]
    assert "could not be listed" in gap.detail


def test_folders_beyond_the_bound_are_named_as_not_opened() -> None:
    many = copy.deepcopy(FOLDERS)
    folder = many["files"][0]
    many["files"] = [{**folder, "id": f"1Folder{n:03}", "name": f"Album {n}"} for n in range(25)]
    contents = {f["id"]: [EMPTY] for f in many["files"]}
    client = with_folders([many], contents)
    findings = run_check(CHECK, client)
    assert [f.status for f in findings] == [Status.ERROR]
    assert f"5 more folders shared by link were not opened (at most {client.max_folders}" in findings[0].detail


def test_a_hostile_folder_name_is_literal() -> None:
    hostile = "[bold red]Photos[/]\x1b[31m\x1b]8;;https://evil.example\x07x\x1b]8;;\x07\u202e4202"
    folders = copy.deepcopy(FOLDERS)
    folders["files"][0]["name"] = hostile
    found = run_check(CHECK, with_folders([folders], {FOLDER_ID: [CHILDREN]}, [INHERITED]))
    [folder] = [f for f in found if f.subject == FOLDER_ID]
    [photo] = [f for f in found if f.subject != FOLDER_ID]
    shown = literal(hostile, 200)
    assert folder.title == f"Folder “{shown}” with 2 photos and videos: anyone with the link can open it"
    assert hostile not in folder.title and hostile not in photo.detail and shown in photo.detail
    assert folder.evidence["name"] == photo.evidence["shared_through"]["name"] == hostile


def test_the_practice_folder_through_the_real_connector() -> None:
    """The compromised scenario's "Photos 2024" (its two photos inherit its link): found through
    google-api-python-client with its count, each photo naming it; the children listing is one paged query."""
    with Sandbox(google_only()) as sb:
        found = by_check(run_google(sb))[CHECK]
        children = [r for r in sb.requests if r.path == "/drive/v3/files" and "in parents" in r.query["q"][0]]
    [folder] = [f for f in found if f.evidence.get("mimeType") == "application/vnd.google-apps.folder"]
    assert folder.title == "Folder “Photos 2024” with 2 photos and videos: anyone with the link can open it"
    photos = [f for f in found if f.evidence["name"].startswith("IMG_")]
    assert len(photos) == 2 and all(f.evidence["shared_through"]["id"] == folder.subject for f in photos)
    details = [p["permissionDetails"] for f in photos for p in f.evidence["permissions"] if p["type"] == "anyone"]
    assert details == [[{"permissionType": "file", "role": "reader", "inherited": True}]] * 2
    assert [r.query["q"][0] for r in children] == [folder_media_query(folder.subject)]
    assert children[0].query["fields"] == [CONTENTS_FIELDS]


def test_a_folder_id_is_quoted_in_the_query() -> None:
    assert folder_media_query("a'b\\c").startswith("'a\\'b\\\\c' in parents and ")


# --- shape fuzzing of the folder listing and of a folder's contents --------------------------------------------


@st.composite
def chained(draw: st.DrawFn, full: Any, empty: Any) -> list[Any]:
    """Pages of a listing from ``full`` or ``empty``, with tokens that go on, loop, fail or are not strings, shapes
    mutated, and bodies cut off."""
    out: list[Any] = []
    for _ in range(draw(st.integers(1, 5))):
        page = copy.deepcopy(draw(st.sampled_from([full, empty])))
        token = draw(TOKENS)
        if token is not None:
            page["nextPageToken"] = token
        if draw(st.booleans()):
            page = draw(mutated(page, most=2))
        if draw(st.integers(0, 9)) == 0:
            text = json.dumps(page)
            page = Unreadable(text[: draw(st.integers(0, max(0, len(text) - 1)))])
        out.append(page)
    return out


def closed_and_empty(chain: list[Any]) -> bool:
    """Following the chain as Drive documents paging, every page was read whole (the discovery schema) and nothing
    was listed."""
    index, seen = 0, set()
    for _ in range(4):
        if not 0 <= index < len(chain) or index in seen:
            return False
        seen.add(index)
        page = chain[index]
        if isinstance(page, Unreadable) or not well_formed("drive.v3", "FileList", page):
            return False
        if page.get("incompleteSearch") is True or page.get("files"):
            return False
        token = page.get("nextPageToken")
        if token is None or token == "":
            return True
        if not isinstance(token, str) or not token.isdigit():
            return False
        index = int(token)
    return False


@given(data=st.data())
def test_a_malformed_folder_listing_is_never_clear(data: st.DataObject) -> None:
    chain = data.draw(chained(FOLDERS, EMPTY))
    findings = run_check(CHECK, with_folders(chain, {FOLDER_ID: [CHILDREN]}))
    assert findings and not crashed(findings), [f.detail for f in findings]
    event("said " + "/".join(sorted(s.value for s in statuses(findings))))
    if Status.CLEAR in statuses(findings):
        assert closed_and_empty(chain), chain


@given(data=st.data())
def test_a_malformed_listing_of_a_folders_photos_is_never_clear(data: st.DataObject) -> None:
    chain = data.draw(chained(CHILDREN, EMPTY))
    findings = run_check(CHECK, with_folders([FOLDERS], {FOLDER_ID: chain}))
    assert findings and not crashed(findings), [f.detail for f in findings]
    event("said " + "/".join(sorted(s.value for s in statuses(findings))))
    if Status.CLEAR in statuses(findings):
        assert closed_and_empty(chain), chain


@given(data=st.data())
def test_a_malformed_inherited_photo_is_never_clear_and_its_change_never_targets_another_folder(
    data: st.DataObject,
) -> None:
    """The photo's permissionDetails and parents mutated: never clear (a photo is listed), no traceback, and any
    change planned for it is on the photo itself or on the folder that was read."""
    from auditor.remedy.google import REMEDIES

    photo = data.draw(mutated(INHERITED, most=3))
    findings = run_check(CHECK, with_folders([FOLDERS], {FOLDER_ID: [CHILDREN]}, [photo]))
    assert findings and not crashed(findings), [f.detail for f in findings]
    assert Status.CLEAR not in statuses(findings) or closed_and_empty([photo])
    allowed = {FOLDER_ID, *(f["id"] for f in INHERITED["files"])}
    for finding in findings:
        for change in REMEDIES.changes_for(finding):
            assert change.before["file"]["id"] in allowed or change.before["file"]["id"] == finding.subject
