"""Graph v1.0 on the practice server, read with httpx as the Graph connector does."""

from __future__ import annotations

from pathlib import Path

import pytest
from sandbox.urls import url_of

from auditor.sandbox import FaultRule, Sandbox
from auditor.sandbox.faults import FaultKind

from .conftest import collect, graph, scenario_from

PERSONAL = """
name: personal
microsoft:
  account_type: personal
  user: {displayName: Sam Example, userPrincipalName: sam@outlook.example}
  inbox_rules:
    - {displayName: one, actions: {markAsRead: true}}
  generate: {inbox_rules: 24}
"""


def test_compromised_work_account_reads_like_graph() -> None:
    with Sandbox("compromised") as sb, graph(sb) as client:
        me = client.get("me").json()
        assert me["userPrincipalName"] == "ann.example@contoso.example"
        assert me["@odata.context"].endswith("/v1.0/$metadata#users/$entity")
        assert client.get(f"users/{me['userPrincipalName']}").json()["id"] == me["id"]

        rules = client.get("me/mailFolders/inbox/messageRules").json()
        assert "messageRules" in rules["@odata.context"]
        hiding = next(r for r in rules["value"] if r["displayName"] == ".")
        assert hiding["actions"]["redirectTo"] == [
            {"emailAddress": {"name": "keepingtabs@proton.example", "address": "keepingtabs@proton.example"}}
        ]
        assert hiding["actions"]["delete"] is True and hiding["isEnabled"] is True
        assert {"id", "sequence", "conditions", "hasError", "isReadOnly"} <= set(hiding)
        one = client.get(f"me/mailFolders/inbox/messageRules/{hiding['id']}").json()
        assert one["displayName"] == "."

        settings = client.get("me/mailboxSettings").json()
        assert settings["automaticRepliesSetting"]["status"] == "disabled"
        assert client.get("me/mailboxSettings/automaticRepliesSetting").json()["status"] == "disabled"

        methods = client.get("me/authentication/methods").json()["value"]
        types = [m["@odata.type"] for m in methods]
        assert types.count("#microsoft.graph.microsoftAuthenticatorAuthenticationMethod") == 2
        assert "#microsoft.graph.passwordAuthenticationMethod" in types
        assert any(m.get("emailAddress") == "keepingtabs@proton.example" for m in methods)

        grants = client.get("me/oauth2PermissionGrants").json()["value"]
        backup = next(g for g in grants if "Mail.ReadWrite" in g["scope"])
        assert backup["consentType"] == "Principal" and backup["principalId"] == me["id"]
        app = client.get(f"servicePrincipals/{backup['clientId']}").json()
        assert app["appDisplayName"] == "Mail Backup Pro"


def test_personal_account_gets_graphs_403_for_work_only_resources(tmp_path: Path) -> None:
    with Sandbox(scenario_from(tmp_path, PERSONAL)) as sb, graph(sb) as client:
        for path in ("me/authentication/methods", "me/oauth2PermissionGrants"):
            response = client.get(path)
            assert response.status_code == 403
            error = response.json()["error"]
            assert error["code"] == "Authorization_RequestDenied" and error["message"]
            assert {"date", "request-id", "client-request-id"} <= set(error["innerError"])
        assert len(client.get("me").json()["id"]) == 16  # personal accounts have 16-hex ids


def test_rules_page_with_next_links_and_top(tmp_path: Path) -> None:
    with Sandbox(scenario_from(tmp_path, PERSONAL)) as sb, graph(sb) as client:
        items, pages = collect(client, "me/mailFolders/inbox/messageRules")
        assert len(items) == 25 and pages == 3  # server page size 10
        assert len({r["id"] for r in items}) == 25
        items, pages = collect(client, "me/mailFolders/inbox/messageRules?$top=4&$select=displayName,actions")
        assert len(items) == 25 and pages == 7
        assert set(items[0]) == {"id", "displayName", "actions"}
        bad = client.get("me/mailFolders/inbox/messageRules?$select=nope")
        assert bad.status_code == 400 and "nope" in bad.json()["error"]["message"]
        assert client.get("me/mailFolders/inbox/messageRules?$top=x").status_code == 400
        assert client.get("me/mailFolders/inbox/messageRules?$skiptoken=garbage!").status_code == 400


def test_large_has_200_rules_and_5000_onedrive_items_with_five_anonymous_links() -> None:
    with Sandbox("large") as sb, graph(sb) as client:
        rules, pages = collect(client, "me/mailFolders/inbox/messageRules?$select=id")
        assert len(rules) == 200 and pages == 20
        items, pages = collect(client, "me/drive/root/delta?$select=id,name,file,folder,shared,parentReference")
        files = [i for i in items if "file" in i]
        assert len(files) == 5000 and pages > 1
        # A business (SharePoint-backed) drive: delta leaves the shared facet out, even when asked for it.
        assert not any("shared" in i for i in items)
        assert all("path" not in i["parentReference"] for i in items)  # delta omits parentReference.path
        last = client.get(url_of(sb, "graph") + "/me/drive/root/delta?$select=id", params={"token": "latest"}).json()
        assert last["value"] == [] and "@odata.deltaLink" in last
        shared = [i for i in files if client.get(f"me/drive/items/{i['id']}?$select=shared").json().get("shared")]
        assert len(shared) == 5  # the item itself still carries it
        for item in shared:
            perms = client.get(f"me/drive/items/{item['id']}/permissions").json()["value"]
            link = next(p for p in perms if "link" in p)
            assert link["link"]["scope"] == "anonymous" and link["roles"] == ["read"]


def test_onedrive_tree_permissions_and_expand() -> None:
    with Sandbox("compromised") as sb, graph(sb) as client:
        drive = client.get("me/drive").json()
        assert drive["driveType"] == "business"
        root = client.get("me/drive/root").json()
        assert "root" in root and root["folder"]["childCount"] == 2
        top = {i["name"]: i for i in client.get("me/drive/root/children").json()["value"]}
        assert set(top) == {"Documents", "Pictures"}
        pictures = {
            i["name"]: i for i in client.get(f"me/drive/items/{top['Pictures']['id']}/children").json()["value"]
        }
        camera = client.get(f"me/drive/items/{pictures['Camera Roll']['id']}/children?$expand=permissions").json()
        photos = {i["name"]: i for i in camera["value"]}
        photo = photos["IMG_2041.jpg"]
        assert photo["file"]["mimeType"] == "image/jpeg" and photo["shared"]["scope"] == "anonymous"
        anonymous = [p for p in photo["permissions"] if p.get("link", {}).get("scope") == "anonymous"]
        assert anonymous and anonymous[0]["link"]["type"] == "view" and anonymous[0]["link"]["webUrl"]
        assert "shared" not in photos["IMG_2042.jpg"]
        assert [p["roles"] for p in photos["IMG_2042.jpg"]["permissions"]] == [["owner"]]

        # an item inside a folder shared by link shows the folder's link too; OneDrive for Business does not
        # say it is inherited (no inheritedFrom), but it is the folder's permission, with the folder's id
        private = client.get(f"me/drive/items/{pictures['Private']['id']}/children").json()["value"][0]
        perms = client.get(f"me/drive/items/{private['id']}/permissions").json()["value"]
        folder_link = next(
            p
            for p in client.get(f"me/drive/items/{pictures['Private']['id']}/permissions").json()["value"]
            if "link" in p
        )
        inherited = next(p for p in perms if "link" in p)
        assert inherited["link"]["type"] == "edit" and "inheritedFrom" not in inherited
        assert inherited["id"] == folder_link["id"]

        # beach.jpg is shared with Mark: the folders above it give him SharePoint's "Limited Access" (to reach it)
        camera_perms = client.get(f"me/drive/items/{pictures['Camera Roll']['id']}/permissions").json()["value"]
        limited = [p for p in camera_perms if p["roles"] == ["SP.Limited Access"]]
        assert [p["grantedToV2"]["user"]["email"] for p in limited] == ["mark.ex@outlook.example"]

        documents = client.get(f"me/drive/items/{top['Documents']['id']}/children?$expand=permissions").json()
        by_name = {i["name"]: i for i in documents["value"]}
        users_link = next(p for p in by_name["Passport scan.pdf"]["permissions"] if "link" in p)
        assert users_link["link"]["scope"] == "users"
        assert users_link["grantedToIdentitiesV2"][0]["user"]["email"] == "mark.ex@outlook.example"
        person = next(p for p in by_name["Notes.docx"]["permissions"] if "invitation" in p)
        assert person["grantedToV2"]["user"]["email"] == "mark.ex@outlook.example" and person["roles"] == ["read"]

        selected = client.get(f"me/drive/items/{photo['id']}?$select=name,shared").json()
        assert set(selected) == {"@odata.context", "id", "name", "shared"}
        assert client.get("me/drive/root/delta?$expand=permissions").status_code == 400
        missing = client.get("me/drive/items/nope/children")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "itemNotFound"


def test_missing_or_wrong_token_gets_401_with_graph_error() -> None:
    with Sandbox("clean") as sb:
        with graph(sb, token="not-the-token") as client:
            response = client.get("me")
            assert response.status_code == 401
            assert response.json()["error"]["code"] == "InvalidAuthenticationToken"
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        with graph(sb) as client:
            del client.headers["Authorization"]
            assert client.get("me").json()["error"]["message"] == "Access token is empty."


def test_writes_are_refused_and_logged() -> None:
    # Only the changes the tool makes are accepted (tests/remedy/test_microsoft_*.py), and only from a token
    # holding their permission: any other write, and any write with a read-only sign-in's token, is refused.
    with Sandbox("compromised") as sb:
        read_only = sb.app("identity").tokens.issue(["User.Read", "MailboxSettings.Read", "Files.Read.All"])
        with graph(sb) as client:
            assert client.patch("me", json={"city": "x"}).status_code == 403
        with graph(sb, token=read_only) as client:
            assert client.delete("me/mailFolders/inbox/messageRules/x").status_code == 403
            assert client.post("me/mailFolders/inbox/messageRules", json={"displayName": "x"}).status_code == 403
            assert client.delete("me/drive/items/x/permissions/y").status_code == 403
            assert client.post("me/revokeSignInSessions").status_code == 403
        assert [(r.method, r.status) for r in sb.refused] == [
            ("PATCH", 403),
            ("DELETE", 403),
            ("POST", 403),
            ("DELETE", 403),
            ("POST", 403),
        ]
        assert sb.refused[0].headers["Authorization"] == "<redacted>"
        assert len(sb.app("graph").resources.rules) == 3  # nothing changed


def test_endless_paging_never_ends() -> None:
    rule = FaultRule("graph", "/v1.0/me/mailFolders/inbox/messageRules", "endless")
    with Sandbox("compromised", faults=[rule]) as sb, graph(sb) as client:
        _, pages = collect(client, "me/mailFolders/inbox/messageRules", limit=40)
        assert pages == 40
        assert "@odata.nextLink" in client.get("me/mailFolders/inbox/messageRules").json()
    delta = FaultRule("graph", "/v1.0/me/drive/root/delta", "endless")
    with Sandbox("compromised", faults=[delta]) as sb, graph(sb) as client:
        _, pages = collect(client, "me/drive/root/delta", limit=15)
        assert pages == 15


@pytest.mark.parametrize("kind", ["429", "500", "503", "401", "malformed"])
def test_faults_on_graph_routes(kind: FaultKind) -> None:
    rule = FaultRule("graph", "/v1.0/me/mailFolders/*", kind, retry_after=3, times=1)
    with Sandbox("compromised", faults=[rule]) as sb, graph(sb) as client:
        first = client.get("me/mailFolders/inbox/messageRules")
        if kind == "malformed":
            with pytest.raises(ValueError):
                first.json()
        else:
            assert first.status_code == int(kind)
            assert first.json()["error"]["code"]
            if kind in ("429", "503"):
                assert first.headers["Retry-After"] == "3"
        assert client.get("me/mailFolders/inbox/messageRules").status_code == 200  # times=1
