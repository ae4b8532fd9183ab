"""A change Google does not confirm is an error, never a success: insufficient scope, 401, 403, 429, 5xx, a timeout,
a dropped connection, an answer that is not JSON or does not say the change was made, something already gone.
Each write is sent once (never tried again on its own), the practice server's state is unchanged where Google
refused, and the check run again still finds the path."""

from __future__ import annotations

from pathlib import Path

import pytest
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

from auditor.config import Settings
from auditor.errors import AuthError, NetworkError, ProviderError, RateLimitedError, UsageError
from auditor.remedy import Applied, WriterRequest
from auditor.remedy.google import REMEDIES
from auditor.sandbox import FaultRule, Sandbox
from auditor.sandbox.faults import FaultKind
from auditor.sandbox.google_oauth import GOOGLE_SCOPE, TokenRegistry

PUBLIC = "google.drive_public_media"
PERMISSIONS = "/drive/v3/files/*/permissions/*"


def read_only_token(sb: Sandbox) -> str:
    """The token a read-only sign-in holds (the scopes `auditor account add google` asks for)."""
    registry: TokenRegistry = sb.app("google-oauth").registry
    scopes = (GOOGLE_SCOPE + "gmail.settings.basic", GOOGLE_SCOPE + "drive.metadata.readonly")
    return registry.issue_access(registry.new_grant("1024-practice.apps.googleusercontent.com", scopes), 600)


def test_a_read_only_token_cannot_make_the_change_and_says_so() -> None:
    with Sandbox(google_only()) as sb:
        [change, *_] = planned(sb, PUBLIC)
        request = WriterRequest(
            change.target, [change], settings=Settings(), endpoint=sb.google_url, token=read_only_token(sb)
        )
        writer = run(REMEDIES.open_writer(request))
        with pytest.raises(AuthError, match="does not allow removing the sharing") as info:
            apply(writer, change)
        assert "insufficient authentication scopes" in str(info.value) and "nothing was changed" in str(info.value)
        assert [(w.method, w.status) for w in writes(sb)] == [("DELETE", 403)]
        assert len(findings(sb, PUBLIC)) == 4


@pytest.mark.parametrize(
    ("kind", "error", "words"),
    [
        ("401", AuthError, "nothing was changed"),
        ("403", ProviderError, "nothing was changed"),
        ("429", RateLimitedError, "Try again in a minute"),
        ("500", ProviderError, "not known whether"),
        ("503", ProviderError, "not known whether"),
        ("reset", NetworkError, "not known whether"),
        ("malformed", ProviderError, "not known whether"),
    ],
)
def test_a_refused_or_broken_answer_is_an_error_sent_once(kind: FaultKind, error: type, words: str) -> None:
    with Sandbox(google_only()) as sb:
        [change, *_] = planned(sb, PUBLIC)
        writer = with_token(sb, [change])
        sb.set_faults([FaultRule("google", PERMISSIONS, kind, times=1)])
        with pytest.raises(error, match=words):
            apply(writer, change)
        tries = writes(sb)
        sb.clear_faults()
        left = findings(sb, PUBLIC)
    assert len(tries) == 1, "a write is never tried again on its own"
    if kind != "malformed":  # a malformed answer stands for one whose change may have been made
        assert change.before["file"]["id"] in {f.subject for f in left}


def test_no_answer_in_time_is_an_error_that_says_the_change_is_not_known() -> None:
    with Sandbox(google_only()) as sb:
        [change, *_] = planned(sb, PUBLIC)
        writer = with_token(sb, [change], settings=Settings(request_timeout=0.5))
        sb.set_faults([FaultRule("google", PERMISSIONS, "hang", seconds=5, times=1)])
        with pytest.raises(NetworkError, match=r"did not answer within 0\.5 s: it is not known whether"):
            apply(writer, change)
        assert len(writes(sb)) == 1


def test_an_answer_that_does_not_say_forwarding_is_off_is_not_a_success() -> None:
    scenario = google_only(delegation=True)
    with Sandbox(scenario) as sb:
        [change] = planned(sb, "google.gmail_autoforward")
        writer = with_token(sb, [change])
        sb.app("google").data.write_answers["PUT /gmail/v1/users/me/settings/autoForwarding"] = {"enabled": True}
        with pytest.raises(ProviderError, match="still on"):
            apply(writer, change)


def test_something_already_gone_is_an_error_not_a_success() -> None:
    with Sandbox(google_only()) as sb:
        [change] = planned(sb, "google.gmail_filters")
        writer = with_token(sb, [change])
        apply(writer, change)
        with pytest.raises(ProviderError, match="found nothing to change"):
            apply(writer, change)
        # and a filter made again that Gmail's answer gives no id for is not claimed as made
        sb.app("google").data.write_answers["POST /gmail/v1/users/me/settings/filters"] = {}
        with pytest.raises(ProviderError, match="does not say it was done"):
            restore(writer, Applied(change))


def test_a_refused_service_account_sends_no_change(tmp_path: Path) -> None:
    """Delegation not granted: Google's token endpoint refuses the service account, so nothing reaches Gmail."""
    with Sandbox(google_only(delegation=False)) as sb:
        [change] = planned(sb, "google.gmail_autoforward")
        request = WriterRequest(
            change.target, [change], settings=delegation_settings(sb, tmp_path), endpoint=sb.google_url
        )
        writer = run(REMEDIES.open_writer(request))
        with pytest.raises(AuthError, match=r"domain-wide delegation includes gmail\.settings\.sharing"):
            apply(writer, change)
        assert writes(sb) == []


def test_a_writer_sends_only_the_changes_it_was_opened_for() -> None:
    with Sandbox(google_only()) as sb:
        [first, second, *_] = planned(sb, PUBLIC)
        writer = with_token(sb, [first])
        with pytest.raises(UsageError, match="not the one confirmed"):
            apply(writer, second)
        with pytest.raises(UsageError):
            run(REMEDIES.open_writer(WriterRequest("someone@else.example", [first], token=sb.token)))
        with pytest.raises(UsageError):
            run(REMEDIES.open_writer(WriterRequest(first.target, [], token=sb.token)))
        assert writes(sb) == []
