"""`auditor fix` end to end against the practice servers: the command line audits a practice account into a case
(the connectors pointed at the servers by AUDITOR_*_URL and AUDITOR_BEARER_TOKEN, as `auditor sandbox serve`
prints them), then closes one of its paths with a person typing at the terminal.

For each provider whose changes the tool makes: the request log holds exactly the confirmed change, the check
run again says closed, the timeline holds the event, and `--restore` puts it back. And: declining changes
nothing (no request at all), a refused change says "not changed" and the path stays open, and the forwarding
warning is said exactly when the account's mail may be forwarded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fix_terminal import Run, findings_of, order_of, runner
from google_accounts.writing import google_only, writes

from auditor.application.cases import open_case
from auditor.sandbox import FaultRule, Sandbox, Scenario, load_scenario
from auditor.sandbox.google import AutoForwarding

FILTERS = "google.gmail_filters"
PUBLIC = "google.drive_public_media"
WARNING = "WARNING: Your mail on ann.example@gmail.com may be forwarded to someone else"


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Run:
    settings = tmp_path / "settings.yaml"
    settings.write_text("request_timeout: 1.0\nretry_budget: 2.0\n", encoding="utf-8")
    monkeypatch.setenv("AUDITOR_CONFIG", str(settings))
    return runner(monkeypatch, capsys)


def serve(monkeypatch: pytest.MonkeyPatch, scenario: Scenario | str) -> Iterator[Sandbox]:
    with Sandbox(scenario) as sb:
        for name, value in sb.env.items():
            monkeypatch.setenv(name, value)
        yield sb


@pytest.fixture
def google(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    yield from serve(monkeypatch, google_only())


def audit(run: Run, kind: str = "google") -> list[dict[str, object]]:
    code, out, err = run("audit", "--case", "ann", "--only", kind, "--format", "json")
    assert code in (1, 3), err
    return findings_of(out)


def found(findings: list[dict[str, object]], check: str) -> list[dict[str, object]]:
    return [f for f in findings if f["check"] == check and f["status"] in ("found", "review")]


def non_reads(sb: Sandbox) -> list[tuple[str, str, object, int]]:
    return [(w.method, w.path, w.body, w.status) for w in writes(sb)]


def path_events() -> list[tuple[int, str, dict[str, Any]]]:
    with open_case("ann", "correct horse") as case:
        return [(row.id, row.kind, row.payload) for row in case.path_event_rows()]


def test_a_gmail_filter_closed_from_the_command_line_and_put_back(run: Run, google: Sandbox) -> None:
    [forwarder] = [f for f in found(audit(run), FILTERS) if "keepingtabs" in str(f["evidence"])]
    filter_id = forwarder["evidence"]["id"]  # type: ignore[index]
    filter_path = f"/gmail/v1/users/me/settings/filters/{filter_id}"
    google.log.clear()
    code, out, err = run("fix", "--case", "ann", str(forwarder["fingerprint"]), typed="y\n")
    assert code == 0, err + out
    order_of(
        out,
        "Before you do anything — safety:",
        "Turning forwarding off or deleting a filter stops mail reaching the other person",
        "Evidence: the finding's record was kept as evidence",
        WARNING,
        "The change that would close it (nothing has been sent):",
        "Delete the Gmail filter that forwards",
        f"The exact request: DELETE https://gmail.googleapis.com{filter_path}",
        "What it removes, as it was found:",
        "Make this change? [y/N]",
        "Next you sign in and give this tool, for this sitting only (kept in memory, never stored), permission to:",
        "(https://www.googleapis.com/auth/gmail.settings.basic)",
        "Closed: the check ran again and no longer finds it. Closed by you at ",
        "Recorded in the case's timeline as event ",
        "auditor fix --case ann --restore ",
    )
    # Exactly the confirmed change reached the server; everything else was the check reading again.
    assert non_reads(google) == [("DELETE", filter_path, None, 204)]
    assert {r.method for r in google.requests} == {"GET", "DELETE"}
    [(event_id, kind, record)] = path_events()
    assert kind == "fix" and record["outcome"] == "closed" and record["fingerprint"] == forwarder["fingerprint"]
    code, out, _ = run("timeline", "list", "--case", "ann")
    assert "Closed by you at " in out and f"[event {event_id}]" in out
    code, out, _ = run("session", "map", "--case", "ann")
    assert "closed by you at " in out and "Delete the Gmail filter" in out
    # Put back, after its own confirmation: one request, the filter made again as it was found.
    google.log.clear()
    code, out, err = run("fix", "--case", "ann", "--restore", str(event_id), typed="y\n")
    assert code == 0, err + out
    order_of(
        out,
        f"Putting back what event {event_id} removed:",
        "Putting it back reopens the access path it closed",
        "Put this back? [y/N]",
        "Put back at ",
        "the path is reopened. The check finds it again.",
    )
    [(method, path, body, status)] = non_reads(google)
    assert (method, path, status) == ("POST", "/gmail/v1/users/me/settings/filters", 200)
    assert body == {"criteria": forwarder["evidence"]["criteria"], "action": forwarder["evidence"]["action"]}  # type: ignore[index]
    assert [kind for _, kind, _ in path_events()] == ["fix", "restore"]
    code, out, _ = run("session", "map", "--case", "ann")
    assert "reopened at " in out
    code, _, err = run("fix", "--case", "ann", "--restore", str(event_id), typed="y\n")
    assert code == 2 and "already put back" in err


def test_declining_sends_nothing_at_all(run: Run, google: Sandbox) -> None:
    [forwarder] = [f for f in found(audit(run), FILTERS) if "keepingtabs" in str(f["evidence"])]
    for typed in ("\n", "n\n", ""):
        google.log.clear()
        code, out, _ = run("fix", "--case", "ann", str(forwarder["fingerprint"]), typed=typed)
        assert code == 1 and out.rstrip().endswith("Nothing was changed.")
        assert google.requests == []  # not a write, not even a read: nothing was asked of the server
    google.log.clear()
    code, _, err = run("fix", "--case", "ann", str(forwarder["fingerprint"]), piped="y\n")
    assert code == 1 and "standard input is not a terminal" in err
    assert google.requests == []
    assert path_events() == []


def test_gmail_forwarding_without_a_workspace_service_account_is_said_by_hand_before_anything_is_asked(
    run: Run, google: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Personal Gmail: Google lets only a Workspace service account change forwarding. Said when the change is
    planned, so the person is never asked to confirm (and sign in for) a change that cannot be made."""
    [forwarding] = found(audit(run), "google.gmail_autoforward")
    monkeypatch.delenv("AUDITOR_BEARER_TOKEN")  # a real sign-in, as a person's own account has
    google.log.clear()
    code, out, _ = run("fix", "--case", "ann", str(forwarding["fingerprint"]), typed="y\n")
    assert code == 1
    order_of(
        out,
        "Before you do anything — safety:",
        "The tool cannot make this change from here: Turn",
        "Google lets only a Google Workspace service account",
        "Make this change by hand: Gmail › Settings",
        "Nothing was changed.",
    )
    assert "[y/N]" not in out  # no question was asked
    assert google.requests == []
    assert path_events() == []  # nothing was tried


@pytest.mark.parametrize("fault", ["403", "500"])
def test_a_refused_change_says_not_changed_and_the_path_stays_open(run: Run, google: Sandbox, fault: str) -> None:
    [forwarder] = [f for f in found(audit(run), FILTERS) if "keepingtabs" in str(f["evidence"])]
    google.set_faults([FaultRule("google", "/gmail/v1/users/me/settings/filters/*", fault)])  # type: ignore[arg-type]
    google.log.clear()
    code, out, _ = run("fix", "--case", "ann", str(forwarder["fingerprint"]), typed="y\n")
    google.clear_faults()
    assert code == 1
    assert "Not changed (" in out and "The finding stays open." in out and "Closed" not in out
    assert "--restore" not in out
    assert [(m, s) for m, _, _, s in non_reads(google)] == [("DELETE", int(fault))]
    [(_, _, record)] = path_events()
    assert record["outcome"] == "not-changed" and record["reason"]
    # Still there for the next audit, and still open in the case.
    assert forwarder["fingerprint"] in {f["fingerprint"] for f in found(audit(run), FILTERS)}
    code, out, _ = run("session", "map", "--case", "ann")
    assert "closed by you" not in out


def no_forwarding() -> Scenario:
    """Ann's account with nothing forwarded, and photos shared by link."""
    scenario = google_only()
    google = scenario.sections["google"]
    google.auto_forwarding = AutoForwarding(enabled=False)
    google.forwarding_addresses = []
    google.filters = []
    return scenario


def test_no_forwarding_no_warning_and_the_broad_drive_permission_is_said_first(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    for sb in serve(monkeypatch, no_forwarding()):
        findings = audit(run)
        assert not found(findings, "google.gmail_autoforward") and not found(findings, FILTERS)
        link = next(f for f in found(findings, PUBLIC) if "VID_0007" in str(f["evidence"]))
        sb.log.clear()
        # The others shared by link (the folder "Photos 2024" and its two photos) are offered with it first (no:
        # only this one).
        code, out, err = run("fix", "--case", "ann", str(link["fingerprint"]), typed="\ny\n")
        assert code == 0, err + out
        assert "WARNING" not in out and "may be forwarded" not in out
        order_of(
            out,
            "There are 3 more photos and videos",
            "Make this change? [y/N]",
            "permission to:",
            "  • A BROAD permission: ",
            "Closed:",
        )
        assert [(m, s) for m, _, _, s in non_reads(sb)] == [("DELETE", 204)]


def test_the_forwarding_warning_comes_before_any_question_when_forwarding_could_not_be_checked(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forwarding the audit could not read may be there: the warning is said, as when it was found."""
    for sb in serve(monkeypatch, no_forwarding()):
        sb.set_faults([FaultRule("google", "/gmail/v1/users/me/settings/autoForwarding", "500")])
        findings = audit(run)
        sb.clear_faults()
        assert [f["status"] for f in findings if f["check"] == "google.gmail_autoforward"] == ["error"]
        link = next(f for f in found(findings, PUBLIC) if "VID_0007" in str(f["evidence"]))
        code, out, _ = run("fix", "--case", "ann", str(link["fingerprint"]), typed="\n")
        assert code == 1
        order_of(out, WARNING, "Make this change? [y/N]")


def test_a_listed_set_is_offered_all_or_one_and_only_the_chosen_are_sent(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.sandbox.google import DriveFile

    scenario = no_forwarding()
    google = scenario.sections["google"]
    google.drive = [DriveFile(name=n, shared_with=["mark.ex@gmail.example"]) for n in ("a.jpg", "b.jpg", "c.jpg")]
    for sb in serve(monkeypatch, scenario):
        [people] = found(audit(run), "google.drive_people_media")
        sb.log.clear()
        code, out, _ = run("fix", "--case", "ann", str(people["fingerprint"]), typed="2\ny\n")
        assert code == 1 and "Still open" in out  # Mark can still open the other two
        order_of(out, "The 3 changes that would close it", "  1. ", "  2. ", "  3. ", 'Type "all" to make all 3')
        assert [m for m, *_ in non_reads(sb)] == ["DELETE"]
        # The next audit lists the two left; all of them, as the listed set, close the path.
        [people] = found(audit(run), "google.drive_people_media")
        sb.log.clear()
        code, out, _ = run("fix", "--case", "ann", str(people["fingerprint"]), typed="all\n\n")
        assert code == 1 and out.rstrip().endswith("Nothing was changed.") and sb.requests == []
        code, out, err = run("fix", "--case", "ann", str(people["fingerprint"]), typed="all\ny\n")
        assert code == 0, err + out
        order_of(out, "The 2 changes that would close it", "Make all 2 changes listed above? [y/N]", "Closed:")
        assert [(m, s) for m, _, _, s in non_reads(sb)] == [("DELETE", 204), ("DELETE", 204)]


def test_what_an_attacker_wrote_in_a_filter_is_shown_literally(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = load_scenario("hostile")
    scenario.sections = {"google": scenario.sections["google"]}
    for _sb in serve(monkeypatch, scenario):
        hostile = [f for f in found(audit(run), FILTERS) if "\x1b" in str(f["evidence"]) or "[" in str(f["evidence"])]
        assert hostile
        for finding in hostile[:2]:
            _code, out, err = run("fix", "--case", "ann", str(finding["fingerprint"]), typed="\n")
            for text in (out, err):
                assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text and "\u200b" not in text
            assert "Delete the Gmail filter" in out


# -- Exchange (EWS) --------------------------------------------------------------------------------------

CONTOSO = "ann.example@contoso.example"


def ews_operations(sb: Sandbox) -> list[str]:
    """The EWS operations that changed the practice mailbox, in order (reads are not listed)."""
    from exchange_accounts.writing import writes as ews_writes

    return [w.operation for w in ews_writes(sb)]


def exchange_only() -> Scenario:
    scenario = load_scenario("compromised")
    scenario.sections = {"exchange": scenario.sections["exchange"]}
    return scenario


def test_an_exchange_rule_switched_off_of_the_two_ways_and_switched_on_again(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    for sb in serve(monkeypatch, exchange_only()):
        [rule] = found(audit(run, "exchange"), "exchange.inbox_rules")
        sb.log.clear()
        code, out, err = run("fix", "--case", "ann", str(rule["fingerprint"]), typed="1\ny\n")
        assert code == 0, err + out
        order_of(
            out,
            "Before you do anything — safety:",
            "Evidence: the finding's record was kept as evidence",
            "WARNING: Your mail on ann.example@contoso.example may be forwarded",
            "2 ways to close it — choose one (nothing has been sent):",
            "  1. Switch off the inbox rule",
            "  2. Delete the inbox rule",
            "Type the number of the one to make (1 to 2)",
            "Make this change? [y/N]",
            "A BROAD permission: ",
            "Closed: the check ran again and no longer finds it.",
        )
        assert "all" not in out.split("Type the number", 1)[1].split("\n", 1)[0]  # one of two ways, never both
        assert ews_operations(sb) == ["UpdateInboxRules"] and sb.refused == []
        [(event_id, _, record)] = path_events()
        assert record["outcome"] == "closed" and [c["action"] for c in record["changes"]] == ["disable_rule"]
        sb.log.clear()
        code, out, err = run("fix", "--case", "ann", "--restore", str(event_id), typed="y\n")
        assert code == 0, err + out
        assert "the path is reopened. The check finds it again." in out
        assert ews_operations(sb) == ["UpdateInboxRules"]


def test_an_exchange_delegate_removed_and_added_back(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    for sb in serve(monkeypatch, exchange_only()):
        [delegate] = found(audit(run, "exchange"), "exchange.delegates")
        sb.log.clear()
        code, out, err = run("fix", "--case", "ann", str(delegate["fingerprint"]), typed="y\n")
        assert code == 0, err + out
        assert ews_operations(sb) == ["RemoveDelegate"]
        [(event_id, _, _)] = path_events()
        code, out, _ = run("session", "map", "--case", "ann")
        assert "closed by you at " in out
        sb.log.clear()
        code, out, err = run("fix", "--case", "ann", "--restore", str(event_id), typed="y\n")
        assert code == 0, err + out
        assert ews_operations(sb) == ["AddDelegate"]
        code, out, _ = run("session", "map", "--case", "ann")
        assert "reopened at " in out


def test_declining_an_exchange_change_sends_nothing(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    for sb in serve(monkeypatch, exchange_only()):
        [rule] = found(audit(run, "exchange"), "exchange.inbox_rules")
        for typed in ("\n", "1\n\n", "3\n"):  # nothing chosen; chosen but not confirmed; no such way
            sb.log.clear()
            code, out, _ = run("fix", "--case", "ann", str(rule["fingerprint"]), typed=typed)
            assert code == 1 and out.rstrip().endswith("Nothing was changed.")
            assert sb.requests == []


# -- Microsoft (Graph) -----------------------------------------------------------------------------------


def test_an_outlook_rule_closed_with_a_permission_asked_for_then_and_never_kept(
    run: Run, monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    """The case signs in to Microsoft read-only (`auditor account add`, through the practice identity platform);
    closing a rule asks for the write permission only after the confirmation, and the case keeps only its own
    read-only sign-in."""
    from auditor.connectors.signin import secret_name

    settings = Path(str(isolated_home)) / "fix-settings.yaml"
    settings.write_text(
        "microsoft: {client_id: 3c1a7f2e-5b1d-4c8e-9a41-0d6f2b7e8c55}\nrequest_timeout: 2\nretry_budget: 2\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("AUDITOR_CONFIG", str(settings))
    with Sandbox("compromised") as sb:
        monkeypatch.setenv("AUDITOR_MICROSOFT_AUTHORITY_URL", str(sb.identity_url))
        monkeypatch.setenv("AUDITOR_MICROSOFT_CA_FILE", str(sb.ca_file))
        assert run("account", "add", "microsoft", "--case", "ann", "--yes")[0] == 0
        monkeypatch.setenv("AUDITOR_GRAPH_API_URL", str(sb.graph_url))  # no bearer token: the case's sign-in reads
        with open_case("ann", "correct horse") as case:
            read_only = case.get_secret(secret_name("microsoft", CONTOSO))
            secrets = case.table_counts()["secrets"]
        rule = next(
            f
            for f in found(audit(run, "microsoft"), "microsoft.outlook_inbox_rules")
            if "keepingtabs" in str(f["evidence"])
        )
        asked_before = len(sb.app("identity").asked_scopes())
        sb.log.clear()
        code, out, err = run("fix", "--case", "ann", str(rule["fingerprint"]), typed="1\ny\n")
        assert code == 0, err + out
        order_of(
            out,
            "WARNING: Your mail on ann.example@contoso.example may be forwarded",
            "2 ways to close it — choose one",
            "  1. Turn off the inbox rule",
            "Make this change? [y/N]",
            "permission to:",
            "(MailboxSettings.ReadWrite)",
            "enter the code",  # the sign-in for the write permission, only now
            "Closed: the check ran again and no longer finds it.",
        )
        rule_path = f"/v1.0/me/mailFolders/inbox/messageRules/{rule['evidence']['id']}"  # type: ignore[index]
        accepted = [(r.method, r.path, r.extra.get("body")) for r in sb.requests if r.provider == "graph" and r.extra]
        assert accepted == [("PATCH", rule_path, {"isEnabled": False})] and sb.refused == []
        [write] = sb.app("identity").asked_scopes()[asked_before:]
        assert "MailboxSettings.ReadWrite" in write and "User.RevokeSessions.All" not in write
        with open_case("ann", "correct horse") as case:
            assert case.get_secret(secret_name("microsoft", CONTOSO)) == read_only  # the write permission: not kept
            assert case.table_counts()["secrets"] == secrets  # and nothing else was kept beside it
        [(event_id, _, _)] = path_events()
        sb.log.clear()
        code, out, err = run("fix", "--case", "ann", "--restore", str(event_id), typed="y\n")
        assert code == 0, err + out
        accepted = [(r.method, r.path, r.extra.get("body")) for r in sb.requests if r.provider == "graph" and r.extra]
        assert accepted == [("PATCH", rule_path, {"isEnabled": True})]
