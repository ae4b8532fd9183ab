"""The access map from real practice audits saved into a case: its paths, open and closed, and escaping."""

from __future__ import annotations

from pathlib import Path

from auditor.model import AuditRun, Finding, Severity, Status
from auditor.sandbox import FaultRule
from auditor.sandbox.hostile import SAMPLES
from auditor.session.access_map import (
    AccessMap,
    Edge,
    access_map_html,
    build_map,
    case_map,
    render_html,
    render_text,
)
from auditor.session.intake import parse_intake
from auditor.session.paths import ANYONE_ON_INTERNET, ANYONE_WITH_LINK, MAIL_PROGRAMS
from auditor.session.store import start_session
from auditor.store import CaseStore

from .conftest import compromised_without_forwarding, practice_run

GMAIL = "google:ann.example@gmail.com"
OUTLOOK = "microsoft:ann.example@contoso.example"
EXCHANGE = "exchange:ann.example@contoso.example"


def paths(amap: AccessMap, source: str) -> dict[tuple[str, str], Edge]:
    return {(amap.nodes[e.holder].label, e.how): e for e in amap.edges if e.source == source}


def test_compromised_practice_case_map(case: CaseStore, compromised_run: AuditRun) -> None:
    case.save_run(compromised_run)
    amap = case_map(case)
    gmail = paths(amap, GMAIL)
    assert gmail[("keepingtabs@proton.example", "all mail is forwarded to")].open
    assert gmail[("keepingtabs@proton.example", "a filter forwards mail to")].check == "google.gmail_filters"
    assert gmail[(ANYONE_WITH_LINK, "IMG_2041.jpg is shared by link")].open
    assert gmail[(ANYONE_WITH_LINK, "IMG_2042.jpg is shared by link")].open
    assert gmail[(ANYONE_ON_INTERNET, "VID_0007.mp4 is shared by link")].open
    assert gmail[("mark.ex@gmail.example", "can open 1 photo(s) or video(s)")].open
    assert (MAIL_PROGRAMS, "IMAP download is on") in gmail
    outlook = paths(amap, OUTLOOK)
    assert outlook[(ANYONE_WITH_LINK, "Pictures/Private is shared by link")].open  # a OneDrive folder
    assert outlook[("keepingtabs@proton.example", "an inbox rule redirects mail to")].open
    assert outlook[("ann.backup@proton.example", "an inbox rule forwards mail as attachments to")].open
    assert outlook[("Mail Backup Pro", "an app can use the account")].open
    exchange = paths(amap, EXCHANGE)
    assert exchange[("mark.ex@contoso.example", "a delegate can open the mailbox")].open
    assert exchange[("keepingtabs@proton.example", "an inbox rule redirects to")].open
    # one outside mailbox receives mail from three accounts: one node, three sources
    keeping = [e for e in amap.edges if amap.nodes[e.holder].label == "keepingtabs@proton.example"]
    assert {e.source for e in keeping} == {GMAIL, OUTLOOK, EXCHANGE}
    assert not amap.closed_edges
    text = render_text(amap)
    assert "ann.example@gmail.com (google)" in text
    assert "OPEN    → keepingtabs@proton.example: all mail is forwarded to" in text


def test_paths_close_after_a_later_clean_run(case: CaseStore, compromised_run: AuditRun, tmp_path: Path) -> None:
    case.save_run(compromised_run)
    case.save_run(practice_run(compromised_without_forwarding(tmp_path), kinds=["google"]))
    gmail = paths(case_map(case), GMAIL)
    forwarded = gmail[("keepingtabs@proton.example", "all mail is forwarded to")]
    assert not forwarded.open and forwarded.why_closed.startswith("gone in the audit of ")
    assert not gmail[("keepingtabs@proton.example", "a filter forwards mail to")].open
    assert gmail[(ANYONE_WITH_LINK, "IMG_2041.jpg is shared by link")].open  # still there
    # accounts the second run did not read keep their paths open
    assert all(e.open for e in paths(case_map(case), OUTLOOK).values())
    assert "closed  → keepingtabs@proton.example: all mail is forwarded to (gone in the audit of" in render_text(
        case_map(case)
    )


def test_a_run_that_could_not_check_closes_nothing(case: CaseStore, compromised_run: AuditRun, tmp_path: Path) -> None:
    case.save_run(compromised_run)
    broken = FaultRule("google", "/gmail/v1/users/*/settings/filters", "500", retry_after=0)
    later = practice_run(compromised_without_forwarding(tmp_path), kinds=["google"], faults=[broken])
    assert [f.status for f in later.findings if f.check == "google.gmail_filters"] == [Status.ERROR]
    case.save_run(later)
    gmail = paths(case_map(case), GMAIL)
    assert gmail[("keepingtabs@proton.example", "a filter forwards mail to")].open
    assert not gmail[("keepingtabs@proton.example", "all mail is forwarded to")].open  # that check completed


def test_mine_closes_and_not_mine_keeps_open(case: CaseStore, compromised_run: AuditRun) -> None:
    case.save_run(compromised_run)
    send_as = next(f for f in compromised_run.findings if f.check == "google.gmail_send_as")
    imap = next(f for f in compromised_run.findings if f.check == "google.gmail_pop_imap" and f.subject == "imap")
    case.set_decision(send_as.fingerprint, "mine")
    case.set_decision(imap.fingerprint, "not-mine")
    gmail = paths(case_map(case), GMAIL)
    alias = gmail[("ann.backup@outlook.example", "mail can be sent from the account as")]
    assert not alias.open and alias.why_closed == "you said this is yours"
    assert gmail[(MAIL_PROGRAMS, "IMAP download is on")].open


def test_people_from_the_session_join_the_map(case: CaseStore, compromised_run: AuditRun) -> None:
    case.save_run(compromised_run)
    start_session(
        case,
        parse_intake(
            """
consent: {accounts: true, people: true}
items:
  - kind: google
    label: ann.example@gmail.com
    access:
      - {person: Mark, when: had, how: knew the password, addresses: [keepingtabs@proton.example]}
  - kind: apple
    label: Ann's iPhone
    access: [{person: Mark, when: has, how: set up Face ID}]
"""
        ),
    )
    amap = case_map(case)
    assert amap.nodes["address:keepingtabs@proton.example"].person == "Mark"
    iphone = paths(amap, "apple:ann's iphone")
    assert iphone[("Mark", "has access (set up Face ID)")].open
    past = paths(amap, GMAIL)[("Mark", "had access (knew the password)")]
    assert past.state == "past"
    assert "keepingtabs@proton.example — Mark: all mail is forwarded to" in render_text(amap)


def test_people_are_left_off_without_consent(case: CaseStore) -> None:
    intake = parse_intake(
        "consent: {accounts: true}\nitems: [{kind: apple, label: iPhone, access: [{person: Mark}]}]\n"
    )
    start_session(case, intake)
    assert not [n for n in case_map(case).nodes.values() if n.kind == "person"]


def hostile_finding(check: str, text: str) -> Finding:
    return Finding(
        check=check,
        target=f"victim{text}@example.com",
        status=Status.FOUND,
        severity=Severity.HIGH,
        title=f"Your mail is forwarded to {text}",
        subject=text,
        evidence={"emailAddress": f"{text}<script>alert(1)</script>", "name": text},
    )


def test_hostile_labels_are_literal_in_text_and_escaped_in_html(case: CaseStore) -> None:
    findings = [hostile_finding("google.gmail_autoforward", s) for s in SAMPLES]
    findings.append(hostile_finding("google.drive_public_media", '"><svg onload=alert(1)>'))
    findings.append(hostile_finding("some.unknown_check", "</section><img src=x onerror=alert(1)>"))
    intake = parse_intake(
        "consent: {accounts: true, people: true}\n"
        'items: [{kind: social, label: "[red]x[/red]\\u202e", access: [{person: "<b>Mark</b>\\u001b[31m"}]}]\n'
    )
    amap = build_map([findings], {}, intake)
    text = render_text(amap)
    for bad in ("\x1b", "\x07", "\u202e", "\u200b", "\u2066", "\u061c", "\ufeff"):
        assert bad not in text
    assert "\\x1b[2J" in text and "<U+202E>" in text
    assert "[bold red]Security[/]" in text  # shown as typed; plain text interprets no markup
    fragment = render_html(amap)
    for bad in ("\x1b", "\x07", "\u202e", "<script", "<svg onload", "<img", "<b>Mark", "</section><"):
        assert bad not in fragment
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in fragment
    assert "&lt;b&gt;Mark&lt;/b&gt;\\x1b[31m" in fragment
    assert fragment.startswith('<section class="access-map">') and fragment.endswith("</section>")
    assert fragment.count("<section") == 1 and fragment.count("</section>") == 1


def test_hostile_practice_scenario_map_is_safe(case: CaseStore) -> None:
    case.save_run(practice_run("hostile"))
    amap = case_map(case)
    assert amap.open_edges
    text, fragment = render_text(amap), access_map_html(case)
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert "\\x1b[2J" in text  # the hostile names are there, made visible
    assert "\x1b" not in fragment and "\u202e" not in fragment and "\x07" not in fragment
    assert "\\x1b[2J" in fragment
    assert all(len(line) < 2000 for line in text.splitlines())  # 100 KB names are cut


def test_empty_case_says_what_to_do(case: CaseStore) -> None:
    assert "run an audit or start a session" in render_text(case_map(case))
    assert "0 open access paths" in access_map_html(case)


def test_stalkerware_and_guided_answers_become_paths() -> None:
    def found(check: str, target: str, subject: str, evidence: dict[str, object]) -> Finding:
        return Finding(check, target, Status.FOUND, Severity.CRITICAL, f"title {subject}", "", subject, evidence)

    amap = build_map(
        [
            [
                found("device.stalkerware_processes", "This computer (laptop)", "mSpy:/opt/m/agent", {"app": "mSpy"}),
                found("android.stalkerware_packages", "Pixel 7", "com.spy.app", {"app": "TheTruthSpy"}),
                found("microsoft.auth_methods", "ann@contoso.example", "id1", {"displayName": "SM-A546B"}),
                found("apple.find_my", "ann@icloud.example", "", {"question": "q?", "answer": "found-something"}),
            ]
        ]
    )
    laptop = paths(amap, "device:this computer (laptop)")
    assert laptop[("mSpy", "runs on the device and can report to whoever installed it")].open
    assert amap.nodes["device:this computer (laptop)"].kind == "device"
    assert ("TheTruthSpy", "runs on the device and can report to whoever installed it") in paths(
        amap, "android:pixel 7"
    )
    assert ("SM-A546B", "can sign in or reset the password") in paths(amap, "microsoft:ann@contoso.example")
    assert ("Something found by hand", "title ") in paths(amap, "apple:ann@icloud.example")


def test_the_html_report_includes_the_map(case: CaseStore, compromised_run: AuditRun) -> None:
    from auditor.reports.html_report import access_map_fragment

    case.save_run(compromised_run)
    fragment = access_map_fragment(case)
    assert fragment == access_map_html(case)
    assert fragment.startswith('<section class="access-map">') and "keepingtabs@proton.example" in fragment


def test_a_guided_answer_shows_on_the_map_before_the_next_audit(isolated_home: Path) -> None:
    import asyncio

    from auditor.audit import audit

    with CaseStore.create("guided", "pw") as case:
        case.add_account("apple", "ann@icloud.example")
        case.save_run(asyncio.run(audit(["apple"], case=case)))  # every Apple question: "Check by hand"
        assert not case_map(case).edges
        [find_my] = [f for f in case.findings_of(case.runs()[-1].id) if f.check == "apple.find_my"]
        case.set_decision(find_my.fingerprint, "found-something", "Mark sees where I am")
        edges = paths(case_map(case), "apple:ann@icloud.example")
        edge = edges[
            ("Found by hand: Mark sees where I am", "You found something: Find My location sharing and AirTags")
        ]
        assert edge.open and edge.check == "apple.find_my"
        assert ("Something found by hand", edge.how) in paths(case_map(case, notes=False), "apple:ann@icloud.example")
        case.set_decision(find_my.fingerprint, "not-sure", "")
        assert not case_map(case).edges, "an answer taken back leaves nothing drawn"
        case.set_decision(find_my.fingerprint, "found-something", "")
        case.save_run(asyncio.run(audit(["apple"], case=case, decisions=case.decisions())))  # now applied
        case.set_decision(find_my.fingerprint, "looks-fine", "")
        [closed] = case_map(case).edges
        assert not closed.open and closed.why_closed == "you checked: looks fine"
