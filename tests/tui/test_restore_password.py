"""Putting back an Exchange change in the app on a mailbox signed in with a password: after the Put it back button,
the restore screen asks for the password in the same masked field as "Close this" ("your mailbox password, for
this change only — it is not stored"), hands it to the sign-in, clears it from the field, and keeps it nowhere.
Driven with Pilot against the practice EWS server with Basic sign-in.

The inbox rule is switched off with the app's "Close this" (the password typed there too), then put back from the
timeline: the practice server is asked for exactly one change, the same rule switched on again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from exchange_accounts.writing import TYPES, Write, shape, writes
from exchange_accounts.writing import rule_of as rule_sent
from textual.pilot import Pilot
from textual.widgets import Input

from auditor.tui.app import AuditorApp
from tui.helpers import click, text_near, wait_for, wait_for_audit
from tui.test_fix_password import (
    CONTOSO,
    PASSWORD,
    SIZE,
    case_dump,
    confirm_switching_off,
    ews_operations,
    exchange_only,
    forms,
    rule_of,
    signed_in_with_a_password,
    type_the_password_after_an_empty_one,
)
from tui.test_restore import put_back_pressed, select_row, show_timeline


async def switch_off_typing_the_password(pilot: Pilot[int], app: AuditorApp) -> tuple[int, Write]:
    """Close the rule (switch it off) with the password typed on the fix screen; the fix event's id and the write."""
    await confirm_switching_off(pilot, app)
    field = app.screen.query_one("#fix-password", Input)
    field.focus()
    await pilot.press(*PASSWORD, "enter")
    await wait_for(pilot, lambda: getattr(app.screen, "result", None) is not None, "the change's result", timeout=60)
    await pilot.pause()
    assert "Closed:" in await text_near(pilot, "#fix-result")
    [switched_off] = writes(app.sandbox)
    assert switched_off.changes == ("SetRuleOperation",)
    assert rule_sent(switched_off).findtext(f"{{{TYPES}}}IsEnabled") == "false"
    [row] = app.case.path_event_rows()
    assert row.kind == "fix" and row.payload["outcome"] == "closed"
    return row.id, switched_off


async def put_back_until_the_password_is_asked(pilot: Pilot[int], app: AuditorApp, event_id: int) -> None:
    await show_timeline(pilot, app)
    await select_row(pilot, app, "change", event_id)
    await put_back_pressed(pilot, app)
    app.sandbox.log.clear()
    await click(pilot, "#restore-confirm")
    await wait_for(pilot, lambda: app.screen.query("#restore-password"), "the password field", timeout=60)


def restore_event(app: AuditorApp) -> dict[str, object]:
    [row] = [row for row in app.case.path_event_rows() if row.kind == "restore"]
    return dict(row.payload)


async def test_the_rule_is_switched_on_again_with_the_password_typed_in_the_field_and_kept_nowhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    app = AuditorApp(practice=True, include_device=False, scenario=exchange_only(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        signed_in_with_a_password(app, monkeypatch)
        secrets_before = case_dump(app)["secrets"]
        rule_id = rule_of(app).evidence["rule_id"]
        event_id, switched_off = await switch_off_typing_the_password(pilot, app)
        await put_back_until_the_password_is_asked(pilot, app, event_id)
        await type_the_password_after_an_empty_one(pilot, app, "restore")
        await wait_for(pilot, lambda: getattr(app.screen, "result", None) is not None, "the result", timeout=60)
        await pilot.pause()
        assert "Put back at" in await text_near(pilot, "#restore-result")
        assert not app.screen.query("#restore-password")
        # Exactly one change asked of the server: the rule switched off, now switched on again, the rest as sent.
        [switched_on] = writes(app.sandbox)
        assert (switched_on.operation, switched_on.changes, switched_on.status) == (
            "UpdateInboxRules",
            ("SetRuleOperation",),
            200,
        )
        on, off = rule_sent(switched_on), rule_sent(switched_off)
        assert on.findtext(f"{{{TYPES}}}RuleId") == rule_id
        assert on.findtext(f"{{{TYPES}}}IsEnabled") == "true"
        assert [shape(child) for child in on if not child.tag.endswith("IsEnabled")] == [
            shape(child) for child in off if not child.tag.endswith("IsEnabled")
        ]
        [rule] = [r for r in app.sandbox.app("ews").rules if r.RuleId == rule_id]
        assert rule.IsEnabled is True
        signed = [r.headers.get("Authorization", "") for r in app.sandbox.requests if r.provider == "ews"]
        assert signed and all(signed)  # signed in (the log redacts how): no token was given, so with the password
        logged = " ".join(str(vars(r)) for r in app.sandbox.requests)
        assert all(form not in logged for form in forms(PASSWORD))
        record = restore_event(app)
        assert record["outcome"] == "put-back" and record["restore_of"] == event_id
        # The case keeps no copy of it: in no table but the one password stored when the mailbox was signed in
        # (for reading), unchanged; not in the events; not in any file under the home folder.
        dump = case_dump(app)
        assert {"events", "evidence", "findings", "secrets"} <= set(dump) and CONTOSO in dump["findings"]
        assert dump["secrets"] == secrets_before
        for table, text in dump.items():
            if table == "secrets":
                continue
            for form in forms(PASSWORD):
                assert form not in text, f"the password is in the case's {table}"
        for row in app.case.path_event_rows():
            assert all(form not in str(row.payload) for form in forms(PASSWORD))
        for path in Path(isolated_home).rglob("*"):
            if path.is_file():
                assert PASSWORD.encode() not in path.read_bytes(), path
        await pilot.press("ctrl+q")


async def test_cancelling_the_password_sends_nothing_and_says_not_put_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = AuditorApp(practice=True, include_device=False, scenario=exchange_only(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        signed_in_with_a_password(app, monkeypatch)
        rule_id = rule_of(app).evidence["rule_id"]
        event_id, _ = await switch_off_typing_the_password(pilot, app)
        await put_back_until_the_password_is_asked(pilot, app, event_id)
        await click(pilot, "#restore-password-cancel")
        await wait_for(pilot, lambda: getattr(app.screen, "result", None) is not None, "the result", timeout=60)
        await pilot.pause()
        assert "Not put back" in await text_near(pilot, "#restore-result")
        assert "no password was given" in await text_near(pilot, "#restore-reason")
        assert ews_operations(app) == []  # not even a read: the sign-in stopped before the server
        record = restore_event(app)
        assert record["outcome"] == "not-put-back" and record["restored"] == []
        assert record["restore_of"] == event_id
        [rule] = [r for r in app.sandbox.app("ews").rules if r.RuleId == rule_id]
        assert rule.IsEnabled is False  # the rule stays as it was closed
        await pilot.press("ctrl+q")
