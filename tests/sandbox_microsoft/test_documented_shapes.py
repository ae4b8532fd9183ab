"""The practice Graph's own answers fit the same documented shapes the connector reads Microsoft's with
(auditor.checkapi.microsoft, written from Graph's resource pages): every record of every list, in every
shipped scenario, and the $batch envelope as the JSON batching page describes it."""

from __future__ import annotations

from typing import Any

import pytest
from sandbox.urls import url_of

from auditor.checkapi.microsoft import (
    AuthenticationMethod,
    DriveItem,
    GraphRecord,
    GraphUser,
    MessageRule,
    OAuth2PermissionGrant,
    Permission,
    ServicePrincipal,
)
from auditor.connectors.graph.records import validate
from auditor.sandbox import Sandbox

from .conftest import collect, graph


def fits(model: type[GraphRecord], records: list[Any]) -> None:
    for record in records:
        kept, problems = validate(model, record)
        assert kept is not None and problems == [], (model.__name__, record, problems)


@pytest.mark.parametrize("scenario", ["clean", "compromised", "hostile"])
def test_every_answer_fits_the_documented_records(scenario: str) -> None:
    with Sandbox(scenario) as sb, graph(sb) as client:
        fits(GraphUser, [client.get("me").json()])
        rules, _ = collect(client, "me/mailFolders/inbox/messageRules")
        fits(MessageRule, rules)
        items, _ = collect(client, "me/drive/root/delta")
        fits(DriveItem, items)
        for item in items:
            permissions, _ = collect(client, f"me/drive/items/{item['id']}/permissions")
            fits(Permission, permissions)
        work = client.get("me/authentication/methods").status_code == 200
        if work:
            methods, _ = collect(client, "me/authentication/methods")
            fits(AuthenticationMethod, methods)
            mine, _ = collect(client, "me/oauth2PermissionGrants")
            everyone, _ = collect(client, "oauth2PermissionGrants?$filter=consentType eq 'AllPrincipals'")
            fits(OAuth2PermissionGrant, mine + everyone)
            assert {g["consentType"] for g in mine} <= {"Principal"}
            assert {g["consentType"] for g in everyone} <= {"AllPrincipals"}
            for grant in mine + everyone:
                fits(ServicePrincipal, [client.get(f"servicePrincipals/{grant['clientId']}").json()])


def test_a_batch_answer_is_the_documented_envelope_and_its_pages_are_absolute_links() -> None:
    text_ids = ["/me", "/me/drive/root/delta?$select=id", "/me/drive/items/nope/permissions"]
    with Sandbox("compromised") as sb, graph(sb) as client:
        requests = [{"id": str(n), "method": "GET", "url": url} for n, url in enumerate(text_ids, 1)]
        body = client.post("$batch", json={"requests": requests}).json()
    assert set(body) == {"responses"}
    for answer in body["responses"]:
        assert isinstance(answer["id"], str) and isinstance(answer["status"], int)
        assert isinstance(answer["headers"], dict) and isinstance(answer["body"], dict)
    by_id = {a["id"]: a for a in body["responses"]}
    fits(GraphUser, [by_id["1"]["body"]])
    assert by_id["3"]["status"] == 404 and by_id["3"]["body"]["error"]["code"] == "itemNotFound"


def test_permissions_page_inside_a_batch_with_absolute_links(tmp_path: Any) -> None:
    from .conftest import scenario_from

    people = ", ".join(f"p{n}@outlook.example" for n in range(23))
    text = (
        f"name: paged\nmicrosoft:\n  page_size: 10\n  drive:\n    - {{path: a.jpg, id: x!1, shared_with: [{people}]}}\n"
    )
    with Sandbox(scenario_from(tmp_path, text)) as sb, graph(sb) as client:
        url = "/me/drive/items/x!1/permissions"
        seen: list[dict[str, Any]] = []
        for _ in range(5):
            answer = client.post("$batch", json={"requests": [{"id": "1", "method": "GET", "url": url}]}).json()
            page = answer["responses"][0]["body"]
            seen += page["value"]
            link = page.get("@odata.nextLink")
            if not link:
                break
            assert link.startswith(url_of(sb, "graph") + "/me/drive/items/x%211/permissions?")  # encoded once
            url = link[len(url_of(sb, "graph")) :]
    fits(Permission, seen)
    assert len(seen) == 24  # 23 people and the owner, over three pages
