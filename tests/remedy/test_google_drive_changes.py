"""Drive's changes sent through google-api-python-client to the practice server: removing an anyone-with-the-link
permission or a person's permission is the one DELETE the server is asked for, the checks run again no longer find
the path, and putting it back recreates the permission — for a link, the same link (the file's own address)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from google_accounts.writing import apply, distinct, findings, google_only, planned, restore, run, with_token, writes

from auditor.errors import ProviderError
from auditor.remedy.google import DRIVE, REMEDIES, REMOVE_DRIVE_PERMISSION
from auditor.sandbox import Sandbox

PUBLIC = "google.drive_public_media"
PEOPLE = "google.drive_people_media"
MARK = "mark.ex@gmail.example"


def test_every_anyone_link_is_one_request_and_the_set_is_sent_one_request_each() -> None:
    """The video's own link, and the folder "Photos 2024" whose link its two photos inherit: the folder's finding and
    each photo's change are the same one request (DELETE on the folder), sent once; the check run again finds none
    of them."""
    with Sandbox(google_only()) as sb:
        every = planned(sb, PUBLIC)
        changes = distinct(every)
        writer = with_token(sb, changes)
        sb.log.clear()
        for change in changes:
            apply(writer, change)
        sent = writes(sb)
        still = findings(sb, PUBLIC)
        run(writer.aclose())
    assert sorted(c.before["file"]["name"] for c in every) == ["Photos 2024"] * 3 + ["VID_0007.mp4"]
    assert sorted(c.before["file"]["name"] for c in changes) == ["Photos 2024", "VID_0007.mp4"]
    assert all(c.action == REMOVE_DRIVE_PERMISSION and c.permission == DRIVE for c in changes)
    assert DRIVE.broad and "every file in your Drive" in DRIVE.why_broad
    assert [(w.method, w.path, w.status) for w in sent] == [
        ("DELETE", f"/drive/v3/files/{c.before['file']['id']}/permissions/{c.before['permission']['id']}", 204)
        for c in changes
    ]
    assert {c.before["permission"]["id"] for c in changes} == {"anyoneWithLink", "anyone"}
    assert still == []


def test_a_link_put_back_is_the_same_link_again() -> None:
    with Sandbox(google_only()) as sb:
        [change] = [c for c in planned(sb, PUBLIC) if c.before["file"]["name"] == "VID_0007.mp4"]
        [before] = [f for f in findings(sb, PUBLIC) if f.subject == change.before["file"]["id"]]
        writer = with_token(sb, [change])
        applied = apply(writer, change)
        assert change.before["file"]["id"] not in {f.subject for f in findings(sb, PUBLIC)}
        sb.log.clear()
        back = restore(writer, applied)
        made = writes(sb)
        [after] = [f for f in findings(sb, PUBLIC) if f.subject == change.before["file"]["id"]]
    # anyone on the internet could find it: made again as it was, without a notification parameter (Drive allows
    # sendNotificationEmail only for users and groups)
    assert [(w.method, w.path, w.body, w.query) for w in made] == [
        (
            "POST",
            f"/drive/v3/files/{change.before['file']['id']}/permissions",
            {"type": "anyone", "role": "reader", "allowFileDiscovery": True},
            {"alt": ["json"]},
        )
    ]
    # a permission's id names its grantee: the same id; and the link is the file's own: the same link
    assert back.answer["id"] == change.before["permission"]["id"] == "anyone"
    assert after.evidence["webViewLink"] == before.evidence["webViewLink"] == change.before["file"]["webViewLink"]
    assert "same link works again" in change.restore_note


def test_a_persons_access_removed_and_put_back_without_an_email_to_them() -> None:
    with Sandbox(google_only()) as sb:
        [change] = planned(sb, PEOPLE)
        writer = with_token(sb, [change])
        sb.log.clear()
        applied = apply(writer, change)
        removed = writes(sb)
        gone = findings(sb, PEOPLE)
        sb.log.clear()
        back = restore(writer, applied)
        made = writes(sb)
        again = findings(sb, PEOPLE)
        outbox = list(sb.app("google").outbox)
    file_id, permission_id = change.before["file"]["id"], change.before["permission"]["id"]
    assert change.words == f"Stop sharing “beach.jpg” with {MARK}"
    assert [(w.method, w.path) for w in removed] == [
        ("DELETE", f"/drive/v3/files/{file_id}/permissions/{permission_id}")
    ]
    assert gone == []
    assert [(w.method, w.path, w.body, w.query.get("sendNotificationEmail")) for w in made] == [
        (
            "POST",
            f"/drive/v3/files/{file_id}/permissions",
            {"type": "user", "role": "reader", "emailAddress": MARK},
            ["false"],
        )
    ]
    assert back.answer["id"] == permission_id and outbox == []
    assert [f.subject for f in again] == [MARK]


def test_one_change_per_file_a_person_can_open() -> None:
    scenario = google_only()
    from auditor.sandbox.google import DriveFile

    scenario.sections["google"].drive = [
        DriveFile(name=f"IMG_{n}.jpg", shared_with=[MARK, "kim@example.org"]) for n in range(3)
    ]
    with Sandbox(scenario) as sb:
        by_person = {f.subject: f for f in findings(sb, PEOPLE)}
        marks = REMEDIES.changes_for(by_person[MARK])
        writer = with_token(sb, marks)
        for change in marks:
            apply(writer, change)
        left = {f.subject for f in findings(sb, PEOPLE)}
        sent = writes(sb)
    assert sorted(c.before["file"]["name"] for c in marks) == ["IMG_0.jpg", "IMG_1.jpg", "IMG_2.jpg"]
    assert len(sent) == 3 and all(w.method == "DELETE" for w in sent)
    assert left == {"kim@example.org"}  # only Mark's access was removed


FOLDER = (
    "1PhotosFolderSharedByLinkAAAAAAAAA"  # "Photos 2024" in the compromised scenario; its 2 photos inherit its link
)


def _photo(sb: Sandbox, name: str = "IMG_2041.jpg") -> Any:
    [finding] = [f for f in findings(sb, PUBLIC) if f.evidence["name"] == name]
    return finding


def test_closing_the_folder_from_a_photos_finding_is_one_delete_and_putting_it_back_restores_both() -> None:
    """The photo inherits the folder's link (Drive refuses to remove it on the photo): its change stops sharing the
    folder — one DELETE on the folder — after which the check finds neither the folder nor its photos; putting it
    back shares the folder again and both are found again."""
    with Sandbox(google_only()) as sb:
        photo = _photo(sb)
        [change] = REMEDIES.changes_for(photo)
        writer = with_token(sb, [change])
        sb.log.clear()
        applied = apply(writer, change)
        removed = writes(sb)
        after = {f.evidence["name"] for f in findings(sb, PUBLIC)}
        sb.log.clear()
        restore(writer, applied)
        made = writes(sb)
        again = findings(sb, PUBLIC)
    assert change.words == (
        "Stop sharing the folder “Photos 2024” (and what is in it) with anyone who has the link — this photo is "
        "shared through it"
    )
    assert change.subject == f"{FOLDER}/anyoneWithLink" and change.before["file"]["id"] == FOLDER
    assert "Files in the folder that were shared only through it are shared again with it" in change.restore_note
    assert [(w.method, w.path, w.status) for w in removed] == [
        ("DELETE", f"/drive/v3/files/{FOLDER}/permissions/anyoneWithLink", 204)
    ]
    assert after == {"VID_0007.mp4"}  # neither the folder nor its two photos
    assert [(w.method, w.path, w.body) for w in made] == [
        (
            "POST",
            f"/drive/v3/files/{FOLDER}/permissions",
            {"type": "anyone", "role": "reader", "allowFileDiscovery": False},
        )
    ]
    assert sorted(f.evidence["name"] for f in again) == ["IMG_2041.jpg", "IMG_2042.jpg", "Photos 2024", "VID_0007.mp4"]


def test_the_folders_own_finding_and_its_photos_plan_the_same_request() -> None:
    with Sandbox(google_only()) as sb:
        every = {f.evidence["name"]: REMEDIES.changes_for(f) for f in findings(sb, PUBLIC)}
    requests = {name: [c.request for c in changes] for name, changes in every.items()}
    folder_delete = f"DELETE https://www.googleapis.com/drive/v3/files/{FOLDER}/permissions/anyoneWithLink"
    assert requests["Photos 2024"] == requests["IMG_2041.jpg"] == requests["IMG_2042.jpg"] == [folder_delete]
    assert (
        every["Photos 2024"][0].words
        == "Stop sharing the folder “Photos 2024” (and what is in it) with anyone who has the link"
    )
    assert every["IMG_2042.jpg"][0].subject == every["Photos 2024"][0].subject


def test_a_delete_of_the_inherited_permission_on_the_photo_is_refused_and_nothing_changes() -> None:
    """Were a change aimed at the photo's own copy of the folder's permission (a record without permissionDetails
    reads as the photo's own), Drive refuses it: 403, "not changed", the paths all still open."""
    with Sandbox(google_only()) as sb:
        photo = _photo(sb)
        evidence = {
            **photo.evidence,
            "permissions": [
                {k: v for k, v in p.items() if k != "permissionDetails"} for p in photo.evidence["permissions"]
            ],
        }
        evidence.pop("shared_through")
        [change] = REMEDIES.changes_for(replace(photo, evidence=evidence))
        writer = with_token(sb, [change])
        sb.log.clear()
        with pytest.raises(ProviderError, match="cannot delete the permission") as refused:
            apply(writer, change)
        sent = writes(sb)
        still = sorted(f.evidence["name"] for f in findings(sb, PUBLIC))
    assert change.before["file"]["id"] == photo.subject  # aimed at the photo itself
    assert "nothing was changed" in str(refused.value)
    assert [(w.method, w.path, w.status) for w in sent] == [
        ("DELETE", f"/drive/v3/files/{photo.subject}/permissions/anyoneWithLink", 403)
    ]
    assert still == ["IMG_2041.jpg", "IMG_2042.jpg", "Photos 2024", "VID_0007.mp4"]


def test_a_photo_whose_folder_was_not_identified_gets_no_change() -> None:
    with Sandbox(google_only()) as sb:
        photo = _photo(sb)
    assert REMEDIES.changes_for(replace(photo, evidence={**photo.evidence, "shared_through": None})) == []
    broken = {**photo.evidence, "shared_through": {**photo.evidence["shared_through"], "mimeType": "image/jpeg"}}
    assert REMEDIES.changes_for(replace(photo, evidence=broken)) == []
