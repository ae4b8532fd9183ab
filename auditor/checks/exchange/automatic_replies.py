"""Automatic replies (out of office) that answer people outside your organisation.

The rule: replies that are on now (Enabled, or Scheduled with a window that has not ended) and go to anyone
outside the organisation (ExternalAudience Known or All) are `review`. An auto-reply tells whoever writes —
including someone who should not know — that you are away, until when, and that the address is read. The
person may well have set it themselves, so it is a question, not a finding; answered "not mine", it is
`found` (someone else turned it on). Off, finished, or for colleagues only (ExternalAudience None) is `clear`.
"""

from __future__ import annotations

from datetime import datetime, timezone

from auditor.checkapi import CheckContext
from auditor.connectors.ews.records import AutomaticReplies
from auditor.model import CheckSpec, Finding, Severity

SPEC = CheckSpec(
    id="exchange.automatic_replies",
    title="Automatic replies that tell outsiders you are away",
    kind="exchange",
    severity=Severity.MEDIUM,
    reads=("Exchange automatic-reply (out of office) settings through EWS GetUserOofSettings",),
    playbooks=("exchange-automatic-replies",),
    needs=("exchange",),
)

AUDIENCE = {"Known": "people in your contacts", "All": "anyone who writes to you"}


def ended(replies: AutomaticReplies, now: datetime) -> bool:
    if replies.state != "Scheduled" or not replies.end:
        return False
    try:
        end = datetime.fromisoformat(replies.end)
    except ValueError:
        return False  # an end we cannot read is treated as still running: never clear on doubt
    if end.tzinfo is None:
        end = end.replace(tzinfo=timezone.utc)
    return end <= now


async def run(ctx: CheckContext) -> list[Finding]:
    replies = await ctx.client("exchange").automatic_replies()
    evidence = replies.evidence()
    if replies.state not in ("Enabled", "Scheduled"):
        return [ctx.clear("Automatic replies are off", evidence=evidence)]
    if ended(replies, datetime.now(timezone.utc)):
        return [
            ctx.clear(f"Automatic replies were scheduled until {replies.end}; that time is over", evidence=evidence)
        ]
    audience = AUDIENCE.get(replies.external_audience)
    if audience is None:
        return [ctx.clear("Automatic replies are on for people in your organisation only", evidence=evidence)]
    when = (
        " (scheduled" + (f" until {replies.end}" if replies.end else "") + ")" if replies.state == "Scheduled" else ""
    )
    subject = f"automatic-replies:{replies.external_audience}"
    made = ctx.review_or_found(
        f"Automatic replies you didn't turn on answer {audience}{when}",
        f"Automatic replies are on and answer {audience}{when} — did you turn them on?",
        subject=subject,
        detail=(
            "An automatic reply tells whoever writes to you that you are away, often until when, and that this "
            "address is read. Someone trying to reach or find you learns that too."
        ),
        evidence=evidence,
    )
    return [made] if made else [ctx.clear("Automatic replies are on, and you confirmed you turned them on")]
