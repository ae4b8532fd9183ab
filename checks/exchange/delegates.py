"""Delegates of an Exchange mailbox and what each may do."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.exchange import EXCHANGE, Delegate
from auditor.model import CheckSpec, Finding, Severity, Status
from auditor.safetext import literal

SPEC = CheckSpec(
    id="exchange.delegates",
    title="People who can open your Exchange mailbox as a delegate",
    kind="exchange",
    severity=Severity.HIGH,
    reads=("Exchange delegates and their folder permissions through EWS GetDelegate",),
    playbooks=("exchange-delegates",),
    needs=("exchange",),
)

FOLDER_NAMES = {
    "inbox": "Inbox",
    "calendar": "Calendar",
    "contacts": "Contacts",
    "tasks": "Tasks",
    "notes": "Notes",
    "journal": "Journal",
}
# Editor is the highest delegate level; Custom may include it, so it counts as full on the inbox too.
READS_AND_CHANGES = {"Editor", "Custom"}


def full_access(delegate: Delegate) -> bool:
    """Editor on every folder and private items visible: everything the mailbox holds."""
    return delegate.view_private_items and all(level == "Editor" for level in delegate.permissions.values())


def powers(delegate: Delegate) -> list[str]:
    """The strong powers this delegate has: reading and changing your mail, or copies of your meetings."""
    out = []
    if full_access(delegate):
        out.append("has full access to your mailbox, private items too")
    elif delegate.permissions.get("inbox") in READS_AND_CHANGES:
        out.append(f"can read, change and delete your mail (Inbox: {delegate.permissions['inbox']})")
    if delegate.receive_copies_of_meeting_messages:
        out.append("gets a copy of your meeting messages")
    return out


def levels(delegate: Delegate) -> str:
    shown = [f"{FOLDER_NAMES.get(k, k)}: {v}" for k, v in delegate.permissions.items() if v != "None"]
    return ", ".join(shown) or "no folders"


def naming(delegate: Delegate) -> str:
    """The delegate in plain words, literally: name and address, or what Exchange gave of them."""
    who = literal(delegate.address or delegate.name, 200)
    if not who:
        return (
            f"A delegate Exchange did not name (SID {literal(delegate.sid, 80)})"
            if delegate.sid
            else ("A delegate Exchange did not name")
        )
    name = literal(delegate.name, 120)
    return f"{name} ({who})" if delegate.name and delegate.name != delegate.address else who


async def run(ctx: CheckContext) -> list[Finding]:
    reading = await ctx.client(EXCHANGE).delegates()
    delegates = reading.value.delegates
    delivery = reading.value.deliver_meeting_requests
    findings = []
    if delegates and delivery == "DelegatesOnly":
        made = ctx.review_or_found(
            "Meeting requests go only to your delegates, and you did not choose this: you never see them",
            "Meeting requests go only to your delegates — you do not receive them. Did you choose this?",
            subject="deliver-meeting-requests",
            detail=(
                "Exchange sends meeting requests and responses to your delegates instead of you. Whoever is a "
                "delegate learns where and when you will be, and you do not see the invitations."
            ),
            evidence={"deliver_meeting_requests": delivery, "delegates": [d.address for d in delegates]},
            severity=Severity.HIGH,
        )
        if made:
            findings.append(made)
    for index, delegate in enumerate(delegates):
        named = naming(delegate)
        subject = delegate.address.lower() or delegate.name or delegate.sid or f"unnamed-delegate-{index + 1}"
        strong = powers(delegate)
        evidence = delegate.evidence()
        detail = (
            f"A delegate acts for you in Exchange. {named} has {levels(delegate)}"
            + ("; sees your private items" if delegate.view_private_items else "")
            + ("; receives copies of your meeting messages" if delegate.receive_copies_of_meeting_messages else "")
            + ". Mail, meetings and contacts they can open are theirs to read."
        )
        if strong:
            if ctx.decision(subject) == "mine":
                continue  # the person confirmed this delegate is theirs
            findings.append(
                ctx.finding(
                    Status.FOUND,
                    f"{named} {' and '.join(strong)}",
                    subject=subject,
                    detail=detail + " Someone with this access can follow everything that reaches you.",
                    evidence=evidence,
                    severity=Severity.CRITICAL if len(strong) > 1 or "full access" in strong[0] else Severity.HIGH,
                )
            )
            continue
        made = ctx.review_or_found(
            f"{named} can open parts of your mailbox as a delegate ({levels(delegate)}) — you didn't add them",
            f"{named} is a delegate of your mailbox ({levels(delegate)}) — is this someone you chose?",
            subject=subject,
            detail=detail,
            evidence=evidence,
            severity=Severity.MEDIUM,
        )
        if made:
            findings.append(made)
    counted = "1 delegate" if len(delegates) == 1 else f"{len(delegates)} delegates"
    clear = f"Every delegate is one you confirmed ({counted} checked)"
    if not delegates:
        clear = "No one is a delegate of your mailbox"
    return ctx.conclude(findings, reading, clear=clear)
