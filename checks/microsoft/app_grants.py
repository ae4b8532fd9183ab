"""Work/school accounts: apps you (or your organisation) let read your data (delegated permission grants)."""

from __future__ import annotations

from typing import Any

from auditor.checkapi import CheckContext, Reading
from auditor.checkapi.microsoft import GRAPH, OAuth2PermissionGrant, ServicePrincipal
from auditor.model import CheckSpec, Finding, Severity, Status
from auditor.safetext import literal

from ._common import is_personal, skipped, work_only

SPEC = CheckSpec(
    id="microsoft.app_grants",
    title="Apps allowed to read your work or school account's data",
    kind="microsoft",
    severity=Severity.HIGH,
    reads=(
        "Delegated permission grants of a work or school account — yours, and those made for everyone in the "
        "organisation — and the apps' names",
    ),
    playbooks=("microsoft-account-security",),
    needs=("graph",),
)
SENSITIVE = (
    "Mail.",
    "Files.",
    "Contacts.",
    "Calendars.",
    "Notes.",
    "Sites.",
    "MailboxSettings.",
    "Chat.",
    "User.ReadWrite",
)


GUIDED = "Apps and services with access to your Microsoft account"


def judge(ctx: CheckContext, grant: OAuth2PermissionGrant, app: ServicePrincipal | None) -> Finding | None:
    name = literal((app and (app.displayName or app.appDisplayName)) or grant.clientId or "an unnamed app", 120)
    publisher = literal((app and app.publisherName) or "unknown publisher", 120)
    scopes = grant.scopes
    shown_scopes = literal(" ".join(scopes), 300)
    everyone = grant.consentType == "AllPrincipals"
    sensitive = any(s.startswith(SENSITIVE) for s in scopes)
    return ctx.review_or_found(
        f"{name} ({publisher}) can read your data and you didn't allow it: {shown_scopes}",
        f"Did you allow {name} ({publisher}) to use your account? It can: {shown_scopes}",
        subject=str(grant.id or grant.clientId),
        detail=(
            "An app with these permissions can act on your data without your password. "
            + (
                "Your organisation allowed it for everyone, you included; the IT team can say who approved it."
                if everyone
                else "It was allowed for you alone."
            )
        ),
        evidence={"grant": grant.raw(), "app": app.raw() if app else {}},
        severity=Severity.HIGH if sensitive else Severity.MEDIUM,
    )


def unseen(ctx: CheckContext, reading: Reading[list[OAuth2PermissionGrant]]) -> Finding:
    """The grants made for everyone could not be read: say so, and where to look instead — never clear."""
    problems = list(reading.problems)
    return ctx.finding(
        Status.ERROR,
        "Couldn't see the apps your organisation approved for everyone",
        subject="not-read:organisation-grants",
        detail="Apps an administrator approved for everyone in the organisation can use your data too, and "
        "they cannot be seen from this account. The guided check “" + GUIDED + "” shows where to look, "
        "and the IT team can list them. " + "; ".join(problems),
        evidence={"not_read": problems},
        severity=Severity.HIGH,
    )


async def run(ctx: CheckContext) -> list[Finding]:
    if is_personal(ctx):
        return [skipped(ctx, "the apps given access", "Apps and services with access")]
    mine = await work_only(ctx, lambda c: c.permission_grants(), "the apps given access")
    everyone = await ctx.client(GRAPH).organisation_grants()
    grants = list({(g.id or g.clientId or str(n)): g for n, g in enumerate([*mine.value, *everyone.value])}.values())
    apps = await ctx.client(GRAPH).service_principals([g.clientId for g in grants if g.clientId])
    findings = [made for g in grants if (made := judge(ctx, g, apps.value.get(g.clientId or "")))]
    readings: list[Reading[Any]] = [mine, apps]
    if everyone.complete:
        readings.append(everyone)
    else:
        findings.append(unseen(ctx, everyone))
    return ctx.conclude(findings, *readings, clear="No app has been given access to your work or school account")
