"""Work/school accounts: the ways to sign in and to reset the password (authentication methods)."""

from __future__ import annotations

from auditor.checkapi import CheckContext
from auditor.checkapi.microsoft import AuthenticationMethod
from auditor.model import CheckSpec, Finding, Severity, Status
from auditor.safetext import literal

from ._common import is_personal, skipped, work_only

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


def label(method: AuthenticationMethod) -> str:
    for value in (method.phoneNumber, method.emailAddress, method.displayName, method.model):
        if value:
            return literal(value, 120)
    return literal(method.id or "", 60)


async def run(ctx: CheckContext) -> list[Finding]:
    if is_personal(ctx):
        return [skipped(ctx, "sign-in methods", "Security info and sign-in methods")]
    methods = await work_only(ctx, lambda c: c.auth_methods(), "sign-in methods")
    kinds = [m.kind for m in methods.value]
    findings = []
    # Only over the whole list: a strong method among the records not understood may exist.
    if methods.whole and not set(kinds) - WEAK:
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
    for method, kind in zip(methods.value, kinds, strict=True):
        if kind == "password":
            continue
        what = NAMES.get(kind, literal(kind, 60))
        shown = label(method)
        made = ctx.review_or_found(
            f"A {what} you don't control can sign in to your work or school account: {shown}",
            f"Is this {what} yours? {shown} can sign in to your work or school account or reset its password",
            subject=str(method.id or shown),
            detail=f"Whoever holds this {what} can approve sign-ins or receive codes for your account.",
            evidence={k: v for k, v in method.raw().items() if k != "password"},
            severity=Severity.HIGH,
        )
        if made:
            findings.append(made)
    return ctx.conclude(findings, methods, clear="Your sign-in methods are a strong method you confirmed is yours")
