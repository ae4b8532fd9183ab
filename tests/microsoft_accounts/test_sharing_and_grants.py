"""Access paths the Microsoft checks used to miss, each through the real connector (httpx) against the practice
Graph, which answers as Microsoft documents it:

- an anyone-link on a drive whose delta listing carries no `shared` facet (OneDrive for Business);
- a link on a later page of an item's permissions, read inside a `$batch`;
- personal OneDrive's links, which carry no `scope`;
- the same photo counted once per permission or per appearance in the delta listing.

(App grants made for everyone in the organisation, which /me/oauth2PermissionGrants leaves out, are tested
with their check in tests/checks/microsoft/test_microsoft_app_grants.py.)
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from auditor.model import Status
from auditor.sandbox import FaultRule, Sandbox
from auditor.sandbox.microsoft import Answer

from .conftest import by_check, run_microsoft, scenario_from, statuses

PUBLIC = "microsoft.onedrive_public_media"
PEOPLE = "microsoft.onedrive_people_media"
GRANTS = "microsoft.app_grants"


def test_an_anyone_link_on_a_drive_whose_delta_has_no_shared_facet_is_found(tmp_path: Path) -> None:
    text = """name: business-drive
microsoft:
  account_type: work
  directory_reader: true
  user: {userPrincipalName: kim@contoso.example}
  auth_methods: [{type: fido2, displayName: key}]
  drive:
    - {path: Pictures/IMG_0001.jpg, links: [{scope: anonymous, type: view}]}
    - {path: Pictures/Trip, folder: true, links: [{scope: anonymous, type: edit}]}
    - {path: Pictures/Trip/IMG_0002.heic, mimeType: image/heic}
    - {path: Pictures/Trip/clip.mov, mimeType: video/quicktime}
    - {path: Documents/cv.pdf, links: [{scope: anonymous}]}
"""
    with Sandbox(scenario_from(tmp_path, text)) as sb:
        run = run_microsoft(sb)
        delta = [r for r in sb.requests if r.path.endswith("/delta")]
    public = sorted(f.title for f in by_check(run)[PUBLIC])
    assert public == [
        "Folder Pictures/Trip: anyone with the link can open its 2 photos or videos (and change or delete it)",
        "Pictures/IMG_0001.jpg: anyone with the link can open it",
    ]  # the folder's link is reported once, with the folder: not again on each photo inside, nor on the PDF
    assert statuses(run, PEOPLE) == [Status.CLEAR]
    assert delta and all("shared" not in r.query["$select"][0].split(",") for r in delta)  # never asked for


def test_a_link_on_a_later_page_of_an_items_permissions_is_found(tmp_path: Path) -> None:
    people = ", ".join(f"p{n:02}@outlook.example" for n in range(15))
    many = ", ".join(f"q{n:02}@outlook.example" for n in range(25))
    text = f"""name: many-permissions
microsoft:
  user: {{userPrincipalName: sam@outlook.example}}
  page_size: 10
  drive:
    - {{path: Pictures/IMG_0001.jpg, id: photo-1, shared_with: [{people}], links: [{{scope: anonymous}}]}}
    - {{path: Pictures/IMG_0002.jpg, shared_with: [{many}]}}
"""
    # The first page of the photo's permissions is throttled twice inside the batch: retried after Retry-After.
    rule = FaultRule("graph", "/v1.0/me/drive/items/photo-1/permissions", "429", retry_after=1, times=2)
    with Sandbox(scenario_from(tmp_path, text), faults=[rule]) as sb:
        began = time.monotonic()
        run = run_microsoft(sb)
        waited = time.monotonic() - began
        batches = [r for r in sb.requests if r.path == "/v1.0/$batch"]
    assert [f.title for f in by_check(run)[PUBLIC]] == ["Pictures/IMG_0001.jpg: anyone with the link can open it"]
    found = {f.subject for f in by_check(run)[PEOPLE]}
    assert len(found) == 40 and {f.status for f in by_check(run)[PEOPLE]} == {Status.REVIEW}  # every page read
    # round 1: both photos, the folder and the root; twice more for the throttled photo (with the other
    # photo's next pages); then the last pages.
    assert len(batches) >= 3 and waited >= 2.0


def test_a_link_without_a_scope_is_an_anyone_link(tmp_path: Path) -> None:
    text = """name: personal-links
microsoft:
  user: {userPrincipalName: sam@outlook.example}
  drive:
    - {path: Pictures/IMG_0001.jpg, links: [{scope: null, type: view}]}
    - {path: Pictures/IMG_0002.jpg, links: [{scope: users, recipients: [jo@example.net]}]}
    - {path: Pictures/IMG_0003.jpg, links: [{scope: existingAccess}]}
"""
    with Sandbox(scenario_from(tmp_path, text)) as sb:
        run = run_microsoft(sb)
    [public] = by_check(run)[PUBLIC]
    assert public.status is Status.FOUND and public.title == "Pictures/IMG_0001.jpg: anyone with the link can open it"
    assert "did not say who the link is for" in public.detail
    [link] = public.evidence["links"]
    assert link["scope"] is None and link["webUrl"].startswith("https://onedrive.live.com/redir?resid=")
    assert "&authkey=!" in link["webUrl"]
    assert [f.subject for f in by_check(run)[PEOPLE]] == ["jo@example.net"]  # the scoped link names its person


def test_the_documented_personal_link_example_is_one_finding_with_both_links(tmp_path: Path) -> None:
    example = json.loads((Path(__file__).parents[1] / "fixtures/graph/driveitem-list-permissions.json").read_text())
    text = f"""name: documented-permissions
microsoft:
  user: {{userPrincipalName: sam@outlook.example}}
  drive:
    - {{path: Pictures/IMG_0001.jpg, id: photo-1}}
  answers:
    /v1.0/me/drive/items/photo-1/permissions: {{body: {json.dumps(example)}}}
"""
    with Sandbox(scenario_from(tmp_path, text)) as sb:
        run = run_microsoft(sb)
    [public] = by_check(run)[PUBLIC]
    assert public.title == "Pictures/IMG_0001.jpg: anyone with the link can open it (and change or delete it)"
    assert [link["type"] for link in public.evidence["links"]] == ["edit", "edit"]
    # John (Robin in the newer example) was given access on a folder this account does not list: still named.
    assert [(f.subject, f.status) for f in by_check(run)[PEOPLE]] == [("Robin Danielsen", Status.REVIEW)]


def test_a_photo_is_counted_once_however_often_it_is_listed_or_shared(tmp_path: Path) -> None:
    text = """name: repeats
microsoft:
  user: {userPrincipalName: sam@outlook.example}
  drive:
    - {path: Pictures/IMG_0001.jpg, id: photo-1, links: [{scope: anonymous}, {scope: anonymous, type: edit}]}
    - path: Pictures/IMG_0002.jpg
      shared_with: [jo@example.net]
      links: [{scope: users, recipients: [jo@example.net]}]
"""
    with Sandbox(scenario_from(tmp_path, text)) as sb:
        # The delta listing names the first photo three times ("the same item may appear more than once in a
        # delta feed": the driveItem delta documentation), each time with the shared facet the old reading used.
        graph = sb.app("graph")
        items = [
            {k: v for k, v in record.items() if not k.startswith("_") and k != "parentReference"}
            | {"parentReference": {"id": record["parentReference"].get("id")}}
            for record in graph.resources.items.values()
        ]
        photo = next(i for i in items if i["id"] == "photo-1")
        listing = {"value": [*items, photo, photo], "@odata.deltaLink": "https://graph.microsoft.com/v1.0/d"}
        graph.data.answers["/v1.0/me/drive/root/delta"] = Answer(body=listing)
        run = run_microsoft(sb)
    [public] = by_check(run)[PUBLIC]
    assert len(public.evidence["links"]) == 2 and public.title.endswith("(and change or delete it)")
    [jo] = by_check(run)[PEOPLE]
    assert jo.subject == "jo@example.net" and jo.title.startswith("jo@example.net can open one of your photos")
