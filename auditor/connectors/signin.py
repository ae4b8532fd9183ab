"""What every account sign-in shares: the warning shown before connecting, and where tokens are kept.

Each provider has a sign-in module (``auditor.connectors.google.signin``, ``auditor.connectors.graph.signin``,
``auditor.connectors.ews.signin``) with the same shape, so the command line and the app drive them alike:

- ``KIND``: the source kind it signs in to ("google", "microsoft", "exchange");
- ``warning(settings) -> str``: what the person must know before connecting (see :func:`pre_connection_warning`);
- ``connect(case, settings, *, show, ...) -> str``: the interactive sign-in, blocking (the app runs it in a
  worker thread). ``show`` receives plain-text messages for the person (a URL to open, a code to enter).
  The token is stored in the case under :func:`secret_name`, the account with ``case.add_account``; the
  return value is the account's target (its address). Without a case, tokens live in memory for one run.
- ``forget(case, target, settings) -> str``: revokes the token at the provider where it can, deletes it and
  the account from the case, and says what was done (a revocation that failed is said, never hidden).

Tokens are never written anywhere but the encrypted case.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

SIGNIN_MODULES: dict[str, str] = {
    "google": "auditor.connectors.google.signin",
    "microsoft": "auditor.connectors.graph.signin",
    "exchange": "auditor.connectors.ews.signin",
}


def secret_name(kind: str, target: str) -> str:
    """The case secret that holds an account's token (or token cache, or password)."""
    return f"token:{kind}:{target}"


def pre_connection_warning(provider: str, alert: str, manual_check: str) -> str:
    """The warning every connection starts with. ``alert`` names the provider's e-mail; ``manual_check``
    says where to look at forwarding by hand before connecting."""
    return (
        f"Before you connect your {provider} account\n"
        f"\n"
        f"- {provider} may send a security alert e-mail ({alert}) when this tool is given access.\n"
        f"- If your mail might be forwarded to someone else, that alert could reach them too, and tell them\n"
        f"  you are checking.\n"
        f"- You can check forwarding by hand first, without connecting anything: {manual_check}\n"
        f"- The tool only reads. It never changes your account unless you confirm that one change.\n"
    )


def guided_steps(check_id: str) -> str:
    """The steps of a guided check as plain text: what ``manual_steps`` offers before connecting."""
    from auditor.manual import manual_definitions

    manual = manual_definitions()[check_id]
    return "\n".join([manual.question, *(f"- {step}" for step in manual.where_to_look)])


class SignInModule(Protocol):
    KIND: str

    def warning(self, settings: Any) -> str: ...

    def connect(self, case: Any, settings: Any, *, show: Callable[[str], None]) -> str: ...

    def forget(self, case: Any, target: str, settings: Any) -> str: ...


def signin_module(kind: str) -> SignInModule:
    """The sign-in module for ``kind``, imported only now (provider libraries load lazily)."""
    import importlib

    from auditor.errors import UsageError

    name = SIGNIN_MODULES.get(kind)
    if name is None:
        raise UsageError(f"there is no sign-in for {kind!r}; choose one of {', '.join(SIGNIN_MODULES)}")
    try:
        module: SignInModule = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            raise UsageError(f"signing in to {kind} is not part of this build") from None
        raise
    return module
