"""The practice Drive models a folder's permissions reaching what is in it, as Google documents it (the sources are
in tests/fixtures/google/README.md, "Folders and inherited permissions"): a photo in a folder shared by link lists
the folder's permission with ``permissionDetails[].inherited: true`` and no ``inheritedFrom`` (My Drive); deleting
it on the photo is refused; deleting it on the folder takes it from the photo too, and making it again gives it
back. Everything through google-api-python-client, and every answer whole by the connector's models."""

from __future__ import annotations

import pytest
from googleapiclient.errors import HttpError

from auditor.connectors.google import answers
from auditor.sandbox import Sandbox

from .discovery import problems
from .test_google_sandbox import drive

FOLDER = "1PhotosFolderSharedByLinkAAAAAAAAA"
FIELDS = "files(id,name,mimeType,parents,permissions(id,type,role,allowFileDiscovery,permissionDetails))"
INHERITED = [{"permissionType": "file", "role": "reader", "inherited": True}]
OWN = [{"permissionType": "file", "role": "reader", "inherited": False}]


def _in_folder(service: object) -> list[dict]:
    listed = (
        service.files()  # type: ignore[attr-defined]
        .list(q=f"'{FOLDER}' in parents", fields=FIELDS, pageSize=100)
        .execute()
    )
    assert problems("drive.v3", "FileList", listed) == []
    reading, _ = answers.drive_page("files")(listed, 0)
    assert reading.whole, reading.problems
    return sorted(listed["files"], key=lambda f: f["name"])


def _anyone(record: dict) -> list[dict]:
    return [p for p in record["permissions"] if p["type"] == "anyone"]


def test_a_photo_in_a_folder_shared_by_link_lists_the_folders_permission_as_inherited() -> None:
    with Sandbox("compromised") as sb:
        service = drive(sb)
        photos = _in_folder(service)
        folder = service.files().get(fileId=FOLDER, fields="id,permissions(id,type,permissionDetails)").execute()
        listed = service.permissions().list(fileId=photos[0]["id"], fields="permissions(id,type,permissionDetails)")
        permissions = listed.execute()
    assert [p["name"] for p in photos] == ["IMG_2041.jpg", "IMG_2042.jpg"]
    for photo in photos:
        assert photo["parents"] == [FOLDER]
        assert [(p["id"], p["permissionDetails"]) for p in _anyone(photo)] == [("anyoneWithLink", INHERITED)]
        # the owner's permission is the photo's own
        assert [p["permissionDetails"] for p in photo["permissions"] if p["role"] == "owner"] == [
            [{"permissionType": "file", "role": "owner", "inherited": False}]
        ]
    assert [(p["id"], p["permissionDetails"]) for p in _anyone(folder)] == [("anyoneWithLink", OWN)]
    assert problems("drive.v3", "PermissionList", permissions) == []
    assert "inheritedFrom" not in str(permissions)  # "only populated for items in shared drives"


def test_deleting_the_inherited_permission_on_the_photo_is_refused_and_changes_nothing() -> None:
    with Sandbox("compromised") as sb:
        service = drive(sb)
        [photo, _] = _in_folder(service)
        with pytest.raises(HttpError) as refused:
            service.permissions().delete(fileId=photo["id"], permissionId="anyoneWithLink").execute()
        after = _in_folder(service)
    assert refused.value.resp.status == 403
    assert b'"reason": "cannotDeletePermission"' in refused.value.content
    assert [[(a["id"], a["permissionDetails"]) for a in _anyone(p)] for p in after] == [
        [("anyoneWithLink", INHERITED)]
    ] * 2


def test_the_folders_permission_deleted_leaves_the_photos_and_made_again_returns_to_them() -> None:
    with Sandbox("compromised") as sb:
        service = drive(sb)
        service.permissions().delete(fileId=FOLDER, permissionId="anyoneWithLink").execute()
        gone = _in_folder(service)
        by_link = service.files().list(q="visibility = 'anyoneWithLink'", fields="files(name)").execute()["files"]
        service.permissions().create(
            fileId=FOLDER, body={"type": "anyone", "role": "reader", "allowFileDiscovery": False}
        ).execute()
        back = _in_folder(service)
    assert [_anyone(p) for p in gone] == [[], []]
    assert by_link == []  # neither the folder nor its photos are shared by link any more
    assert [[(a["id"], a["permissionDetails"]) for a in _anyone(p)] for p in back] == [
        [("anyoneWithLink", INHERITED)]
    ] * 2


def test_a_permission_both_on_the_photo_and_inherited_has_two_details_and_deleting_keeps_the_inherited() -> None:
    from auditor.sandbox import load_scenario

    scenario = load_scenario("compromised")
    [photo] = [f for f in scenario.sections["google"].drive if f.name == "IMG_2041.jpg"]
    photo.visibility = "anyoneWithLink"
    with Sandbox(scenario) as sb:
        service = drive(sb)
        [both, _] = _in_folder(service)
        service.permissions().delete(fileId=both["id"], permissionId="anyoneWithLink").execute()
        [inherited, _] = _in_folder(service)
    assert [p["permissionDetails"] for p in _anyone(both)] == [OWN + INHERITED]
    assert [p["permissionDetails"] for p in _anyone(inherited)] == [INHERITED]
