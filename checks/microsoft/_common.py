"""What the Microsoft checks share: naming recipients, and the work/school-only resources."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from auditor.checkapi import CheckContext, Reading
from auditor.checkapi.microsoft import GRAPH, Forbidden, GraphReads, ProviderError, Recipient
from auditor.model import Finding, Severity, Status
from auditor.safetext import literal

T = TypeVar("T")


def recipients_text(recipients: Sequence[Recipient]) -> str:
    return ", ".join(literal(r.address, 200) for r in recipients) or "an unnamed recipient"


def is_personal(ctx: CheckContext) -> bool:
    return ctx.client(GRAPH).account_type == "personal"


async def work_only(ctx: CheckContext, read: Callable[[GraphReads], Awaitable[Reading[T]]], what: str) -> Reading[T]:
    """Read a work/school-only resource. A refusal on a work account is `error` with the likely reason,
    never `clear` (personal accounts are `skipped` before this is called)."""
    try:
        return await read(ctx.client(GRAPH))
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
