"""Signing in to an Exchange (on-premises) mailbox with the person's user name and password.

The server is ``settings.yaml`` › ``exchange.url`` (its https://…/EWS/Exchange.asmx address; AUDITOR_EWS_URL
replaces it for practice servers), the user name ``exchange.username`` (DOMAIN\\user or the sign-in address)
and the scheme ``exchange.auth``: ``ntlm`` (what on-premises Exchange offers) or ``basic`` (where the server
still allows it). The password is asked without echo, checked with one read (the server names the mailbox it
opens), and kept only in the encrypted case under ``secret_name("exchange", address)``; without a case it
lives in memory for one run. ``exchange.auth: oauth`` has no sign-in here: an organisation that issues
Exchange tokens gives one to AUDITOR_BEARER_TOKEN for a case-less audit.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
from collections.abc import Callable
from typing import Any

from auditor.connectors.signin import guided_steps, pre_connection_warning, secret_name
from auditor.errors import AuditorError, ConfigError, UsageError

KIND = "exchange"
URL_ENV = "AUDITOR_EWS_URL"

# Mailboxes signed in without a case: address -> (password, the account's settings), this process only.
_MEMORY: dict[str, tuple[str, dict[str, str]]] = {}


def memory_accounts() -> list[dict[str, Any]]:
    """The mailboxes signed in without a case, shaped like a case's accounts."""
    return [{"kind": KIND, "target": address, "settings": dict(saved)} for address, (_, saved) in _MEMORY.items()]


def memory_password(address: str) -> bytes | None:
    kept = _MEMORY.get(address)
    return kept[0].encode("utf-8") if kept else None


def warning(settings: Any) -> str:
    return pre_connection_warning(
        "Exchange",
        'a "new sign-in" notice, if your organisation sends them',
        "Outlook on the web › Settings (the gear) › Mail › Forwarding, and Mail › Rules.",
    ) + (
        "- Your organisation's Exchange administrators can see sign-ins to your mailbox, including this one.\n"
        "  If the person you are worried about is one of them, talk to an advocate before connecting.\n"
    )


def manual_steps(settings: Any) -> str:
    """How to look at forwarding by hand before connecting (the guided check's own steps)."""
    return guided_steps("exchange.manual_forwarding")


def check_settings(settings: Any) -> None:
    """Refuse early (before a case is made or a password asked) when the settings cannot work."""
    if settings.exchange.auth == "oauth":
        raise UsageError(
            "exchange.auth is oauth: there is no password to sign in with. Give a token from your organisation "
            "to AUDITOR_BEARER_TOKEN with AUDITOR_EWS_URL for an audit, or set exchange.auth to ntlm"
        )
    url = server_url(settings)
    from auditor.connectors.ews.client import require_private_transport

    require_private_transport(url)
    if not settings.exchange.username:
        raise ConfigError(
            "no Exchange user name is set: put it in settings.yaml as exchange.username (DOMAIN\\user or the "
            "address you sign in with)"
        )


def ask_password(prompt: str) -> str:
    """The password, without echo on a terminal; one line from standard input when it is piped."""
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return getpass.getpass(prompt)


def server_url(settings: Any) -> str:
    from auditor.weburl import checked_url

    url = os.environ.get(URL_ENV) or settings.exchange.url
    if not url:
        raise ConfigError(
            "no Exchange server is set: put its address in settings.yaml as exchange.url "
            "(https://mail.example.org/EWS/Exchange.asmx — ask the IT team if unsure)"
        )
    return checked_url(str(url), URL_ENV if os.environ.get(URL_ENV) else "exchange.url")


def connect(
    case: Any,
    settings: Any,
    *,
    show: Callable[[str], None],
    password: Callable[[str], str] = ask_password,
) -> str:
    """Ask for the password, check it with one read, store it. Returns the mailbox's address."""
    from auditor.connectors.ews.client import ExchangeClient, ExchangeLogin

    check_settings(settings)
    auth = settings.exchange.auth
    url = server_url(settings)
    user = str(settings.exchange.username)
    show(f"Signing in to {url} as {user} ({auth.upper()}).")
    secret = password(f"Password for {user}: ")
    if not secret:
        raise UsageError("no password was given; nothing was stored")
    login = ExchangeLogin(auth=auth, secret=secret, username=user)
    client = ExchangeClient(
        url, login, timeout=settings.request_timeout, retry_budget=settings.retry_budget, max_retries=2
    )
    try:
        address = asyncio.run(client.mailbox_address())
    except AuditorError as exc:
        raise type(exc)(f"the Exchange sign-in did not work: {exc}") from None
    finally:
        client.close()
    saved = {"url": url, "auth": auth, "username": user}
    if case is None:
        _MEMORY[address] = (secret, saved)
    else:
        case.put_secret(secret_name(KIND, address), secret.encode("utf-8"))
        case.add_account(KIND, address, saved)
    show(f"Signed in: {address}.")
    return address


def forget(case: Any, target: str, settings: Any) -> str:
    """Delete the stored password and the account from the case. A password cannot be revoked."""
    _MEMORY.pop(target, None)
    had_secret = False
    if case is not None:
        had_secret = case.get_secret(secret_name(KIND, target)) is not None
        case.delete_secret(secret_name(KIND, target))
        case.remove_account(KIND, target)
    removed = "Deleted the stored password for" if had_secret else "Removed"
    return (
        f"{removed} {target} from this case.\n"
        "A password cannot be revoked the way an app's access can: if anyone else may have seen it, or you typed "
        "it on a device someone else uses, change it (Outlook on the web › Settings › Change password, or ask "
        "your IT team)."
    )
