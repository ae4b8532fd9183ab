"""Opening Google accounts for an audit.

- Accounts signed in with ``auditor account add google``: each is opened with the token stored in the case
  (or, signed in without a case, in memory). An expired access token is refreshed silently and the new token
  written back to the case. An account whose token is missing, revoked or refused becomes an ``error``
  source that says how to sign in again. Without an endpoint override the client talks to Google itself.
- A server named by AUDITOR_GOOGLE_API_URL + AUDITOR_BEARER_TOKEN (tests, practice mode and scripts): its
  signed-in user is audited with no case and no sign-in. AUDITOR_GOOGLE_API_URL alone sends the stored
  accounts' requests to that server instead of Google.

Gmail delegates are listed with a Workspace service account's credentials when ``google.delegation_key_file``
names its key (``delegation``); otherwise Gmail does not list them and a guided check asks instead.

The Workspace Admin SDK is read when the person said they administer Workspace (``google.workspace_admin``),
when the stored token was granted the administrator scopes, or in practice mode when the simulated account
administers a Workspace domain.
"""

from __future__ import annotations

from typing import Any

from auditor.checkapi import Source
from auditor.errors import AuditorError, UsageError
from auditor.sources import SourceRequest

NO_ACCOUNT = (
    "no Google account to audit: sign one in with `auditor account add google --case NAME`, or point the tool "
    "at a server with AUDITOR_GOOGLE_API_URL and AUDITOR_BEARER_TOKEN (for example `auditor sandbox serve`)"
)


def sign_in_again(case_name: str | None) -> str:
    where = f" --case {_quoted(case_name)}" if case_name else ""
    return f"Sign in to it again with `auditor account add google{where}`."


def _quoted(name: str) -> str:
    return f'"{name}"' if " " in name else name


def client_for(request: SourceRequest, credentials: Any = None, *, admin_scopes: bool = False) -> Any:
    from google.oauth2.credentials import Credentials

    from auditor.connectors.google.client import GoogleClient

    endpoints = request.endpoints
    if credentials is None:
        if not endpoints.token:
            raise UsageError("AUDITOR_GOOGLE_API_URL is set but AUDITOR_BEARER_TOKEN is not")
        credentials = Credentials(endpoints.token)
    settings = request.settings
    return GoogleClient(
        endpoints.google,
        credentials,
        timeout=settings.request_timeout,
        retry_budget=settings.retry_budget,
        concurrency=settings.concurrency,
        workspace_admin=settings.google.workspace_admin or request.practice or admin_scopes,
    )


def _store(request: SourceRequest) -> Any:
    if request.case is not None:
        return request.case
    from auditor.connectors.google.signin import MEMORY

    return MEMORY


async def open_sources(request: SourceRequest) -> list[Source]:
    store = _store(request)
    stored = [a["target"] for a in store.accounts() if a["kind"] == "google"]
    sources: list[Source] = []
    if request.endpoints.google and request.endpoints.token:
        sources.append(await _open_environment_account(request))
    elif not stored:
        raise UsageError(NO_ACCOUNT)
    opened = {s.target for s in sources}
    for target in stored:
        if target not in opened:
            sources.append(await _open_stored_account(request, store, target))
    return sources


async def _open_environment_account(request: SourceRequest) -> Source:
    client = client_for(request)
    try:
        address = await client.account_email()
    except Exception as exc:  # whatever went wrong, the account is reported as not checked, never dropped
        client.close()
        return Source(
            "google",
            "Google account",
            error=f"Couldn't reach the Google account: {_why(exc)}",
            practice=request.practice,
        )
    if request.practice and not request.settings.google.workspace_admin:
        await _practice_admin(client, address)
    _delegate_reads(request, client, address)
    target = address or "Google account"
    return Source("google", target, clients={"google": client}, practice=request.practice, closers=[client.close])


def _delegate_reads(request: SourceRequest, client: Any, address: str) -> None:
    """With ``google.delegation_key_file`` set, delegates are listed by that service account acting for
    ``address``. A key file that cannot be used is a configuration error (the client is closed first)."""
    from auditor.connectors.google.delegation import delegation_credentials

    if not address:
        return
    try:
        client.delegation_credentials = delegation_credentials(request.settings, address)
    except AuditorError:
        client.close()
        raise


def _why(exc: Exception) -> str:
    return str(exc) if isinstance(exc, AuditorError) else f"unexpected failure: {type(exc).__name__}: {exc}"


async def _practice_admin(client: Any, address: str) -> None:
    """In practice mode the simulated account decides whether it administers Workspace: a practice consumer
    account (the Admin SDK refuses it) makes the Workspace checks not applicable, as the setting would."""
    from auditor.connectors.google.client import AdminAccessDenied

    try:
        await client.admin_user(address)  # fetched once: the 2-Step check reuses the answer
    except AdminAccessDenied:
        client.workspace_admin = False
    except AuditorError:
        pass  # any other failure is the checks' to report, as errors


async def _open_stored_account(request: SourceRequest, store: Any, target: str) -> Source:
    from auditor.connectors.google.client import ADMIN_SCOPES
    from auditor.connectors.google.signin import stored_credentials
    from auditor.connectors.signin import secret_name

    case_name = getattr(request.case, "name", None)
    credentials = stored_credentials(store, target)
    if credentials is None or not credentials.refresh_token:
        return Source(
            "google",
            target,
            error=f"This Google account has no usable sign-in stored. {sign_in_again(case_name)}",
            practice=request.practice,
        )
    granted = set(credentials.scopes or ())
    client = client_for(request, credentials, admin_scopes=set(ADMIN_SCOPES) <= granted)
    name = secret_name("google", target)
    saved = {"token": credentials.token}

    def persist_refreshed() -> None:
        # google-auth refreshes the access token by itself (before a request when it has expired, or after a
        # 401); the new token is written back so the next audit does not start with a stale one.
        if credentials.token and credentials.token != saved["token"]:
            store.put_secret(name, credentials.to_json().encode("utf-8"))
            saved["token"] = credentials.token

    try:
        address = await client.account_email()
    except Exception as exc:  # whatever went wrong, the account is reported as not checked, never dropped
        client.close()
        return Source(
            "google",
            target,
            error=f"Couldn't open this Google account: {_why(exc)}. {sign_in_again(case_name)}",
            practice=request.practice,
        )
    persist_refreshed()
    if address and address.lower() != target.lower():
        client.close()
        return Source(
            "google",
            target,
            error=f"The token stored for this account now opens {address}. {sign_in_again(case_name)}",
            practice=request.practice,
        )
    _delegate_reads(request, client, target)
    closers = [client.close, persist_refreshed]  # run last to first: the refreshed token is saved, then closed
    return Source("google", target, clients={"google": client}, practice=request.practice, closers=closers)
