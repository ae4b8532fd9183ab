"""Closing several findings alike as one listed set ("all anyone-with-the-link links on these N photos"), through the
application layer against the practice servers: the real checks find one finding per photo, the set lists the
others on the same account, and the request log holds exactly the confirmed removals.

Each finding keeps its own evidence and its own timeline event, so each can be put back on its own; a failed
change stops the rest, which stay open and are recorded "not changed".
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from google_accounts.writing import google_only, writes

from auditor.application import fixing, fixing_sets
from auditor.application.auditing import AuditPlan, audit_into_case
from auditor.application.restoring import confirm_restore, plan_restore, restore_fix
from auditor.config import Settings
from auditor.errors import UsageError
from auditor.model import Finding, Status
from auditor.remedy import google as google_remedy
from auditor.sandbox import FaultRule, Sandbox, Scenario, load_scenario
from auditor.sandbox.google import DriveFile
from auditor.sandbox.microsoft import DriveItem
from auditor.store import CaseStore
from auditor.timeline import Timeline

FAST = Settings(request_timeout=1.0, retry_budget=2.0)
PUBLIC = "google.drive_public_media"
ONEDRIVE_PUBLIC = "microsoft.onedrive_public_media"
HOSTILE = "[bold red]IMG[/] \x1b[31mred\x1b]8;;https://evil.example\x07link\x1b]8;;\x07 \u202egpj.exe"
PHOTOS = ("IMG_5001.jpg", "IMG_5002.jpg", "IMG_5003.jpg", "IMG_5004.jpg", HOSTILE)


def photos_by_link() -> Scenario:
    """Ann's Google account with five photos anyone with the link can open (one a hostile name), and nothing else in
    Drive; a photo shared with Mark alone is another check's, never offered with them."""
    scenario = google_only()
    google = scenario.sections["google"]
    google.drive = [DriveFile(name=name, mimeType="image/jpeg", visibility="anyoneWithLink") for name in PHOTOS]
    google.drive.append(DriveFile(name="beach.jpg", mimeType="image/jpeg", shared_with=["mark.ex@gmail.example"]))
    return scenario


def google_plan(sb: Sandbox) -> AuditPlan:
    return AuditPlan(kinds=("google",), endpoints=sb.endpoints(), settings=FAST, practice=True)


def open_paths(case: CaseStore, plan: AuditPlan, check: str) -> list[Finding]:
    run = asyncio.run(audit_into_case(case, plan)).run
    return sorted(
        (f for f in run.findings if f.check == check and f.status in (Status.FOUND, Status.REVIEW)),
        key=lambda f: f.sort_key,
    )


def drive_deletes(sb: Sandbox) -> list[tuple[str, str, int]]:
    return [(w.method, w.path, w.status) for w in writes(sb)]


def drive_path(change: fixing.Change) -> str:
    return "/drive/v3/" + change.request.split("/drive/v3/", 1)[1]


def count_writers(monkeypatch: pytest.MonkeyPatch, remedies: Any) -> list[int]:
    """How many times the write permission was asked for (each opening of the provider's writer), the writer
    itself left as it is."""
    opened: list[int] = []
    real = type(remedies).open_writer

    async def counted(self: Any, request: Any) -> Any:
        opened.append(len(request.changes))
        return await real(self, request)

    monkeypatch.setattr(type(remedies), "open_writer", counted)
    return opened


def test_all_anyone_links_on_the_photos_are_one_set_each_finding_its_own_evidence_and_event(
    case: CaseStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Sandbox(photos_by_link()) as sb:
        found = open_paths(case, google_plan(sb), PUBLIC)
        assert len(found) == 5  # one finding per photo
        opened, *others = found
        plan = fixing.plan_fix(case, opened.fingerprint)
        evidence = fixing.freeze_evidence(case, plan)
        like = fixing_sets.plan_set(case, plan)
        assert like is not None and like.count == 4
        assert like.words == "All anyone-with-the-link links on these 4 other photos and videos"
        assert {o.finding.fingerprint for o in like.others} == {f.fingerprint for f in others}
        # Each listed by name, literally, with its exact request; the hostile name is inert in the words.
        hostile = next(c for c in like.changes if "IMG[/]" in c.words)
        assert "\x1b" not in hostile.words and "\u202e" not in hostile.words and "[bold red]IMG[/]" in hostile.words
        assert all(c.request.startswith("DELETE https://www.googleapis.com/drive/v3/files/") for c in like.changes)
        assert sb.requests == [] or all(r.method == "GET" for r in sb.requests)
        sb.log.clear()
        kept = fixing_sets.keep_set_evidence(case, like)
        assert [e.finding_fingerprint for e in kept] == [o.finding.fingerprint for o in like.others]
        assert sb.requests == []  # keeping the evidence asks nothing of the server
        confirmed = fixing_sets.confirm_set(fixing.confirm(plan, plan.changes, evidence), like, kept)
        opened_writers = count_writers(monkeypatch, google_remedy.REMEDIES)
        result = asyncio.run(fixing_sets.apply_set(case, confirmed, google_plan(sb)))
        # The write permission asked for once, for the five changes; each sent once, in the order listed.
        assert opened_writers == [5]
        expected = [("DELETE", drive_path(c), 204) for c in confirmed.changes]
        assert drive_deletes(sb) == expected and len(expected) == 5
        assert {r.method for r in sb.requests} == {"GET", "DELETE"}  # the rest: the check reading again, once
        assert result.closed and [r.outcome for r in result.results] == [fixing.CLOSED] * 5
        # One event per finding, each with its own evidence, its own change and the set it was part of.
        rows = [case.path_event_row(r.event_id) for r in result.results]
        assert len({r.event_id for r in result.results}) == 5
        evidence_ids = [evidence.id, *(e.id for e in kept)]
        for row, member, evidence_id in zip(rows, confirmed.members, evidence_ids, strict=True):
            assert row is not None and row.summary.startswith("Closed by you at ")
            record = row.payload
            assert record["fingerprint"] == member.plan.finding.fingerprint and record["evidence_id"] == evidence_id
            assert [c["request"] for c in record["changes"]] == [c.request for c in member.changes]
            assert record["together"]["size"] == 5 and record["together"]["opened"] == opened.fingerprint
        assert all(Timeline(case).path_states()[f.fingerprint].closed for f in found)
        # Put back one: only that photo is shared again (one request), the other four stay closed.
        chosen = result.results[2]
        sb.log.clear()
        back = asyncio.run(restore_fix(case, confirm_restore(plan_restore(case, chosen.event_id)), google_plan(sb)))
        [(method, path, status)] = drive_deletes(sb)
        file_id = chosen.applied[0].change.subject.split("/")[0]
        assert (method, path, status) == ("POST", f"/drive/v3/files/{file_id}/permissions", 200)
        assert back.put_back
        again = open_paths(case, google_plan(sb), PUBLIC)
        assert [f.fingerprint for f in again] == [confirmed.members[2].plan.finding.fingerprint]


def test_declining_the_set_closes_only_the_one_and_the_others_are_still_offered(case: CaseStore) -> None:
    with Sandbox(photos_by_link()) as sb:
        opened, *others = open_paths(case, google_plan(sb), PUBLIC)
        plan = fixing.plan_fix(case, opened.fingerprint)
        assert fixing_sets.plan_set(case, plan) is not None  # offered; the person says no
        sb.log.clear()
        one = fixing.confirm(plan, plan.changes, fixing.freeze_evidence(case, plan))
        result = asyncio.run(fixing.apply_fix(case, one, google_plan(sb)))
        assert drive_deletes(sb) == [("DELETE", drive_path(plan.changes[0]), 204)]
        assert result.outcome == fixing.CLOSED
        assert [row.payload["fingerprint"] for row in case.path_event_rows()] == [opened.fingerprint]
        # The one closed is not offered again with the others; the others are, three alike for each of them.
        second = fixing.plan_fix(case, others[0].fingerprint)
        like = fixing_sets.plan_set(case, second)
        assert like is not None and {o.finding.fingerprint for o in like.others} == {f.fingerprint for f in others[1:]}
        # A photo the person said is theirs is not offered either.
        case.set_decision(others[1].fingerprint, "mine")
        like = fixing_sets.plan_set(case, second)
        assert like is not None and {o.finding.fingerprint for o in like.others} == {f.fingerprint for f in others[2:]}
        assert [f.fingerprint for f in open_paths(case, google_plan(sb), PUBLIC)] == [f.fingerprint for f in others]


def test_a_server_error_on_the_third_stops_the_rest_which_stay_open_and_are_recorded_not_changed(
    case: CaseStore,
) -> None:
    with Sandbox(photos_by_link()) as sb:
        opened, *_ = open_paths(case, google_plan(sb), PUBLIC)
        plan = fixing.plan_fix(case, opened.fingerprint)
        like = fixing_sets.plan_set(case, plan)
        assert like is not None
        confirmed = fixing_sets.confirm_set(
            fixing.confirm(plan, plan.changes, fixing.freeze_evidence(case, plan)),
            like,
            fixing_sets.keep_set_evidence(case, like),
        )
        third = confirmed.changes[2]
        sb.set_faults([FaultRule("google", drive_path(third), "500")])
        sb.log.clear()
        result = asyncio.run(fixing_sets.apply_set(case, confirmed, google_plan(sb)))
        sb.clear_faults()
        # Two made, the third asked once and failed, the last two never sent.
        assert [(m, p) for m, p, _ in drive_deletes(sb)] == [("DELETE", drive_path(c)) for c in confirmed.changes[:3]]
        assert [s for _, _, s in drive_deletes(sb)] == [204, 204, 500]
        outcomes = [r.outcome for r in result.results]
        assert outcomes == [fixing.CLOSED, fixing.CLOSED, fixing.NOT_CHANGED, fixing.NOT_CHANGED, fixing.NOT_CHANGED]
        failed, *rest = result.results[2:]
        assert failed.reason and "500" in failed.reason and failed.verdict == fixing.STILL_OPEN
        assert all(r.reason.startswith("not sent: an earlier change of the set failed") for r in rest)
        assert all(r.applied == () and r.verdict is None for r in rest)
        assert not result.closed and result.count(fixing.CLOSED) == 2
        # Each finding has its event; the three not changed stay open in the case and on the server.
        payloads = [row.payload for row in case.path_event_rows()]
        assert [p["outcome"] for p in payloads] == ["closed", "closed", "not-changed", "not-changed", "not-changed"]
        assert [p["fingerprint"] for p in payloads] == [m.plan.finding.fingerprint for m in confirmed.members]
        assert all(p["changes"] == [] and len(p["not_changed"]) == 1 for p in payloads[2:])
        still = {f.fingerprint for f in open_paths(case, google_plan(sb), PUBLIC)}
        assert still == {m.plan.finding.fingerprint for m in confirmed.members[2:]}


def test_the_set_takes_only_confirmed_objects_and_each_findings_own_evidence(case: CaseStore) -> None:
    with Sandbox(photos_by_link()) as sb:
        opened, second, *_ = open_paths(case, google_plan(sb), PUBLIC)
        plan = fixing.plan_fix(case, opened.fingerprint)
        like = fixing_sets.plan_set(case, plan)
        assert like is not None
        own = fixing.confirm(plan, plan.changes, fixing.freeze_evidence(case, plan))
        with pytest.raises(UsageError, match="evidence first"):
            fixing_sets.confirm_set(own, like, [])
        kept = list(fixing_sets.keep_set_evidence(case, like))
        with pytest.raises(UsageError, match="not this finding's"):
            fixing_sets.confirm_set(own, like, list(reversed(kept)))
        other_plan = fixing.plan_fix(case, second.fingerprint)
        other_own = fixing.confirm(other_plan, other_plan.changes, fixing.freeze_evidence(case, other_plan))
        with pytest.raises(UsageError, match="not this finding's"):
            fixing_sets.confirm_set(other_own, like, kept)
        assert case.path_event_rows() == [] and writes(sb) == []


def test_no_set_for_a_finding_with_no_others_or_ways_to_choose_from(case: CaseStore) -> None:
    """The compromised account's forwarding filter is alone of its kind; an Exchange rule's two ways are a choice of
    one, never a set."""
    with Sandbox(google_only()) as sb:
        [filter_finding] = [
            f for f in open_paths(case, google_plan(sb), "google.gmail_filters") if "keepingtabs" in str(f.evidence)
        ]
        assert fixing_sets.plan_set(case, fixing.plan_fix(case, filter_finding.fingerprint)) is None
    scenario = load_scenario("compromised")
    scenario.sections = {"exchange": scenario.sections["exchange"]}
    with Sandbox(scenario) as sb:
        plan = AuditPlan(kinds=("exchange",), endpoints=sb.endpoints(), settings=FAST, practice=True)
        [rule] = open_paths(case, plan, "exchange.inbox_rules")
        rule_plan = fixing.plan_fix(case, rule.fingerprint)
        assert rule_plan.alternatives and fixing_sets.plan_set(case, rule_plan) is None


# -- OneDrive (practice Graph) ------------------------------------------------------------------------------


def onedrive_photos() -> Scenario:
    """Ann's OneDrive with four photos each shared by an anyone-with-the-link link, and one shared with Mark only."""
    scenario = load_scenario("compromised")
    microsoft = scenario.sections["microsoft"]
    microsoft.drive = [
        DriveItem(path=f"Pictures/Camera Roll/IMG_60{n}.jpg", links=[{"scope": "anonymous", "type": "view"}])  # type: ignore[list-item]
        for n in range(1, 5)
    ]
    microsoft.drive.append(DriveItem(path="Pictures/Camera Roll/beach.jpg", shared_with=["mark.ex@outlook.example"]))
    scenario.sections = {"microsoft": microsoft}
    return scenario


def graph_writes(sb: Sandbox) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in sb.requests if r.provider == "graph" and r.extra]


def test_onedrive_anyone_links_as_one_set_through_the_practice_graph(case: CaseStore) -> None:
    with Sandbox(onedrive_photos()) as sb:
        plan0 = AuditPlan(kinds=("microsoft",), endpoints=sb.endpoints(), settings=FAST, practice=True)
        found = open_paths(case, plan0, ONEDRIVE_PUBLIC)
        assert len(found) == 4
        plan = fixing.plan_fix(case, found[0].fingerprint)
        like = fixing_sets.plan_set(case, plan)
        assert like is not None and like.count == 3
        confirmed = fixing_sets.confirm_set(
            fixing.confirm(plan, plan.changes, fixing.freeze_evidence(case, plan)),
            like,
            fixing_sets.keep_set_evidence(case, like),
        )
        sb.log.clear()
        result = asyncio.run(fixing_sets.apply_set(case, confirmed, plan0))
        expected = [("DELETE", "/v1.0" + c.request.split(" ", 1)[1]) for c in confirmed.changes]
        assert graph_writes(sb) == expected and len(expected) == 4 and sb.refused == []
        assert [r.outcome for r in result.results] == [fixing.CLOSED] * 4
        assert open_paths(case, plan0, ONEDRIVE_PUBLIC) == []
        # Each put back on its own: one link made again.
        sb.log.clear()
        back = asyncio.run(restore_fix(case, confirm_restore(plan_restore(case, result.results[1].event_id)), plan0))
        assert back.put_back and len(graph_writes(sb)) == 1
        assert [f.fingerprint for f in open_paths(case, plan0, ONEDRIVE_PUBLIC)] == [
            confirmed.members[1].plan.finding.fingerprint
        ]


def test_the_choice_is_named_in_plain_words_for_one_or_many() -> None:
    from auditor.model import Severity

    def finding(check: str, subject: str) -> Finding:
        return Finding(check, "ann.example@gmail.com", Status.FOUND, Severity.HIGH, subject, subject=subject)

    def named(check: str, count: int) -> tuple[str, str]:
        plan = fixing.FixPlan(finding(check, "0"), check.split(".")[0], (), None, ())
        others = tuple(fixing.FixPlan(finding(check, str(n)), plan.kind, (), None, ()) for n in range(count))
        like = fixing_sets.FixSet(plan, others, "remove")
        return like.words, like.offer

    assert named(PUBLIC, 3) == (
        "All anyone-with-the-link links on these 3 other photos and videos",
        "There are 3 more photos and videos on ann.example@gmail.com closed the same way",
    )
    assert named(ONEDRIVE_PUBLIC, 1) == (
        "All anyone-with-the-link links on this other photo or video",
        "There is 1 more photo or video on ann.example@gmail.com closed the same way",
    )
    assert named("google.drive_people_media", 2)[0] == "Stop sharing with these 2 other people too"
    assert named("google.gmail_filters", 2)[0] == "The same change for these 2 other findings like it"


def photos_in_a_folder_by_link() -> Scenario:
    """Ann's Drive holds one folder shared by link with three photos that inherit its link, and nothing else."""
    scenario = google_only()
    folder = "1AlbumSharedByLinkAAAAAAAAAAAAAAA"
    scenario.sections["google"].drive = [
        DriveFile(id=folder, name="Album", mimeType="application/vnd.google-apps.folder", visibility="anyoneWithLink"),
        *(DriveFile(name=f"IMG_70{n}.jpg", parents=[folder]) for n in range(3)),
    ]
    return scenario


def test_a_set_of_a_folders_photos_sends_the_folders_delete_once(
    case: CaseStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every photo (and the folder's own finding) is closed by the same change — stopping the folder's link — so the
    set lists it once and sends it once; each finding still keeps its own evidence and its own event, closed."""
    with Sandbox(photos_in_a_folder_by_link()) as sb:
        found = open_paths(case, google_plan(sb), PUBLIC)
        assert sorted(f.evidence["name"] for f in found) == ["Album", "IMG_700.jpg", "IMG_701.jpg", "IMG_702.jpg"]
        opened = next(f for f in found if f.evidence["name"] == "IMG_700.jpg")
        plan = fixing.plan_fix(case, opened.fingerprint)
        [own] = plan.changes
        evidence = fixing.freeze_evidence(case, plan)
        like = fixing_sets.plan_set(case, plan)
        assert like is not None and like.count == 3
        assert like.changes == ()  # the others' change is the opened one's: not listed twice
        assert like.words == (
            "All anyone-with-the-link links on these 3 other photos and videos (closed by the same change as this "
            "one: they are shared through one folder)"
        )
        kept = fixing_sets.keep_set_evidence(case, like)
        confirmed = fixing_sets.confirm_set(fixing.confirm(plan, plan.changes, evidence), like, kept)
        assert [c.request for c in confirmed.changes] == [own.request]
        opened_writers = count_writers(monkeypatch, google_remedy.REMEDIES)
        sb.log.clear()
        result = asyncio.run(fixing_sets.apply_set(case, confirmed, google_plan(sb)))
        deletes = drive_deletes(sb)
        again = open_paths(case, google_plan(sb), PUBLIC)
    assert opened_writers == [1]
    assert deletes == [("DELETE", drive_path(own), 204)]
    assert own.before["file"]["name"] == "Album"
    assert result.closed and [r.outcome for r in result.results] == [fixing.CLOSED] * 4
    assert len({r.event_id for r in result.results}) == 4
    for member, outcome in zip(confirmed.members, result.results, strict=True):
        row = case.path_event_row(outcome.event_id)
        assert row is not None and row.payload["fingerprint"] == member.plan.finding.fingerprint
        assert [c["request"] for c in row.payload["changes"]] == [own.request]
    assert again == []
