"""What the Google remedies plan from a finding (pure: nothing is sent): which findings get which change, with
which permission; hostile text in words only literally, exact in the record; and, fuzzed, any evidence record
or any answer Google might give never raises anything but the tool's own errors nor claims a change Google did
not confirm."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import Any

import pytest
from google_accounts.practice import ANN
from google_accounts.writing import apply, findings, google_only, planned, with_token, writes
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from auditor.errors import ProviderError
from auditor.model import Finding, Severity, Status
from auditor.remedy import Change, permissions_of, remedies_for
from auditor.remedy.google import (
    CHANGES,
    DRIVE,
    GMAIL_BASIC,
    GMAIL_SHARING,
    REMEDIES,
    SEND,
    TURN_OFF_FORWARDING,
)
from auditor.safetext import literal
from auditor.sandbox import Sandbox
from auditor.sandbox.google import DriveFile, ForwardingAddress, GmailFilter
from auditor.sandbox.hostile import SAMPLES

HOSTILE = " | ".join(SAMPLES)
HIDDEN = ("\x1b", "\x07", "\u202e", "\u200b", "\u2066", "\ufeff", "\u061c")


def finding(check: str, evidence: Mapping[str, Any], status: Status = Status.FOUND, subject: str = "s") -> Finding:
    return Finding(check, ANN, status, Severity.HIGH, "title", subject=subject, evidence=evidence)


def test_the_compromised_account_gets_one_change_per_path_with_its_permission() -> None:
    with Sandbox(google_only()) as sb:
        planned_by_check = {check: planned(sb, check) for check in CHANGES}
    kinds = {check: [(c.action, c.permission) for c in changes] for check, changes in planned_by_check.items()}
    assert kinds == {
        "google.gmail_autoforward": [(TURN_OFF_FORWARDING, GMAIL_SHARING)],
        "google.gmail_forwarding_addresses": [("gmail.forwarding_address.delete", GMAIL_SHARING)],
        "google.gmail_filters": [("gmail.filter.delete", GMAIL_BASIC)],  # the filter that forwards, not the other
        "google.drive_public_media": [("drive.permission.delete", DRIVE)] * 4,  # the folder, its 2 photos, a video
        "google.drive_people_media": [("drive.permission.delete", DRIVE)],
    }
    every = [c for changes in planned_by_check.values() for c in changes]
    assert permissions_of(every) == [GMAIL_SHARING, GMAIL_BASIC, DRIVE]
    assert all(c.kind == "google" and c.target == ANN and c.restorable and c.restore_note for c in every)
    assert all(Change.from_dict(json.loads(json.dumps(c.to_dict()))) == c for c in every)  # kept in the timeline
    assert remedies_for("google") is REMEDIES


@pytest.mark.parametrize("status", [Status.CLEAR, Status.ERROR, Status.MANUAL, Status.SKIPPED])
def test_nothing_to_change_where_nothing_was_found(status: Status) -> None:
    evidence = {"emailAddress": "x@y.example", "enabled": True}
    assert REMEDIES.changes_for(finding("google.gmail_autoforward", evidence, status)) == []
    assert REMEDIES.changes_for(finding("google.gmail_pop_imap", {"enabled": True})) == []  # a path it cannot close


@pytest.mark.parametrize(
    ("check", "evidence"),
    [
        ("google.gmail_autoforward", {"emailAddress": "", "enabled": True}),  # Gmail named no address
        ("google.gmail_autoforward", {"emailAddress": "x@y.example", "enabled": False}),
        ("google.gmail_forwarding_addresses", {"verificationStatus": "accepted"}),
        ("google.gmail_filters", {"criteria": {"from": "a"}, "action": {"forward": "b@c.example"}}),  # no id
        # kept before the Drive checks kept permission ids: nothing is guessed
        ("google.drive_public_media", {"id": "f1", "name": "a.jpg", "permissions": [{"type": "anyone"}]}),
        ("google.drive_people_media", {"person": "m@x.example", "files": [{"id": "f1", "name": "a.jpg"}]}),
        (
            "google.drive_people_media",
            {"files": [{"id": "f1", "permission": {"id": "p", "type": "user", "role": "owner"}}]},
        ),
    ],
)
def test_without_the_ids_needed_there_is_no_change(check: str, evidence: dict[str, Any]) -> None:
    assert REMEDIES.changes_for(finding(check, evidence)) == []


def _hostile_account() -> Any:
    scenario = google_only("hostile", delegation=True)
    google = scenario.sections["google"]
    address = "watch" + HOSTILE.replace(" ", "") + "@proton.example"
    google.forwarding_addresses = [ForwardingAddress(forwardingEmail=address)]
    google.auto_forwarding.emailAddress = address
    google.filters = [GmailFilter.model_validate({"criteria": {"subject": HOSTILE}, "action": {"forward": address}})]
    google.drive = [
        DriveFile(name=HOSTILE + ".jpg", visibility="anyoneWithLink"),
        DriveFile(name="p" + HOSTILE + ".jpg", shared_with=["mark" + HOSTILE.replace(" ", "") + "@x.example"]),
    ]
    google.generate.hostile = False
    return scenario, address


def test_hostile_text_is_literal_in_words_and_exact_in_the_record() -> None:
    scenario, address = _hostile_account()
    with Sandbox(scenario) as sb:
        changes = {check: planned(sb, check) for check in CHANGES}
        every = [c for group in changes.values() for c in group]
        assert len(every) == 5
        # sent: the exact address and filter, whatever they hold
        [removal] = changes["google.gmail_forwarding_addresses"]
        [filter_change] = changes["google.gmail_filters"]
        writer = with_token(sb, [removal, filter_change])
        sb.log.clear()
        apply(writer, removal)
        apply(writer, filter_change)
        sent = writes(sb)
        left = findings(sb, "google.gmail_forwarding_addresses") + findings(sb, "google.gmail_filters")
    for change in every:
        assert literal(change.words, None) == change.words, change.words  # nothing left that takes effect
        assert not any(ch in change.words + change.restore_note for ch in HIDDEN)
        assert change.request.isascii() and not any(ch in change.request for ch in HIDDEN)
        shown = Console(width=400, force_terminal=True, color_system=None, record=True, file=io.StringIO())
        shown.print(Text(change.words))
        assert "[link=https://evil.example]click[/link]" in shown.export_text()  # Rich markup stays text
    [forwarding] = changes["google.gmail_autoforward"]
    assert json.loads(forwarding.request.split(" ", 2)[2])["emailAddress"] == address  # the exact record
    assert removal.before["forwardingEmail"] == address and filter_change.before["criteria"]["subject"] == HOSTILE
    names = {
        c.before["file"]["name"] for c in changes["google.drive_public_media"] + changes["google.drive_people_media"]
    }
    assert names == {HOSTILE + ".jpg", "p" + HOSTILE + ".jpg"}
    assert [w.status for w in sent] == [204, 204] and left == []


# --- fuzzed: any evidence record, any answer ----------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
KEYS = st.sampled_from(
    [
        "id",
        "name",
        "mimeType",
        "webViewLink",
        "permissions",
        "files",
        "permission",
        "person",
        "type",
        "role",
        "emailAddress",
        "enabled",
        "disposition",
        "forwardingEmail",
        "verificationStatus",
        "criteria",
        "action",
        "forward",
        "allowFileDiscovery",
        "domain",
    ]
)
EVIDENCE = st.recursive(
    st.none() | st.booleans() | st.text(max_size=6) | st.sampled_from(["anyone", "user", "owner", "reader"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=12,
).filter(lambda v: isinstance(v, dict))


@given(check=st.sampled_from(sorted(CHANGES)), evidence=EVIDENCE, status=st.sampled_from(list(Status)))
def test_any_evidence_record_plans_only_well_formed_changes(
    check: str, evidence: dict[str, Any], status: Status
) -> None:
    changes = REMEDIES.changes_for(finding(check, evidence, status))
    for change in changes:
        assert status in (Status.FOUND, Status.REVIEW)
        assert change.permission in (GMAIL_BASIC, GMAIL_SHARING, DRIVE)
        assert isinstance(change.subject, str) and change.subject
        assert change.request.isascii() and literal(change.words, None) == change.words
        assert change.action in SEND


class Answering:
    """A writer whose every request Google answers with ``answer`` (an object, as GoogleWriter hands it back)."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer

    async def _answer(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return self.answer

    update_auto_forwarding = create_forwarding_address = delete_forwarding_address = _answer
    create_filter = delete_filter = create_permission = delete_permission = _answer


def _examples() -> list[Change]:
    evidence: dict[str, dict[str, Any]] = {
        "google.gmail_autoforward": {"emailAddress": "x@y.example", "enabled": True, "disposition": "trash"},
        "google.gmail_forwarding_addresses": {"forwardingEmail": "x@y.example"},
        "google.gmail_filters": {"id": "f", "criteria": {"from": "a"}, "action": {"forward": "x@y.example"}},
        "google.drive_public_media": {
            "id": "f",
            "name": "a.jpg",
            "permissions": [{"id": "anyoneWithLink", "type": "anyone", "role": "reader"}],
        },
    }
    return [c for check, record in evidence.items() for c in REMEDIES.changes_for(finding(check, record))]


@given(
    answer=st.dictionaries(st.sampled_from(["enabled", "id", "forwardingEmail", "type", "x"]), JSON, max_size=4),
    which=st.integers(min_value=0, max_value=3),
    back=st.booleans(),
)
def test_any_answer_is_a_confirmed_change_or_an_error(answer: dict[str, Any], which: int, back: bool) -> None:
    import asyncio

    change = _examples()[which]
    step = SEND[change.action][1 if back else 0]
    try:
        result = asyncio.run(step(Answering(answer), change))
    except ProviderError:
        return
    assert result == answer
    if change.action == TURN_OFF_FORWARDING:
        assert (answer.get("enabled") is True) if back else (answer.get("enabled", False) is False)
    elif back and change.action == "gmail.forwarding_address.delete":
        assert answer["forwardingEmail"] == "x@y.example"
    elif back:
        assert answer["id"] not in (None, "")
