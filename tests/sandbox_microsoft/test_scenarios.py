"""The microsoft: and exchange: scenario sections: validation, shipped contents, hostile text, clean stop."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from sandbox.urls import url_of

from auditor.errors import ScenarioError
from auditor.sandbox import Sandbox, load_scenario

from .conftest import collect, graph, scenario_from


def test_bad_sections_name_file_line_and_field(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_from(
            tmp_path, "name: x\nmicrosoft:\n  inbox_rules:\n    - displayName: a\n      actions: {forwardTo: 3}\n"
        )
    assert "line 5" in str(info.value) and "microsoft.inbox_rules.0.actions.forwardTo" in str(info.value)
    with pytest.raises(ScenarioError, match="work/school"):
        scenario_from(tmp_path, "name: x\nmicrosoft:\n  account_type: personal\n  auth_methods: [{type: phone}]\n")
    with pytest.raises(ScenarioError, match=r"exchange\.delegates\.0"):
        scenario_from(tmp_path, "name: x\nexchange:\n  delegates:\n    - {PrimarySmtpAddress: a@b.example, Bogus: 1}\n")
    with pytest.raises(ScenarioError, match="line 3"):
        scenario_from(tmp_path, "name: x\nexchange:\n  server_build: fifteen\n")


def test_compromised_has_the_access_paths_the_brief_names() -> None:
    scenario = load_scenario("compromised")
    microsoft = scenario.sections["microsoft"]
    rule = next(r for r in microsoft.inbox_rules if r.actions.redirectTo)
    assert rule.actions.delete and not rule.actions.redirectTo[0].endswith("contoso.example")
    photo = next(i for i in microsoft.drive if i.path.endswith(".jpg") and i.links)
    assert photo.links[0].scope == "anonymous"
    delegate = scenario.sections["exchange"].delegates[0]
    assert delegate.full_access and delegate.DelegatePermissions.InboxFolderPermissionLevel == "Editor"


def test_hostile_fills_free_text_in_graph() -> None:
    def hostile(value: str) -> bool:
        return "[bold red]" in value and "\x1b]8;;" in value and "\u202e" in value and len(value) > 100_000

    with Sandbox("hostile") as sb, graph(sb) as client:
        assert hostile(client.get("me").json()["displayName"])
        rules, _ = collect(client, "me/mailFolders/inbox/messageRules")
        assert rules and all(hostile(r["displayName"]) for r in rules)
        forward = rules[0]["actions"]["forwardTo"][0]["emailAddress"]
        assert hostile(forward["name"]) and forward["address"] == "keepingtabs@proton.example"
        replies = client.get("me/mailboxSettings").json()["automaticRepliesSetting"]
        assert hostile(replies["internalReplyMessage"])
        grant = client.get("me/oauth2PermissionGrants").json()["value"][0]
        assert hostile(client.get(f"servicePrincipals/{grant['clientId']}").json()["appDisplayName"])
        methods = client.get("me/authentication/methods").json()["value"]
        assert any(hostile(m.get("displayName") or "") for m in methods)
        items, _ = collect(client, "me/drive/root/delta")
        photo = next(i for i in items if "file" in i)
        assert hostile(photo["name"])
        assert not any("shared" in i for i in items)  # a business drive: delta leaves the facet out
        folders = [i for i in items if "folder" in i and "root" not in i]
        perms = [p for f in folders for p in client.get(f"me/drive/items/{f['id']}/permissions").json()["value"]]
        people = [p["grantedToV2"]["user"]["displayName"] for p in perms if "invitation" in p]
        assert people and all(hostile(name) for name in people)


def test_leaving_the_block_frees_every_port_and_thread() -> None:
    before = {t.ident for t in threading.enumerate()}
    with Sandbox("compromised") as sb:
        urls = [url_of(sb, provider) for provider in ("graph", "identity", "ews")]
        ports = [int(url.split(":")[2].split("/")[0]) for url in urls]
        with graph(sb) as client:
            assert client.get("me").status_code == 200
    assert {t.ident for t in threading.enumerate()} <= before
    for port in ports:
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0
