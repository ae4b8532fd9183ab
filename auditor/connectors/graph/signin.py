"""Signing in to a Microsoft account (Outlook.com, Microsoft 365) with msal's device code flow.

The person opens a Microsoft page on any device and types a short code; this tool never sees their
password. The app is the person's (or their organisation's) own registration, named by
``settings.yaml`` › ``microsoft.client_id`` (see docs/microsoft.md).

Scopes: read-only, the narrowest Graph offers for each check. Work/school-only scopes (authentication
methods, app grants) are asked for only when the person says the account is a work or school one
(``microsoft.authority: organizations``, or ``work=True``): a personal account cannot consent to them, and
most organisations require an administrator to approve them.

The msal token cache is kept in the encrypted case under ``secret_name("microsoft", address)``, saved again
whenever msal refreshes it; without a case it lives in memory for one run. It is never written to a file.

Closing an access path (:func:`consent_for_changes`) asks, only then and only for that sitting, for exactly the
write permission(s) the confirmed changes need — incremental consent, a device code sign-in of its own. Its
token cache is a fresh one in memory: the case's stored read-only sign-in is neither read nor written, and the
write token is handed back to the caller and kept nowhere else.

Tests and practice servers: AUDITOR_MICROSOFT_AUTHORITY_URL replaces https://login.microsoftonline.com and
AUDITOR_MICROSOFT_CA_FILE names the certificate that server uses (both printed by `auditor sandbox serve`
as export lines).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from auditor.connectors.signin import guided_steps, pre_connection_warning, secret_name
from auditor.errors import AuthError, ConfigError, NetworkError
from auditor.safetext import literal

KIND = "microsoft"
LOGIN_URL = "https://login.microsoftonline.com"
AUTHORITY_ENV = "AUDITOR_MICROSOFT_AUTHORITY_URL"
CA_ENV = "AUDITOR_MICROSOFT_CA_FILE"
CONSUMER_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"  # the tenant of every personal Microsoft account
BASE_SCOPES = ("User.Read", "MailboxSettings.Read", "Files.Read", "Files.Read.All")
WORK_SCOPES = ("UserAuthenticationMethod.Read", "Directory.Read.All")

# Token caches of accounts signed in without a case, and what a case would record of them: this process only.
_MEMORY: dict[str, Any] = {}
_MEMORY_SETTINGS: dict[str, dict[str, Any]] = {}


def memory_accounts() -> list[dict[str, Any]]:
    """The accounts signed in without a case, shaped like a case's accounts."""
    return [
        {"kind": KIND, "target": address, "settings": dict(_MEMORY_SETTINGS.get(address, {}))} for address in _MEMORY
    ]


def warning(settings: Any) -> str:
    return pre_connection_warning(
        "Microsoft",
        '"new app connected to your account" or "unusual sign-in activity"',
        "Outlook.com › Settings (the gear) › Mail › Forwarding, and Mail › Rules "
        "(Outlook on the web for work or school accounts: the same places).",
    )


def manual_steps(settings: Any) -> str:
    """How to look at forwarding and rules by hand before connecting (the guided check's own steps)."""
    return guided_steps("microsoft.manual_forwarding")


def scopes_for(work: bool) -> list[str]:
    return [*BASE_SCOPES, *(WORK_SCOPES if work else ())]


def authority(settings: Any, override: str | None = None) -> str:
    from auditor.weburl import checked_url

    base = checked_url(override or os.environ.get(AUTHORITY_ENV) or LOGIN_URL, AUTHORITY_ENV)
    return f"{base.rstrip('/')}/{settings.microsoft.authority}"


def application(settings: Any, cache: Any, *, authority_url: str | None = None, ca_file: str | None = None) -> Any:
    """A PublicClientApplication on ``cache``. Raises ConfigError without a client ID. ``authority_url`` and
    ``ca_file`` stand for AUDITOR_MICROSOFT_AUTHORITY_URL and AUDITOR_MICROSOFT_CA_FILE (practice servers)."""
    import msal
    import requests

    client_id = settings.microsoft.client_id
    if not client_id:
        raise ConfigError(
            "signing in to Microsoft needs your app's client ID: set microsoft.client_id in settings.yaml "
            "(how to register the app: docs/microsoft.md)"
        )
    override = authority_url or os.environ.get(AUTHORITY_ENV)
    session = requests.Session()
    if override:
        # This machine may set REQUESTS_CA_BUNDLE, which would override verify unless trust_env is off.
        session.trust_env = False
        session.verify = ca_file or os.environ.get(CA_ENV) or True
    where = authority(settings, override)
    try:
        return msal.PublicClientApplication(
            client_id,
            authority=where,
            token_cache=cache,
            http_client=session,
            instance_discovery=False if override else None,
        )
    except (ValueError, requests.RequestException) as exc:
        raise AuthError(f"couldn't reach the Microsoft sign-in service at {where}: {literal(exc)}") from None


def connect(case: Any, settings: Any, *, show: Callable[[str], None], work: bool | None = None) -> str:
    """Device code sign-in. Returns the account's address; stores its token cache in the case."""
    import msal

    if work is None:
        work = settings.microsoft.authority == "organizations"
    cache = msal.SerializableTokenCache()
    with _service_errors():
        app = application(settings, cache)
        flow = app.initiate_device_flow(scopes=scopes_for(work))
        if "user_code" not in flow:
            raise AuthError(f"Microsoft refused to start the sign-in: {_reason(flow)}")
        show(str(flow["message"]))
        result = app.acquire_token_by_device_flow(flow)
    if "access_token" not in result:
        raise AuthError(f"the Microsoft sign-in did not finish: {_reason(result)}")
    claims = result.get("id_token_claims") or {}
    address = str(claims.get("preferred_username") or claims.get("email") or "")
    if not address:
        raise AuthError("Microsoft signed in but did not say which account it was")
    account_type = "personal" if claims.get("tid") == CONSUMER_TENANT else "work"
    saved = {"account_type": account_type, "work_scopes": work}
    if case is None:
        _MEMORY[address] = cache
        _MEMORY_SETTINGS[address] = saved
    else:
        case.put_secret(secret_name(KIND, address), cache.serialize().encode("utf-8"))
        case.add_account(KIND, address, saved)
    return address


def consent_for_changes(
    settings: Any,
    target: str,
    permissions: Sequence[str],
    *,
    show: Callable[[str], None],
    authority_url: str | None = None,
    ca_file: str | None = None,
) -> str:
    """Incremental consent: a device code sign-in asking for exactly ``permissions`` (msal adds openid, profile
    and offline_access to every request), for the account ``target``. Returns the access token.

    The token cache is a new one in memory, dropped when this returns: nothing is stored in the case, and the
    case's read-only sign-in is left as it was. Raises AuthError when the sign-in does not finish, when someone
    signs in with another account than ``target``, or when Microsoft grants less than was asked for — then
    nothing may be changed."""
    import msal

    wanted = list(dict.fromkeys(permissions))
    if not wanted:
        raise ValueError("no permission to ask for")
    with _service_errors():
        app = application(settings, msal.TokenCache(), authority_url=authority_url, ca_file=ca_file)
        flow = app.initiate_device_flow(scopes=wanted)
        if "user_code" not in flow:
            raise AuthError(f"Microsoft refused to start the sign-in: {_reason(flow)}")
        show(str(flow["message"]))
        result = app.acquire_token_by_device_flow(flow)
    if "access_token" not in result:
        raise AuthError(f"Microsoft did not give the permission to make the change: {_reason(result)}")
    claims = result.get("id_token_claims") or {}
    who = str(claims.get("preferred_username") or claims.get("email") or "")
    if who.casefold() != target.casefold():
        raise AuthError(
            f"the sign-in was for {literal(who or 'an account Microsoft did not name', 200)}, not "
            f"{literal(target, 200)}: nothing was changed. Sign in with {literal(target, 200)} to make this change."
        )
    granted = {s.removeprefix("https://graph.microsoft.com/").casefold() for s in str(result.get("scope", "")).split()}
    missing = [p for p in wanted if p.casefold() not in granted]
    if missing:
        raise AuthError(f"Microsoft did not grant {', '.join(missing)}: nothing was changed")
    return str(result["access_token"])


def _load_cache(case: Any, target: str) -> Any:
    import msal

    if case is None:
        cache = _MEMORY.get(target)
        if cache is None:
            raise AuthError(f"{literal(target, 200)} is not signed in")
        return cache
    blob = case.get_secret(secret_name(KIND, target))
    if blob is None:
        raise AuthError(f"the case holds no sign-in for {literal(target, 200)}")
    cache = msal.SerializableTokenCache()
    try:
        cache.deserialize(blob.decode("utf-8"))
        # msal only trips over JSON of the wrong shape when it reads an entry: read each kind once now.
        kinds = msal.TokenCache.CredentialType
        for kind in (kinds.ACCOUNT, kinds.ACCESS_TOKEN, kinds.REFRESH_TOKEN, kinds.ID_TOKEN, kinds.APP_METADATA):
            list(cache.search(kind))
    except (ValueError, AttributeError, TypeError):
        raise AuthError(f"the stored sign-in for {literal(target, 200)} is unreadable") from None
    return cache


def silent_token(case: Any, target: str, settings: Any) -> str:
    """An access token for a signed-in account from its cache (refreshed by msal when needed)."""
    cache = _load_cache(case, target)
    with _service_errors():
        app = application(settings, cache)
        accounts = app.get_accounts(username=target)
    if not accounts:
        raise AuthError(f"the stored sign-in has no account {literal(target, 200)}")
    stored = memory_accounts() if case is None else case.accounts()
    saved = [a["settings"] for a in stored if a["kind"] == KIND and a["target"] == target]
    work = bool(saved and saved[0].get("work_scopes"))
    with _service_errors():
        result = app.acquire_token_silent(scopes_for(work), account=accounts[0])
    if case is not None and cache.has_state_changed:
        case.put_secret(secret_name(KIND, target), cache.serialize().encode("utf-8"))
    if not result or "access_token" not in result:
        raise AuthError(f"Microsoft no longer accepts the stored sign-in ({_reason(result or {})})")
    return str(result["access_token"])


def forget(case: Any, target: str, settings: Any) -> str:
    """Delete the account's tokens and the account from the case (nothing is sent to Microsoft)."""
    had_token = _MEMORY.pop(target, None) is not None
    _MEMORY_SETTINGS.pop(target, None)
    if case is not None:
        had_token = case.get_secret(secret_name(KIND, target)) is not None
        case.delete_secret(secret_name(KIND, target))
        case.remove_account(KIND, target)
    removed = "Deleted the stored sign-in for" if had_token else "Removed"
    return (
        f"{removed} {target} from this case.\n"
        "Microsoft offers apps like this one no way to revoke a sign-in, so the app may keep its permission "
        "until you remove it: personal accounts at account.microsoft.com › Privacy › Apps and services "
        "(select this app › Stop sharing); work or school accounts at myapps.microsoft.com, or ask your "
        "organisation's IT team."
    )


@contextlib.contextmanager
def _service_errors() -> Iterator[None]:
    """msal and requests failures as the tool's errors (what the sign-in service said, or the network)."""
    import msal
    import requests

    try:
        yield
    except msal.exceptions.MsalServiceError as exc:
        raise AuthError(f"the Microsoft sign-in service answered with an error: {literal(exc)}") from None
    except requests.RequestException as exc:
        raise NetworkError(f"couldn't reach the Microsoft sign-in service: {type(exc).__name__}") from None


def _reason(result: dict[str, Any]) -> str:
    """The first line of what the sign-in service said, made literal: error messages reach the terminal as is."""
    return literal(str(result.get("error_description") or result.get("error") or "no reason given").splitlines()[0])
