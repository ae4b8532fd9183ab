"""Drive's changes sent through google-api-python-client to the practice server: removing an anyone-with-the-link
permission or a person's permission is the one DELETE the server is asked for, the checks run again no longer find
the path, and putting it back recreates the permission — for a link, the same link (the file's own address)."""

from __future__ import annotations

from google_accounts.writing import apply, findings, google_only, planned, restore, run, with_token, writes

from auditor.remedy.google import DRIVE, REMOVE_DRIVE_PERMISSION
from auditor.sandbox import Sandbox

PUBLIC = "google.drive_public_media"
PEOPLE = "google.drive_people_media"
MARK = "mark.ex@gmail.example"


def test_every_anyone_link_is_one_change_and_the_set_is_sent_one_request_each() -> None:
    """ "All anyone-links on these 3 photos": one change per file and permission, listed for the person; sending
    the set is exactly one DELETE per change, in order, and the check run again finds none of them."""
    with Sandbox(google_only()) as sb:
        changes = planned(sb, PUBLIC)
        writer = with_token(sb, changes)
        sb.log.clear()
        for change in changes:
            apply(writer, change)
        sent = writes(sb)
        still = findings(sb, PUBLIC)
        run(writer.aclose())
    names = [c.before["file"]["name"] for c in changes]
    assert sorted(names) == ["IMG_2041.jpg", "IMG_2042.jpg", "VID_0007.mp4"]
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
        from auditor.remedy.google import REMEDIES

        marks = REMEDIES.changes_for(by_person[MARK])
        writer = with_token(sb, marks)
        for change in marks:
            apply(writer, change)
        left = {f.subject for f in findings(sb, PEOPLE)}
        sent = writes(sb)
    assert sorted(c.before["file"]["name"] for c in marks) == ["IMG_0.jpg", "IMG_1.jpg", "IMG_2.jpg"]
    assert len(sent) == 3 and all(w.method == "DELETE" for w in sent)
    assert left == {"kim@example.org"}  # only Mark's access was removed
