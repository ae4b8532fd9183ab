"""microsoft.onedrive_public_media — checks/microsoft/onedrive_public_media.py;
playbook playbooks/microsoft-onedrive-sharing.yaml.

Every photo or video in OneDrive (or folder holding them) with an anyone-with-the-link link is found — a link
without a scope counts as one, since nothing says it is narrower; one finding per item, however many links.
"""

from __future__ import annotations

from microsoft_accounts.readings import ChosenGraph, run_check, shared, sharing

from auditor.model import Status
from auditor.safetext import literal

CHECK = "microsoft.onedrive_public_media"
ANYONE = {"id": "l1", "roles": ["read"], "link": {"scope": "anonymous", "type": "view", "webUrl": "https://1drv.ms/a"}}
NO_SCOPE = {"id": "l2", "roles": ["write"], "link": {"type": "edit", "webUrl": "https://1drv.ms/b"}}
JO = {"id": "g1", "roles": ["read"], "grantedToV2": {"user": {"email": "jo@example.net"}}}


def test_a_photo_and_a_folder_anyone_with_the_link_can_open_are_found() -> None:
    client = ChosenGraph(
        shares=sharing(
            shared("Pictures/a.jpg", ANYONE, NO_SCOPE), shared("Pictures/Trip", ANYONE, folder_of=("b.jpg", "c.jpg"))
        )
    )
    findings = run_check(CHECK, client)
    assert [(f.status, f.title) for f in findings] == [
        (Status.FOUND, "Pictures/a.jpg: anyone with the link can open it (and change or delete it)"),
        (Status.FOUND, "Folder Pictures/Trip: anyone with the link can open its 2 photos or videos"),
    ]
    assert "did not say who the link is for" in findings[0].detail and len(findings[0].evidence["links"]) == 2


def test_media_shared_only_with_people_over_a_whole_reading_is_clear() -> None:
    (finding,) = run_check(CHECK, ChosenGraph(shares=sharing(shared("Pictures/a.jpg", JO))))
    assert (finding.status, finding.title) == (
        Status.CLEAR,
        "No photo or video in your OneDrive is shared by an anyone-with-the-link link",
    )


def test_sharing_not_all_read_is_couldnt_check_and_the_link_still_found() -> None:
    assert [f.status for f in run_check(CHECK, ChosenGraph(shares=sharing(not_read=("delta page 3",))))] == [
        Status.ERROR
    ]
    partial = sharing(shared("Pictures/a.jpg", ANYONE), not_read=("the permissions of Pictures/b.jpg: 404",))
    assert {f.status for f in run_check(CHECK, ChosenGraph(shares=partial))} == {Status.FOUND, Status.ERROR}


def test_a_hostile_file_name_is_literal() -> None:
    hostile = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202egpj.exe"
    (finding,) = run_check(CHECK, ChosenGraph(shares=sharing(shared(f"Pictures/{hostile}", ANYONE))))
    assert literal(f"Pictures/{hostile}", 200) in finding.title and hostile not in finding.title
