"""Reading Gmail delegates with a Workspace service account that holds domain-wide delegation.

Gmail lists delegates only to a service account acting for the user (``users.settings.delegates.list``). A
Workspace administrator who has created one (its key file, with domain-wide delegation granted for
``gmail.settings.basic`` in the Admin console) names its key in ``google.delegation_key_file``; the tool then
asks Google's token endpoint (the key file's ``token_uri``) for a token acting for the account being audited,
with that one scope, and uses it for the delegates listing only. Everything else is read with the person's own
sign-in. The key never leaves its file; tokens made from it live in memory for the run.

The same service account sends the Gmail forwarding changes a person confirms (turning automatic forwarding off,
removing a forwarding address, and putting either back): Google allows those only to a service account with
domain-wide delegation, with ``gmail.settings.sharing`` (:data:`SHARING_SCOPE`), which the administrator then adds
to the delegation. The tool asks for that scope alone, for those changes alone (:mod:`auditor.remedy.google`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from auditor.errors import ConfigError

DELEGATES_SCOPE = "https://www.googleapis.com/auth/gmail.settings.basic"
SHARING_SCOPE = "https://www.googleapis.com/auth/gmail.settings.sharing"


def delegation_credentials(settings: Any, address: str, scopes: Sequence[str] = (DELEGATES_SCOPE,)) -> Any | None:
    """Service-account credentials acting for ``address`` with ``scopes``, or None when no key file is set."""
    path = settings.google.delegation_key_file
    if path is None:
        return None
    path = Path(path).expanduser()
    where = f"google.delegation_key_file ({path})"
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{where} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{where} is not a service account key file ({type(exc).__name__})") from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise ConfigError(f"{where} is not a service account key file (its type is not 'service_account')")
    from google.oauth2 import service_account

    try:
        return service_account.Credentials.from_service_account_info(info, scopes=list(scopes), subject=address)
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{where} is not a usable service account key ({type(exc).__name__})") from None
