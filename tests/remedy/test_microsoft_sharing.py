"""OneDrive sharing closed through Graph against the practice server (real msal + httpx): one change per item
and sharing permission, so "every anyone-link on these N photos" is a listed set sent in one sitting; each a
DELETE of that one permission; the checks run again no longer find them; putting back makes a new link (a new
address) or invites the person again without Microsoft e-mailing them."""

from __future__ import annotations

import json
from pathlib import Path

from microsoft_accounts.writing import (
    ANN,
    PEOPLE_CHECK,
    PERSONAL,
    PUBLIC_CHECK,
    SAM,
    WORK,
    apply,
    asked,
    changes,
    graph_requests,
    open_findings,
    restore,
    run,
    scenario,
    sent,
)

from auditor.model import Finding, Severity, Status
from auditor.remedy import permissions_of
from auditor.remedy.microsoft import FILES_WRITE, REMEDIES, SHARING_REMOVE
from auditor.safetext import literal
from auditor.sandbox import Sandbox

HOSTILE_FILE = "[bold red]IMG \x1b[2J\x1b]8;;https:evil.example\x07\u202egpj.exe"  # no "/": a folder


def _permission_path(item: str, perm: str) -> str:
    return f"/v1.0/me/drive/items/{item}/permissions/{perm}"


def test_every_anyone_link_on_three_photos_is_a_listed_set_removed_in_one_sitting(tmp_path: Path) -> None:
    with Sandbox(scenario(tmp_path, WORK)) as sb:
        found = open_findings(run(sb), PUBLIC_CHECK)
        assert len(found) == 3
        planned = changes(found)
        assert [c.action for c in planned] == [SHARING_REMOVE] * 3  # one action: a set, not alternatives
        assert {c.fingerprint for c in planned} == {f.fingerprint for f in found}  # one per photo
        assert permissions_of(planned) == [FILES_WRITE]
        expected = [
            ("DELETE", _permission_path(f.evidence["id"], link["id"]), None)
            for f in found
            for link in f.evidence["links"]
        ]
        for change, finding in zip(planned, found, strict=True):
            assert finding.evidence["links"][0]["webUrl"] in change.words and finding.evidence["path"] in change.words
            assert change.request == "DELETE " + expected[found.index(finding)][1].removeprefix("/v1.0")

        sb.log.clear()
        applied = apply(sb, ANN, planned)
        assert sent(sb) == expected
        assert len(graph_requests(sb)) == 3  # exactly the confirmed changes, nothing else
        assert asked(sb) == [{"Files.ReadWrite", "openid", "profile", "offline_access"}]  # one consent for the set
        assert [a.answer["removed"] for a in applied] == [link["id"] for f in found for link in f.evidence["links"]]

        assert open_findings(run(sb), PUBLIC_CHECK) == []


def test_a_removed_link_is_made_again_with_a_new_address(tmp_path: Path) -> None:
    with Sandbox(scenario(tmp_path, WORK)) as sb:
        first = next(f for f in open_findings(run(sb), PUBLIC_CHECK) if f.evidence["path"] == "Pictures/IMG_2.jpg")
        (change,) = changes([first])
        assert change.restorable and "new address" in change.restore_note
        (applied,) = apply(sb, ANN, [change])
        sb.log.clear()
        (made,) = restore(sb, ANN, [applied])
        item = first.evidence["id"]
        assert sent(sb) == [("POST", f"/v1.0/me/drive/items/{item}/createLink", {"type": "edit", "scope": "anonymous"})]
        old = first.evidence["links"][0]
        assert made.answer["webUrl"] != old["webUrl"] and made.answer["id"] != old["id"]

        (again,) = [f for f in open_findings(run(sb), PUBLIC_CHECK) if f.evidence["id"] == item]
        assert again.fingerprint == first.fingerprint  # the photo is open to anyone again
        assert again.evidence["links"][0]["webUrl"] == made.answer["webUrl"]


def test_a_person_s_access_is_removed_and_given_again_without_an_email(tmp_path: Path) -> None:
    with Sandbox(scenario(tmp_path, WORK)) as sb:
        (mark,) = open_findings(run(sb), PEOPLE_CHECK)
        assert mark.evidence["person"] == "mark.ex@outlook.example"
        (change,) = changes([mark])
        assert change.action == SHARING_REMOVE and change.before["via"] == "person" and change.permission == FILES_WRITE
        assert change.words == "Stop sharing Pictures/beach.jpg with mark.ex@outlook.example."
        (grant,) = mark.evidence["permissions"]
        sb.log.clear()
        (applied,) = apply(sb, ANN, [change])
        assert sent(sb) == [("DELETE", _permission_path(grant["item"], grant["id"]), None)]
        assert open_findings(run(sb), PEOPLE_CHECK) == []

        sb.log.clear()
        restore(sb, ANN, [applied])
        invitation = {
            "recipients": [{"email": "mark.ex@outlook.example"}],
            "roles": ["read"],
            "requireSignIn": True,
            "sendInvitation": False,
        }
        assert sent(sb) == [("POST", f"/v1.0/me/drive/items/{grant['item']}/invite", invitation)]
        (again,) = open_findings(run(sb), PEOPLE_CHECK)
        assert again.fingerprint == mark.fingerprint


def test_a_link_for_chosen_people_is_removed_but_cannot_be_made_again(tmp_path: Path) -> None:
    text = WORK.replace(
        "    - {path: Documents/Rota.xlsx}\n",
        "    - {path: Pictures/IMG_7.jpg, links: [{scope: users, type: view, recipients: [mark.ex@outlook.example]}]}"
        "\n",
    )
    with Sandbox(scenario(tmp_path, text)) as sb:
        mark = next(
            f for f in open_findings(run(sb), PEOPLE_CHECK) if f.evidence["person"] == "mark.ex@outlook.example"
        )
        planned = changes([mark])
        # Mark's own access to one photo and a link naming him on another: one set, both needed to close it.
        assert [(c.action, c.before["via"]) for c in planned] == [(SHARING_REMOVE, "person"), (SHARING_REMOVE, "link")]
        link_change = planned[1]
        assert not link_change.restorable and "by hand" in link_change.restore_note
        assert "anyone else with it loses it" in link_change.words


def test_hostile_file_names_are_literal_in_what_is_confirmed(tmp_path: Path) -> None:
    path = f"Pictures/{HOSTILE_FILE}.jpg"
    text = WORK.replace("{path: Pictures/IMG_1.jpg,", "{path: " + json.dumps(path) + ",")
    with Sandbox(scenario(tmp_path, text)) as sb:
        found = next(f for f in open_findings(run(sb), PUBLIC_CHECK) if f.evidence["path"] == path)
    (change,) = changes([found])
    assert literal(path, 200) in change.words
    assert HOSTILE_FILE not in change.words and "\x1b" not in change.words and "\u202e" not in change.words
    assert change.before["path"] == path  # the record keeps it exactly


def _public(evidence: dict, account: str = "personal") -> Finding:
    return Finding(
        check=PUBLIC_CHECK,
        target=SAM,
        status=Status.FOUND,
        severity=Severity.CRITICAL,
        title="x",
        subject=str(evidence.get("id")),
        evidence={"account_type": account, **evidence},
    )


def test_a_personal_drive_s_root_cannot_have_its_sharing_changed_by_the_tool() -> None:
    link = {"id": "p1", "webUrl": "https://1drv.ms/u/s!x", "type": "view", "scope": None}
    root = {"id": "ROOT!1", "path": "", "root": True, "links": [link]}
    # permission-delete: "Drives with a driveType of personal ... cannot create or modify permissions on the root".
    assert REMEDIES.changes_for(_public(root)) == []
    assert [c.action for c in REMEDIES.changes_for(_public(root, "work"))] == [SHARING_REMOVE]
    assert REMEDIES.changes_for(_public({**root, "root": False, "links": [{**link, "id": None}]})) == []


def test_a_personal_drive_s_scopeless_link_is_removed_and_made_again_without_a_scope(tmp_path: Path) -> None:
    with Sandbox(scenario(tmp_path, PERSONAL)) as sb:
        (found,) = open_findings(run(sb), PUBLIC_CHECK)
        (change,) = changes([found])
        (applied,) = apply(sb, SAM, [change])
        assert open_findings(run(sb), PUBLIC_CHECK) == []
        sb.log.clear()
        restore(sb, SAM, [applied])
        assert sent(sb) == [("POST", f"/v1.0/me/drive/items/{found.evidence['id']}/createLink", {"type": "view"})]
