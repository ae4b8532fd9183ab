"""`auditor timeline ...`: where the content is, what was reported, what came back, what is overdue."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auditor.timeline import Timeline

_KINDS = ("original", "mirror", "impersonation-profile", "search-result")
_STATUSES = ("live", "reported", "removed", "refused", "reappeared")
_CHANNELS = (
    "platform-ncii",
    "hosting-abuse",
    "cdn-abuse",
    "search-deindex",
    "dmca",
    "take-it-down",
    "stopncii",
    "police",
    "ic3",
    "ncmec",
)
_OUTCOMES = ("removed", "refused", "more-info-needed", "acknowledged", "partially-removed")


def register(sub: Any) -> None:
    p = sub.add_parser("timeline", help="the takedown timeline: content, reports, answers, follow-ups, drafts")
    actions = p.add_subparsers(dest="timeline_command", metavar="ACTION", required=True)

    c = actions.add_parser("add", help="record where the content appeared")
    c.add_argument("--case", required=True, metavar="NAME")
    c.add_argument("--url", required=True)
    c.add_argument("--platform", required=True, help="the site or service, e.g. the platform's name")
    c.add_argument("--kind", choices=_KINDS, default="original")
    c.add_argument("--when", metavar="ISO", help="when it was first seen (default: now)")
    c.add_argument("--note", default="")
    c.set_defaults(handler=handle_add)

    c = actions.add_parser("report", help="record a report or request that was sent (the tool never sends it)")
    c.add_argument("--case", required=True, metavar="NAME")
    c.add_argument("--channel", required=True, choices=_CHANNELS)
    c.add_argument("--location", type=int, action="append", default=[], metavar="ID", help="repeat for several")
    c.add_argument("--when", metavar="ISO", help="when it was sent (default: now)")
    c.add_argument("--reference", default="", help="the case or ticket number they gave")
    c.add_argument("--recipient", default="", help="who it went to (form, address)")
    text = c.add_mutually_exclusive_group()
    text.add_argument("--sent-text", default="", help="what was sent")
    text.add_argument("--sent-file", type=Path, help="a text file with what was sent")
    c.add_argument("--note", default="")
    c.add_argument("--follow-up-hours", type=int, help="when to chase it (default: 48 h for a covered platform)")
    c.set_defaults(handler=handle_report)

    c = actions.add_parser("response", help="record an answer to a report")
    c.add_argument("--case", required=True, metavar="NAME")
    c.add_argument("--report", required=True, type=int, metavar="ID")
    c.add_argument("--outcome", required=True, choices=_OUTCOMES)
    c.add_argument("--when", metavar="ISO", help="when it came (default: now)")
    c.add_argument("--note", default="")
    c.set_defaults(handler=handle_response)

    c = actions.add_parser("status", help="change what is known about a content location (e.g. reappeared)")
    c.add_argument("--case", required=True, metavar="NAME")
    c.add_argument("--location", required=True, type=int, metavar="ID")
    c.add_argument("--status", required=True, choices=_STATUSES)
    c.set_defaults(handler=handle_status)

    c = actions.add_parser("follow-up", help="add a reminder with a due date")
    c.add_argument("--case", required=True, metavar="NAME")
    c.add_argument("--due", required=True, metavar="ISO")
    c.add_argument("--what", required=True)
    c.add_argument("--report", type=int, metavar="ID")
    c.add_argument("--location", type=int, metavar="ID")
    c.set_defaults(handler=handle_followup)

    c = actions.add_parser("done", help="mark a follow-up done")
    c.add_argument("--case", required=True, metavar="NAME")
    c.add_argument("followup", type=int, metavar="FOLLOW_UP_ID")
    c.set_defaults(handler=handle_done)

    c = actions.add_parser("list", help="overdue follow-ups first, then content, reports and history")
    c.add_argument("--case", required=True, metavar="NAME")
    c.add_argument("--now", metavar="ISO", help="judge overdue as of this time (default: now)")
    c.set_defaults(handler=handle_list)

    c = actions.add_parser("draft", help="write an editable draft notice for a content location (never sent)")
    c.add_argument("--case", required=True, metavar="NAME")
    c.add_argument("--kind", required=True, choices=("dmca", "takeitdown", "abuse"))
    c.add_argument("--location", required=True, type=int, metavar="ID")
    c.add_argument("--out", type=Path, help="write the draft to this file (default: print it)")
    c.add_argument("--name", default="", help="your name, for the signature (default: a blank to fill in)")
    c.add_argument("--contact", default="", help="your contact address or email (default: a blank)")
    c.add_argument("--offline", action="store_true", help="do not look up the host's abuse contact")
    c.set_defaults(handler=handle_draft)


@contextmanager
def open_timeline(case: str) -> Iterator[Timeline]:
    """The case's timeline, unlocked with AUDITOR_PASSPHRASE or a prompt; closed on the way out."""
    from auditor.cli.unlock import unlock
    from auditor.config import load_settings
    from auditor.timeline import Timeline

    settings = load_settings()
    with unlock(case) as store:
        yield Timeline(store, followup_hours=settings.followup_hours)


def _when(text: str | None, what: str) -> Any:
    from auditor.timeline.model import parse_when

    return parse_when(text, what) if text else None


def handle_add(args: argparse.Namespace) -> int:
    from auditor.safetext import literal
    from auditor.timeline.model import LocationKind, check_url

    url = check_url(args.url)
    seen = _when(args.when, "--when")
    with open_timeline(args.case) as timeline:
        loc = timeline.add_location(url, args.platform, LocationKind(args.kind), seen, args.note)
    print(f"Recorded content location {loc.id}: {literal(loc.platform, 80)} — {literal(loc.url, 300)}")
    return 0


def handle_report(args: argparse.Namespace) -> int:
    from auditor.errors import UsageError
    from auditor.timeline.model import Channel

    if not args.location:
        raise UsageError("name the content the report is about with --location ID (repeat for several)")
    if args.follow_up_hours is not None:
        from auditor.timeline.model import check_followup_hours

        check_followup_hours(args.follow_up_hours, "--follow-up-hours")
    sent = _when(args.when, "--when")
    text = args.sent_text
    if args.sent_file is not None:
        from auditor.timeline.files import read_evidence_file

        text = read_evidence_file(args.sent_file).decode("utf-8", "replace")
    with open_timeline(args.case) as timeline:
        report = timeline.add_report(
            Channel(args.channel),
            args.location,
            sent,
            reference=args.reference,
            sent_text=text,
            recipient=args.recipient,
            note=args.note,
            follow_up_hours=args.follow_up_hours,
        )
        due = [f for f in timeline.followups(open_only=True) if f.report_id == report.id]
    print(f"Recorded report {report.id}: {report.channel.label}.")
    for f in due:
        print(f"Follow-up {f.id} is due {f.due_at.strftime('%Y-%m-%d %H:%M UTC')}.")
    return 0


def handle_response(args: argparse.Namespace) -> int:
    from auditor.timeline.model import Outcome

    received = _when(args.when, "--when")
    with open_timeline(args.case) as timeline:
        response = timeline.add_response(args.report, Outcome(args.outcome), received, args.note)
    print(f"Recorded the answer to report {response.report_id}: {response.outcome.value}.")
    return 0


def handle_status(args: argparse.Namespace) -> int:
    from auditor.timeline.model import LocationStatus

    with open_timeline(args.case) as timeline:
        timeline.set_location_status(args.location, LocationStatus(args.status))
    print(f"Content location {args.location} is now {args.status}.")
    return 0


def handle_followup(args: argparse.Namespace) -> int:
    due = _when(args.due, "--due")
    with open_timeline(args.case) as timeline:
        f = timeline.add_followup(due, args.what, args.report, args.location)
    print(f"Follow-up {f.id} is due {f.due_at.strftime('%Y-%m-%d %H:%M UTC')}.")
    return 0


def handle_done(args: argparse.Namespace) -> int:
    with open_timeline(args.case) as timeline:
        timeline.complete_followup(args.followup)
    print(f"Follow-up {args.followup} is done.")
    return 0


def handle_list(args: argparse.Namespace) -> int:
    from auditor.model import utcnow
    from auditor.timeline.render import listing

    now = _when(args.now, "--now") or utcnow()
    with open_timeline(args.case) as timeline:
        print(listing(timeline, now))
    return 0


def handle_draft(args: argparse.Namespace) -> int:
    import sys

    from auditor.timeline.drafts import Sender, write_draft

    with open_timeline(args.case) as timeline:
        draft = write_draft(
            timeline, args.kind, args.location, Sender(args.name, args.contact), online=not args.offline
        )
    for line in draft.notes:
        print(line, file=sys.stderr)
    if args.out is not None:
        from auditor.reports.output import UNENCRYPTED_WARNING, write_file

        print(UNENCRYPTED_WARNING, file=sys.stderr)  # before anything is written
        write_file(args.out, draft.text.encode("utf-8"))
        print(f"Wrote the draft to {args.out}. It is NOT encrypted; edit it, then send it yourself.")
    else:
        print(draft.text)
    return 0
