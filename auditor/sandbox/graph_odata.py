"""Microsoft Graph's wire conventions shared by every Graph route of the sandbox.

The error body (``{"error": {"code", "message", "innerError": {...}}}``), ``@odata.context``,
``$select``/``$top``/``$skiptoken`` and ``@odata.nextLink`` paging, written from Microsoft's Graph
documentation ("Microsoft Graph error responses and resource types", "Paging Microsoft Graph data",
"Use query parameters to customize responses").
"""

from __future__ import annotations

import base64
import datetime
import uuid
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote, unquote, urlencode

from auditor.sandbox.base import SandboxRequest, SandboxResponse

GRAPH_VERSION = "/v1.0"

# The error codes Graph uses for each status in its generic error body.
ERROR_CODES = {
    400: "BadRequest",
    401: "InvalidAuthenticationToken",
    403: "Forbidden",
    404: "ResourceNotFound",
    405: "MethodNotAllowed",
    429: "TooManyRequests",
    500: "InternalServerError",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


class ODataError(Exception):
    """A request Graph would reject; becomes an error response with this status and code."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or ERROR_CODES.get(status, "UnknownError")
        self.message = message


def error_body(status: int, message: str, code: str | None = None) -> dict[str, Any]:
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    request_id = str(uuid.uuid4())
    return {
        "error": {
            "code": code or ERROR_CODES.get(status, "UnknownError"),
            "message": message,
            "innerError": {
                "date": now.strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": request_id,
                "client-request-id": request_id,
            },
        }
    }


def graph_error(status: int, message: str, code: str | None = None) -> SandboxResponse:
    headers = {"request-id": str(uuid.uuid4())}
    if status == 401:
        # Graph names the authority that issues its tokens when it refuses one.
        headers["WWW-Authenticate"] = (
            'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
            'client_id="00000003-0000-0000-c000-000000000000"'
        )
    return SandboxResponse.json(error_body(status, message, code), status=status, headers=headers)


def base_url(request: SandboxRequest) -> str:
    """The absolute root Graph would put in links: this server, as the client reached it."""
    host = request.headers.get("host", "127.0.0.1")
    return f"http://{host}{GRAPH_VERSION}"


def context(request: SandboxRequest, fragment: str) -> str:
    return f"{base_url(request)}/$metadata#{fragment}"


def select(record: dict[str, Any], fields: Sequence[str] | None) -> dict[str, Any]:
    """$select keeps the named properties; annotations (``@odata.*``) and ``id`` always stay, as in Graph."""
    if not fields:
        return record
    keep = set(fields) | {"id"}
    return {k: v for k, v in record.items() if k in keep or k.startswith("@")}


def parse_select(request: SandboxRequest, known: Iterable[str], type_name: str) -> list[str] | None:
    raw = request.arg("$select")
    if raw is None:
        return None
    fields = [part.strip() for part in raw.split(",") if part.strip()]
    allowed = set(known)
    for name in fields:
        if name not in allowed:
            raise ODataError(400, f"Could not find a property named '{name}' on type '{type_name}'.")
    return fields


def parse_top(request: SandboxRequest) -> int | None:
    raw = request.arg("$top")
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ODataError(400, f"Invalid value '{raw}' for $top query option found.") from None
    if value < 1:
        raise ODataError(400, f"Invalid value '{raw}' for $top query option found.")
    return value


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"skip:{offset}".encode()).decode().rstrip("=")


def _offset(token: str) -> int:
    try:
        padded = token + "=" * (-len(token) % 4)
        kind, _, number = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        if kind != "skip":
            raise ValueError(kind)
        return int(number)
    except (ValueError, UnicodeDecodeError):
        raise ODataError(400, "The $skiptoken is invalid or expired.", "BadRequest") from None


def page(
    request: SandboxRequest,
    records: Sequence[dict[str, Any]],
    *,
    page_size: int,
    endless: bool,
    fragment: str,
    fields: Sequence[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> SandboxResponse:
    """One page of a collection with ``@odata.nextLink`` while more remain (or forever when ``endless``)."""
    top = parse_top(request)
    size = min(top, page_size) if top else page_size
    token = request.arg("$skiptoken")
    start = _offset(token) if token else 0
    if endless and records:
        start %= len(records)
    chunk = records[start : start + size]
    body: dict[str, Any] = {"@odata.context": context(request, fragment)}
    if extra:
        body.update(extra)
    body["value"] = [select(r, fields) for r in chunk]
    if endless or start + size < len(records):
        query = {k: v[0] for k, v in request.query.items() if k != "$skiptoken"}
        query["$skiptoken"] = _token(start + size)
        # The path arrives percent-encoded (inside a $batch too): decoded first, so a link is never encoded twice.
        path = quote(unquote(request.path))
        body["@odata.nextLink"] = (
            f"http://{request.headers.get('host', '127.0.0.1')}{path}?{urlencode(query, safe='$,')}"
        )
    return SandboxResponse.json(body)
