"""The intake asked question by question in a terminal. ``ask`` is injected so the flow can be driven by tests.

Consent comes first and is asked item by item: the person decides what the case may keep. Nothing is asked
that consent does not cover (no people are asked about when they did not agree to keep them).
"""

from __future__ import annotations

from collections.abc import Callable

from auditor.model import KINDS
from auditor.session.intake import Access, Concern, Consent, Intake, Item, When

Ask = Callable[[str], str]
Say = Callable[[str], None]

CONSENT_QUESTIONS = (
    ("concerns", "Keep what worries you most (your chief concerns) in the case?"),
    ("accounts", "Keep a list of your devices and accounts in the case?"),
    ("people", "Keep who has or had access to each device or account?"),
    ("notes", "Keep session notes and your answers about safety planning?"),
)


def yes(ask: Ask, question: str) -> bool:
    while True:
        answer = ask(f"{question} [y/n] ").strip().lower()
        if answer in ("y", "yes"):
            return True
        if answer in ("n", "no", ""):
            return False


def interview(ask: Ask, say: Say) -> Intake:
    say("Everything you tell this session stays in the encrypted case, and only what you agree to keep.")
    say("You can say no to any of these; the session still works.")
    consent = Consent(**{field: yes(ask, question) for field, question in CONSENT_QUESTIONS})

    say("What worries you most? Answer each with y or n.")
    concerns = tuple(c for c in Concern if yes(ask, f"  {c.label}?"))

    items: list[Item] = []
    say(f"Devices and accounts in your life. Kinds: {', '.join(KINDS)}. An empty kind ends the list.")
    while True:
        kind = ask("Kind (empty to finish): ").strip().lower()
        if not kind:
            break
        if kind not in KINDS:
            say(f"  {kind!r} is not one of: {', '.join(KINDS)}")
            continue
        label = ask("  Which one (an address, a phone's name, a username): ").strip()
        if not label:
            say("  Nothing recorded without a name.")
            continue
        access: list[Access] = []
        if consent.people:
            while yes(ask, "  Does or did anyone else have access to it?"):
                person = ask("    Who (a name or a description): ").strip()
                if not person:
                    continue
                when = When.HAS if yes(ask, "    Do they still have access?") else When.HAD
                how = ask("    How (optional): ").strip()
                known = ask("    Their e-mail or number, if known: ")
                addresses = tuple(a.strip() for a in known.split(",") if a.strip())
                access.append(Access(person=person, when=when, how=how, addresses=addresses))
        items.append(Item(kind=kind, label=label, access=tuple(access)))
    return Intake(consent=consent, concerns=concerns, items=tuple(items))
