"""Opening Microsoft accounts for an audit.

- AUDITOR_GRAPH_API_URL + AUDITOR_BEARER_TOKEN: that server's signed-in user, with no case and no sign-in
  (tests, practice mode, scripts).
- A case's stored Microsoft accounts: each opened with its token cache from the case (a silent token
  request; a refreshed cache is saved back). Without a case, the accounts signed in during this run, whose
  caches live in memory. Graph is https://graph.microsoft.com/v1.0, or
  AUDITOR_GRAPH_API_URL when it is set without a bearer token (practice servers).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from auditor.checkapi import Source
from auditor.errors import AuditorError, UsageError
from auditor.sources import SourceRequest

KIND = "microsoft"
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def account_type_of(user_id: str) -> str:
    """Entra ID (work/school) user ids are GUIDs; personal Microsoft account ids are 16 hex digits."""
    return "work" if _GUID.match(user_id or "") else "personal"


def _client(request: SourceRequest, base_url: str, token: str) -> Any:
    from auditor.connectors.graph.client import GraphClient

    settings = request.settings
    return GraphClient(base_url, token, timeout=settings.request_timeout, retry_budget=settings.retry_budget)


async def _open(request: SourceRequest, client: Any, fallback: str, account_type: str | None) -> Source:
    try:
        me = (await client.me()).value
    except Exception as exc:  # whatever went wrong, the account is reported as not checked, never dropped
        await client.aclose()
        return Source(
            KIND, fallback, error=f"Couldn't reach the Microsoft account: {_why(exc)}", practice=request.practice
        )
    client.account_type = account_type or account_type_of(me.id)
    target = str(me.userPrincipalName or me.mail or fallback)
    return Source(KIND, target, clients={"graph": client}, practice=request.practice, closers=[client.aclose])


def _why(exc: Exception) -> str:
    return str(exc) if isinstance(exc, AuditorError) else f"unexpected failure: {type(exc).__name__}: {exc}"


def sign_in_again(target: str) -> str:
    return (
        f"Couldn't use the stored sign-in for {target}: sign in again with "
        f"`auditor account add microsoft --case NAME` (the case's name)."
    )


async def _stored(request: SourceRequest, account: dict[str, Any]) -> Source:
    from auditor.connectors.graph.client import GRAPH_URL
    from auditor.connectors.graph.signin import silent_token

    target = str(account["target"])
    try:
        token = await asyncio.to_thread(silent_token, request.case, target, request.settings)
    except Exception as exc:  # whatever went wrong, the account is reported as not checked, never dropped
        return Source(KIND, target, error=f"{sign_in_again(target)} ({_why(exc)})", practice=request.practice)
    client = _client(request, request.endpoints.graph or GRAPH_URL, token)
    return await _open(request, client, target, (account.get("settings") or {}).get("account_type"))


async def open_sources(request: SourceRequest) -> list[Source]:
    endpoints = request.endpoints
    if endpoints.graph and endpoints.token:
        return [await _open(request, _client(request, endpoints.graph, endpoints.token), "Microsoft account", None)]
    if request.case is not None:
        stored = [a for a in request.case.accounts() if a["kind"] == KIND]
    else:
        from auditor.connectors.graph.signin import memory_accounts

        stored = memory_accounts()  # signed in without a case, in this process
    if stored:
        return list(await asyncio.gather(*(_stored(request, a) for a in stored)))
    if endpoints.graph:
        raise UsageError("AUDITOR_GRAPH_API_URL is set but AUDITOR_BEARER_TOKEN is not")
    raise UsageError(
        "no Microsoft account to audit: add one with `auditor account add microsoft --case NAME`, or point the "
        "tool at a server with AUDITOR_GRAPH_API_URL and AUDITOR_BEARER_TOKEN (for example `auditor sandbox serve`)"
    )
