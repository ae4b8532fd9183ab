"""Gmail's changes sent through google-api-python-client to the practice server: each confirmed change is the one
request the server is asked to make, it closes the path (the check, run again, no longer finds it), and putting it
back makes the path again. Turning forwarding off and removing a forwarding address go through a Workspace service
account (Google allows them only to one with domain-wide delegation); deleting a filter through the person's
permission (here the practice server's own token, as in practice mode)."""

from __future__ import annotations

from pathlib import Path

import pytest
from google_accounts.practice import ANN
from google_accounts.writing import (
    apply,
    delegation_settings,
    findings,
    google_only,
    planned,
    restore,
    run,
    with_token,
    writes,
)

from auditor.errors import AuthError, ProviderError
from auditor.remedy import WriterRequest
from auditor.remedy.google import GMAIL_BASIC, GMAIL_SHARING, REMEDIES
from auditor.sandbox import Sandbox
from auditor.sandbox.google_oauth import GOOGLE_SCOPE, SERVICE_ACCOUNT

FORWARDER = "keepingtabs@proton.example"
AUTOFORWARD = "google.gmail_autoforward"
ADDRESSES = "google.gmail_forwarding_addresses"
FILTERS = "google.gmail_filters"


def test_turning_forwarding_off_sends_that_one_request_keeps_the_rest_and_closes_the_path(tmp_path: Path) -> None:
    with Sandbox(google_only(delegation=True)) as sb:
        [change] = planned(sb, AUTOFORWARD)
        assert change.permission == GMAIL_SHARING and change.permission.broad and change.permission.why_broad
        writer = run(
            REMEDIES.open_writer(
                WriterRequest(ANN, [change], settings=delegation_settings(sb, tmp_path), endpoint=sb.google_url)
            )
        )
        sb.log.clear()
        applied = apply(writer, change)
        sent = writes(sb)
        still = findings(sb, AUTOFORWARD)
        grants = sb.app("google-oauth").registry.grants()
    # exactly the confirmed change: forwarding off, the address and what happens to the copy kept as found
    assert [(w.method, w.path, w.body, w.status) for w in sent] == [
        (
            "PUT",
            "/gmail/v1/users/me/settings/autoForwarding",
            {"enabled": False, "emailAddress": FORWARDER, "disposition": "archive"},
            200,
        )
    ]
    assert applied.answer.get("enabled", False) is False
    assert still == []  # the check, run again, finds no forwarding
    # the service account asked for gmail.settings.sharing alone, acting for the account
    assert [(g.subject, g.scopes, g.client_id) for g in grants] == [
        (ANN, (GOOGLE_SCOPE + "gmail.settings.sharing",), SERVICE_ACCOUNT)
    ]


def test_forwarding_put_back_is_on_again_to_the_same_address() -> None:
    with Sandbox(google_only(delegation=True)) as sb:
        [change] = planned(sb, AUTOFORWARD)
        writer = with_token(sb, [change])
        applied = apply(writer, change)
        assert findings(sb, AUTOFORWARD) == []
        sb.log.clear()
        back = restore(writer, applied)
        sent = writes(sb)
        again = findings(sb, AUTOFORWARD)
    assert [(w.method, w.path, w.body) for w in sent] == [
        (
            "PUT",
            "/gmail/v1/users/me/settings/autoForwarding",
            {"enabled": True, "emailAddress": FORWARDER, "disposition": "archive"},
        )
    ]
    assert back.answer["enabled"] is True and back.change == change
    assert [f.subject for f in again] == [FORWARDER]
    assert "confirmed forwarding address" in change.restore_note


def test_removing_a_forwarding_address_and_putting_it_back_sends_a_new_confirmation() -> None:
    with Sandbox(google_only(delegation=True)) as sb:
        [change] = planned(sb, ADDRESSES)
        writer = with_token(sb, [change])
        sb.log.clear()
        applied = apply(writer, change)
        removed = writes(sb)
        gone = findings(sb, ADDRESSES)
        sb.log.clear()
        back = restore(writer, applied)
        added = writes(sb)
        again = findings(sb, ADDRESSES)
        outbox = list(sb.app("google").outbox)
    assert [(w.method, w.path, w.body, w.status) for w in removed] == [
        ("DELETE", "/gmail/v1/users/me/settings/forwardingAddresses/keepingtabs%40proton.example", None, 204)
    ]
    assert gone == []
    assert [(w.method, w.path, w.body) for w in added] == [
        ("POST", "/gmail/v1/users/me/settings/forwardingAddresses", {"forwardingEmail": FORWARDER})
    ]
    # Google e-mails a confirmation request to the address put back; until then it waits for confirmation
    assert back.answer == {"forwardingEmail": FORWARDER, "verificationStatus": "pending"}
    assert outbox == [{"to": FORWARDER, "what": "forwarding confirmation request"}]
    assert [(f.subject, f.evidence["verificationStatus"]) for f in again] == [(FORWARDER, "pending")]
    assert "(waiting for confirmation)" in again[0].title
    assert "new confirmation request" in change.restore_note


def test_deleting_a_filter_and_making_it_again_gives_it_a_new_id() -> None:
    with Sandbox(google_only()) as sb:
        [change] = planned(sb, FILTERS)
        assert change.permission == GMAIL_BASIC and not change.permission.broad
        writer = with_token(sb, [change])
        sb.log.clear()
        applied = apply(writer, change)
        deleted = writes(sb)
        gone = findings(sb, FILTERS)
        sb.log.clear()
        back = restore(writer, applied)
        made = writes(sb)
        again = findings(sb, FILTERS)
    old_id = change.before["id"]
    assert [(w.method, w.path, w.status) for w in deleted] == [
        ("DELETE", f"/gmail/v1/users/me/settings/filters/{old_id}", 204)
    ]
    assert gone == []
    assert [(w.method, w.path, w.body) for w in made] == [
        (
            "POST",
            "/gmail/v1/users/me/settings/filters",
            {"criteria": change.before["criteria"], "action": change.before["action"]},
        )
    ]
    assert back.answer["id"] != old_id  # Gmail gives the filter made again a new id
    assert [f.evidence["criteria"] for f in again] == [change.before["criteria"]]
    assert [f.evidence["action"]["forward"] for f in again] == [FORWARDER]


def test_forwarding_changes_need_a_workspace_service_account_and_nothing_is_sent_without_one() -> None:
    with Sandbox(google_only()) as sb:
        changes = planned(sb, AUTOFORWARD) + planned(sb, ADDRESSES)
        sb.log.clear()
        with pytest.raises(AuthError, match="Workspace service account") as info:
            run(REMEDIES.open_writer(WriterRequest(ANN, changes, endpoint=sb.google_url)))
        assert sb.requests == []  # no sign-in, no write
        assert "by hand" in str(info.value) and "Forwarding and POP/IMAP" in str(info.value)


def test_without_delegation_google_refuses_the_forwarding_change_and_it_stays_found() -> None:
    """The practice account is a personal one: even with a token, Google allows these writes only to a
    delegated service account (403 FAILED_PRECONDITION), and the writer says so."""
    with Sandbox(google_only()) as sb:
        [change] = planned(sb, AUTOFORWARD)
        writer = with_token(sb, [change])
        with pytest.raises(AuthError, match="domain-wide delegation"):
            apply(writer, change)
        assert [w.status for w in writes(sb)] == [403]
        assert [f.subject for f in findings(sb, AUTOFORWARD)] == [FORWARDER]


def test_forwarding_cannot_be_put_back_to_an_address_that_is_gone() -> None:
    with Sandbox(google_only(delegation=True)) as sb:
        [forwarding] = planned(sb, AUTOFORWARD)
        [address] = planned(sb, ADDRESSES)
        writer = with_token(sb, [forwarding, address])
        off = apply(writer, forwarding)
        apply(writer, address)
        with pytest.raises(ProviderError, match="Invalid forwarding address"):
            restore(writer, off)
        assert findings(sb, AUTOFORWARD) == []  # still off: nothing claims it is back
