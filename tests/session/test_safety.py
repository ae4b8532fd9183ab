"""Safety-plan prompts before steps the other person could notice."""

from __future__ import annotations

import pytest

from auditor.playbooks import builtin_playbooks
from auditor.session.intake import parse_intake
from auditor.session.safety import first_prompt, is_noticeable, prompt_before, record_answer, steps_of
from auditor.session.store import notes, start_session
from auditor.store import CaseStore


@pytest.mark.parametrize(
    "text",
    [
        "Change your Microsoft account password first, from a safe device",
        "Change the passwords of your important accounts from a different, safe device afterwards.",
        "Settings › Mail › Rules › for each rule you did not make: the bin icon (Delete) › OK.",
        'icloud.com/mail › Settings › untick "Forward my email to" › Done.',
        "Log out every session and device you do not recognise",
        "Find My › People › tap a person › Stop Sharing My Location.",
        "Settings › Apps › the app › Uninstall.",
        "Security › Sign-in cookies › Reset, which signs the account out everywhere.",
        "Accessibility: Settings › Accessibility › the app › off.",
        "Report the profile as impersonation from its page",
        "For a crontab line: `crontab -e` and put # at the start of the line.",
    ],
)
def test_noticeable_steps(text: str) -> None:
    assert is_noticeable(text)


@pytest.mark.parametrize(
    "text",
    [
        "Look in Trash for security alerts a rule hid; they show what the other person did.",
        "Open the tool and note its connection log in the case.",
        "Set a port-out PIN / number lock that only you know",
        "Security › Sign-in activity: look for sign-ins you did not make (place, time, device).",
    ],
)
def test_quiet_steps(text: str) -> None:
    assert not is_noticeable(text)


def test_every_remediating_playbook_asks_before_its_first_noticeable_step() -> None:
    for playbook in builtin_playbooks().values():
        prompt = first_prompt(playbook)
        assert prompt is not None, playbook.id  # every playbook has at least one step that can be noticed
        assert prompt.help == playbook.escalate and prompt.safety == playbook.safety
        first = next(s for s in steps_of(playbook) if s.noticeable)
        assert prompt.step == first
        assert prompt_before(playbook, first) is not None


def test_prompt_for_mail_forwarding_shows_where_to_get_help() -> None:
    playbook = builtin_playbooks()["apple-icloud-mail-forwarding"]
    steps = steps_of(playbook)
    assert [s.noticeable for s in steps] == [True, True, False, True]
    assert prompt_before(playbook, steps[2]) is None
    prompt = prompt_before(playbook, steps[0])
    assert prompt is not None and "safety plan" in prompt.question
    assert any("hotline" in e.where for e in prompt.help)


def test_answer_is_kept_only_with_consent_to_notes(case: CaseStore) -> None:
    prompt = first_prompt(builtin_playbooks()["social-account-security"])
    assert prompt is not None
    assert record_answer(case, prompt, True) is False  # no session yet: nothing written
    start_session(case, parse_intake("consent: {notes: false}\n"))
    assert record_answer(case, prompt, True) is False
    assert case.table_counts()["session_notes"] == 0
    start_session(case, parse_intake("consent: {notes: true}\n"))
    assert record_answer(case, prompt, False) is True
    kept = notes(case)
    assert [n.kind for n in kept] == ["safety-plan"]
    assert "social-account-security step any:1" in kept[0].text and "no safety plan yet" in kept[0].text
