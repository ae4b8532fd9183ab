"""Microsoft's published examples of the changes (tests/fixtures/graph/, credited in its README): the practice
Graph server accepts the published request bodies and answers in the published shapes, validated with the same
records the writer reads them with; the writer reads the published answers."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from microsoft_accounts.writing import PERSONAL, WORK, scenario
from sandbox.urls import url_of

from auditor.checkapi.microsoft import MessageRule, Permission
from auditor.connectors.graph.records import validate
from auditor.connectors.graph.writer import GraphWriter
from auditor.sandbox import Sandbox

FIXTURES = Path(__file__).parents[1] / "fixtures" / "graph"
WRITE = ["MailboxSettings.ReadWrite", "Files.ReadWrite", "User.RevokeSessions.All"]


def published(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _client(sb: Sandbox) -> httpx.Client:
    """A token the practice identity platform would issue with the write permissions."""
    token = sb.app("graph").tokens.issue(WRITE)
    return httpx.Client(
        base_url=url_of(sb, "graph") + "/", headers={"Authorization": f"Bearer {token}"}, trust_env=False
    )


def _clean(model: type, body: Any) -> Any:
    record, problems = validate(model, body)
    assert record is not None and problems == [], problems
    return record


def _keys(body: dict) -> set[str]:
    return {k for k in body if not k.startswith("@")}


def test_the_practice_server_takes_the_published_rule_requests_and_answers_in_their_shape(tmp_path: Path) -> None:
    with Sandbox(scenario(tmp_path, WORK)) as sb, _client(sb) as client:
        created = client.post(
            "me/mailFolders/inbox/messageRules", json=published("mailfolder-post-messagerules-request.json")
        )
        assert created.status_code == 201
        answer = created.json()
        assert _keys(published("mailfolder-post-messagerules-response.json")) <= _keys(answer)
        rule = _clean(MessageRule, answer)
        assert rule.displayName == "From partner" and rule.sequence == 2 and rule.actions.stopProcessingRules is True

        updated = client.patch(
            f"me/mailFolders/inbox/messageRules/{rule.id}", json=published("messagerule-update-request.json")
        )
        assert updated.status_code == 200
        assert _keys(published("messagerule-update-response.json")) <= _keys(updated.json())
        changed = _clean(MessageRule, updated.json())
        assert changed.displayName == "Important from partner" and changed.actions.markImportance == "high"
        assert changed.conditions == rule.conditions  # what the request did not name keeps its value

        assert client.delete(f"me/mailFolders/inbox/messageRules/{rule.id}").status_code == 204
        assert client.delete(f"me/mailFolders/inbox/messageRules/{rule.id}").status_code == 404


def test_the_practice_server_takes_the_published_sharing_requests_and_answers_in_their_shape(tmp_path: Path) -> None:
    # The createLink example carries a password, which only OneDrive personal takes.
    with Sandbox(scenario(tmp_path, PERSONAL)) as sb, _client(sb) as client:
        photo = next(i for i in sb.app("graph").resources.items.values() if i.get("name") == "IMG_9.jpg")
        link = client.post(
            f"me/drive/items/{photo['id']}/createLink", json=published("driveitem-createlink-request.json")
        )
        assert link.status_code == 201
        assert _keys(published("driveitem-createlink-response.json")) <= _keys(link.json())
        made = _clean(Permission, link.json())
        assert made.hasPassword is True and made.link.scope == "anonymous" and made.link.webUrl

        invited = client.post(f"me/drive/items/{photo['id']}/invite", json=published("driveitem-invite-request.json"))
        assert invited.status_code == 200
        (person,) = invited.json()["value"]
        assert _keys(published("driveitem-invite-response.json")["value"][0]) - {
            "hasPassword",
            "expirationDateTime",
        } <= _keys(person)
        assert _clean(Permission, person).invitation.email == "ryan@contoso.com"

        listed = client.get(f"me/drive/items/{photo['id']}/permissions").json()["value"]
        assert {made.id, person["id"]} <= {p["id"] for p in listed}
        assert client.delete(f"me/drive/items/{photo['id']}/permissions/{person['id']}").status_code == 204


def test_the_practice_server_answers_the_sign_out_as_published(tmp_path: Path) -> None:
    with Sandbox(scenario(tmp_path, WORK)) as sb, _client(sb) as client:
        answer = client.post("me/revokeSignInSessions")
        assert answer.status_code == 200
        assert answer.json().keys() == published("user-revokesigninsessions-response.json").keys()
        assert answer.json()["value"] is True


def _serving(status: int, body: Any) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, json=body))


@pytest.mark.parametrize(
    ("status", "fixture", "call", "check"),
    [
        (
            200,
            "messagerule-update-response.json",
            lambda w: w.set_rule_enabled("AQAAAJ5dZqA=", True),
            lambda r: r.id == "AQAAAJ5dZqA=",
        ),
        (
            201,
            "mailfolder-post-messagerules-response.json",
            lambda w: w.create_rule(published("mailfolder-post-messagerules-request.json")),
            lambda r: r.id == "AQAAAJ5dZqA=",
        ),
        (
            201,
            "driveitem-createlink-response.json",
            lambda w: w.create_link("item", {"type": "view"}),
            lambda r: r.link.webUrl.startswith("https://1drv.ms/"),
        ),
        (
            200,
            "driveitem-invite-response.json",
            lambda w: w.invite("item", published("driveitem-invite-request.json")),
            lambda r: r[0].invitation.email == "robin@contoso.com",
        ),
        (200, "user-revokesigninsessions-response.json", lambda w: w.revoke_sign_in_sessions(), lambda r: r is None),
    ],
    ids=["update-rule", "create-rule", "create-link", "invite", "sign-out"],
)
def test_the_writer_reads_the_published_answers(status: int, fixture: str, call: Any, check: Any) -> None:
    async def go() -> Any:
        writer = GraphWriter("https://graph.microsoft.com/v1.0", "t", transport=_serving(status, published(fixture)))
        try:
            return await call(writer)
        finally:
            await writer.aclose()

    assert check(asyncio.run(go()))
