"""Faults on the practice Graph server while a Microsoft change is sent (real msal + httpx): a 403, throttling
(429 with Retry-After, waited out, or longer than the tool waits), server errors, a timeout and a broken answer
each end in an error — the change not made, the finding still open — never in a silent success. A request that
makes something new (recreating a rule, inviting a person) is never sent twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from microsoft_accounts.writing import (
    ANN,
    PEOPLE_CHECK,
    PUBLIC_CHECK,
    RULES_CHECK,
    WORK,
    apply,
    changes,
    graph_requests,
    open_findings,
    restore,
    rule_path,
    run,
    scenario,
    settings,
)

from auditor.errors import ConnectorError, NetworkError, RateLimitedError
from auditor.remedy.microsoft import RULE_DELETE, RULE_OFF, SHARING_REMOVE
from auditor.sandbox import FaultRule, Sandbox
from auditor.sandbox.faults import FaultKind

FAILING: list[tuple[FaultKind, dict, type[ConnectorError], str]] = [
    ("403", {}, ConnectorError, "403"),
    ("429", {"retry_after": 3600}, RateLimitedError, "429"),  # longer than the tool waits: ends at once
    ("500", {}, ConnectorError, "500"),
    ("503", {"retry_after": 0}, ConnectorError, "503"),
    ("hang", {"seconds": 5}, NetworkError, "did not answer"),
    ("reset", {}, NetworkError, "connection"),
    ("malformed", {}, ConnectorError, "not valid JSON"),
]


@pytest.mark.parametrize(("kind", "options", "error", "said"), FAILING, ids=[f[0] for f in FAILING])
def test_a_fault_on_turning_a_rule_off_ends_in_an_error_and_the_rule_stays(
    tmp_path: Path, kind: FaultKind, options: dict, error: type[ConnectorError], said: str
) -> None:
    with Sandbox(scenario(tmp_path, WORK)) as sb:
        (rule,) = open_findings(run(sb), RULES_CHECK)
        (off,) = changes([rule], RULE_OFF)
        sb.set_faults([FaultRule("graph", rule_path(rule.evidence["id"]), kind, **options)])
        sb.log.clear()
        with pytest.raises(error, match=said):
            apply(sb, ANN, [off], settings=settings(timeout=0.5, budget=1.0))
        tries = graph_requests(sb)
        assert tries and {(r.method, r.path) for r in tries} == {("PATCH", rule_path(rule.evidence["id"]))}
        sb.clear_faults()
        assert [f.fingerprint for f in open_findings(run(sb), RULES_CHECK)] == [rule.fingerprint]


def test_a_429_with_retry_after_is_waited_out_and_the_change_made_once(tmp_path: Path) -> None:
    with Sandbox(scenario(tmp_path, WORK)) as sb:
        found = open_findings(run(sb), PUBLIC_CHECK)
        change = changes(found)[0]
        item, perm = change.before["item"], change.before["id"]
        path = f"/v1.0/me/drive/items/{item}/permissions/{perm}"
        sb.set_faults([FaultRule("graph", path, "429", retry_after=0, times=2)])
        sb.log.clear()
        apply(sb, ANN, [change], settings=settings(budget=4.0))
        assert [(r.method, r.path, r.status) for r in graph_requests(sb)] == [
            ("DELETE", path, 429),
            ("DELETE", path, 429),
            ("DELETE", path, 204),
        ]
        assert len(open_findings(run(sb), PUBLIC_CHECK)) == len(found) - 1


@pytest.mark.parametrize("kind", ["403", "500", "hang"])
def test_a_fault_on_removing_a_link_leaves_the_photo_open_to_anyone(tmp_path: Path, kind: FaultKind) -> None:
    with Sandbox(scenario(tmp_path, WORK)) as sb:
        found = open_findings(run(sb), PUBLIC_CHECK)
        planned = changes(found)
        sb.set_faults([FaultRule("graph", "/v1.0/me/drive/items/*/permissions/*", kind, seconds=5)])
        sb.log.clear()
        with pytest.raises(ConnectorError):
            apply(sb, ANN, planned, settings=settings(timeout=0.5, budget=1.0))
        assert {r.method for r in graph_requests(sb)} == {"DELETE"}
        # The first change failed, so the writer sent nothing more (the flow stops there too).
        assert {r.path for r in graph_requests(sb)} == {
            f"/v1.0/me/drive/items/{planned[0].before['item']}/permissions/{planned[0].before['id']}"
        }
        sb.clear_faults()
        assert len(open_findings(run(sb), PUBLIC_CHECK)) == len(found)


@pytest.mark.parametrize("kind", ["500", "503", "hang", "reset"])
def test_recreating_a_rule_is_never_sent_twice(tmp_path: Path, kind: FaultKind) -> None:
    with Sandbox(scenario(tmp_path, WORK)) as sb:
        (rule,) = open_findings(run(sb), RULES_CHECK)
        (delete,) = changes([rule], RULE_DELETE)
        (applied,) = apply(sb, ANN, [delete])
        sb.set_faults([FaultRule("graph", "/v1.0/me/mailFolders/inbox/messageRules", kind, seconds=5, retry_after=0)])
        sb.log.clear()
        with pytest.raises(ConnectorError, match="may or may not have been made"):
            restore(sb, ANN, [applied], settings=settings(timeout=0.5, budget=4.0))
        assert [(r.method, r.path) for r in graph_requests(sb)] == [("POST", "/v1.0/me/mailFolders/inbox/messageRules")]
        sb.clear_faults()
        assert open_findings(run(sb), RULES_CHECK) == []  # not made (the fault came first)


def test_inviting_a_person_again_is_never_sent_twice(tmp_path: Path) -> None:
    with Sandbox(scenario(tmp_path, WORK)) as sb:
        (mark,) = open_findings(run(sb), PEOPLE_CHECK)
        (change,) = changes([mark], SHARING_REMOVE)
        (applied,) = apply(sb, ANN, [change])
        sb.set_faults([FaultRule("graph", "/v1.0/me/drive/items/*/invite", "503", retry_after=0)])
        sb.log.clear()
        with pytest.raises(ConnectorError, match="may or may not"):
            restore(sb, ANN, [applied], settings=settings(budget=4.0))
        assert [r.method for r in graph_requests(sb)] == ["POST"]


def test_a_refused_token_mid_sitting_is_an_error(tmp_path: Path) -> None:
    with Sandbox(scenario(tmp_path, WORK)) as sb:
        (rule,) = open_findings(run(sb), RULES_CHECK)
        (off,) = changes([rule], RULE_OFF)
        sb.set_faults([FaultRule("graph", rule_path(rule.evidence["id"]), "401")])
        sb.log.clear()
        with pytest.raises(ConnectorError, match="refused the sign-in"):
            apply(sb, ANN, [off])
        assert [(r.method, r.status) for r in graph_requests(sb)] == [("PATCH", 401)]  # never tried again
