"""Addresses of servers given in settings or environment variables, checked before anything is sent.

A mistyped address must end in a clear error naming where it came from, not in a traceback from deep
inside an HTTP library (``urlsplit`` raises on an unbalanced ``[``; httpx on a missing scheme).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from auditor.errors import ConfigError
from auditor.safetext import literal


def checked_url(value: str, where: str) -> str:
    """``value`` if it is an http(s) address with a host; otherwise ConfigError naming ``where``."""
    shown = literal(value, 200)
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as exc:
        raise ConfigError(f"{where} is not a web address: {shown} ({exc})") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigError(f"{where} must be an http:// or https:// address with a server name, not {shown}")
    return value
