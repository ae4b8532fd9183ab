"""Shape fuzzing (hypothesis): Graph answers with keys dropped, types changed, nulls, lists truncated or
repeated, JSON cut off, next-page links that repeat, never end or leave the server, and batch answers
without ids, statuses or bodies — read by the real connector (httpx, Graph's wire format from a mock
transport) and judged by the real checks through the engine.

Two properties for every answer: no traceback escapes (the engine would show one as "unexpected failure"),
and whenever what was served does not fit Graph's documented shape (the same records the connector reads
with) or a list could not be read to its end, no check says "Looks clear".
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
from hypothesis import example, given
from hypothesis import strategies as st

import auditor.connectors.graph.client as graph_client
from auditor.audit import load_checks
from auditor.checkapi import Decisions, Source
from auditor.checkapi.microsoft import (
    AuthenticationMethod,
    DriveItem,
    GraphRecord,
    MessageRule,
    OAuth2PermissionGrant,
    Permission,
    ServicePrincipal,
)
from auditor.connectors.graph.client import GraphClient
from auditor.connectors.graph.records import validate
from auditor.engine import run_audit
from auditor.model import Finding, Status, fingerprint

GRAPH = "https://graph.microsoft.com/v1.0"
TARGET = "kim@contoso.example"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "graph"
CHECKS = load_checks()

# --- mutations ---------------------------------------------------------------------------------------

KINDS = ("drop", "null", "retype", "truncate", "repeat")
OTHER_VALUES: tuple[object, ...] = (42, -1, 1.5, "text", "", True, False, [], [7], {}, {"x": 1})


@dataclass(frozen=True)
class Mutation:
    """Where (an index into the answer's nodes, taken modulo their number) and what to do there."""

    where: int
    kind: str
    value: Any


mutations = st.lists(
    st.builds(Mutation, st.integers(0, 10_000), st.sampled_from(KINDS), st.sampled_from(OTHER_VALUES)),
    min_size=1,
    max_size=3,
)


def nodes(doc: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield at
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from nodes(value, (*at, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield from nodes(value, (*at, index))


def kind_of(value: Any) -> str:
    return type(value).__name__ if not isinstance(value, bool) else "bool"


def mutate(base: Any, plan: list[Mutation]) -> Any:
    doc = copy.deepcopy(base)
    for step in plan:
        paths = list(nodes(doc))
        at = paths[step.where % len(paths)]
        if not at:
            doc = _changed(doc, step)
            continue
        parent = doc
        for part in at[:-1]:
            parent = parent[part]
        key = at[-1]
        if step.kind == "drop":
            del parent[key]
        else:
            parent[key] = _changed(parent[key], step)
    return doc


def _changed(value: Any, step: Mutation) -> Any:
    if step.kind == "null":
        return None
    if step.kind == "retype":
        other = copy.deepcopy(step.value)  # never the shared constant: a later step may change it
        return other if kind_of(other) != kind_of(value) else "text" if not isinstance(value, str) else 42
    if step.kind == "truncate" and isinstance(value, list):
        return value[: step.where % max(len(value), 1)]
    if step.kind == "repeat" and isinstance(value, list) and value:
        return [*value, value[step.where % len(value)]]
    return None if step.kind == "drop" else value  # dropping the whole answer leaves nothing


# --- what counts as the documented shape ---------------------------------------------------------------


def record_fits(model: type[GraphRecord], record: Any) -> bool:
    kept, problems = validate(model, record)
    return kept is not None and not problems


def list_fits(model: type[GraphRecord], body: Any) -> bool:
    """A whole documented list page: a `value` array of records that fit, and no next page."""
    return (
        isinstance(body, dict)
        and isinstance(body.get("value"), list)
        and body.get("@odata.nextLink") is None
        and all(record_fits(model, r) for r in body["value"])
    )


# --- a Graph answering from bodies ----------------------------------------------------------------------


@dataclass
class FakeGraph:
    """Answers GETs by path and $batch inner GETs by path (query ignored), in Graph's wire format.

    ``batch`` may rewrite a whole batch answer (to fuzz its envelope). ``malformed`` is set when anything
    served was not the documented shape (as judged by the ``fits`` given with each answer)."""

    gets: dict[str, Callable[[str], Any]] = field(default_factory=dict)
    inner: dict[str, Callable[[str], Any]] = field(default_factory=dict)
    batch: Callable[[dict[str, Any], list[dict[str, Any]]], Any] | None = None
    malformed: bool = False

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            payload = json.loads(request.content)
            answers = [self._inner(r) for r in payload["requests"]]
            body: Any = {"responses": answers}
            if self.batch is not None:
                body = self.batch(body, payload["requests"])
            return httpx.Response(200, json=body)
        path = request.url.path.removeprefix("/v1.0")
        answer = self.gets.get(path)
        if answer is None:
            return httpx.Response(404, json={"error": {"code": "itemNotFound", "message": path}})
        served = answer(str(request.url))
        if isinstance(served, bytes):
            return httpx.Response(200, content=served, headers={"Content-Type": "application/json"})
        return httpx.Response(200, json=served)

    def _inner(self, request: dict[str, Any]) -> dict[str, Any]:
        url = request["url"]
        path = url.split("?")[0]
        for prefix, answer in self.inner.items():
            if path.startswith(prefix):
                return {"id": request["id"], "status": 200, "headers": {}, "body": answer(url)}
        return {"id": request["id"], "status": 200, "headers": {}, "body": {"value": []}}


def audit(fake: FakeGraph, checks: list[str], decisions: Decisions | None = None) -> list[Finding]:
    async def go() -> list[Finding]:
        client = GraphClient(GRAPH, "t", transport=httpx.MockTransport(fake.handle), retry_budget=0.0, max_retries=0)
        client.account_type = "work"
        source = Source("microsoft", TARGET, clients={"graph": client})
        try:
            return (await run_audit([CHECKS[c] for c in checks], [source], decisions=decisions)).findings
        finally:
            await client.aclose()

    with mock.patch.object(graph_client, "MAX_PAGES", 12), mock.patch.object(graph_client, "MAX_INNER_PAGES", 6):
        return asyncio.run(go())


def assert_safe(findings: list[Finding], malformed: bool) -> None:
    assert findings
    tracebacks = [f.detail for f in findings if "unexpected failure" in f.detail]
    assert not tracebacks, tracebacks
    if malformed:
        cleared = [f.title for f in findings if f.status is Status.CLEAR]
        assert not cleared, cleared


def served(fake: FakeGraph, body: Any, fits: Callable[[Any], bool], cut: int | None = None) -> Callable[[str], Any]:
    """An answer that marks the fake malformed when it does not fit (and may be cut off mid-JSON)."""

    def answer(url: str) -> Any:
        if cut is not None:
            fake.malformed = True
            text = json.dumps(body).encode()
            return text[: cut % max(len(text), 1)]
        if not fits(body):
            fake.malformed = True
        return body

    return answer


# --- the answers fuzzed --------------------------------------------------------------------------------

RULES = json.loads((FIXTURES / "messagerules-list.json").read_text())
HARMLESS_RULES = {
    "value": [
        {"id": "AQAAAJ5dZp8=", "displayName": "Remove spam", "sequence": 1, "isEnabled": True,
         "conditions": {"subjectContains": ["enter to win"]}, "actions": {"delete": True, "stopProcessingRules": True}},
        {"id": "AQAAAJ5dZqB=", "displayName": "Reports", "isEnabled": True,
         "conditions": {"fromAddresses": [{"emailAddress": {"name": "Reports", "address": "reports@contoso.example"}}]},
         "actions": {"moveToFolder": "AAMkADReports="}},
    ]
}  # fmt: skip
ROOT = {"id": "root", "name": "root", "root": {}, "folder": {"childCount": 1}}
DRIVE = {
    "value": [
        ROOT,
        {"id": "F", "name": "Pictures", "folder": {"childCount": 3}, "parentReference": {"id": "root"}},
        {"id": "p1", "name": "IMG_0001.jpg", "file": {"mimeType": "image/jpeg"}, "image": {},
         "parentReference": {"id": "F"}},
        {"id": "v1", "name": "clip.mp4", "file": {"mimeType": "video/mp4"}, "video": {},
         "parentReference": {"id": "F"}},
        {"id": "d1", "name": "notes.txt", "file": {"mimeType": "text/plain"}, "parentReference": {"id": "F"}},
        {"id": "gone", "name": "old.jpg", "deleted": {"state": "deleted"}},
    ],
    "@odata.deltaLink": GRAPH + "/me/drive/root/delta?token=x",
}  # fmt: skip
OWNER = {"id": "owner", "roles": ["owner"], "grantedToV2": {"user": {"id": "u1", "displayName": "Kim"}}}
SHARED = {
    "value": [
        OWNER,
        {"id": "l1", "roles": ["read"],
         "link": {"webUrl": "https://onedrive.live.com/redir?resid=1&authkey=!A", "type": "view"}},
        {"id": "g1", "roles": ["write"],
         "grantedToV2": {"user": {"id": "u2", "displayName": "Jo", "email": "jo@example.net"}},
         "invitation": {"email": "jo@example.net", "signInRequired": True}},
    ]
}  # fmt: skip
PRIVATE = {"value": [OWNER]}
ONEDRIVE = ["microsoft.onedrive_public_media", "microsoft.onedrive_people_media"]


def drive_graph(fake: FakeGraph, delta: Callable[[str], Any], photo: Callable[[str], Any]) -> FakeGraph:
    fake.gets["/me/drive/root/delta"] = delta
    fake.inner["/me/drive/items/p1/permissions"] = photo
    fake.inner["/me/drive/items/"] = lambda url: PRIVATE
    return fake


@given(plan=mutations, harmless=st.booleans(), cut=st.none() | st.integers(0, 10_000))
def test_inbox_rules_answers(plan: list[Mutation], harmless: bool, cut: int | None) -> None:
    fake = FakeGraph()
    body = mutate(HARMLESS_RULES if harmless else RULES, plan)
    fake.gets["/me/mailFolders/inbox/messageRules"] = served(fake, body, lambda b: list_fits(MessageRule, b), cut)
    assert_safe(audit(fake, ["microsoft.outlook_inbox_rules"]), fake.malformed)


@given(plan=mutations, cut=st.none() | st.integers(0, 10_000))
def test_onedrive_delta_answers(plan: list[Mutation], cut: int | None) -> None:
    fake = FakeGraph()
    body = mutate(DRIVE, plan)

    def fits(b: Any) -> bool:
        return (
            isinstance(b, dict) and b.get("@odata.nextLink") is None and list_fits(DriveItem, {"value": b.get("value")})
        )

    drive_graph(fake, served(fake, body, fits, cut), lambda url: PRIVATE)
    assert_safe(audit(fake, ONEDRIVE), fake.malformed)


@given(plan=mutations, shared=st.booleans())
def test_onedrive_permissions_answers(plan: list[Mutation], shared: bool) -> None:
    fake = FakeGraph()
    body = mutate(SHARED if shared else PRIVATE, plan)
    drive_graph(fake, lambda url: DRIVE, served(fake, body, lambda b: list_fits(Permission, b)))
    assert_safe(audit(fake, ONEDRIVE), fake.malformed)


@given(plan=mutations)
@example(plan=[Mutation(1, "retype", 42)])  # the batch's responses as a number (found on CI)
def test_batch_envelopes(plan: list[Mutation]) -> None:
    fake = FakeGraph()

    def rewrite(body: dict[str, Any], requests: list[dict[str, Any]]) -> Any:
        changed = mutate(body, plan)
        answers = changed.get("responses") if isinstance(changed, dict) else None
        listed = answers if isinstance(answers, list) else []
        for request in requests:
            good = [
                a
                for a in listed
                if isinstance(a, dict)
                and a.get("id") == request["id"]
                and a.get("status") == 200
                and list_fits(Permission, a.get("body"))
            ]
            first = next((a for a in listed if isinstance(a, dict) and a.get("id") == request["id"]), None)
            if not good or first is not good[0]:
                fake.malformed = True
        return changed

    fake.batch = rewrite
    drive_graph(fake, lambda url: DRIVE, lambda url: PRIVATE)
    assert_safe(audit(fake, ONEDRIVE), fake.malformed)


LINKS = ("endless", "repeat", "other-server", "not-a-link", "beta", "more-pages", "last-page")


def paged(fake: FakeGraph, first: dict[str, Any], variant: str, pages: int, path: str) -> Callable[[str], Any]:
    """A list whose next-page links follow ``variant`` (only more-pages and last-page end properly)."""
    asked: list[str] = []

    def answer(url: str) -> Any:
        asked.append(url)
        n = len(asked)
        body = dict(first) if n == 1 else {"value": []}
        if variant == "last-page" or (variant == "more-pages" and n > pages):
            return body
        if variant != "more-pages":
            fake.malformed = True
        body["@odata.nextLink"] = {
            "endless": f"{GRAPH}{path}?$skiptoken={n}",
            "repeat": f"{GRAPH}{path}?$skiptoken=same",
            "other-server": f"https://collector.example/v1.0{path}?$skiptoken={n}",
            "not-a-link": 42,
            "beta": f"https://graph.microsoft.com/beta{path}?$skiptoken={n}",
            "more-pages": f"{GRAPH}{path}?$skiptoken={n}",
        }[variant]
        return body

    return answer


@given(variant=st.sampled_from(LINKS), pages=st.integers(0, 4))
def test_next_links_of_a_list(variant: str, pages: int) -> None:
    fake = FakeGraph()
    path = "/me/mailFolders/inbox/messageRules"
    fake.gets[path] = paged(fake, HARMLESS_RULES, variant, pages, path)
    assert_safe(audit(fake, ["microsoft.outlook_inbox_rules"]), fake.malformed)


@given(variant=st.sampled_from(LINKS), pages=st.integers(0, 4), shared=st.booleans())
def test_next_links_inside_a_batch(variant: str, pages: int, shared: bool) -> None:
    fake = FakeGraph()
    path = "/me/drive/items/p1/permissions"
    drive_graph(fake, lambda url: DRIVE, paged(fake, SHARED if shared else PRIVATE, variant, pages, path))
    assert_safe(audit(fake, ONEDRIVE), fake.malformed)


GRANT = {
    "id": "g-1",
    "clientId": "sp-1",
    "consentType": "Principal",
    "principalId": "u1",
    "resourceId": "sp-graph",
    "scope": " Mail.Read ",
}
APP = {"id": "sp-1", "appId": "a-1", "displayName": "Mail Helper", "publisherName": "Helper Inc"}


@given(
    plan=mutations,
    target=st.sampled_from(["mine", "everyone", "app"]),
    with_grant=st.booleans(),
)
def test_app_grant_answers(plan: list[Mutation], target: str, with_grant: bool) -> None:
    fake = FakeGraph()
    mine = {"value": [GRANT] if with_grant else []}
    everyone = {"value": [dict(GRANT, id="g-2", consentType="AllPrincipals", principalId=None)] if with_grant else []}
    bodies = {"mine": mine, "everyone": everyone, "app": APP}
    body = mutate(bodies[target], plan)
    fits = {
        "mine": lambda b: list_fits(OAuth2PermissionGrant, b),
        "everyone": lambda b: list_fits(OAuth2PermissionGrant, b),
        "app": lambda b: record_fits(ServicePrincipal, b),
    }[target]
    answer = served(fake, body, fits)
    fake.gets["/me/oauth2PermissionGrants"] = answer if target == "mine" else (lambda url: mine)
    fake.gets["/oauth2PermissionGrants"] = answer if target == "everyone" else (lambda url: everyone)
    fake.inner["/servicePrincipals/"] = answer if target == "app" else (lambda url: APP)
    assert_safe(audit(fake, ["microsoft.app_grants"]), fake.malformed)


METHODS = json.loads((FIXTURES / "authentication-list-methods.json").read_text())
# The person has said both documented methods are theirs: on the whole list, the check can say clear.
MINE = Decisions({fingerprint("microsoft.auth_methods", TARGET, m["id"]): "mine" for m in METHODS["value"]})


@given(plan=mutations, cut=st.none() | st.integers(0, 10_000))
def test_sign_in_method_answers(plan: list[Mutation], cut: int | None) -> None:
    fake = FakeGraph()
    body = mutate(METHODS, plan)
    fake.gets["/me/authentication/methods"] = served(fake, body, lambda b: list_fits(AuthenticationMethod, b), cut)
    assert_safe(audit(fake, ["microsoft.auth_methods"], MINE), fake.malformed)


def test_the_unmutated_answers_can_be_clear() -> None:
    """Without this, the properties above could pass by never saying clear at all."""
    fake = FakeGraph()
    fake.gets["/me/mailFolders/inbox/messageRules"] = lambda url: HARMLESS_RULES
    drive_graph(fake, lambda url: DRIVE, lambda url: PRIVATE)
    fake.gets["/me/oauth2PermissionGrants"] = lambda url: {"value": []}
    fake.gets["/oauth2PermissionGrants"] = lambda url: {"value": []}
    fake.gets["/me/authentication/methods"] = lambda url: METHODS
    checks = [*ONEDRIVE, "microsoft.outlook_inbox_rules", "microsoft.app_grants", "microsoft.auth_methods"]
    findings = audit(fake, checks, MINE)
    assert {f.check: f.status for f in findings} == dict.fromkeys(checks, Status.CLEAR)
    assert not fake.malformed
