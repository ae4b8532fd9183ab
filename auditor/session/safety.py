"""Safety planning before steps the other person could notice.

Changing a password, removing a forwarding rule or an app, signing out sessions, stopping sharing — each can
tell the person who set it up that they were found, and that can escalate danger. Before such a step the
session asks whether the person has a safety plan and shows where to get help (the playbook's ``escalate``
entries). The person can always continue: the prompt informs, it never blocks.

Steps are recognised by what they ask the person to do (a word list over the step text), so every playbook
— including ones written later — is covered without marking each step by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.playbooks import Escalation, Playbook

# Actions the other person can notice: they lose access, a rule stops working, a session ends.
NOTICEABLE = re.compile(
    r"\b("
    r"change\b[^.]*\b(password|passcode)s?|new password|reset|replace|"
    r"sign(ed)? (me )?out|log(ged)? ?out|end task|bootout|"
    r"remove|delete|revoke|uninstall|untick|off|disable|deactivate|disconnect|restricted|"
    r"stop|leave|cancel|report|block|wipe|do not send|(move|put)\b[^.]*\b(bin|trash)"
    r")\b|\bput # ",
    re.IGNORECASE,
)

QUESTION = "This step may be noticed by the person who set this up. Do you have a safety plan for when they notice?"
# Said after the question whatever the answer: the prompt informs, it never blocks.
CONTINUE = "You can go on whenever you are ready, or stop here."


@dataclass(frozen=True)
class StepRef:
    platform: str
    number: int  # 1-based, as the playbook shows it
    text: str
    noticeable: bool

    @property
    def key(self) -> str:
        """The step's key in the case's playbook progress."""
        return f"{self.platform}:{self.number}"


@dataclass(frozen=True)
class SafetyPrompt:
    playbook: str
    step: StepRef
    question: str
    safety: tuple[str, ...]
    help: tuple[Escalation, ...]


def is_noticeable(text: str) -> bool:
    return NOTICEABLE.search(text) is not None


def steps_of(playbook: Playbook) -> list[StepRef]:
    return [
        StepRef(platform, number, text, is_noticeable(text))
        for platform, steps in playbook.steps.items()
        for number, text in enumerate(steps, 1)
    ]


def prompt_before(playbook: Playbook, step: StepRef) -> SafetyPrompt | None:
    """The safety prompt to show before ``step``, or None when the step cannot be noticed."""
    if not step.noticeable:
        return None
    return SafetyPrompt(playbook.id, step, QUESTION, playbook.safety, playbook.escalate)


def first_prompt(playbook: Playbook) -> SafetyPrompt | None:
    """The prompt before the playbook's first noticeable step (one question per playbook is enough)."""
    for step in steps_of(playbook):
        prompt = prompt_before(playbook, step)
        if prompt is not None:
            return prompt
    return None


def record_answer(case: object, prompt: SafetyPrompt, has_plan: bool) -> bool:
    """Keep the answer as a session note when the person agreed to notes; True if it was kept."""
    from auditor.session.store import add_note, latest_session

    session = latest_session(case)  # type: ignore[arg-type]
    if session is None or not session.intake.consent.notes:
        return False
    answer = "has a safety plan" if has_plan else "has no safety plan yet; was shown where to get help"
    add_note(case, f"Before {prompt.playbook} step {prompt.step.key}: {answer}", kind="safety-plan")  # type: ignore[arg-type]
    return True
