"""Work/school accounts: the ways to sign in and to reset the password (authentication methods)."""

from __future__ import annotations

from typing import Any

from auditor.checkapi import CheckContext
from auditor.checks.microsoft._common import work_only
from auditor.model import CheckSpec, Finding, Severity, Status
from auditor.safetext import literal

SPEC = CheckSpec(
    id="microsoft.auth_methods",
    title="Phones, e-mail addresses and apps that can sign in to your work or school account",
    kind="microsoft",
    severity=Severity.HIGH,
    reads=("Authentication methods of a work or school account (not the secrets)",),
    playbooks=("microsoft-account-security",),
    needs=("graph",),
)
WEAK = {"password", "phone", "email"}
NAMES = {
    "phone": "phone",
    "email": "e-mail address",
    "microsoftAuthenticator": "Microsoft Authenticator app",
    "fido2": "security key",
    "softwareOath": "authenticator app (codes)",
    "windowsHelloForBusiness": "Windows Hello device",
    "temporaryAccessPass": "temporary access pass",
    "platformCredential": "platform credential (device)",
}


def kind_of(method: dict[str, Any]) -> str:
    raw = str(method.get("@odata.type", "")).rsplit(".", 1)[-1]
    return raw.removesuffix("AuthenticationMethod") or "unknown"


def label(method: dict[str, Any]) -> str:
    for key in ("phoneNumber", "emailAddress", "displayName", "model"):
        if method.get(key):
            return literal(method[key], 120)
    return literal(method.get("id", ""), 60)


async def run(ctx: CheckContext) -> list[Finding]:
    methods, done = await work_only(
        ctx, lambda c: c.auth_methods(), "sign-in methods", "Security info and sign-in methods"
    )
    if done:
        return done
    kinds = [kind_of(m) for m in methods]
    findings = []
    if not set(kinds) - WEAK:
        findings.append(
            ctx.finding(
                Status.FOUND,
                "Your work or school account has no strong sign-in method — only a password, phone or e-mail",
                subject="no-strong-method",
                detail="A password plus a text message or e-mail code can be taken over by whoever controls that "
                "phone number or mailbox. An authenticator app or a security key that only you hold is safer.",
                evidence={"methods": kinds},
            )
        )
    for method, kind in zip(methods, kinds, strict=True):
        if kind == "password":
            continue
        what = NAMES.get(kind, literal(kind, 60))
        shown = label(method)
        made = ctx.review_or_found(
            f"A {what} you don't control can sign in to your work or school account: {shown}",
            f"Is this {what} yours? {shown} can sign in to your work or school account or reset its password",
            subject=str(method.get("id") or shown),
            detail=f"Whoever holds this {what} can approve sign-ins or receive codes for your account.",
            evidence={k: v for k, v in method.items() if k != "password"},
            severity=Severity.HIGH,
        )
        if made:
            findings.append(made)
    return findings or [ctx.clear("Your sign-in methods are a strong method you confirmed is yours")]
