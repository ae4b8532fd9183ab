"""The practice Graph server's writes, over httpx: only the changes the tool makes, each refused as the reference
pages say Graph refuses it (a read-only token, an unknown property, a missing required one, an inherited or the
owner's permission, a personal drive's root, an organisation link on a personal drive), and applied to the
practice account otherwise."""

from __future__ import annotations

from pathlib import Path

from auditor.sandbox import Sandbox

from .conftest import graph, scenario_from

WORK = """name: w
microsoft:
  account_type: work
  user: {userPrincipalName: kim@contoso.example}
  inbox_rules:
    - {displayName: fwd, actions: {forwardTo: [x@proton.example]}}
  drive:
    - {path: Shared, folder: true, links: [{scope: anonymous, type: view}]}
    - {path: Shared/IMG_1.jpg}
"""
PERSONAL = """name: p
microsoft:
  user: {userPrincipalName: sam@outlook.example}
  drive:
    - {path: IMG_2.jpg, links: [{scope: null, type: view}]}
"""
EVERY = ["MailboxSettings.ReadWrite", "Files.ReadWrite", "User.RevokeSessions.All"]


def _ids(sb: Sandbox) -> dict[str, str]:
    return {item.get("name", ""): item_id for item_id, item in sb.app("graph").resources.items.items()}


def test_rule_writes_check_their_bodies_as_messagerule_documents_them(tmp_path: Path) -> None:
    with Sandbox(scenario_from(tmp_path, WORK)) as sb:
        token = sb.app("identity").tokens.issue(["MailboxSettings.ReadWrite"])
        rule = sb.app("graph").resources.rules[0]["id"]
        with graph(sb, token=token) as client:
            unknown = client.patch(f"me/mailFolders/inbox/messageRules/{rule}", json={"hasError": True})
            assert unknown.status_code == 400 and "hasError" in unknown.json()["error"]["message"]
            wrong = client.patch(f"me/mailFolders/inbox/messageRules/{rule}", json={"isEnabled": "no"})
            assert wrong.status_code == 400
            not_json = client.patch(
                f"me/mailFolders/inbox/messageRules/{rule}", content=b"{", headers={"Content-Type": "application/json"}
            )
            assert not_json.status_code == 400
            missing = client.post("me/mailFolders/inbox/messageRules", json={"displayName": "x", "actions": {}})
            assert missing.status_code == 400 and "sequence" in missing.json()["error"]["message"]
            assert client.patch("me/mailFolders/inbox/messageRules/nope", json={"isEnabled": False}).status_code == 404
            assert client.patch("me/mailFolders/drafts/messageRules/x", json={"isEnabled": False}).status_code == 404
        assert sb.app("graph").resources.rules[0]["isEnabled"] is True  # none of it changed anything


def test_a_token_without_the_permission_is_refused_for_each_write(tmp_path: Path) -> None:
    with Sandbox(scenario_from(tmp_path, WORK)) as sb:
        files_only = sb.app("identity").tokens.issue(["Files.ReadWrite"])
        rule = sb.app("graph").resources.rules[0]["id"]
        with graph(sb, token=files_only) as client:
            assert client.delete(f"me/mailFolders/inbox/messageRules/{rule}").status_code == 403
            assert client.post("me/revokeSignInSessions").status_code == 403
        assert [r.refused for r in sb.requests] == [True, True]


def test_sharing_writes_refuse_what_graph_refuses_and_apply_the_rest(tmp_path: Path) -> None:
    with (
        Sandbox(scenario_from(tmp_path, WORK)) as sb,
        graph(sb, token=sb.app("identity").tokens.issue(EVERY)) as client,
    ):
        ids = _ids(sb)
        folder, photo = ids["Shared"], ids["IMG_1.jpg"]
        listed = client.get(f"me/drive/items/{photo}/permissions").json()["value"]
        inherited = next(p for p in listed if "link" in p)
        owner = next(p for p in listed if p["roles"] == ["owner"])
        # permission-delete: "Only sharing permissions that are not inherited can be deleted."
        assert client.delete(f"me/drive/items/{photo}/permissions/{inherited['id']}").status_code == 400
        assert client.delete(f"me/drive/items/{photo}/permissions/{owner['id']}").status_code == 403
        assert client.delete(f"me/drive/items/{photo}/permissions/nope").status_code == 404
        assert (
            client.post(f"me/drive/items/{photo}/createLink", json={"type": "embed"}).status_code == 400
        )  # personal only
        assert client.post(f"me/drive/items/{photo}/createLink", json={"type": "view", "x": 1}).status_code == 400
        assert (
            client.post(f"me/drive/items/{photo}/invite", json={"recipients": [], "roles": ["read"]}).status_code == 400
        )

        assert client.delete(f"me/drive/items/{folder}/permissions/{inherited['id']}").status_code == 204
        assert [p for p in client.get(f"me/drive/items/{photo}/permissions").json()["value"] if "link" in p] == []
        assert "shared" not in sb.app("graph").resources.items[folder]

        first = client.post(f"me/drive/items/{photo}/createLink", json={"type": "view", "scope": "organization"})
        again = client.post(f"me/drive/items/{photo}/createLink", json={"type": "view", "scope": "organization"})
        # driveitem-createlink: the app's existing link of that type is returned (200) rather than a second one.
        assert (first.status_code, again.status_code) == (201, 200) and first.json() == again.json()
        assert sb.app("graph").resources.items[photo]["shared"]["scope"] == "organization"


def test_a_personal_drive_s_root_and_organisation_links_are_refused(tmp_path: Path) -> None:
    with (
        Sandbox(scenario_from(tmp_path, PERSONAL)) as sb,
        graph(sb, token=sb.app("identity").tokens.issue(EVERY)) as client,
    ):
        root = sb.app("graph").resources.root_id
        photo = _ids(sb)["IMG_2.jpg"]
        # driveitem-invite, permission-delete: a personal drive's root cannot have its permissions changed.
        assert (
            client.post(
                f"me/drive/items/{root}/invite", json={"recipients": [{"email": "a@b.example"}], "roles": ["read"]}
            ).status_code
            == 400
        )
        assert (
            client.post(
                f"me/drive/items/{photo}/createLink", json={"type": "view", "scope": "organization"}
            ).status_code
            == 400
        )
        assert client.post("me/revokeSignInSessions").status_code == 403  # personal accounts: not supported
        made = client.post(f"me/drive/items/{photo}/createLink", json={"type": "embed"})
        assert made.status_code == 201 and made.json()["link"]["type"] == "embed"
