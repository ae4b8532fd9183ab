"""microsoft.onedrive_people_media — checks/microsoft/onedrive_people_media.py;
playbook playbooks/microsoft-onedrive-sharing.yaml.

Photos and videos in OneDrive shared with particular people, or with everyone in the organisation: one
question per person. A permission Microsoft does not name someone on is never dropped.
"""

from __future__ import annotations

from pathlib import Path

from microsoft_accounts.conftest import by_check, run_microsoft, scenario_from, statuses
from microsoft_accounts.readings import ChosenGraph, run_check, shared, sharing

from auditor.model import Status
from auditor.safetext import literal
from auditor.sandbox import Sandbox

CHECK = "microsoft.onedrive_people_media"
JO = {"id": "g1", "roles": ["read"], "grantedToV2": {"user": {"email": "jo@example.net"}}}
ORG = {"id": "l1", "roles": ["read"], "link": {"scope": "organization", "type": "view"}}
OWNER = {"id": "o", "roles": ["owner"], "grantedToV2": {"user": {"email": "me@example.net"}}}


def test_each_person_is_asked_about_once_with_every_photo_they_can_open() -> None:
    client = ChosenGraph(
        shares=sharing(shared("Pictures/a.jpg", JO, ORG), shared("Pictures/Trip", JO, folder_of=("b.jpg", "a.jpg")))
    )
    findings = {f.subject: f for f in run_check(CHECK, client)}
    assert set(findings) == {"jo@example.net", "everyone in your organisation"}
    assert findings["jo@example.net"].title == "jo@example.net can open 3 of your photos or videos — is that all right?"


def test_nothing_shared_with_people_over_a_whole_reading_is_clear() -> None:
    (finding,) = run_check(CHECK, ChosenGraph(shares=sharing(shared("Pictures/a.jpg", OWNER))))
    assert (finding.status, finding.title) == (
        Status.CLEAR,
        "None of your photos or videos in OneDrive is shared with other people",
    )


def test_sharing_not_all_read_is_couldnt_check_and_the_person_still_asked_about() -> None:
    partial = sharing(shared("Pictures/a.jpg", JO), unrecognised=("value[4].grantedToV2: not an object",))
    assert {f.status for f in run_check(CHECK, ChosenGraph(shares=partial))} == {Status.REVIEW, Status.ERROR}
    assert [f.status for f in run_check(CHECK, ChosenGraph(shares=sharing(not_read=("delta page 2",))))] == [
        Status.ERROR
    ]


def test_a_hostile_name_is_literal() -> None:
    hostile = "[bold red]x[/]\x1b]8;;https://evil.example\x07\u202eevil"
    who = {"id": "g2", "roles": ["read"], "grantedToV2": {"user": {"displayName": hostile}}}
    (finding,) = run_check(CHECK, ChosenGraph(shares=sharing(shared(f"Pictures/{hostile}.jpg", who))))
    assert literal(hostile, 200) in finding.title and hostile not in finding.title and hostile not in finding.detail


# --- through httpx and the practice Graph -------------------------------------------------------------------


def test_people_links_and_organisation_links_are_grouped_by_who_can_open(tmp_path: Path) -> None:
    text = """name: people
microsoft:
  account_type: work
  user: {userPrincipalName: kim@contoso.example}
  auth_methods: [{type: fido2, displayName: key}]
  drive:
    - {path: Pictures/a.jpg, links: [{scope: users, recipients: [jo@example.net, max@example.net]}]}
    - {path: Pictures/b.mp4, links: [{scope: organization}], editors: [jo@example.net]}
    - {path: Pictures/Trip, folder: true, shared_with: [max@example.net]}
    - {path: Pictures/Trip/c.jpg}
    - {path: Pictures/Trip/d.heic, mimeType: image/heic}
    - {path: Pictures/Trip/notes.txt}
"""
    with Sandbox(scenario_from(tmp_path, text)) as sb:
        run = run_microsoft(sb)
    people = {f.subject: f for f in by_check(run)["microsoft.onedrive_people_media"]}
    assert set(people) == {"jo@example.net", "max@example.net", "everyone in your organisation"}
    assert {f.status for f in people.values()} == {Status.REVIEW}
    assert sorted(m["name"] for m in people["jo@example.net"].evidence["files"]) == ["a.jpg", "b.mp4"]
    assert sorted(m["name"] for m in people["max@example.net"].evidence["files"]) == ["a.jpg", "c.jpg", "d.heic"]
    assert [m["name"] for m in people["everyone in your organisation"].evidence["files"]] == ["b.mp4"]
    assert statuses(run, "microsoft.onedrive_public_media") == [Status.CLEAR]


def test_every_permission_that_lets_someone_in_names_someone() -> None:
    from auditor.checkapi.microsoft import Permission
    from auditor.checks.microsoft.onedrive_people_media import UNNAMED
    from auditor.checks.microsoft.onedrive_people_media import people as people_of

    def people(raw: dict) -> list[str]:
        return people_of(Permission.model_validate(raw))

    group = {"roles": ["read"], "grantedToV2": {"group": {"displayName": "Family", "id": "g1"}}}
    site_user = {"roles": ["write"], "grantedToV2": {"siteUser": {"loginName": "i:0#.f|membership|x@y.example"}}}
    nameless_link = {"roles": ["read"], "link": {"scope": "users", "type": "view"}}
    both = {
        "roles": ["read"],
        "grantedToV2": {"user": {"email": "jo@example.net"}, "siteUser": {"displayName": "Jo"}},
        "grantedToIdentitiesV2": [{"user": {"email": "jo@example.net"}}],
    }
    assert people(group) == ["Family"]
    assert people(site_user) == ["i:0#.f|membership|x@y.example"]
    assert people(nameless_link) == [UNNAMED]
    assert people(both) == ["jo@example.net"]
    assert people({"roles": ["owner"], "grantedToV2": {"user": {"email": "me@example.net"}}}) == []
    assert people({"roles": ["read"], "link": {"scope": "anonymous"}}) == []
    assert people({"roles": ["read"], "link": {"scope": "existingAccess"}}) == []
    assert people({"roles": ["read"], "link": {"type": "view"}}) == []  # no scope: an anyone link, reported there
