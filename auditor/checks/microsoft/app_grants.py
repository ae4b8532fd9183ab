"""Work/school accounts: apps you (or your organisation) let read your data (delegated permission grants)."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checks.microsoft._common import work_only
from auditor.model import CheckSpec, Finding, Severity
from auditor.safetext import literal

SPEC = CheckSpec(
    id="microsoft.app_grants",
    title="Apps allowed to read your work or school account's data",
    kind="microsoft",
    severity=Severity.HIGH,
    reads=("Delegated permission grants of a work or school account, and the apps' names",),
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


async def run(ctx: CheckContext) -> list[Finding]:
    grants, done = await work_only(
        ctx, lambda c: c.permission_grants(), "the apps given access", "Apps and services with access"
    )
    if done:
        return done
    apps = await ctx.client("graph").service_principals([str(g.get("clientId")) for g in grants if g.get("clientId")])
    findings = []
    for grant in grants:
        app = apps.get(str(grant.get("clientId")), {})
        name = literal(app.get("displayName") or app.get("appDisplayName") or grant.get("clientId"), 120)
        publisher = literal(app.get("publisherName") or "unknown publisher", 120)
        scopes = str(grant.get("scope") or "").split()
        shown_scopes = literal(" ".join(scopes), 300)
        everyone = grant.get("consentType") == "AllPrincipals"
        sensitive = any(s.startswith(SENSITIVE) for s in scopes)
        made = ctx.review_or_found(
            f"{name} ({publisher}) can read your data and you didn't allow it: {shown_scopes}",
            f"Did you allow {name} ({publisher}) to use your account? It can: {shown_scopes}",
            subject=str(grant.get("id") or grant.get("clientId")),
            detail=(
                "An app with these permissions can act on your data without your password. "
                + ("Your organisation allowed it for everyone." if everyone else "It was allowed for you alone.")
            ),
            evidence={"grant": grant, "app": app},
            severity=Severity.HIGH if sensitive else Severity.MEDIUM,
        )
        if made:
            findings.append(made)
    return findings or [ctx.clear("No app has been given access to your work or school account")]
