"""Connecting accounts to a case through each provider's sign-in, listing them, and forgetting them.

Every provider's sign-in module has one shape (:mod:`auditor.connectors.signin`); this is the one place the
command line and the app reach it from. Connecting starts with the provider's warning (connecting may
e-mail a security alert, which forwarded mail would carry to someone else).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from auditor.errors import UsageError

if TYPE_CHECKING:
    from auditor.config import Settings
    from auditor.store import CaseStore

SIGNIN_KINDS = ("google", "microsoft", "exchange")


def _module(kind: str) -> Any:
    from auditor.connectors.signin import signin_module

    return signin_module(kind)


def _settings(settings: Settings | None) -> Settings:
    from auditor.config import load_settings

    return settings if settings is not None else load_settings()


def check_sign_in_settings(kind: str, settings: Settings | None = None) -> None:
    """Raises, saying what is missing, when the settings give a sign-in nothing to start with (the command
    line asks before its questions; the app shows each path's state on its screen instead)."""
    check = getattr(_module(kind), "check_settings", None)  # optional in a sign-in module
    if check is not None:
        check(_settings(settings))


def connection_warning(kind: str, settings: Settings | None = None) -> str:
    """What the person must know before connecting."""
    return str(_module(kind).warning(_settings(settings)))


def forwarding_steps(kind: str, settings: Settings | None = None) -> str | None:
    """The steps to look at forwarding by hand before connecting, where the provider has them."""
    steps = getattr(_module(kind), "manual_steps", None)
    return str(steps(_settings(settings))) if steps is not None else None


def connect_account(
    case: CaseStore | None,
    kind: str,
    *,
    show: Callable[[str], None],
    settings: Settings | None = None,
    password: str | None = None,
    browser: str | None = None,
) -> str:
    """Sign in (blocking; the app runs it in a worker) and keep the token in the case; returns the account.

    ``password`` is the Exchange mailbox password typed into a form (the command line asks for it itself);
    ``browser`` names the browser to open, where the sign-in opens one.
    """
    module = _module(kind)
    accepts = inspect.signature(module.connect).parameters
    extra: dict[str, Any] = {}
    if browser and "browser" in accepts:
        extra["browser"] = browser
    if password is not None:
        if "password" not in accepts:
            raise UsageError(f"signing in to {kind} does not take a password")
        extra["password"] = lambda _prompt: password
    return str(module.connect(case, _settings(settings), show=show, **extra))


def forget_account(case: CaseStore, kind: str, target: str, settings: Settings | None = None) -> str:
    """Revoke the account's token where the provider allows it and remove the account; says what was done."""
    return str(_module(kind).forget(case, target, _settings(settings)))


def is_signed_in(case: CaseStore, kind: str, target: str) -> bool:
    """Whether the case holds a sign-in (token, token cache or password) for the account."""
    from auditor.connectors.signin import secret_name

    return case.get_secret(secret_name(kind, target)) is not None
