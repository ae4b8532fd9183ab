"""Shape fuzzing of every Google answer (hypothesis; 200 derandomised cases a property, tests/conftest.py).

Google's published example of each answer (tests/fixtures/google) is mutated — keys dropped, values changed to
another JSON type, nulls put in, unknown keys added, lists truncated or repeated, records replaced by other
values, pages chained with repeated, endless, unknown or ill-typed page tokens, bodies cut off mid-text — and
handed to the checks through the connector's own parse functions. Properties:

- no traceback escapes: every check says something, and nothing ends as an unexpected failure;
- "Looks clear" only when an independent reading of the answer (the discovery schema, and the decisions in
  tests/fixtures/google/README.md) says the path is closed — so never over a malformed answer;
- what is found among malformed records is still reported;
- leaving a field out reads exactly as sending its proto3 default.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from sandbox.discovery import problems

from auditor.checkapi import Source
from auditor.config import Settings
from auditor.engine import run_one
from auditor.model import Finding, Status
from auditor.sandbox import Sandbox, load_scenario
from auditor.sandbox.google import proto3

from .answering import (
    CHECKS,
    TARGET,
    AnsweringClient,
    Unreadable,
    crashed,
    fixture,
    published_answers,
    quiet_answers,
    run_check,
    statuses,
)

JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
ANY_JSON = st.recursive(
    JSON_LEAF,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
MUTATIONS = ("drop", "retype", "null", "extra", "truncate", "repeat", "replace-item")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    return type(value).__name__


def _other_kind_than(old: Any) -> Callable[[Any], bool]:
    """Whether a value is of another JSON kind than ``old``."""
    kind = _kind(old)
    return lambda value: _kind(value) != kind


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place inside ``value`` (dict keys and list indices), the root first."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        value = value[part]
    return value


def _set(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    _get(value, path[:-1])[path[-1]] = new
    return value


@st.composite
def mutated(draw: st.DrawFn, base: Any, most: int = 3) -> Any:
    """``base`` with one to ``most`` shape changes."""
    value = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, most))):
        places = list(_paths(value))
        path = draw(st.sampled_from(places))
        kind = draw(st.sampled_from(MUTATIONS))
        target = _get(value, path)
        if kind == "drop" and path:
            parent = _get(value, path[:-1])
            del parent[path[-1]]
        elif kind == "retype":
            new = draw(ANY_JSON.filter(_other_kind_than(target)))
            value = _set(value, path, new)
        elif kind == "null":
            value = _set(value, path, None)
        elif kind == "extra" and isinstance(target, dict):
            target[draw(st.text(max_size=10))] = draw(ANY_JSON)
        elif kind == "truncate" and isinstance(target, list):
            del target[draw(st.integers(0, len(target))) :]
        elif kind == "repeat" and isinstance(target, list) and target:
            target.append(copy.deepcopy(draw(st.sampled_from(target))))
        elif kind == "replace-item" and isinstance(target, list) and target:
            target[draw(st.integers(0, len(target) - 1))] = draw(ANY_JSON)
    return value


def well_formed(document: str, schema: str, body: Any) -> bool:
    """What the discovery schema says of ``body``: the right JSON types and enum values, no nulls. Keys the schema
    does not name are allowed (Google adds fields; the connector ignores them)."""
    if not isinstance(body, dict):
        return False
    return not [p for p in problems(document, schema, body) if "not in the" not in p]


def _items(body: dict[str, Any], key: str) -> list[Any]:
    return list(body.get(key) or [])


# read -> (its check, discovery document and schema, when an answer documents the path as closed)
SETTINGS: dict[str, tuple[str, str, str, Any]] = {
    "autoForwarding": (
        "google.gmail_autoforward",
        "gmail.v1",
        "AutoForwarding",
        lambda b: b.get("enabled", False) is False,
    ),
    "imap": ("google.gmail_pop_imap", "gmail.v1", "ImapSettings", lambda b: b.get("enabled", False) is False),
    "pop": ("google.gmail_pop_imap", "gmail.v1", "PopSettings", lambda b: b.get("accessWindow") == "disabled"),
    "forwardingAddresses": (
        "google.gmail_forwarding_addresses",
        "gmail.v1",
        "ListForwardingAddressesResponse",
        lambda b: not _items(b, "forwardingAddresses"),
    ),
    "filters": (
        "google.gmail_filters",
        "gmail.v1",
        "ListFiltersResponse",
        lambda b: not any((f.get("action") or {}).get("forward") for f in _items(b, "filter")),
    ),
    "sendAs": (
        "google.gmail_send_as",
        "gmail.v1",
        "ListSendAsResponse",
        lambda b: bool(_items(b, "sendAs")) and all(a.get("isPrimary") is True for a in _items(b, "sendAs")),
    ),
    "delegates": ("google.gmail_delegates", "gmail.v1", "ListDelegatesResponse", lambda b: not _items(b, "delegates")),
    "user": (
        "google.workspace_two_step",
        "admin.directory_v1",
        "User",
        lambda b: "primaryEmail" in b and b.get("isEnrolledIn2Sv") is True,
    ),
    "tokens": ("google.workspace_app_tokens", "admin.directory_v1", "Tokens", lambda b: not _items(b, "items")),
    "asps": ("google.workspace_app_passwords", "admin.directory_v1", "Asps", lambda b: not _items(b, "items")),
}


def _bases(read: str) -> list[Any]:
    return [published_answers()[read], quiet_answers()[read]]


@pytest.mark.parametrize("read", sorted(SETTINGS))
@given(data=st.data())
def test_a_malformed_answer_is_never_clear_and_never_a_traceback(read: str, data: st.DataObject) -> None:
    check, document, schema, closed = SETTINGS[read]
    body = data.draw(mutated(data.draw(st.sampled_from(_bases(read)))))
    findings = run_check(check, AnsweringClient({**quiet_answers(), read: body}))
    assert findings and not crashed(findings), [f.detail for f in findings]
    event("well formed" if well_formed(document, schema, body) else "malformed")
    event("said " + "/".join(sorted(s.value for s in statuses(findings))))
    if Status.CLEAR in statuses(findings):
        assert well_formed(document, schema, body) and closed(body), (body, [f.title for f in findings])


# --- what is found among malformed records is still reported --------------------------------------------

FOUND_AMONG: dict[str, tuple[str, str, dict[str, Any], str]] = {
    "filters": (
        "google.gmail_filters",
        "filter",
        {"id": "the-forwarding-filter", "criteria": {"from": "bank.example"}, "action": {"forward": "x@evil.example"}},
        "the-forwarding-filter",
    ),
    "forwardingAddresses": (
        "google.gmail_forwarding_addresses",
        "forwardingAddresses",
        {"forwardingEmail": "the-watcher@evil.example", "verificationStatus": "accepted"},
        "the-watcher@evil.example",
    ),
    "delegates": (
        "google.gmail_delegates",
        "delegates",
        {"delegateEmail": "the-delegate@evil.example"},
        "the-delegate@evil.example",
    ),
}


@pytest.mark.parametrize("read", sorted(FOUND_AMONG))
@given(data=st.data())
def test_a_way_in_among_malformed_records_is_still_reported(read: str, data: st.DataObject) -> None:
    check, key, record, subject = FOUND_AMONG[read]
    siblings = data.draw(st.lists(st.one_of(ANY_JSON, mutated(record)), max_size=4))
    siblings = [s for s in siblings if not (isinstance(s, dict) and subject in json.dumps(s))]
    position = data.draw(st.integers(0, len(siblings)))
    body = {key: [*siblings[:position], record, *siblings[position:]]}
    findings = run_check(check, AnsweringClient({**quiet_answers(), read: body}))
    assert not crashed(findings)
    assert [f.subject for f in findings if f.status in (Status.FOUND, Status.REVIEW)].count(subject) == 1, findings


# --- listings that page ------------------------------------------------------------------------------------

PAGED: dict[str, tuple[str, str, str, str, str]] = {
    # read -> (check, key of the pages in the client, items key, discovery document, schema)
    "media_shared_by_link": ("google.drive_public_media", "files", "files", "drive.v3", "FileList"),
    "media_shared_with_people": ("google.drive_people_media", "files", "files", "drive.v3", "FileList"),
    "mobile_devices": (
        "google.workspace_mobile_devices",
        "mobiledevices",
        "mobiledevices",
        "admin.directory_v1",
        "MobileDevices",
    ),
    "login_events": ("google.workspace_logins", "logins", "items", "admin.reports_v1", "Activities"),
}
MAX_PAGES = 4  # the answering client's page limit, low so that endless listings reach it
TOKENS = st.one_of(
    st.none(),
    st.just(""),
    st.integers(0, 6).map(str),  # the next page, an earlier one (a loop) or one that does not exist
    st.integers(0, 6),
    st.lists(st.text(max_size=3), max_size=2),
)


@st.composite
def pages(draw: st.DrawFn, read: str) -> list[Any]:
    _, client_key, _items_key, _, _ = PAGED[read]
    full = published_answers()[client_key][0]
    empty = quiet_answers()[client_key][0]
    out: list[Any] = []
    for _ in range(draw(st.integers(1, 6))):
        page = copy.deepcopy(draw(st.sampled_from([full, empty])))
        token = draw(TOKENS)
        if token is not None:
            page["nextPageToken"] = token
        if draw(st.booleans()):
            page = draw(mutated(page, most=2))
        if draw(st.integers(0, 9)) == 0:  # a body cut off on the way
            text = json.dumps(page)
            page = Unreadable(text[: draw(st.integers(0, max(0, len(text) - 1)))])
        out.append(page)
    return out


def reportable(read: str, page: dict[str, Any]) -> bool:
    """The page lists something the check reports: any file; a device of the audited account; a sign-in event of
    a kind the check names (its own lists of Google's login event names)."""
    from auditor.checks.google.workspace_logins import ALARMING, CHANGES, SUCCESS

    _, _, items_key, _, _ = PAGED[read]
    items = _items(page, items_key)
    if read == "mobile_devices":
        return any(TARGET in [e.lower() for e in d.get("email", [])] for d in items)
    if read == "login_events":
        names = {e.get("name") for a in items for e in a.get("events", [])}
        return bool(names & (set(ALARMING) | set(CHANGES) | SUCCESS))
    return bool(items)


def closed_listing(read: str, chain: list[Any]) -> bool:
    """Following the chain as Google documents paging, every page was read whole and nothing was listed."""
    _, _, _, document, schema = PAGED[read]
    index, seen = 0, set()
    for _ in range(MAX_PAGES):
        if not 0 <= index < len(chain) or index in seen:
            return False
        seen.add(index)
        page = chain[index]
        if isinstance(page, Unreadable) or not well_formed(document, schema, page):
            return False
        if page.get("incompleteSearch") is True or reportable(read, page):
            return False
        token = page.get("nextPageToken")
        if token is None or token == "":
            return True
        if not isinstance(token, str) or not token.isdigit():
            return False
        index = int(token)
    return False


@pytest.mark.parametrize("read", sorted(PAGED))
@given(data=st.data())
def test_a_listing_is_clear_only_when_every_page_was_read_whole(read: str, data: st.DataObject) -> None:
    check, client_key, _, _, _ = PAGED[read]
    chain = data.draw(pages(read))
    client = AnsweringClient({**quiet_answers(), client_key: chain}, max_pages=MAX_PAGES)
    findings = run_check(check, client)
    assert findings and not crashed(findings), [f.detail for f in findings]
    event("closed as documented" if closed_listing(read, chain) else "not closed")
    event("said " + "/".join(sorted(s.value for s in statuses(findings))))
    if Status.CLEAR in statuses(findings):
        assert closed_listing(read, chain), chain


# --- leaving a field out is its proto3 default ------------------------------------------------------------


def _said(findings: list[Finding]) -> list[tuple[Status, str, str]]:
    return sorted((f.status, f.title, f.subject) for f in findings)


@pytest.mark.parametrize("read", ["autoForwarding", "imap", "pop", "filters", "forwardingAddresses", "sendAs"])
@given(data=st.data())
def test_leaving_out_a_default_reads_as_sending_it(read: str, data: st.DataObject) -> None:
    check, document, schema, _ = SETTINGS[read]
    body = data.draw(mutated(data.draw(st.sampled_from(_bases(read)))))
    if not well_formed(document, schema, body):
        return  # only answers Google could send: a proto3 writer leaves defaults out of those
    bodies = quiet_answers()
    sent = run_check(check, AnsweringClient({**bodies, read: body}))
    left_out = run_check(check, AnsweringClient({**bodies, read: proto3(body)}))
    assert _said(sent) == _said(left_out), (body, proto3(body))


# --- through the real client: bodies cut off on the way ---------------------------------------------------

GMAIL = "/gmail/v1/users/me/settings/"
CUT: dict[str, tuple[str, str]] = {
    # request path -> (check, the example answer that is cut off)
    GMAIL + "autoForwarding": ("google.gmail_autoforward", "gmail_auto_forwarding_off.json"),
    GMAIL + "forwardingAddresses": ("google.gmail_forwarding_addresses", "gmail_forwarding_addresses.json"),
    GMAIL + "filters": ("google.gmail_filters", "gmail_filters.json"),
    GMAIL + "sendAs": ("google.gmail_send_as", "gmail_send_as.json"),
    GMAIL + "imap": ("google.gmail_pop_imap", "gmail_imap_off.json"),
    GMAIL + "pop": ("google.gmail_pop_imap", "gmail_pop_off.json"),
    "/drive/v3/files": ("google.drive_public_media", "drive_files_list.json"),
}


@pytest.fixture(scope="module")
def practice() -> Iterator[Sandbox]:
    with Sandbox(load_scenario("clean")) as sb:
        yield sb


@given(data=st.data())
def test_an_answer_cut_off_on_the_way_is_never_clear(practice: Sandbox, data: st.DataObject) -> None:
    from google.oauth2.credentials import Credentials

    from auditor.connectors.google.client import GoogleClient

    path = data.draw(st.sampled_from(sorted(CUT)))
    check, name = CUT[path]
    text = json.dumps(fixture(name))
    cut = text[: data.draw(st.integers(0, len(text) - 1))]
    practice.app("google").data.raw_answers = {path: cut}
    settings = Settings(request_timeout=2.0, retry_budget=1.0)
    client = GoogleClient(
        practice.endpoints().google, Credentials(practice.token), timeout=settings.request_timeout, retry_budget=1.0
    )
    try:
        source = Source("google", "sam.example@gmail.com", clients={"google": client})
        findings = asyncio.run(run_one(CHECKS[check], source))
    finally:
        client.close()
        practice.app("google").data.raw_answers = {}
    assert findings and not crashed(findings), [f.detail for f in findings]
    assert Status.CLEAR not in statuses(findings), (path, cut)
    assert any("not valid JSON" in f.detail for f in findings), [f.detail for f in findings]
