"""Opening Exchange (on-premises) mailboxes for an audit.

- AUDITOR_EWS_URL + AUDITOR_BEARER_TOKEN: the mailbox that token opens on that server, with no case and no
  sign-in (tests, practice mode, scripts). The mailbox's address is asked of the server.
- A case's stored Exchange accounts: each opened with the password kept in the case (see ``signin``; signed in
  without a case, with the one kept in this process's memory), on the server it was signed in to
  (AUDITOR_EWS_URL, when set without a token, points them at a practice server).
"""

from __future__ import annotations

from typing import Any

from auditor.checkapi import Source
from auditor.connectors.signin import secret_name
from auditor.errors import AuditorError, UsageError
from auditor.sources import SourceRequest

KIND = "exchange"
CLIENT = "exchange"


def make_client(request: SourceRequest, url: str, login: Any, mailbox: str | None) -> Any:
    from auditor.connectors.ews.client import ExchangeClient

    settings = request.settings
    return ExchangeClient(
        url, login, mailbox=mailbox, timeout=settings.request_timeout, retry_budget=settings.retry_budget
    )


def sign_in_again(target: str, case_name: str | None = None) -> str:
    case = (f'"{case_name}"' if " " in case_name else case_name) if case_name else "NAME"
    command = f"auditor account add exchange --case {case}"
    return f"Couldn't use the stored sign-in for {target}: sign in again with `{command}`."


def _why(exc: Exception) -> str:
    return str(exc) if isinstance(exc, AuditorError) else f"unexpected failure: {type(exc).__name__}: {exc}"


async def _open(request: SourceRequest, client: Any, fallback: str, *, stored: bool) -> Source:
    """Learn the mailbox and read it once (shared with the checks), which also proves the sign-in works."""
    try:
        await client.read_all()
        target = await client.mailbox_address()
    except Exception as exc:  # whatever went wrong, the mailbox is reported as not checked, never dropped
        await client.aclose()
        if stored:
            reason = f"{sign_in_again(fallback, getattr(request.case, 'name', None))} ({_why(exc)})"
        else:
            reason = f"Couldn't reach the Exchange mailbox: {_why(exc)}"
        return Source(KIND, client.mailbox or fallback, error=reason, practice=request.practice)
    return Source(KIND, target, clients={CLIENT: client}, practice=request.practice, closers=[client.aclose])


async def _stored(request: SourceRequest, account: dict[str, Any]) -> Source:
    from auditor.connectors.ews.client import ExchangeLogin

    target = str(account["target"])
    again = sign_in_again(target, getattr(request.case, "name", None))
    saved = dict(account.get("settings") or {})
    url = request.endpoints.ews or saved.get("url") or request.settings.exchange.url
    if not url:
        return Source(
            KIND,
            target,
            error=f"{again} (the case does not say which Exchange server it is on)",
            practice=request.practice,
        )
    if request.case is not None:
        secret = request.case.get_secret(secret_name(KIND, target))
    else:
        from auditor.connectors.ews.signin import memory_password

        secret = memory_password(target)
    if not secret:
        return Source(KIND, target, error=f"{again} (no password is stored for it)", practice=request.practice)
    auth = str(saved.get("auth") or request.settings.exchange.auth)
    if auth not in ("ntlm", "basic"):  # a stored password is never sent as a bearer token
        return Source(KIND, target, error=f"{again} (the case names no password scheme)", practice=request.practice)
    try:
        password = secret.decode("utf-8")
    except UnicodeDecodeError:
        return Source(KIND, target, error=f"{again} (the stored password is unreadable)", practice=request.practice)
    login = ExchangeLogin(auth=auth, secret=password, username=saved.get("username"))  # type: ignore[arg-type]
    return await _open(request, make_client(request, str(url), login, target), target, stored=True)


async def open_sources(request: SourceRequest) -> list[Source]:
    from auditor.connectors.ews.client import ExchangeLogin

    endpoints = request.endpoints
    if endpoints.ews and endpoints.token:
        client = make_client(request, endpoints.ews, ExchangeLogin(auth="oauth", secret=endpoints.token), None)
        return [await _open(request, client, "Exchange mailbox", stored=False)]
    if request.case is not None:
        stored = [a for a in request.case.accounts() if a["kind"] == KIND]
    else:
        from auditor.connectors.ews.signin import memory_accounts

        stored = memory_accounts()  # signed in without a case, in this process
    if stored:
        return [await _stored(request, account) for account in stored]
    if endpoints.ews:
        raise UsageError("AUDITOR_EWS_URL is set but AUDITOR_BEARER_TOKEN is not")
    raise UsageError(
        "no Exchange mailbox to audit: add one with `auditor account add exchange --case NAME` (set exchange.url "
        "in the settings first), or point the tool at a server with AUDITOR_EWS_URL and AUDITOR_BEARER_TOKEN "
        "(for example `auditor sandbox serve`)"
    )
