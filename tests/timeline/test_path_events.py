"""The changes the person made through the tool, in the case: kept with the record as found, read back as
"closed by you at T" (or "reopened" after a restore) by the timeline, the reports and the access map — and
never as closed when the re-check did not say so, or once an audit finds the path again."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from auditor.model import AuditRun, Finding, Severity, Status
from auditor.reports.data import Choices, build
from auditor.reports.html_report import render
from auditor.session.access_map import case_map, render_text
from auditor.store import CaseStore
from auditor.timeline import Timeline
from auditor.timeline.fixes import CLOSED, NOT_CHANGED, NOT_CHECKED, PUT_BACK, STILL_OPEN, path_states

from .conftest import HOSTILE, T0, assert_inert

ACCOUNT = "ann.example@gmail.com"


def forwarding(status: Status = Status.FOUND, title: str = "Your mail is forwarded to x@example.net") -> Finding:
    return Finding(
        check="google.gmail_forwarding",
        target=ACCOUNT,
        status=status,
        severity=Severity.CRITICAL,
        title=title,
        subject="x@example.net",
        evidence={"emailAddress": "x@example.net", "enabled": True},
        playbooks=("google-mail-forwarding",),
        observed_at=T0,
    )


def clear_forwarding(at: Status = Status.CLEAR) -> Finding:
    return Finding(
        check="google.gmail_forwarding",
        target=ACCOUNT,
        status=at,
        severity=Severity.INFO,
        title="Mail is not forwarded" if at is Status.CLEAR else "Couldn't check forwarding",
        playbooks=("google-mail-forwarding",),
        observed_at=T0 + timedelta(days=2),
    )


def save(case: CaseStore, *findings: Finding, hours: int = 0) -> int:
    at = T0 + timedelta(hours=hours)
    return case.save_run(AuditRun(started_at=at, finished_at=at, findings=list(findings)))


def fix_record(found: Finding, outcome: str, **extra: object) -> dict[str, object]:
    return {
        "fingerprint": found.fingerprint,
        "check": found.check,
        "kind": "google",
        "target": found.target,
        "title": found.title,
        "outcome": outcome,
        "changes": [
            {
                "fingerprint": found.fingerprint,
                "kind": "google",
                "target": found.target,
                "action": "disable-auto-forwarding",
                "subject": "x@example.net",
                "words": "Turn off automatic forwarding to x@example.net",
                "request": "PUT /gmail/v1/users/me/settings/autoForwarding {enabled: false}",
                "before": dict(found.evidence),
                "permission": None,
                "applied_at": (T0 + timedelta(hours=1)).isoformat(),
                "answer": {"enabled": False},
            }
        ],
        **extra,
    }


def test_a_path_event_is_kept_in_the_case_and_read_back_after_reopening(isolated_home: Path) -> None:
    found = forwarding()
    with CaseStore.create("kept", "pw") as case:
        save(case, found)
        event_id = case.add_path_event("fix", "Closed by you", fix_record(found, CLOSED), T0 + timedelta(hours=1))
        assert case.integrity_check() == "ok"
    with CaseStore.open("kept", "pw") as case:
        [row] = case.path_event_rows()
        assert row.id == event_id and row.kind == "fix" and row.payload["outcome"] == CLOSED
        assert case.path_event_row(event_id) == row
        assert case.path_event_row(event_id + 100) is None
        # Other events (an audit, an answer) are not path events.
        audit_event = case.events(limit=10)[-1]["id"]
        assert case.path_event_row(audit_event) is None


def test_closed_by_you_until_an_audit_finds_it_again(case: CaseStore) -> None:
    found = forwarding()
    save(case, found)
    timeline = Timeline(case)
    case.add_path_event("fix", "Closed by you at T", fix_record(found, CLOSED), T0 + timedelta(hours=1))
    still_open, closed = timeline.findings_summary()
    assert [f.fingerprint for f in closed] == [found.fingerprint] and still_open == []
    [state] = timeline.path_states().values()
    assert state.closed and "closed by you at 2026-11-01 11:00 UTC" in state.words
    assert "Turn off automatic forwarding to x@example.net" in state.words
    # The change has its own line in the timeline, with the event id `auditor fix --restore` takes.
    [entry] = [e for e in timeline.entries() if e.kind == "change"]
    assert entry.summary.startswith(
        f"[event {entry.ref['event_id']}] Closed by you at T — Turn off automatic forwarding"
    )
    # An audit after the change finds it again (someone set it up again): open, whatever the change said.
    again = Finding(**{**found.__dict__, "observed_at": T0 + timedelta(days=1), "fingerprint": ""})
    save(case, again, hours=24)
    still_open, closed = timeline.findings_summary()
    assert [f.fingerprint for f in still_open] == [found.fingerprint] and closed == []
    assert [e.state for e in case_map(case).edges if e.fingerprint == found.fingerprint] == ["open"]


def test_a_change_that_did_not_close_the_path_closes_nothing(case: CaseStore) -> None:
    found = forwarding()
    save(case, found)
    for outcome in (STILL_OPEN, NOT_CHECKED, NOT_CHANGED):
        case.add_path_event("fix", f"Changed: {outcome}", fix_record(found, outcome), T0 + timedelta(hours=1))
    timeline = Timeline(case)
    assert timeline.path_states() == {}
    still_open, closed = timeline.findings_summary()
    assert [f.fingerprint for f in still_open] == [found.fingerprint] and closed == []
    edges = [e for e in case_map(case).edges if e.fingerprint == found.fingerprint]
    assert edges and all(e.open for e in edges)
    assert len([e for e in timeline.entries() if e.kind == "change"]) == 3


def test_a_restore_reopens_the_path_in_the_timeline_the_reports_and_the_map(case: CaseStore) -> None:
    found = forwarding()
    save(case, found)
    fix_id = case.add_path_event("fix", "Closed by you", fix_record(found, CLOSED), T0 + timedelta(hours=1))
    restore = {
        "restore_of": fix_id,
        "fingerprint": found.fingerprint,
        "check": found.check,
        "target": found.target,
        "title": found.title,
        "outcome": PUT_BACK,
        "restored": fix_record(found, CLOSED)["changes"],
    }
    # Closed: the map and the report say when and how.
    amap = case_map(case)
    [edge] = [e for e in amap.edges if e.fingerprint == found.fingerprint]
    assert not edge.open and edge.why_closed.startswith("closed by you at 2026-11-01 11:00 UTC")
    data = build(Timeline(case), Choices())
    [closed] = data["access_paths"]["closed"]
    assert closed["closed_by_you"]["at"] == (T0 + timedelta(hours=1)).isoformat()
    assert closed["closed_by_you"]["how"] == "Turn off automatic forwarding to x@example.net"
    assert "closed by you at 2026-11-01T11:00:00+00:00: Turn off automatic forwarding" in render(data)
    # Put back: open again, "reopened", in each.
    case.add_path_event("restore", "Put back by you (reopened)", restore, T0 + timedelta(hours=2))
    states = path_states(Timeline(case).path_events())
    assert not states[found.fingerprint].closed
    [edge] = [e for e in case_map(case).edges if e.fingerprint == found.fingerprint]
    assert edge.open and edge.why_closed.startswith("reopened at 2026-11-01 12:00 UTC")
    assert "OPEN    → " in render_text(case_map(case)) and "(reopened at 2026-11-01 12:00 UTC" in render_text(
        case_map(case)
    )
    data = build(Timeline(case), Choices())
    [still] = data["access_paths"]["open"]
    assert still["reopened"]["at"] == (T0 + timedelta(hours=2)).isoformat()
    assert "still open (reopened at 2026-11-01T12:00:00+00:00: put back by you)" in render(data)
    assert [e.kind for e in Timeline(case).entries() if e.kind in ("change", "restore")] == ["change", "restore"]


def test_an_audit_after_a_restore_that_no_longer_finds_the_path_closes_it(case: CaseStore) -> None:
    found = forwarding()
    save(case, found)
    fix_id = case.add_path_event("fix", "Closed", fix_record(found, CLOSED), T0 + timedelta(hours=1))
    case.add_path_event(
        "restore",
        "Put back",
        {"restore_of": fix_id, "fingerprint": found.fingerprint, "outcome": PUT_BACK},
        T0 + timedelta(hours=2),
    )
    save(case, clear_forwarding(), hours=48)
    [edge] = [e for e in case_map(case).edges if e.fingerprint == found.fingerprint]
    assert not edge.open and edge.why_closed.startswith("gone in the audit of")


def test_hostile_titles_in_path_events_stay_inert(case: CaseStore) -> None:
    found = forwarding(title=f"Forwarded to {HOSTILE}")
    save(case, found)
    record = fix_record(found, CLOSED)
    record["changes"][0]["words"] = f"Turn off forwarding to {HOSTILE}"  # type: ignore[index]
    case.add_path_event("fix", f"Closed by you: {found.title}", record, T0 + timedelta(hours=1))
    from auditor.timeline.render import listing

    assert_inert(listing(Timeline(case), T0 + timedelta(days=1)))
    assert_inert(render_text(case_map(case)))
    html = render(build(Timeline(case), Choices()))
    assert "<script>" not in html and "\u202e" not in html and "\x1b" not in html
    assert json.loads(json.dumps(case.path_event_rows()[0].payload))["changes"][0]["words"].endswith(
        "alert(1)</script>"
    )


# Any JSON a stored event could hold (an older version's, a damaged import's): keys the readers look for, and others.
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
_KEYS = st.sampled_from(
    ["fingerprint", "check", "target", "title", "outcome", "changes", "restored", "restore_of", "kind", "reason"]
)
_RECORDS = st.dictionaries(_KEYS | st.text(max_size=6), _JSON, max_size=8)
_CHANGE = st.fixed_dictionaries(
    {},
    optional={
        "fingerprint": _JSON,
        "kind": _JSON,
        "target": _JSON,
        "action": _JSON,
        "subject": _JSON,
        "words": _JSON,
        "request": _JSON,
        "before": _JSON,
        "permission": _JSON,
        "restorable": _JSON,
        "applied_at": _JSON | st.just("2026-11-01T11:00:00+00:00"),
        "answer": _JSON,
    },
)


def test_whatever_a_stored_path_event_holds_the_readers_never_fail_and_never_call_it_closed_unless_it_says_so(
    case: CaseStore,
) -> None:
    """Shape fuzzing of the stored records (200 cases each): the timeline, the access map, the report and the
    restore planner read any record without a traceback; a record is "closed by you" only when its outcome says
    closed; a restore is refused (UsageError) rather than planned from a record that does not hold a change."""
    from auditor.application.restoring import plan_restore
    from auditor.errors import UsageError

    found = forwarding()
    save(case, found)

    @given(_RECORDS, st.lists(_CHANGE, max_size=2), st.sampled_from(["fix", "restore"]))
    def check(record: dict[str, object], changes: list[dict[str, object]], kind: str) -> None:
        if changes:
            record = {**record, "changes": changes, "outcome": record.get("outcome", "closed")}
        event_id = case.add_path_event(kind, "an event", record, T0 + timedelta(hours=1))  # type: ignore[arg-type]
        timeline = Timeline(case)
        states = timeline.path_states()
        for state in states.values():
            event = next(e for e in timeline.path_events() if e.id == state.event_id)
            assert event.outcome == (CLOSED if state.closed else PUT_BACK)
        timeline.entries()
        timeline.findings_summary()
        render_text(case_map(case))
        render(build(timeline, Choices()))
        try:
            plan_restore(case, event_id)
        except UsageError:
            pass

    check()
