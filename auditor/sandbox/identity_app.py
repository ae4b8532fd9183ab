"""The Microsoft identity platform for the sandbox: what msal's PublicClientApplication needs to sign in
with the device code flow — OpenID discovery, instance discovery, /devicecode and /token (device_code and
refresh_token grants) — written from "Microsoft identity platform and the OAuth 2.0 device authorization
grant flow" and "OpenID Connect on the Microsoft identity platform".

Served over https (msal refuses plain http authorities). A device code is approved, as a person would on
the verification page, by ``GET /devicelogin?user_code=CODE`` (alias ``/approve``) on this server, by
:meth:`IdentityApp.approve`, or at once when the scenario sets ``identity.auto_approve``.

Tokens, kept in the :class:`TokenRegistry` the practice Graph server shares: each sign-in gets a token of its
own. One asking only for read permissions reads and never writes; one asking for a write permission (incremental
consent, e.g. ``MailboxSettings.ReadWrite``) holds exactly the Graph permissions it asked for, and the Graph server
lets a write through only with a token holding a permission that its reference page lists for it. The sandbox's
own token (``AUDITOR_BEARER_TOKEN`` for the practice account, with no sign-in) stands for a token holding every
permission, so practice mode can make the changes. Permissions the scenario says need an administrator's approval
(``identity.needs_admin_approval``) end the sign-in with AADSTS65001, as an organisation that has not approved
them does.
"""

from __future__ import annotations

import base64
import html
import json
import secrets
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from auditor.sandbox.base import SandboxRequest, SandboxResponse
from auditor.sandbox.graph_data import stable_guid
from auditor.sandbox.microsoft import MicrosoftData

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
GRAPH_RESOURCE = "https://graph.microsoft.com/"
OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})


def graph_scopes(scope: str) -> frozenset[str]:
    """The Graph permissions a ``scope`` parameter asks for, without OpenID's own and without the resource
    prefix (``https://graph.microsoft.com/Files.ReadWrite`` and ``Files.ReadWrite`` are the same)."""
    names = (s.removeprefix(GRAPH_RESOURCE) for s in scope.split())
    return frozenset(n for n in names if n and n not in OIDC_SCOPES)


def is_write_permission(name: str) -> bool:
    """Graph's write permissions: ``*.ReadWrite``, ``*.ReadWrite.All`` and the like, ``User.RevokeSessions.All``."""
    return ".ReadWrite" in name or name == "User.RevokeSessions.All"


EVERY_PERMISSION = "*"  # what the sandbox's own token holds


class TokenRegistry:
    """What the practice identity platform issued, shared with the practice Graph server: the Graph permissions
    each token was granted, and the refresh tokens still valid (revokeSignInSessions ends them all)."""

    def __init__(self, sandbox_token: str) -> None:
        self.sandbox_token = sandbox_token
        self._lock = threading.Lock()
        self._granted: dict[str, frozenset[str]] = {}
        self._refresh: set[str] = set()

    def issue(self, permissions: Iterable[str]) -> str:
        """A token for one sign-in, holding exactly ``permissions``."""
        granted = frozenset(permissions)
        kind = "write" if any(is_write_permission(p) for p in granted) else "read"
        token = f"sandbox-{kind}-" + secrets.token_urlsafe(24)
        with self._lock:
            self._granted[token] = granted
        return token

    def known(self, token: str | None) -> bool:
        with self._lock:
            return token == self.sandbox_token or token in self._granted

    def granted(self, token: str | None) -> frozenset[str]:
        """The Graph permissions a token holds: none for one never issued, ``{"*"}`` for the sandbox's own."""
        if token == self.sandbox_token:
            return frozenset({EVERY_PERMISSION})
        with self._lock:
            return self._granted.get(token or "", frozenset())

    def may(self, token: str | None, permissions: frozenset[str]) -> bool:
        """Whether a token holds one of ``permissions`` (the ones a write's reference page lists)."""
        granted = self.granted(token)
        return EVERY_PERMISSION in granted or bool(granted & permissions)

    def add_refresh(self, refresh: str) -> None:
        with self._lock:
            self._refresh.add(refresh)

    def valid_refresh(self, refresh: str) -> bool:
        with self._lock:
            return refresh in self._refresh

    def revoke_refresh_tokens(self) -> int:
        """Every refresh token issued so far stops working (user: revokeSignInSessions); how many there were."""
        with self._lock:
            count = len(self._refresh)
            self._refresh.clear()
            return count


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@dataclass
class DeviceCode:
    device_code: str
    user_code: str
    client_id: str
    scope: str
    expires_at: float
    approved: bool = False
    redeemed: bool = False


class IdentityApp:
    name = "identity"
    tls = True

    def __init__(
        self,
        data: MicrosoftData,
        *,
        token: str,
        user: dict[str, Any],
        tenant: str,
        tokens: TokenRegistry | None = None,
    ) -> None:
        self.data = data
        self.settings = data.identity
        self.token = token
        self.user = user
        self.tenant = tenant
        self.tokens = tokens or TokenRegistry(token)
        self._lock = threading.Lock()
        self._codes: dict[str, DeviceCode] = {}

    # -- the server contract ------------------------------------------------------------------------

    def is_read(self, request: SandboxRequest) -> bool:
        if request.method == "GET":
            return True
        # Asking for a device code or a token changes nothing in the account.
        return request.method == "POST" and request.path.endswith(("/oauth2/v2.0/token", "/oauth2/v2.0/devicecode"))

    def error(self, status: int, message: str) -> SandboxResponse:
        codes = {
            400: "invalid_request",
            401: "invalid_client",
            403: "access_denied",
            429: "temporarily_unavailable",
            503: "temporarily_unavailable",
        }
        return self._oauth_error(codes.get(status, "server_error"), message, status=status, aadsts=50000)

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        parts = [p for p in request.path.split("/") if p]
        base = f"https://{request.headers.get('host', '127.0.0.1')}"
        if parts in (["devicelogin"], ["approve"]):
            return self._device_login(request)
        if parts == ["common", "discovery", "instance"]:
            return self._instance_discovery(request, base)
        if len(parts) >= 2:
            tenant, rest = parts[0], parts[1:]
            if rest == ["v2.0", ".well-known", "openid-configuration"]:
                return SandboxResponse.json(self._openid_configuration(base, tenant))
            if rest == ["oauth2", "v2.0", "devicecode"] and request.method == "POST":
                return self._device_code(request, base)
            if rest == ["oauth2", "v2.0", "token"] and request.method == "POST":
                return self._token(request, base)
            if rest == ["oauth2", "v2.0", "authorize"]:
                return SandboxResponse(
                    200,
                    b"<html><body>The practice server signs in with the device code flow only.</body></html>",
                    {"Content-Type": "text/html; charset=utf-8"},
                )
        return SandboxResponse.json({"error": "not_found"}, status=404)

    # -- approval, for tests and practice mode ------------------------------------------------------

    def approve(self, user_code: str) -> bool:
        with self._lock:
            for code in self._codes.values():
                if code.user_code == user_code.strip().upper():
                    code.approved = True
                    return True
        return False

    def asked_scopes(self) -> list[str]:
        """The ``scope`` of every device code sign-in started, in order (what each sign-in asked for)."""
        with self._lock:
            return [c.scope for c in self._codes.values()]

    def pending_user_codes(self) -> list[str]:
        with self._lock:
            return [c.user_code for c in self._codes.values() if not c.approved and not c.redeemed]

    def _device_login(self, request: SandboxRequest) -> SandboxResponse:
        code = request.arg("user_code") or request.arg("otc")
        if code:
            ok = self.approve(code)
            text = (
                "You're signed in to the practice account. You can close this window."
                if ok
                else ("That code wasn't recognised or has expired.")
            )
            return SandboxResponse(200 if ok else 400, _page(text), {"Content-Type": "text/html; charset=utf-8"})
        form = (
            '<form method="get"><label>Enter code <input name="user_code" autofocus></label>'
            "<button>Next</button></form>"
        )
        return SandboxResponse(200, _page(form, raw=True), {"Content-Type": "text/html; charset=utf-8"})

    # -- discovery ----------------------------------------------------------------------------------

    def _openid_configuration(self, base: str, tenant: str) -> dict[str, Any]:
        issuer_tenant = "{tenantid}" if tenant in ("common", "organizations", "consumers") else tenant
        return {
            "token_endpoint": f"{base}/{tenant}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"{base}/{tenant}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/{issuer_tenant}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
            "authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{base}/{tenant}/oauth2/v2.0/logout",
            "claims_supported": [
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "acr",
                "nonce",
                "preferred_username",
                "name",
                "tid",
                "ver",
                "at_hash",
                "c_hash",
                "email",
            ],
            "kerberos_endpoint": f"{base}/{tenant}/kerberos",
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        }

    def _instance_discovery(self, request: SandboxRequest, base: str) -> SandboxResponse:
        endpoint = request.arg("authorization_endpoint", "") or ""
        tenant = next((p for p in urlsplit(endpoint).path.split("/") if p), "common")
        host = base.removeprefix("https://")
        return SandboxResponse.json(
            {
                "tenant_discovery_endpoint": f"{base}/{tenant}/v2.0/.well-known/openid-configuration",
                "api-version": "1.1",
                "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
            }
        )

    # -- device code flow ---------------------------------------------------------------------------

    def _form(self, request: SandboxRequest) -> dict[str, str]:
        fields = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] for k, v in fields.items()}

    def _client_ok(self, client_id: str) -> bool:
        allowed = self.settings.client_ids
        return bool(client_id) and (allowed is None or client_id in allowed)

    def _device_code(self, request: SandboxRequest, base: str) -> SandboxResponse:
        form = self._form(request)
        client_id = form.get("client_id", "")
        if not self._client_ok(client_id):
            return self._unknown_client(client_id)
        user_code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(9))
        code = DeviceCode(
            device_code="DAQABAAEAAAD" + secrets.token_urlsafe(96),
            user_code=user_code,
            client_id=client_id,
            scope=form.get("scope", ""),
            expires_at=time.monotonic() + self.settings.expires_in,
            approved=self.settings.auto_approve,
        )
        with self._lock:
            self._codes[code.device_code] = code
        uri = f"{base}/devicelogin"
        return SandboxResponse.json(
            {
                "user_code": user_code,
                "device_code": code.device_code,
                "verification_uri": uri,
                "expires_in": self.settings.expires_in,
                "interval": self.settings.interval,
                "message": f"To sign in, use a web browser to open the page {uri} and enter the code {user_code} "
                "to authenticate.",
            }
        )

    def _token(self, request: SandboxRequest, base: str) -> SandboxResponse:
        form = self._form(request)
        client_id = form.get("client_id", "")
        if not self._client_ok(client_id):
            return self._unknown_client(client_id)
        grant = form.get("grant_type", "")
        if grant == DEVICE_GRANT:
            with self._lock:
                code = self._codes.get(form.get("device_code", ""))
                if code is None or code.client_id != client_id or code.redeemed:
                    return self._oauth_error(
                        "invalid_grant",
                        "The provided value for the input parameter 'device_code' is not valid.",
                        aadsts=70000,
                    )
                if time.monotonic() > code.expires_at:
                    return self._oauth_error("expired_token", "The device code has expired.", aadsts=70019)
                if not code.approved:
                    return self._oauth_error(
                        "authorization_pending",
                        "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                        aadsts=70016,
                    )
                code.redeemed = True
            refused = self._needs_approval(code.scope)
            if refused:
                return self._oauth_error(
                    "invalid_grant",
                    f"The user or administrator has not consented to use the application with ID '{client_id}'. "
                    f"An administrator of the organisation must approve {', '.join(refused)}.",
                    aadsts=65001,
                )
            return self._tokens(base, client_id, code.scope)
        if grant == "refresh_token":
            refresh = form.get("refresh_token", "")
            if not self.tokens.valid_refresh(refresh):
                return self._oauth_error("invalid_grant", "The provided grant is invalid or malformed.", aadsts=9002313)
            return self._tokens(base, client_id, form.get("scope", ""))
        return self._oauth_error(
            "unsupported_grant_type",
            f"The provided value for the input parameter 'grant_type' is not valid: {grant!r}.",
            aadsts=70003,
        )

    def _needs_approval(self, scope: str) -> list[str]:
        """The permissions asked for that the organisation lets only an administrator approve (work accounts)."""
        if self.data.account_type != "work":
            return []
        return sorted(graph_scopes(scope) & set(self.settings.needs_admin_approval))

    def _tokens(self, base: str, client_id: str, scope: str) -> SandboxResponse:
        refresh = "M.C5" + secrets.token_urlsafe(64)
        self.tokens.add_refresh(refresh)
        granted = " ".join(s for s in scope.split() if s not in ("openid", "profile", "offline_access")) or (
            "https://graph.microsoft.com/User.Read"
        )
        access = self.tokens.issue(graph_scopes(scope))  # each sign-in's own token, holding what it asked for
        oid = self._oid()
        return SandboxResponse.json(
            {
                "token_type": "Bearer",
                "scope": granted,
                "expires_in": 3599,
                "ext_expires_in": 3599,
                "access_token": access,
                "refresh_token": refresh,
                "id_token": self._id_token(base, client_id, oid),
                "client_info": _b64(json.dumps({"uid": oid, "utid": self.tenant}).encode()),
            },
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    def _oid(self) -> str:
        user_id = str(self.user["id"])
        if len(user_id) == 16:  # a personal account's id: Entra ID shows it as a GUID padded with zeros
            return f"00000000-0000-0000-{user_id[:4]}-{user_id[4:]}".lower()
        return user_id

    def _id_token(self, base: str, client_id: str, oid: str) -> str:
        now = int(time.time())
        header = {"typ": "JWT", "alg": "none"}  # well-formed but unsigned: msal reads claims without verifying
        claims = {
            "ver": "2.0",
            "iss": f"{base}/{self.tenant}/v2.0",
            "sub": _b64(uuid.UUID(stable_guid("sub", oid, client_id)).bytes),
            "aud": client_id,
            "exp": now + 3600,
            "iat": now,
            "nbf": now,
            "name": self.user.get("displayName", ""),
            "preferred_username": self.user.get("userPrincipalName", ""),
            "oid": oid,
            "tid": self.tenant,
            "aio": secrets.token_urlsafe(24),
        }
        parts = [_b64(json.dumps(header).encode()), _b64(json.dumps(claims).encode()), ""]
        return ".".join(parts)

    def _unknown_client(self, client_id: str) -> SandboxResponse:
        return self._oauth_error(
            "unauthorized_client",
            f"Application with identifier '{client_id}' was not found in the directory.",
            aadsts=700016,
        )

    def _oauth_error(self, error: str, description: str, *, status: int = 400, aadsts: int) -> SandboxResponse:
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())
        return SandboxResponse.json(
            {
                "error": error,
                "error_description": f"AADSTS{aadsts}: {description} Trace ID: {trace} Correlation ID: "
                f"{correlation} Timestamp: {stamp}",
                "error_codes": [aadsts],
                "timestamp": stamp,
                "trace_id": trace,
                "correlation_id": correlation,
            },
            status=status,
        )


def _page(body: str, raw: bool = False) -> bytes:
    content = body if raw else html.escape(body)
    return (
        f"<!doctype html><html><head><title>Practice sign-in</title></head><body><p>{content}</p></body></html>"
    ).encode()
