"""Signing in to a Google account: the installed-app loopback flow with the OAuth client file the person made.

The browser opens Google's consent screen; Google redirects to a one-request server on 127.0.0.1 (a free
port), and the code is exchanged for a token (PKCE, S256). Scopes are read-only: Gmail settings and Drive
metadata, plus the Workspace Admin SDK read scopes when ``google.workspace_admin`` is set.

The token (``Credentials.to_json()``, which holds the refresh token) is kept only in the encrypted case, under
``secret_name("google", address)``; without a case it lives in this process's memory for one run. Forgetting
posts the token to Google's revoke endpoint, which sits beside the client file's ``token_uri``
(``https://oauth2.googleapis.com/token`` → ``https://oauth2.googleapis.com/revoke``), so a client file that
points at a test server also revokes there.

Changing something (once the person has confirmed the change) asks for more, separately
(:func:`write_credentials`): incremental authorization, asking for exactly the scopes the confirmed changes need
with ``include_granted_scopes=true``. That permission is held in this process's memory for the sitting and never
stored: the stored read-only token is neither used nor replaced, and any refresh token Google hands back with
the write permission is dropped, so it ends when its access token expires (an hour at most).
"""

from __future__ import annotations

import json
import webbrowser
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from auditor.connectors.signin import guided_steps, pre_connection_warning, secret_name
from auditor.errors import AuditorError, AuthError, ConfigError, NetworkError, UsageError
from auditor.safetext import literal

KIND = "google"
SIGN_IN_TIMEOUT = 300  # seconds the loopback server waits for the browser to come back

FORWARDING_BY_HAND = "Gmail › Settings (the gear) › See all settings › Forwarding and POP/IMAP"


def warning(settings: Any) -> str:
    return pre_connection_warning(
        "Google", "“A new app has access to your Google Account” / Security alert", FORWARDING_BY_HAND
    )


def manual_steps(settings: Any) -> str:
    """How to look at forwarding by hand before connecting (the guided check's own steps)."""
    return guided_steps("google.manual_forwarding")


def scopes(settings: Any) -> list[str]:
    from auditor.connectors.google.client import ADMIN_SCOPES, SCOPES

    return [*SCOPES, *(ADMIN_SCOPES if settings.google.workspace_admin else ())]


def check_settings(settings: Any) -> None:
    """Refuse early (before a case is made or a browser opened) when the client file is missing or wrong."""
    client_file(settings)


def client_file(settings: Any) -> Path:
    path = settings.google.client_file
    if path is None:
        raise ConfigError(
            "signing in to Google needs your own OAuth client file: set google.client_file in settings.yaml "
            "(docs/google.md says how to make one in the Google Cloud console)"
        )
    path = Path(path).expanduser()
    if not path.is_file():
        raise ConfigError(f"google.client_file points at {path}, which does not exist")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: not a Google OAuth client file ({exc})") from None
    installed = config.get("installed") if isinstance(config, dict) else None
    if not isinstance(installed, dict):
        kind = next(iter(config), "nothing") if isinstance(config, dict) and config else "nothing"
        raise ConfigError(
            f"{path}: this is not a Desktop app client file (it holds {kind!r}, not 'installed'); "
            "create an OAuth client of type Desktop app"
        )
    missing = [k for k in ("client_id", "client_secret", "auth_uri", "token_uri") if not installed.get(k)]
    if missing:
        raise ConfigError(f"{path}: the client file lacks {', '.join(missing)}")
    return path


def revoke_url(token_uri: str) -> str:
    """Google's revoke endpoint sits beside its token endpoint."""
    parts = urlsplit(token_uri)
    path = parts.path.rsplit("/", 1)[0] + "/revoke"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


class MemoryAccounts:
    """Where accounts signed in without a case live: this process's memory, for one run, never a file."""

    def __init__(self) -> None:
        self._secrets: dict[str, bytes] = {}
        self._accounts: dict[tuple[str, str], dict[str, Any]] = {}

    def put_secret(self, name: str, value: bytes) -> None:
        self._secrets[name] = bytes(value)

    def get_secret(self, name: str) -> bytes | None:
        return self._secrets.get(name)

    def delete_secret(self, name: str) -> None:
        self._secrets.pop(name, None)

    def add_account(self, kind: str, target: str, settings: dict[str, Any] | None = None) -> int:
        self._accounts[(kind, target)] = {"kind": kind, "target": target, "settings": dict(settings or {})}
        return len(self._accounts)

    def accounts(self) -> list[dict[str, Any]]:
        return list(self._accounts.values())

    def remove_account(self, kind: str, target: str) -> None:
        self._accounts.pop((kind, target), None)


MEMORY = MemoryAccounts()


def _identify(credentials: Any, settings: Any, endpoint: str | None) -> str:
    import asyncio

    from auditor.connectors.google.client import GoogleClient

    client = GoogleClient(endpoint, credentials, timeout=settings.request_timeout, retry_budget=settings.retry_budget)
    try:
        address = asyncio.run(client.account_email())
    finally:
        client.close()
    if not address:
        raise AuthError("Google signed in but did not say which account it is; nothing was stored")
    return address


def connect(
    case: Any,
    settings: Any,
    *,
    show: Callable[[str], None],
    browser: str | None = None,
    api_endpoint: str | None = None,
    timeout: int = SIGN_IN_TIMEOUT,
) -> str:
    """Sign in through the browser and keep the token in ``case`` (or in memory). Returns the address.

    ``browser`` names a :mod:`webbrowser` controller (None: the system's default browser); ``api_endpoint``
    sends the first read (which account is this?) to another server, as AUDITOR_GOOGLE_API_URL does.
    """
    from google_auth_oauthlib.flow import InstalledAppFlow, WSGITimeoutError
    from oauthlib.oauth2.rfc6749.errors import OAuth2Error

    if api_endpoint is None:
        from auditor.config import Endpoints

        api_endpoint = Endpoints.from_env().google
    path = client_file(settings)
    flow = InstalledAppFlow.from_client_secrets_file(str(path), scopes=scopes(settings))
    show(
        "Your browser opens Google's sign-in page. Check that the address starts with "
        "https://accounts.google.com, sign in, and allow read-only access. If no browser opens, "
        "copy the address this shows next into one."
    )
    try:
        credentials = _run_flow(flow, browser, timeout, show)
    except WSGITimeoutError:
        raise AuthError(f"the browser did not come back from Google within {timeout} s; nothing was stored") from None
    except Warning as exc:  # oauthlib: the token's scopes differ from those asked for (a box was unticked)
        issued = getattr(exc, "token", None) or {}
        if issued.get("refresh_token") or issued.get("access_token"):  # not kept, so not left behind at Google
            _revoke_token(
                issued.get("refresh_token") or issued["access_token"], flow.client_config["token_uri"], settings
            )
        granted = set(getattr(exc, "new_scope", None) or ())
        missing = [s.removeprefix("https://www.googleapis.com/auth/") for s in scopes(settings) if s not in granted]
        raise AuthError(
            "Google granted fewer permissions than the tool needs "
            f"({', '.join(missing) or 'the list changed'}); nothing was stored. Sign in again and leave every "
            "box ticked: the tool only ever reads with them."
        ) from None
    except OAuth2Error as exc:
        words = "you did not allow access" if exc.error == "access_denied" else f"Google said {literal(exc.error, 100)}"
        raise AuthError(f"signing in to Google did not finish: {words}; nothing was stored") from None
    except (OSError, ValueError) as exc:
        raise NetworkError(
            f"signing in to Google failed ({type(exc).__name__}: {literal(exc, 300)}); nothing was stored"
        ) from None
    if not credentials.refresh_token:
        raise AuthError("Google gave no refresh token; nothing was stored. Remove the app's access and try again")
    try:
        target = _identify(credentials, settings, api_endpoint)
    except AuditorError:
        _revoke(credentials, settings)  # nothing is kept, so the grant just made is not left behind at Google
        raise
    store = case if case is not None else MEMORY
    store.put_secret(secret_name(KIND, target), credentials.to_json().encode("utf-8"))
    store.add_account(KIND, target)
    return target


ANNOUNCING = "auditor-announce"


class _Announcing(webbrowser.BaseBrowser):
    """A :mod:`webbrowser` controller that shows the address to the person, then opens a real browser on it."""

    def __init__(self, announce: Callable[[str], None], browser: str | None) -> None:
        super().__init__(ANNOUNCING)
        self.announce = announce
        self.browser = browser

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        self.announce(url)
        target = _browser_to_open(self.browser)
        if target is None:
            return False  # no browser here: the person opens the address shown
        try:
            return bool(target.open(url, new=new, autoraise=autoraise))
        except webbrowser.Error:
            return False


def _browser_to_open(name: str | None) -> Any | None:
    """The chosen (or default) browser, never an announcing controller: registered, ours is on webbrowser's
    list of browsers to try, and where no real browser exists it would be the default and open itself."""
    try:
        found = webbrowser.get(name)
    except webbrowser.Error:
        return None
    return None if isinstance(found, _Announcing) else found


def _run_flow(flow: Any, browser: str | None, timeout: int, announce: Callable[[str], None], **parameters: str) -> Any:
    """``run_local_server`` on 127.0.0.1 (port 0: a free one), the URL shown through ``announce``; ``parameters``
    are added to the authorization request."""
    webbrowser.register(ANNOUNCING, None, _Announcing(announce, browser))
    return flow.run_local_server(
        host="127.0.0.1",
        port=0,
        browser=ANNOUNCING,
        authorization_prompt_message=None,
        success_message="Signed in. You can close this tab and go back to auditor.",
        timeout_seconds=timeout,
        prompt="consent",
        **parameters,
    )


def write_credentials(
    settings: Any,
    target: str,
    needed: Sequence[str],
    *,
    show: Callable[[str], None],
    browser: str | None = None,
    timeout: int = SIGN_IN_TIMEOUT,
) -> Any:
    """Ask the person, through the browser, for exactly the ``needed`` scopes (incremental authorization:
    ``include_granted_scopes=true``, ``login_hint`` the account, ``access_type=online``), and return credentials
    that live in memory only: the access token, without any refresh token Google may add. Nothing is stored and
    the case's read-only token is not touched.

    Google answers with every scope the client holds for the account (the read ones too, since
    ``include_granted_scopes`` joins them); what matters is that every needed one is among them. If one is
    missing (a box unticked), nothing is changed and the grant is left as it is: revoking it would also end the
    read-only sign-in, which shares the grant.
    """
    from google.oauth2.credentials import Credentials
    from google_auth_oauthlib.flow import InstalledAppFlow, WSGITimeoutError
    from oauthlib.oauth2.rfc6749.errors import OAuth2Error

    path = client_file(settings)
    flow = InstalledAppFlow.from_client_secrets_file(str(path), scopes=list(needed))
    show(
        "Your browser opens Google's page asking for the permission this change needs. Check that the address "
        f"starts with https://accounts.google.com and that you allow it as {literal(target, 200)}. If no browser "
        "opens, copy the address this shows next into one."
    )
    try:
        credentials = _run_flow(
            flow, browser, timeout, show, include_granted_scopes="true", access_type="online", login_hint=target
        )
        token, granted = credentials.token, _scope_set(credentials.granted_scopes or credentials.scopes or needed)
    except WSGITimeoutError:
        raise AuthError(f"the browser did not come back from Google within {timeout} s; nothing was changed") from None
    except Warning as exc:  # oauthlib: Google granted another set of scopes than asked for (more, or fewer)
        issued = getattr(exc, "token", None) or {}
        token, granted = issued.get("access_token"), _scope_set(getattr(exc, "new_scope", None) or ())
    except OAuth2Error as exc:
        words = "you did not allow it" if exc.error == "access_denied" else f"Google said {literal(exc.error, 100)}"
        raise AuthError(f"asking Google for the permission did not finish: {words}; nothing was changed") from None
    except (OSError, ValueError) as exc:
        raise NetworkError(
            f"asking Google for the permission failed ({type(exc).__name__}: {literal(exc, 300)}); nothing was changed"
        ) from None
    missing = [s.removeprefix("https://www.googleapis.com/auth/") for s in needed if s not in granted]
    if missing or not token:
        raise AuthError(
            f"Google did not give the permission this change needs ({', '.join(missing) or 'no token'}); nothing "
            "was changed"
        )
    return Credentials(
        token=token,
        token_uri=flow.client_config["token_uri"],
        client_id=flow.client_config["client_id"],
        client_secret=flow.client_config["client_secret"],
        scopes=sorted(granted),
    )


def _scope_set(scopes: Any) -> set[str]:
    """Scopes as oauthlib and google-auth hand them over: a list, or one space-separated string."""
    return set(scopes.split()) if isinstance(scopes, str) else {str(s) for s in scopes}


def stored_credentials(store: Any, target: str) -> Any | None:
    """The account's credentials from the case (or memory), or None when there is no usable token.

    Built here rather than with ``Credentials.from_authorized_user_info``, which always replaces the token
    endpoint with Google's: the one the client file named at sign-in is kept (it is Google's for a real client
    file, the practice server's in tests)."""
    from datetime import datetime

    from google.oauth2.credentials import Credentials

    raw = store.get_secret(secret_name(KIND, target))
    if raw is None:
        return None
    try:
        info = json.loads(raw.decode("utf-8"))
        expiry = info.get("expiry")
        scopes = info.get("scopes")
        return Credentials(
            token=info.get("token"),
            refresh_token=info["refresh_token"],
            token_uri=info.get("token_uri") or "https://oauth2.googleapis.com/token",
            client_id=info["client_id"],
            client_secret=info["client_secret"],
            scopes=scopes.split(" ") if isinstance(scopes, str) else scopes,
            expiry=datetime.strptime(expiry.rstrip("Z").split(".")[0], "%Y-%m-%dT%H:%M:%S") if expiry else None,
        )
    except (ValueError, UnicodeDecodeError, KeyError, TypeError, AttributeError):
        return None


def forget(case: Any, target: str, settings: Any) -> str:
    store = case if case is not None else MEMORY
    name = secret_name(KIND, target)
    known = store.get_secret(name) is not None or any(
        a["kind"] == KIND and a["target"] == target for a in store.accounts()
    )
    if not known:
        raise UsageError(f"there is no Google account {target!r} to forget here")
    credentials = stored_credentials(store, target)
    revoked = _revoke(credentials, settings) if credentials is not None else "there was no stored token to revoke"
    store.delete_secret(name)
    store.remove_account(KIND, target)
    if revoked is None:
        return f"Google revoked the tool's access to {target}, and its token and account were removed from the case."
    return (
        f"The token and account {target} were removed from the case, but revoking the access at Google failed: "
        f"{revoked}. Remove it by hand at myaccount.google.com/connections (Third-party apps & services)."
    )


def _revoke(credentials: Any, settings: Any) -> str | None:
    """POST the token to Google's revoke endpoint. None when it was revoked; otherwise why it was not."""
    token = credentials.refresh_token or credentials.token
    return _revoke_token(token, credentials.token_uri or "https://oauth2.googleapis.com/token", settings)


def _revoke_token(token: str, token_uri: str, settings: Any) -> str | None:
    import httpx

    url = revoke_url(token_uri)
    try:
        response = httpx.post(
            url,
            data={"token": token},
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=settings.request_timeout,
        )
    except httpx.HTTPError as exc:
        return f"the connection to Google failed ({type(exc).__name__}: {literal(exc, 300)})"
    if response.status_code == 200:
        return None
    try:
        body = response.json()
        said = literal(body.get("error_description") or body.get("error") or "", 200)
    except (ValueError, AttributeError):  # not JSON, or JSON that is not an object
        said = ""
    return f"Google answered {response.status_code}" + (f" ({said})" if said else "")
