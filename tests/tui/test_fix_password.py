"""An Exchange change in the app on a mailbox signed in with a password: after the confirmation the fix screen asks
for the password in a masked field ("your mailbox password, for this change only — it is not stored"), hands it to
the sign-in, clears it from the field, and keeps it nowhere. Driven with Pilot against the practice EWS server.

The case signed in to the mailbox as `auditor account add exchange` does (the password kept, encrypted, for
reading); the change is sent with the password typed again, never with the token the practice audit read with.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from auditor.application.auditing import AuditPlan
from auditor.config import Endpoints, Settings
from auditor.connectors.signin import secret_name
from auditor.model import Finding, Status
from auditor.sandbox.scenario import SCENARIO_DIR
from auditor.tui.app import AuditorApp
from tui.helpers import click, open_finding, text_near, wait_for, wait_for_audit

SIZE = (110, 44)
PASSWORD = "practice-only"  # the practice mailbox's password (scenarios/compromised.yaml)
CONTOSO = "ann.example@contoso.example"
NOTE = "your mailbox password, for this change only — it is not stored"


def exchange_only(tmp_path: Path) -> str:
    """The compromised scenario's Exchange mailbox alone (its section of the shipped YAML, as it is)."""
    text = (SCENARIO_DIR / "compromised.yaml").read_text(encoding="utf-8")
    path = tmp_path / "exchange-only.yaml"
    path.write_text("name: exchange-only\n" + text[text.index("\nexchange:\n") + 1 :], encoding="utf-8")
    return str(path)


def signed_in_with_a_password(app: AuditorApp, monkeypatch: pytest.MonkeyPatch) -> None:
    """The case's mailbox signed in with its password (Basic), as `auditor account add exchange` leaves it, and the
    app's plan reading it so: no token, so a change needs the password typed again."""
    url = app.sandbox.url("ews")
    app.case.add_account("exchange", CONTOSO, {"url": url, "auth": "basic", "username": CONTOSO})
    app.case.put_secret(secret_name("exchange", CONTOSO), PASSWORD.encode())
    plan = AuditPlan(
        kinds=("exchange",),
        endpoints=Endpoints(google=None, graph=None, ews=None, token=None),
        settings=Settings(request_timeout=2.0, retry_budget=2.0),
        practice=True,
    )
    monkeypatch.setattr(app, "audit_plan", lambda: plan)


def rule_of(app: AuditorApp) -> Finding:
    return next(f for f in app.book.all() if f.check == "exchange.inbox_rules" and f.status is Status.FOUND)


def ews_changes(app: AuditorApp) -> list[str]:
    return [str(r.extra.get("operation")) for r in app.sandbox.requests if r.provider == "ews" and r.extra.get("body")]


def ews_operations(app: AuditorApp) -> list[str]:
    return [str(r.extra.get("operation")) for r in app.sandbox.requests if r.provider == "ews"]


def case_dump(app: AuditorApp) -> dict[str, str]:
    """Every row of every table of the open case, decrypted, as text (blobs also as hexadecimal and UTF-8)."""
    case = app.case
    tables = [r[0] for r in case._query("SELECT name FROM sqlite_master WHERE type = 'table'")]
    dump: dict[str, str] = {}
    for table in tables:
        lines = []
        for row in case._query(f'SELECT * FROM "{table}"'):
            for value in row:
                if isinstance(value, bytes):
                    lines += [value.hex(), value.decode("utf-8", "replace")]
                else:
                    lines.append(str(value))
        dump[table] = "\n".join(lines)
    return dump


def forms(secret: str) -> list[str]:
    basic = base64.b64encode(f"{CONTOSO}:{secret}".encode()).decode()
    return [secret, secret.encode().hex(), secret.encode().hex().upper(), basic]


async def confirm_switching_off(pilot: Pilot[int], app: AuditorApp) -> None:
    await open_finding(pilot, rule_of(app))
    await pilot.press("c")
    await wait_for(pilot, lambda: getattr(app.screen, "plan", None) is not None, "the change to be planned")
    await click(pilot, "#fix-way-0")  # switch the rule off
    app.sandbox.log.clear()
    await click(pilot, "#fix-confirm")
    await wait_for(pilot, lambda: app.screen.query("#fix-password"), "the password field", timeout=60)


async def type_the_password_after_an_empty_one(pilot: Pilot[int], app: AuditorApp, prefix: str) -> None:
    """The mailbox password field of the ``prefix`` screen (fix, restore), as a person meets it: asked after the
    confirmation, masked, focused, said to be for this change only and not stored, nothing sent yet; Enter on it
    empty sends nothing and the field waits; the password typed is cleared from the field at once."""
    said = " ".join((await text_near(pilot, f"#{prefix}-password-note")).split())  # the note wraps on screen
    assert NOTE in said and f"Password for {CONTOSO}" in said, said
    field = app.screen.query_one(f"#{prefix}-password", Input)
    assert field.password and app.focused is field
    assert ews_changes(app) == []
    await pilot.press("enter")
    assert "No password typed: nothing is sent" in await text_near(pilot, f"#{prefix}-password-empty")
    assert ews_changes(app) == [] and app.screen.query(f"#{prefix}-password")
    field = app.screen.query_one(f"#{prefix}-password", Input)
    field.focus()
    await pilot.press(*PASSWORD)
    assert field.value == PASSWORD
    await pilot.press("enter")
    assert field.value == ""  # cleared from the field at once


async def test_the_rule_is_switched_off_with_the_password_typed_in_the_field_and_kept_nowhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    app = AuditorApp(practice=True, include_device=False, scenario=exchange_only(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        signed_in_with_a_password(app, monkeypatch)
        secrets_before = case_dump(app)["secrets"]
        await confirm_switching_off(pilot, app)
        await type_the_password_after_an_empty_one(pilot, app, "fix")
        await wait_for(pilot, lambda: getattr(app.screen, "result", None) is not None, "the result", timeout=60)
        await pilot.pause()
        assert "Closed:" in await text_near(pilot, "#fix-result")
        # Sent with the password (Basic), the one change and nothing else.
        assert ews_changes(app) == ["UpdateInboxRules"]
        signed = [r.headers.get("Authorization", "") for r in app.sandbox.requests if r.provider == "ews"]
        assert signed and all(signed)  # signed in (the log redacts how): no token was given, so with the password
        logged = " ".join(str(vars(r)) for r in app.sandbox.requests)
        assert all(form not in logged for form in forms(PASSWORD))  # nor does the practice server's log keep it
        assert not app.screen.query("#fix-password")
        [row] = app.case.path_event_rows()
        assert row.payload["outcome"] == "closed"
        # The case keeps no copy of it: not in the timeline event, the evidence, the events, nor anywhere else but
        # the one password stored when the mailbox was signed in (for reading), unchanged.
        dump = case_dump(app)
        assert {"events", "evidence", "findings", "secrets"} <= set(dump) and CONTOSO in dump["findings"]
        assert dump["secrets"] == secrets_before
        for table, text in dump.items():
            if table == "secrets":
                continue
            for form in forms(PASSWORD):
                assert form not in text, f"the password is in the case's {table}"
        assert all(form not in str(row.payload) for form in forms(PASSWORD))
        for path in Path(isolated_home).rglob("*"):
            if path.is_file():
                assert PASSWORD.encode() not in path.read_bytes(), path
        await pilot.press("ctrl+q")


async def test_cancelling_the_password_sends_nothing_and_says_not_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = AuditorApp(practice=True, include_device=False, scenario=exchange_only(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_audit(pilot)
        signed_in_with_a_password(app, monkeypatch)
        await confirm_switching_off(pilot, app)
        await click(pilot, "#fix-password-cancel")
        await wait_for(pilot, lambda: getattr(app.screen, "result", None) is not None, "the result", timeout=60)
        await pilot.pause()
        assert "Not changed" in await text_near(pilot, "#fix-result")
        assert "no password was given" in await text_near(pilot, "#fix-reason")
        assert ews_operations(app) == []  # not even a read: the sign-in stopped before the server
        [row] = app.case.path_event_rows()
        assert row.payload["outcome"] == "not-changed" and row.payload["changes"] == []
        assert rule_of(app) is not None
        await pilot.press("ctrl+q")
