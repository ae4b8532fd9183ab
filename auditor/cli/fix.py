"""`auditor fix --case NAME FINGERPRINT`: close one access path, with the person confirming the exact change.

The safety note first; the finding kept as evidence; each change shown exactly and confirmed by a person at
the terminal (there is no --yes: with no terminal on standard input nothing is changed); only then the sign-in
for the write permission; the change sent, the check run again, and closed / still open / not changed said.
`--restore EVENT_ID` puts back what a change removed, after its own confirmation. Where the account has other open
findings like it (every photo shared by link), they are offered as a listed set after the finding's own change — no
is the default — or listed straight away with `--all-like`; the one confirmation then covers the whole list.

Exit codes: 0 closed (or put back); 1 still open, not changed (or not put back); 2 usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auditor.application.auditing import AuditPlan
    from auditor.application.fixing import Change, FixPlan, FixResult
    from auditor.application.fixing_sets import ConfirmedSet, FixSet, SetResult
    from auditor.application.restoring import RestorePlan, RestoreResult

NO_TERMINAL = (
    "Nothing was changed: every change is confirmed by a person at the terminal, and standard input is not a "
    "terminal. Run this command yourself, in a terminal."
)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "fix",
        help="close an access path: the exact change, confirmed by you, evidence kept first",
        description=(
            "Close one access path the case's audit found. The playbook's safety note comes first and the finding "
            "is kept as evidence; then the exact change is shown and you confirm it (there is no --yes: nothing is "
            "changed without a person at the terminal saying yes). Only then are you asked to sign in for the "
            "narrow write permission, which is kept in memory for this sitting and never stored. The check runs "
            "again and says whether the path is closed; the timeline records what was removed. "
            "Exit codes: 0 closed; 1 still open or not changed; 2 usage."
        ),
    )
    p.add_argument("--case", required=True, metavar="NAME")
    p.add_argument(
        "fingerprint", nargs="?", metavar="FINGERPRINT", help="the finding's id, as `auditor audit` prints it"
    )
    p.add_argument(
        "--all-like",
        action="store_true",
        help=(
            "list the account's other open findings like this one (e.g. every photo shared by link) with it, to close "
            "them all after one confirmation (without it they are offered, and no is the default)"
        ),
    )
    p.add_argument(
        "--restore",
        type=int,
        metavar="EVENT_ID",
        help="put back what the change recorded as this timeline event removed (after its own confirmation)",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from auditor.errors import UsageError

    if args.restore is not None:
        if args.fingerprint or args.all_like:
            raise UsageError("give a finding's id to close, or --restore EVENT_ID to put one back, not both")
        return handle_restore(args)
    if not args.fingerprint:
        raise UsageError("name the finding to close (its id, as `auditor audit --case NAME` prints it)")
    return handle_fix(args)


# -- talking to the person -------------------------------------------------------------------------------


def at_terminal() -> bool:
    return bool(sys.stdin and sys.stdin.isatty())


def ask(prompt: str) -> str:
    """One answer typed at the terminal; end of input is no answer."""
    try:
        return input(prompt).strip()
    except EOFError:
        print()
        return ""


def yes(prompt: str) -> bool:
    """y/N: only a typed yes is yes."""
    return ask(f"{prompt} [y/N] ").casefold() in ("y", "yes")


def _record_lines(record: Mapping[str, Any], indent: str) -> list[str]:
    import json

    from auditor.safetext import literal

    out = []
    for key, value in record.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        out.append(f"{indent}{literal(key, 80)}: {literal(shown, 400)}")
    return out


def change_lines(change: Change, indent: str = "  ") -> list[str]:
    """One change, exactly: what it does, the request that will be sent, and the record it removes."""
    from auditor.safetext import literal, literal_multiline

    if change.guided:
        steps = [f"{indent}  {line}" for line in literal_multiline(change.request, 2000).split("\n")]
        return [f"{indent}{literal(change.words, 300)}", *steps]
    out = [f"{indent}{literal(change.words, 300)}", f"{indent}  The exact request: {literal(change.request, 600)}"]
    if change.before:
        out.append(f"{indent}  What it removes, as it was found:")
        out += _record_lines(change.before, indent + "    ")
    if not change.restorable:
        note = f" {literal(change.restore_note, 300)}" if change.restore_note else ""
        out.append(f"{indent}  The tool cannot put this back afterwards.{note}")
    return out


def print_plan(plan: FixPlan) -> None:
    from auditor.safetext import literal

    finding = plan.finding
    print(f"Closing: {literal(finding.title, 300)}")
    print(f"Account or device: {literal(finding.target, 200)}")
    print()
    if plan.safety:
        print("Before you do anything — safety:")
        for line in plan.safety:
            print(f"  • {line}")
        print()


def print_changes(plan: FixPlan) -> None:
    if plan.guided:
        print("What to do, by hand (the tool changes nothing on a device; it records that you did it):")
        for change in plan.changes:
            print("\n".join(change_lines(change)))
        return
    if plan.alternatives:
        print(f"{len(plan.changes)} ways to close it — choose one (nothing has been sent):")
        for number, change in enumerate(plan.changes, 1):
            lines = change_lines(change, "     ")
            print(f"  {number}. {lines[0].strip()}")
            print("\n".join(lines[1:]))
        return
    if plan.several:
        print(f"The {len(plan.changes)} changes that would close it (nothing has been sent):")
        for number, change in enumerate(plan.changes, 1):
            lines = change_lines(change, "     ")
            print(f"  {number}. {lines[0].strip()}")
            print("\n".join(lines[1:]))
        return
    print("The change that would close it (nothing has been sent):")
    print("\n".join(change_lines(plan.changes[0])))


def choose(plan: FixPlan) -> list[Change]:
    """The changes the person confirms: the one change, or of several all listed or one of them. No is the default."""
    changes = list(plan.changes)
    if plan.guided:
        return changes if yes("Have you done these steps?") else []
    if not plan.several:
        return changes if yes("Make this change?") else []
    if plan.alternatives:
        picked = ask(f"Type the number of the one to make (1 to {len(changes)}), or press Enter to change nothing: ")
        if picked.isdigit() and 1 <= int(picked) <= len(changes):
            change = changes[int(picked) - 1]
            print("\n".join(change_lines(change)))
            return [change] if yes("Make this change?") else []
        return []
    picked = ask(
        f'Type "all" to make all {len(changes)} changes listed above, the number of one to make only that one, '
        "or press Enter to change nothing: "
    ).casefold()
    if picked == "all":
        return changes if yes(f"Make all {len(changes)} changes listed above?") else []
    if picked.isdigit() and 1 <= int(picked) <= len(changes):
        change = changes[int(picked) - 1]
        print("\n".join(change_lines(change)))
        return [change] if yes("Make this change?") else []
    return []


def print_set(like: FixSet) -> None:
    """The others like it, one by one: each item's name literally and the exact request."""
    print(f"{like.words} — each listed (nothing has been sent):")
    for number, change in enumerate(like.changes, 1):
        lines = change_lines(change, "     ")
        print(f"  {number}. {lines[0].strip()}")
        print("\n".join(lines[1:]))


def choose_set(plan: FixPlan, like: FixSet, listed: bool) -> bool:
    """Whether the person closes the others with it: offered (no is the default) unless --all-like listed them
    already; then the list, and one confirmation of the whole of it."""
    if not listed:
        if not yes(f"{like.offer}: close them all too? They are listed first, one by one."):
            return False
        print()
        print_set(like)
        print()
    total = len(plan.changes) + len(like.changes)
    return yes(f"Make all {total} changes — this finding's and the {like.count} others' listed above?")


def print_permissions(lines: Sequence[str]) -> None:
    if not lines:
        return
    print()
    print("Next you sign in and give this tool, for this sitting only (kept in memory, never stored), permission to:")
    for line in lines:
        print(f"  • {line}")


def show(text: str) -> None:
    """What the sign-in needs the person to do (a web address to open, a code), shown literally."""
    from auditor.safetext import literal_multiline

    print(literal_multiline(text, 2000), flush=True)


def _audit_plan(kind: str | None = None) -> AuditPlan:
    """Where changes go (the endpoint variables, the settings), and the kind whose check runs again."""
    from auditor.application.auditing import AuditPlan
    from auditor.config import Endpoints, load_settings

    return AuditPlan(kinds=(kind,) if kind else (), endpoints=Endpoints.from_env(), settings=load_settings())


# -- closing ---------------------------------------------------------------------------------------------


def handle_fix(args: argparse.Namespace) -> int:
    import asyncio

    from auditor.application.fixing import confirm, freeze_evidence, permission_lines, plan_fix, plan_notes
    from auditor.application.fixing_sets import plan_set
    from auditor.cli.unlock import unlock
    from auditor.safetext import literal

    with unlock(args.case) as case:
        sent_to = _audit_plan()
        plan = plan_fix(case, args.fingerprint, sent_to)
        print_plan(plan)
        for note in plan_notes(plan):
            print(note)
            print()
        evidence = freeze_evidence(case, plan)
        print(
            f"Evidence: the finding's record was kept as evidence {evidence.id}, before anything is changed "
            f"(SHA-256 {evidence.sha256})."
        )
        print()
        if not plan.changes:
            where = f" (`auditor playbook {plan.playbook}`)" if plan.playbook else ""
            print(f"The tool cannot make this change for you: follow the playbook's steps by hand{where}.")
            print("Nothing was changed.")
            return 1
        warning = plan.forwarding_warning
        if warning:
            print(f"WARNING: {warning}")
            print()
        print_changes(plan)
        like = plan_set(case, plan, sent_to)  # the account's other findings like it: nothing is sent
        if args.all_like:
            print()
            if like is None:
                print("There are no other open findings like it on this account: only this one is offered.")
            else:
                print_set(like)
        if not at_terminal():
            print(NO_TERMINAL, file=sys.stderr)
            return 1
        print()
        if like is not None:
            if choose_set(plan, like, listed=args.all_like):
                return close_set(case, plan, like, evidence, args.case)
            if args.all_like:
                print("Nothing was changed.")
                return 1
            print()
        chosen = choose(plan)
        if not chosen:
            print("Nothing was changed.")
            return 1
        confirmed = confirm(plan, chosen, evidence)
        print_permissions(permission_lines(confirmed.permissions))
        result = asyncio.run(apply_with(case, confirmed, _audit_plan(plan.kind)))
        print()
        print_result(result, args.case, literal(plan.finding.title, 300))
    return 0 if result.closed else 1


def close_set(case: Any, plan: FixPlan, like: FixSet, evidence: Any, case_name: str) -> int:
    """The person said yes to the whole list: each other finding's record kept first, then the set sent."""
    import asyncio

    from auditor.application.fixing import confirm, permission_lines
    from auditor.application.fixing_sets import confirm_set, keep_set_evidence

    kept = keep_set_evidence(case, like)
    print(
        f"Evidence: the records of the {like.count} others were kept as evidence "
        f"{', '.join(str(item.id) for item in kept)}, before anything is changed."
    )
    confirmed = confirm_set(confirm(plan, plan.changes, evidence), like, kept)
    print_permissions(permission_lines(confirmed.permissions))
    result = asyncio.run(apply_set_with(case, confirmed, _audit_plan(plan.kind)))
    print()
    print_set_result(result, confirmed, case_name)
    return 0 if result.closed else 1


async def apply_set_with(case: Any, confirmed: ConfirmedSet, audit_plan: AuditPlan) -> SetResult:
    from auditor.application.fixing_sets import apply_set

    return await apply_set(case, confirmed, audit_plan, show=show)


SET_OUTCOMES = {
    "closed": "Closed",
    "still-open": "Still open (changed, but the check still finds it)",
    "not-checked": "Changed, but the check could not run again: not known to be closed",
    "not-changed": "Not changed, still open",
}


def print_set_result(result: SetResult, confirmed: ConfirmedSet, case_name: str) -> None:
    """One line per finding, with its own timeline event (each can be put back on its own)."""
    from auditor.application.fixing import CLOSED, NOT_CHANGED
    from auditor.safetext import literal

    closed = result.count(CLOSED)
    print(f"{closed} of {len(result.results)} closed.")
    for number, (fix, member) in enumerate(zip(result.results, confirmed.members, strict=True), 1):
        title = literal(member.plan.finding.title, 300)
        print(f"  {number}. {SET_OUTCOMES.get(fix.outcome, fix.outcome)}: {title} — timeline event {fix.event_id}")
        if fix.reason:
            print(f"     ({literal(fix.reason, 600)})")
        if fix.gone_anyway:
            print(
                "     The check no longer finds it: the change may have been made before the error; it is not "
                "recorded as closed."
            )
    if result.count(NOT_CHANGED):
        print(f"`auditor audit --case {case_name}` lists what is left open, to close the rest.")
    if any(a.change.restorable for fix in result.results for a in fix.applied):
        print(f"If safety needs it, put one back on its own: auditor fix --case {case_name} --restore EVENT_ID")


async def apply_with(case: Any, confirmed: Any, audit_plan: AuditPlan) -> FixResult:
    from auditor.application.fixing import apply_fix

    return await apply_fix(case, confirmed, audit_plan, show=show)


def print_result(result: FixResult, case_name: str, title: str) -> None:
    from auditor.application.fixing import CLOSED, NOT_CHANGED, STILL_OPEN
    from auditor.safetext import literal

    reason = f" ({literal(result.reason, 600)})" if result.reason else ""
    when = result.at.strftime("%Y-%m-%d %H:%M UTC")
    if result.outcome == CLOSED:
        print(f"Closed: the check ran again and no longer finds it. Closed by you at {when}.")
    elif result.outcome == STILL_OPEN:
        print(f"Still open: the change was made at {when}, but the check still finds it: {title}{reason}.")
        print(f"`auditor audit --case {case_name}` lists what is left, to close the rest.")
    elif result.outcome == NOT_CHANGED:
        print(f"Not changed{reason}. The finding stays open.")
        if result.gone_anyway:
            print(
                "The check, run again, no longer finds it: the change may have been made before the error. It is "
                f"not recorded as closed; `auditor audit --case {case_name}` shows what is there."
            )
        elif result.verdict == STILL_OPEN:
            print("The check, run again, still finds it.")
    else:
        print(
            f"Changed at {when}, but the check could not run again, so it is not known to be closed{reason}. "
            f"`auditor audit --case {case_name}` checks again."
        )
    if result.applied and result.outcome != NOT_CHANGED and reason and result.not_sent:
        print(f"{len(result.not_sent)} of the chosen changes were not made.")
    print(f"Recorded in the case's timeline as event {result.event_id}.")
    if any(a.change.restorable and not a.change.guided for a in result.applied):
        again = f"auditor fix --case {case_name} --restore {result.event_id}"
        print(f"If safety needs it, put back what was removed: {again}")


# -- putting back ----------------------------------------------------------------------------------------


def print_restore(plan: RestorePlan) -> None:
    from auditor.safetext import literal

    event = plan.event
    print(f"Putting back what event {event.id} removed: {literal(event.title, 300)}")
    print(f"Account: {literal(event.target, 200)}")
    print()
    print("Putting it back reopens the access path it closed: whoever used it can use it again.")
    print()
    print("What will be recreated, as it was found:")
    for applied in plan.applied:
        print(f"  {literal(applied.change.words, 300)} — undone")
        print("\n".join(_record_lines(applied.change.before, "    ")))
    for change in plan.not_restorable:
        note = f" {literal(change.restore_note, 300)}" if change.restore_note else ""
        print(f"  Not put back: {literal(change.words, 300)}.{note}")


def handle_restore(args: argparse.Namespace) -> int:
    import asyncio

    from auditor.application.restoring import confirm_restore, plan_restore
    from auditor.cli.unlock import unlock

    with unlock(args.case) as case:
        plan = plan_restore(case, args.restore)
        print_restore(plan)
        if not at_terminal():
            print(NO_TERMINAL, file=sys.stderr)
            return 1
        print()
        if not yes("Put this back?"):
            print("Nothing was changed.")
            return 1
        confirmed = confirm_restore(plan)
        print_permissions(plan.permission_lines())
        result = asyncio.run(restore_with(case, confirmed, _audit_plan(plan.kind)))
        print()
        print_restore_result(result)
    return 0 if result.put_back else 1


async def restore_with(case: Any, confirmed: Any, audit_plan: AuditPlan) -> RestoreResult:
    from auditor.application.restoring import restore_fix

    return await restore_fix(case, confirmed, audit_plan, show=show)


def print_restore_result(result: RestoreResult) -> None:
    from auditor.safetext import literal

    reason = f" ({literal(result.reason, 600)})" if result.reason else ""
    if result.put_back:
        again = ""
        if result.found_again is not None:
            again = " The check finds it again." if result.found_again else " The check does not show it again yet."
        print(f"Put back at {result.at.strftime('%Y-%m-%d %H:%M UTC')}: the path is reopened.{again}{reason}")
    else:
        print(f"Not put back{reason}.")
    print(f"Recorded in the case's timeline as event {result.event_id}.")
