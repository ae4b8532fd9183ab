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
from auditor.checkapi.exchange import EXCHANGE
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


async def run(ctx: CheckContext) -> list[Finding]:
    reading = await ctx.client(EXCHANGE).automatic_replies()
    replies = reading.value
    evidence = replies.evidence()
    if replies.state not in ("Enabled", "Scheduled"):
        return [ctx.clear("Automatic replies are off", reading, evidence=evidence)]
    until = replies.end.isoformat() if replies.end else ""
    if replies.ended(datetime.now(timezone.utc)):
        over = f"Automatic replies were scheduled until {until}; that time is over"
        return [ctx.clear(over, reading, evidence=evidence)]
    audience = AUDIENCE.get(replies.external_audience)
    if audience is None:
        return [ctx.clear("Automatic replies are on for people in your organisation only", reading, evidence=evidence)]
    when = " (scheduled" + (f" until {until}" if until else "") + ")" if replies.state == "Scheduled" else ""
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
    return ctx.conclude(
        [made] if made else [], reading, clear="Automatic replies are on, and you confirmed you turned them on"
    )
