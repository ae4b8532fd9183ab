"""`auditor session ...`: an advocate session in a case — intake, plan, notes, guided answers, access map."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auditor.session.plan import PlanStep
    from auditor.store import CaseStore


def register(sub: Any) -> None:
    p = sub.add_parser("session", help="an advocate session: intake, plan of checks, notes, access map")
    actions = p.add_subparsers(dest="session_command", metavar="ACTION", required=True)
    a = actions.add_parser(
        "start",
        help="start a session: consent, concerns, devices and accounts, who has access",
        description="Asks the intake questions in a terminal, or reads them from a YAML file with --from.",
    )
    a.add_argument("--case", required=True, metavar="NAME")
    a.add_argument("--from", dest="intake_file", type=Path, metavar="FILE", help="read the intake from YAML")
    a.set_defaults(handler=handle_start)
    a = actions.add_parser("show", help="what the latest session recorded, and its notes")
    a.add_argument("--case", required=True, metavar="NAME")
    a.set_defaults(handler=handle_show)
    a = actions.add_parser("plan", help="the checks to run, in the order to run them")
    a.add_argument("--case", required=True, metavar="NAME")
    a.set_defaults(handler=handle_plan)
    a = actions.add_parser("note", help="keep a note, or record an impersonating profile's address")
    a.add_argument("--case", required=True, metavar="NAME")
    a.add_argument("text", nargs="?", default="", help="the note")
    a.add_argument("--impersonation", metavar="URL", help="a profile pretending to be the person")
    a.add_argument("--platform", metavar="NAME", help="with --impersonation: the platform, e.g. Instagram")
    a.set_defaults(handler=handle_note)
    a = actions.add_parser("answer", help="record the answer to a guided question (Check by hand)")
    a.add_argument("--case", required=True, metavar="NAME")
    a.add_argument("check", metavar="CHECK", help="the guided check's id, e.g. apple.find_my")
    a.add_argument("answer", choices=("looks-fine", "found-something", "not-sure"))
    a.add_argument("--target", metavar="ACCOUNT", help="the account it is about (default: the only one)")
    a.add_argument("--note", default="")
    a.set_defaults(handler=handle_answer)
    a = actions.add_parser("steps", help="a playbook's steps, asking about a safety plan before noticeable ones")
    a.add_argument("--case", required=True, metavar="NAME")
    a.add_argument("playbook", metavar="PLAYBOOK")
    a.set_defaults(handler=handle_steps)
    a = actions.add_parser("map", help="the access map: who or what can get into each account and device")
    a.add_argument("--case", required=True, metavar="NAME")
    a.add_argument("--html", type=Path, metavar="FILE", help="also write the map as an HTML fragment")
    a.set_defaults(handler=handle_map)


def _open(name: str, creating_allowed: bool = False) -> CaseStore:
    from auditor.cli.unlock import unlock

    return unlock(name, creating_allowed)


def _tty() -> bool:
    return bool(sys.stdin) and sys.stdin.isatty()


def handle_start(args: argparse.Namespace) -> int:
    from auditor.application.sessions import plan_for
    from auditor.errors import UsageError
    from auditor.session.intake import load_intake
    from auditor.session.interview import interview
    from auditor.session.store import start_session

    if args.intake_file is not None:
        intake = load_intake(args.intake_file)  # read before the case is touched: a bad file changes nothing
    elif _tty():
        try:
            intake = interview(input, print)
        except EOFError:  # Ctrl-D: the intake ends unfinished, and an unfinished intake is not kept
            raise UsageError("the intake ended before it was finished (input closed); nothing was recorded") from None
    else:
        raise UsageError("no terminal to ask the intake questions in: give them in a file with --from FILE")
    with _open(args.case, creating_allowed=True) as case:
        session = start_session(case, intake)
    kept = session.intake.consent
    agreed = [name for name in ("concerns", "accounts", "people", "notes") if getattr(kept, name)]
    print(f"Session {session.id} started in the case {args.case!r}.")
    print("Kept in the case: " + (", ".join(agreed) if agreed else "only the consent choices") + ".")
    print()
    print_plan(plan_for(intake))
    return 0


def handle_show(args: argparse.Namespace) -> int:
    from auditor.safetext import literal
    from auditor.session.store import notes, require_session

    with _open(args.case) as case:
        session = require_session(case)
        kept_notes = notes(case, session)
    intake = session.intake
    c = intake.consent
    print(f"Session {session.id}, started {session.started_at:%Y-%m-%d %H:%M} UTC")
    print(
        "Consent — concerns: {}, devices and accounts: {}, people: {}, notes: {}".format(
            *("yes" if v else "no" for v in (c.concerns, c.accounts, c.people, c.notes))
        )
    )
    if intake.concerns:
        print("Concerns:")
        for concern in intake.concerns:
            print(f"  - {concern.label}")
    if intake.items:
        print("Devices and accounts:")
        for item in intake.items:
            print(f"  - {literal(item.label, 200)} ({item.kind})")
            for access in item.access:
                when = "has access" if access.when.value == "has" else "had access"
                how = f", {literal(access.how, 200)}" if access.how else ""
                print(f"      {literal(access.person, 200)} {when}{how}")
    if kept_notes:
        print("Notes:")
        for note in kept_notes:
            print(f"  {note.at:%Y-%m-%d %H:%M} [{note.kind}] {literal(note.text, 2000)}")
    return 0


def print_plan(steps: list[PlanStep]) -> None:
    from auditor.safetext import literal

    phase = None
    for n, step in enumerate(steps, 1):
        if step.phase != phase:
            phase = step.phase
            print(phase.title)
        how = "automated" if step.automated else "by hand"
        why = f" — for: {'; '.join(c.label for c in step.concerns)}" if step.concerns else ""
        print(textwrap.fill(f"{n:>3}. {step.title} [{step.check}, {how}]{why}", 100, subsequent_indent=" " * 7))
        if step.targets:
            print("       on: " + "; ".join(literal(t, 100) for t in step.targets))


def handle_plan(args: argparse.Namespace) -> int:
    from auditor.application.sessions import plan_for
    from auditor.session.store import require_session

    with _open(args.case) as case:
        session = require_session(case)
    print_plan(plan_for(session.intake))
    return 0


def handle_note(args: argparse.Namespace) -> int:
    from auditor.errors import UsageError
    from auditor.session.store import add_note

    if args.impersonation:
        if not args.platform:
            raise UsageError("--impersonation needs --platform NAME (e.g. Instagram)")
        with _open(args.case) as case:
            from auditor.session.store import refuse_note_without_consent

            refuse_note_without_consent(case, args.text)
            where = record_impersonation(case, args.impersonation, args.platform, args.text)
        print(f"Recorded the profile {where}.")
        return 0
    with _open(args.case) as case:
        add_note(case, args.text)
    print("Note kept in the encrypted case.")
    return 0


def record_impersonation(case: CaseStore, url: str, platform: str, note: str = "") -> str:
    """An impersonation profile becomes a content location of the takedown timeline."""
    from auditor.timeline import LocationKind, Timeline

    location = Timeline(case).add_location(url, platform, LocationKind.IMPERSONATION, note=note)
    return f"as content location {location.id} in the timeline (impersonation profile)"


def handle_answer(args: argparse.Namespace) -> int:
    from auditor.application.answers import answer_guided
    from auditor.application.checks import guided_question
    from auditor.errors import UsageError

    manual = guided_question(args.check)  # an unknown check is refused before the case is unlocked
    if args.target is not None and not args.target.strip():
        raise UsageError("--target is empty: name the account the answer is about")
    with _open(args.case) as case:
        answered = answer_guided(case, args.check, args.target, args.answer, args.note)
    if answered.account_added:
        from auditor.safetext import literal

        print(
            f"{literal(answered.target, 200)} is now a {manual.kind} account of the case: its questions are asked too."
        )
    print(f"Recorded: {manual.title} — {args.answer.replace('-', ' ')}. The next audit of the case uses it.")
    return 0


def handle_steps(args: argparse.Namespace) -> int:
    from auditor.errors import UsageError
    from auditor.playbooks import builtin_playbooks
    from auditor.session.interview import yes
    from auditor.session.safety import CONTINUE, prompt_before, record_answer, steps_of

    playbook = builtin_playbooks().get(args.playbook)
    if playbook is None:
        raise UsageError(f"no playbook {args.playbook!r}; `auditor checks` names each check's playbooks")
    with _open(args.case) as case:
        print(playbook.title)
        asked = False
        for step in steps_of(playbook):
            prompt = prompt_before(playbook, step)
            if prompt is not None and not asked:
                asked = True
                print()
                print(textwrap.fill(prompt.question, 100))
                for line in prompt.safety:
                    print(textwrap.fill(line, 100, initial_indent="  • ", subsequent_indent="    "))
                print("Where to get help:")
                for e in prompt.help:
                    print(textwrap.fill(f"{e.when}: {e.where}", 100, initial_indent="  • ", subsequent_indent="    "))
                if _tty():
                    try:
                        has_plan: bool | None = yes(input, "Do you have a safety plan?")
                    except EOFError:  # Ctrl-D: no answer, and the steps still follow
                        has_plan = None
                        print()
                    if has_plan is None:
                        print("No answer was given; nothing was kept.")
                    else:
                        kept = record_answer(case, prompt, has_plan)
                        print("Your answer was kept in the session notes." if kept else "Your answer was not kept.")
                print(CONTINUE)
                print()
            mark = "  (may be noticed)" if step.noticeable else ""
            print(textwrap.fill(f"[{step.key}] {step.text}{mark}", 100, subsequent_indent="    "))
    return 0


def handle_map(args: argparse.Namespace) -> int:
    from auditor.session.access_map import case_map, render_html, render_text

    if args.html is not None:
        from auditor.reports.output import UNENCRYPTED_WARNING

        print(UNENCRYPTED_WARNING, file=sys.stderr)  # before anything is written, so the person can stop
    with _open(args.case) as case:
        amap = case_map(case)
    print(render_text(amap))
    if args.html is not None:
        from auditor.reports.output import write_file

        digest = write_file(args.html, render_html(amap).encode("utf-8"))
        print(f"Wrote the map to {args.html}. It is NOT encrypted. SHA-256 {digest}")
    return 0
