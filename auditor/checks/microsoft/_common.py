"""What the Microsoft checks share: naming recipients, and the work/school-only resources."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from auditor.checkapi import CheckContext
from auditor.connectors.graph.client import Forbidden
from auditor.errors import ProviderError
from auditor.model import Finding, Severity, Status
from auditor.safetext import literal


def address_of(recipient: Any) -> str:
    """The address of a Graph recipient ({"emailAddress": {"name", "address"}})."""
    if isinstance(recipient, dict):
        email = recipient.get("emailAddress") or {}
        return str(email.get("address") or email.get("name") or "") if isinstance(email, dict) else ""
    return str(recipient or "")


def recipients_text(recipients: list[Any]) -> str:
    return ", ".join(literal(address_of(r), 200) for r in recipients) or "an unnamed recipient"


async def work_only(
    ctx: CheckContext, read: Callable[[Any], Awaitable[Any]], what: str, manual_check: str
) -> tuple[Any, list[Finding]]:
    """Read a work/school-only resource. Personal accounts: `skipped` (a guided check covers it);
    a refusal on a work account is `error` with the likely reason, never `clear`."""
    client = ctx.client("graph")
    if getattr(client, "account_type", "work") == "personal":
        return None, [skipped(ctx, what, manual_check)]
    try:
        return await read(client), []
    except Forbidden as exc:
        raise ProviderError(
            f"Microsoft did not allow reading {what} ({exc}). Work and school accounts need the permission "
            "approved by the organisation: sign in again with microsoft.authority: organizations, and ask "
            "the IT team to approve the app if Microsoft says an administrator must (docs/microsoft.md)."
        ) from None


def skipped(ctx: CheckContext, what: str, manual_check: str) -> Finding:
    return ctx.finding(
        Status.SKIPPED,
        f"Not available for personal Microsoft accounts: {what}",
        detail=f"Microsoft lets only work and school accounts read {what}. The guided check “{manual_check}” "
        "shows where to look by hand.",
        evidence={"account_type": "personal"},
        severity=Severity.INFO,
    )
