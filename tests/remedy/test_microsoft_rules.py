"""Outlook inbox rules closed through Graph against the practice server, with real msal (the write permission
asked for through the practice identity platform) and httpx: turning a rule off (offered first: it stays in the
mailbox as evidence) and deleting it, each one request, the check run again no longer finding the rule, and
putting it back — turned on again, or made again as it was found with a new id."""

from __future__ import annotations

from pathlib import Path

from microsoft_accounts.writing import (
    ANN,
    HOSTILE,
    RULES_CHECK,
    WORK,
    apply,
    asked,
    changes,
    findings,
    graph_requests,
    open_findings,
    restore,
    rule_path,
    run,
    scenario,
    sent,
)

from auditor.model import Status
from auditor.remedy import Change, permissions_of
from auditor.remedy.microsoft import MAILBOX_WRITE, RULE_DELETE, RULE_OFF
from auditor.safetext import literal
from auditor.sandbox import Sandbox


def _rule(sb: Sandbox, name: str = HOSTILE) -> dict:
    return next(r for r in sb.app("graph").resources.rules if r["displayName"] == name)


def test_turning_off_is_offered_first_then_deleting(tmp_path: Path) -> None:
    with Sandbox(scenario(tmp_path, WORK)) as sb:
        (finding,) = open_findings(run(sb), RULES_CHECK)
        planned = changes([finding])
    # Two ways of closing the same path (the flow has the person choose one); signing out is not one of them.
    assert [c.action for c in planned] == [RULE_OFF, RULE_DELETE]
    off, delete = planned
    assert off.permission == MAILBOX_WRITE and delete.permission == MAILBOX_WRITE
    assert "stays in your mailbox" in off.words and off.restorable and delete.restorable
    assert "new id" in delete.restore_note
    rule_id = finding.evidence["id"]
    assert off.request == f'PATCH /me/mailFolders/inbox/messageRules/{rule_id} {{"isEnabled": false}}'
    assert delete.request == f"DELETE /me/mailFolders/inbox/messageRules/{rule_id}"
    # The record as found is kept with the change, exactly (the hostile name too), so it can be made again.
    assert off.before["displayName"] == HOSTILE and off.before["sequence"] == 3
    assert "account_type" not in off.before
    # What the person confirms shows the name literally: no markup, escape or bidi character takes effect.
    assert literal(HOSTILE, 120) in off.words and HOSTILE not in off.words
    assert "\x1b" not in off.words and "\u202e" not in off.words
    assert Change.from_dict(off.to_dict()) == off


def test_turning_a_rule_off_sends_one_patch_and_the_check_no_longer_finds_it_then_on_again(tmp_path: Path) -> None:
    with Sandbox(scenario(tmp_path, WORK)) as sb:
        (finding,) = open_findings(run(sb), RULES_CHECK)
        (off,) = changes([finding], RULE_OFF)
        sb.log.clear()
        (applied,) = apply(sb, ANN, [off])

        path = rule_path(finding.evidence["id"])
        assert sent(sb) == [("PATCH", path, {"isEnabled": False})]
        assert [(r.method, r.path) for r in graph_requests(sb)] == [("PATCH", path)]  # nothing else reached Graph
        assert graph_requests(sb)[0].extra["granted"] == ["MailboxSettings.ReadWrite"]  # the token of this sitting
        assert asked(sb) == [{"MailboxSettings.ReadWrite", "openid", "profile", "offline_access"}]
        assert applied.answer == {"id": finding.evidence["id"], "isEnabled": False}
        assert _rule(sb)["isEnabled"] is False  # still in the mailbox, as evidence

        again = findings(run(sb), RULES_CHECK)
        assert finding.fingerprint not in {f.fingerprint for f in again}
        assert [f.status for f in again] == [Status.CLEAR] and "switched off" in again[0].title

        sb.log.clear()
        restore(sb, ANN, [applied])
        assert sent(sb) == [("PATCH", path, {"isEnabled": True})]
        assert [f.fingerprint for f in open_findings(run(sb), RULES_CHECK)] == [finding.fingerprint]


def test_deleting_a_rule_sends_one_delete_and_restoring_makes_it_again_as_found_with_a_new_id(tmp_path: Path) -> None:
    with Sandbox(scenario(tmp_path, WORK)) as sb:
        (finding,) = open_findings(run(sb), RULES_CHECK)
        (delete,) = changes([finding], RULE_DELETE)
        found = dict(_rule(sb))
        sb.log.clear()
        (applied,) = apply(sb, ANN, [delete])

        assert sent(sb) == [("DELETE", rule_path(finding.evidence["id"]), None)]
        assert len(graph_requests(sb)) == 1
        assert [r["displayName"] for r in sb.app("graph").resources.rules] == ["Newsletters"]
        assert open_findings(run(sb), RULES_CHECK) == []

        sb.log.clear()
        (put_back,) = restore(sb, ANN, [applied])
        ((method, path, body),) = sent(sb)
        assert (method, path) == ("POST", "/v1.0/me/mailFolders/inbox/messageRules")
        # The rule as found: its name (hostile text, exactly), order, conditions and actions.
        assert body == {k: found[k] for k in ("displayName", "sequence", "isEnabled", "conditions", "actions")}
        made = _rule(sb)
        assert made["id"] == put_back.answer["id"] != finding.evidence["id"]
        assert put_back.answer["was"] == finding.evidence["id"]
        assert {k: made[k] for k in body} == body

        # The check finds the recreated rule again: a new id is a new finding.
        (again,) = open_findings(run(sb), RULES_CHECK)
        assert again.evidence["id"] == made["id"] and again.evidence["displayName"] == HOSTILE


def test_one_sitting_asks_once_for_the_permission_of_the_chosen_changes_only(tmp_path: Path) -> None:
    with Sandbox(scenario(tmp_path, WORK)) as sb:
        (finding,) = open_findings(run(sb), RULES_CHECK)
        off, delete = changes([finding])
        assert [p.name for p in permissions_of([off, delete])] == ["MailboxSettings.ReadWrite"]
        sb.log.clear()
        apply(sb, ANN, [off, delete])
        path = rule_path(finding.evidence["id"])
        assert sent(sb) == [("PATCH", path, {"isEnabled": False}), ("DELETE", path, None)]
        assert asked(sb) == [{"MailboxSettings.ReadWrite", *("openid", "profile", "offline_access")}]


def test_a_read_only_rule_is_left_to_the_playbook(tmp_path: Path) -> None:
    text = WORK.replace("      sequence: 3\n", "      sequence: 3\n      isReadOnly: true\n")
    with Sandbox(scenario(tmp_path, text)) as sb:
        (finding,) = open_findings(run(sb), RULES_CHECK)
    # messageRule: a read-only rule "cannot be modified or deleted by the rules REST API".
    assert changes([finding]) == []
