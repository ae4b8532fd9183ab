"""Workspace: sign-ins of the last 30 days — Google's suspicious-login events, and each place signed in from."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.google import LoginActivity
from auditor.model import CheckSpec, Finding, Severity, Status
from auditor.safetext import literal

from ._common import admin_client, not_applicable

SPEC = CheckSpec(
    id="google.workspace_logins",
    title="Sign-ins to your Workspace account in the last 30 days",
    kind="google",
    severity=Severity.HIGH,
    reads=("Workspace Admin SDK: login audit events for your account (times, IP addresses, event names)",),
    playbooks=("google-workspace-access",),
    needs=("google",),
)

# Google's login audit events that say Google itself found a sign-in suspicious or an attack.
ALARMING = {
    "suspicious_login": "Google flagged a suspicious sign-in",
    "suspicious_login_less_secure_app": "Google flagged a suspicious sign-in from a less secure app",
    "suspicious_programmatic_login": "Google flagged a suspicious automated sign-in",
    "gov_attack_warning": "Google warned of a government-backed attack",
    "login_failure": "failed sign-ins",
    "account_disabled_password_leak": "Google found the password in a leak",
    "account_disabled_hijacked": "Google disabled the account as taken over",
}
# Changes to how the account is protected or recovered: the person may have made them, so they are asked about.
CHANGES = {
    "2sv_disable": "2-Step Verification was turned off",
    "password_edit": "The password was changed",
    "recovery_email_edit": "The recovery email was changed",
    "recovery_phone_edit": "The recovery phone was changed",
    "recovery_secret_qa_edit": "The security question was changed",
}
SUCCESS = {"login_success", "login_verification"}


def _events(activities: list[LoginActivity]) -> list[tuple[str, str, str]]:
    """(event name, IP address, time) for every event of every activity."""
    out = []
    for activity in activities:
        when = activity.id.time or ""
        address = activity.ipAddress or "unknown address"
        for event in activity.events:
            name = event.name or ""
            # Google's own filter for suspicious successful sign-ins is login_success with is_suspicious==true
            out.append(("suspicious_login" if name in SUCCESS and event.suspicious else name, address, when))
    return out


async def run(ctx: CheckContext) -> list[Finding]:
    client = admin_client(ctx)
    if client is None:
        return not_applicable(ctx)
    reading = await client.login_events(ctx.target)
    events = _events(reading.value)
    findings: list[Finding] = []
    alarms: dict[tuple[str, str], list[str]] = {}
    places: dict[str, list[str]] = {}
    changes: dict[tuple[str, str], list[str]] = {}
    for name, address, when in events:
        if name in ALARMING:
            alarms.setdefault((name, address), []).append(when)
        elif name in CHANGES:
            changes.setdefault((name, address), []).append(when)
        elif name in SUCCESS:
            places.setdefault(address, []).append(when)
    for (name, address), times in sorted(alarms.items()):
        shown = literal(address, 60)
        last = literal(max(times), 40)
        evidence = {"event": name, "ipAddress": address, "times": sorted(times)}
        if name == "login_failure":  # a mistyped password of one's own is common: asked, not asserted
            made = ctx.review_or_found(
                f"Failed sign-ins from {shown} ({len(times)}×), and they weren't you",
                f"Failed sign-ins from {shown} ({len(times)}×, last {last}) — was this you?",
                subject=f"{name}:{address}",
                severity=Severity.MEDIUM,
                detail="Someone tried passwords on your account from this address.",
                evidence=evidence,
            )
            if made:
                findings.append(made)
            continue
        findings.append(
            ctx.finding(
                Status.FOUND,
                f"{ALARMING[name]} from {shown} ({len(times)}×, last {last})",
                subject=f"{name}:{address}",
                detail="Someone may know your password. Check the devices signed in to your account and change "
                "your password from a safe device.",
                evidence=evidence,
            )
        )
    for (name, address), times in sorted(changes.items()):
        shown = literal(address, 60)
        made = ctx.review_or_found(
            f"{CHANGES[name]} from {shown} ({len(times)}×), and it wasn't you",
            f"{CHANGES[name]} from {shown} ({len(times)}×, last {literal(max(times), 40)}) — was this you?",
            subject=f"{name}:{address}",
            detail="Whoever changes how an account is protected or recovered can keep getting back in, or lock "
            "you out.",
            evidence={"event": name, "ipAddress": address, "times": sorted(times)},
        )
        if made:
            findings.append(made)
    for address, times in sorted(places.items()):
        shown = literal(address, 60)
        made = ctx.review_or_found(
            f"Signed in from {shown} ({len(times)}×), and it wasn't you",
            f"Signed in from {shown} ({len(times)}×, last {literal(max(times), 40)}) — was this you?",
            subject=f"login:{address}",
            severity=Severity.MEDIUM,
            detail="Each address your account was signed in from in the last 30 days. Your home, work or phone "
            "network is expected; an address you don't know may be someone else.",
            evidence={"ipAddress": address, "times": sorted(times)},
        )
        if made:
            findings.append(made)
    return ctx.conclude(findings, reading, clear="No suspicious or unfamiliar sign-ins in the last 30 days")
