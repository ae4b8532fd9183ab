"""exchange.automatic_replies — checks/exchange/automatic_replies.py; playbook
playbooks/exchange-automatic-replies.yaml.

Automatic replies on now that answer people outside the organisation are a question (they tell whoever
writes that the person is away); off, over, or for colleagues only is clear.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from exchange_accounts.readings import ChosenMailbox, run_check, run_exchange, scenario_with, statuses

from auditor.checkapi import Decisions, Reading
from auditor.checkapi.exchange import AutomaticReplies
from auditor.model import Status, fingerprint
from auditor.safetext import literal
from auditor.sandbox import Sandbox
from auditor.sandbox.exchange import OofSettings

CHECK = "exchange.automatic_replies"
LATER = datetime.now(timezone.utc) + timedelta(days=30)
ON_FOR_ALL = AutomaticReplies("Scheduled", "All", None, LATER, has_internal_reply=True, has_external_reply=True)


def replies(settings: AutomaticReplies, **gaps: tuple[str, ...]) -> ChosenMailbox:
    return ChosenMailbox(replies=Reading("the automatic replies", settings, **gaps))


def test_replies_to_anyone_scheduled_until_later_are_asked_about() -> None:
    (finding,) = run_check(CHECK, replies(ON_FOR_ALL))
    assert finding.status is Status.REVIEW
    assert finding.title.startswith("Automatic replies are on and answer anyone who writes to you (scheduled until ")
    not_mine = Decisions({fingerprint(CHECK, "sam.example@contoso.example", "automatic-replies:All"): "not-mine"})
    assert [f.status for f in run_check(CHECK, replies(ON_FOR_ALL), not_mine)] == [Status.FOUND]


def test_replies_off_over_a_whole_reading_are_clear() -> None:
    (finding,) = run_check(CHECK, ChosenMailbox())
    assert (finding.status, finding.title) == (Status.CLEAR, "Automatic replies are off")


def test_settings_not_wholly_read_are_couldnt_check() -> None:
    for settings in (ON_FOR_ALL, ChosenMailbox().replies.value):
        findings = run_check(CHECK, replies(settings, unrecognised=("OofSettings.Duration.EndTime: not a date",)))
        assert Status.CLEAR not in {f.status for f in findings} and Status.ERROR in {f.status for f in findings}


def test_the_reply_itself_never_reaches_the_finding() -> None:
    # What someone wrote in the reply is not read at all (only whether there is one): the words are ours.
    (finding,) = run_check(CHECK, replies(ON_FOR_ALL))
    assert set(finding.evidence) >= {"has_internal_reply", "has_external_reply"}
    assert not any("message" in key or "text" in key for key in finding.evidence)
    assert literal(finding.title, None) == finding.title and literal(finding.detail, None) == finding.detail


# --- through exchangelib and the practice EWS server ---------------------------------------------------------


@pytest.mark.parametrize(
    ("oof", "expected"),
    [
        (OofSettings(OofState="Enabled", ExternalAudience="All"), Status.REVIEW),
        (OofSettings(OofState="Enabled", ExternalAudience="Known"), Status.REVIEW),
        (OofSettings(OofState="Scheduled", ExternalAudience="All", EndTime="2099-01-01T00:00:00Z"), Status.REVIEW),
        (OofSettings(OofState="Scheduled", ExternalAudience="All", EndTime="2020-01-01T00:00:00Z"), Status.CLEAR),
        (OofSettings(OofState="Enabled", ExternalAudience="None"), Status.CLEAR),
        (OofSettings(OofState="Disabled", ExternalAudience="All"), Status.CLEAR),
    ],
)
def test_automatic_replies_rule(oof: OofSettings, expected: Status) -> None:
    with Sandbox(scenario_with(oof=oof)) as sb:
        run = run_exchange(sb)
    assert statuses(run, "exchange.automatic_replies") == [expected]


def test_automatic_replies_decisions() -> None:
    target = "sam.example@contoso.example"
    fp = fingerprint("exchange.automatic_replies", target, "automatic-replies:All")
    with Sandbox(scenario_with(oof=OofSettings(OofState="Enabled", ExternalAudience="All"))) as sb:
        not_mine = run_exchange(sb, Decisions({fp: "not-mine"}))
        mine = run_exchange(sb, Decisions({fp: "mine"}))
    assert statuses(not_mine, "exchange.automatic_replies") == [Status.FOUND]
    assert statuses(mine, "exchange.automatic_replies") == [Status.CLEAR]
