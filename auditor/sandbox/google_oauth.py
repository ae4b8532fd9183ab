"""Google's OAuth 2.0 endpoints for the practice server: what an installed app's loopback sign-in needs.

Written from Google's "OAuth 2.0 for Mobile & Desktop Apps" and "Using OAuth 2.0 to Access Google APIs":

- ``GET /o/oauth2/auth`` — the authorization endpoint (``auth_uri`` of a client file). A real person would
  see Google's consent screen; the practice server approves at once (or denies, when the scenario says
  ``oauth.consent: deny``) and answers ``302`` to the loopback ``redirect_uri`` with ``code``, ``state`` and
  ``scope`` (or ``error=access_denied``). PKCE (``code_challenge``, S256 or plain) is honoured.
  ``include_granted_scopes=true`` (incremental authorization) grants the scopes asked for together with those
  this client was given before, as "Using OAuth 2.0 for Mobile & Desktop Apps" (Incremental authorization)
  says; ``access_type=online`` issues no refresh token, as Google does.
- ``POST /token`` — ``authorization_code`` and ``refresh_token`` grants, JSON as oauth2.googleapis.com/token
  answers (``access_token``, ``expires_in``, ``refresh_token`` on the first exchange, ``scope``,
  ``token_type``); errors as ``{"error": "invalid_grant", "error_description": ...}``.
- ``POST /revoke`` — ``token=...`` (form body or query); 200 ``{}``, or 400 ``invalid_token``. Revoking an
  access token revokes its refresh token too, as Google does.
- ``POST /token`` with ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`` — a Workspace service
  account's signed JWT (RS256) asking for a user's token (``sub``), as "Using OAuth 2.0 for Server to Server
  Applications" describes. The practice service account (:func:`service_account_file_text` writes its key
  file) is granted domain-wide delegation when the scenario says ``domain_wide_delegation: true``, for the
  scenario's account only; otherwise Google's ``unauthorized_client`` answer.

The client's ``token_uri`` is ``<server>/token``; the revoke endpoint sits beside it at ``<server>/revoke``,
as ``https://oauth2.googleapis.com/token`` and ``/revoke`` do. Access tokens it issues are accepted by the
Google API app of the same sandbox, for the scopes granted, until they expire or are revoked.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qs, urlencode, urlsplit

from pydantic import BaseModel, ConfigDict, Field

from auditor.sandbox.base import SandboxRequest, SandboxResponse

GOOGLE_SCOPE = "https://www.googleapis.com/auth/"
KNOWN_SCOPES = {
    GOOGLE_SCOPE + name
    for name in (
        "gmail.settings.basic",
        "gmail.settings.sharing",
        "gmail.readonly",
        "drive.metadata.readonly",
        "drive",
        "drive.file",
        "admin.directory.user.readonly",
        "admin.directory.user.security",
        "admin.directory.device.mobile.readonly",
        "admin.reports.audit.readonly",
    )
}
CODE_LIFETIME = 600.0
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SERVICE_ACCOUNT = "auditor-delegation@auditor-practice.iam.gserviceaccount.com"
SERVICE_ACCOUNT_KEY_ID = "practice-delegation-key"


class OAuthSettings(BaseModel):
    """The ``google.oauth`` section of a scenario: the practice OAuth client and what consent answers."""

    model_config = ConfigDict(extra="forbid")
    client_id: str = "1024-practice.apps.googleusercontent.com"
    client_secret: str = "GOCSPX-practice-secret"
    consent: Literal["approve", "deny"] = "approve"
    withhold: list[str] = Field(
        default_factory=list, description="scopes (short names) the person unticks on the consent screen"
    )
    access_token_lifetime: int = Field(default=3599, ge=1, le=86_400)


@dataclass
class Grant:
    """One refresh token and the access tokens issued from it."""

    client_id: str
    scopes: tuple[str, ...]
    refresh_token: str
    revoked: bool = False
    access: dict[str, float] = field(default_factory=dict)  # access token -> expiry (time.time())
    subject: str | None = None  # a service account's grant: the user it acts for (domain-wide delegation)


@dataclass
class PendingCode:
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    challenge: str | None
    method: str
    expires_at: float
    offline: bool = True  # access_type=offline (google-auth-oauthlib's default): a refresh token is issued


class TokenRegistry:
    """Tokens the OAuth app issued, shared with the API app that must accept them. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._grants: list[Grant] = []
        self._codes: dict[str, PendingCode] = {}

    def add_code(self, code: str, pending: PendingCode) -> None:
        with self._lock:
            self._codes[code] = pending

    def take_code(self, code: str) -> PendingCode | None:
        with self._lock:
            return self._codes.pop(code, None)

    def new_grant(self, client_id: str, scopes: tuple[str, ...], subject: str | None = None) -> Grant:
        grant = Grant(client_id, scopes, "1//practice-" + secrets.token_urlsafe(32), subject=subject)
        with self._lock:
            self._grants.append(grant)
        return grant

    def grant_for_refresh(self, refresh_token: str) -> Grant | None:
        with self._lock:
            return next((g for g in self._grants if g.refresh_token == refresh_token and not g.revoked), None)

    def issue_access(self, grant: Grant, lifetime: float) -> str:
        token = "ya29.practice-" + secrets.token_urlsafe(32)
        with self._lock:
            grant.access[token] = time.time() + lifetime
        return token

    def scopes_of(self, access_token: str | None) -> tuple[str, ...] | None:
        """The scopes of a live access token; None when it is unknown, expired or revoked."""
        if not access_token:
            return None
        now = time.time()
        with self._lock:
            for grant in self._grants:
                expiry = grant.access.get(access_token)
                if expiry is not None:
                    return grant.scopes if not grant.revoked and expiry > now else None
        return None

    def grant_of(self, access_token: str | None) -> Grant | None:
        """The grant a live or expired access token was issued from."""
        with self._lock:
            return next((g for g in self._grants if access_token and access_token in g.access), None)

    def revoke(self, token: str) -> bool:
        with self._lock:
            for grant in self._grants:
                if not grant.revoked and (grant.refresh_token == token or token in grant.access):
                    grant.revoked = True
                    return True
        return False

    def expire_access_tokens(self) -> None:
        """Make every issued access token expire now (Google would answer 401 to it)."""
        with self._lock:
            for grant in self._grants:
                for token in grant.access:
                    grant.access[token] = 0.0

    def grants(self) -> list[Grant]:
        with self._lock:
            return list(self._grants)

    def granted_scopes(self, client_id: str) -> tuple[str, ...]:
        """The scopes the person gave this client before (grants not revoked, their own sign-ins only), in the
        order they were first given."""
        with self._lock:
            found = [
                s
                for g in self._grants
                if g.client_id == client_id and not g.revoked and g.subject is None
                for s in g.scopes
            ]
        return tuple(dict.fromkeys(found))


def _oauth_error(error: str, description: str, status: int = 400) -> SandboxResponse:
    return SandboxResponse.json({"error": error, "error_description": description}, status=status)


def _html(status: int, text: str) -> SandboxResponse:
    body = f"<html><body><h1>Error {status}</h1><p>{text}</p></body></html>".encode()
    return SandboxResponse(status, body, {"Content-Type": "text/html; charset=utf-8"})


def _is_loopback(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1") and bool(parts.port)


class GoogleOAuthApp:
    name = "google-oauth"
    tls = False

    def __init__(self, settings: OAuthSettings, registry: TokenRegistry, delegated_account: str | None = None) -> None:
        self.settings = settings
        self.registry = registry
        # The account the practice service account may act for (domain-wide delegation), or None.
        self.delegated_account = delegated_account

    # -- the server contract ------------------------------------------------------------------------

    def is_read(self, request: SandboxRequest) -> bool:
        # Signing in and revoking the tool's own token change nothing in the account itself.
        return request.method == "GET" or (request.method == "POST" and request.path in ("/token", "/revoke"))

    def error(self, status: int, message: str) -> SandboxResponse:
        codes = {400: "invalid_request", 401: "invalid_client", 403: "access_denied", 429: "rate_limit_exceeded"}
        return _oauth_error(codes.get(status, "internal_failure"), message, status)

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        if request.path == "/o/oauth2/auth" and request.method == "GET":
            return self._authorize(request)
        if request.path == "/token" and request.method == "POST":
            return self._token(request)
        if request.path == "/revoke" and request.method == "POST":
            return self._revoke(request)
        return _html(404, "That page does not exist.")

    # -- authorization --------------------------------------------------------------------------------

    def _authorize(self, request: SandboxRequest) -> SandboxResponse:
        client_id = request.arg("client_id") or ""
        redirect_uri = request.arg("redirect_uri") or ""
        if client_id != self.settings.client_id:
            return _html(401, "invalid_client: The OAuth client was not found.")
        if not _is_loopback(redirect_uri):
            return _html(400, "redirect_uri_mismatch: a desktop client may only redirect to a loopback address.")
        if request.arg("response_type") != "code":
            return _html(400, "invalid_request: response_type must be code.")
        scopes = tuple((request.arg("scope") or "").split())
        unknown = [s for s in scopes if s not in KNOWN_SCOPES]
        if not scopes or unknown:
            return _html(400, f"invalid_scope: Some requested scopes were invalid: {', '.join(unknown) or 'none'}")
        state = request.arg("state")
        answer: dict[str, str] = {}
        if self.settings.consent == "deny":
            answer["error"] = "access_denied"
        else:
            code = "4/practice-" + secrets.token_urlsafe(24)
            scopes = tuple(s for s in scopes if s.removeprefix(GOOGLE_SCOPE) not in self.settings.withhold)
            if request.arg("include_granted_scopes") == "true":  # incremental: what was given before stays given
                scopes = tuple(dict.fromkeys((*self.registry.granted_scopes(client_id), *scopes)))
            self.registry.add_code(
                code,
                PendingCode(
                    client_id,
                    redirect_uri,
                    scopes,
                    request.arg("code_challenge"),
                    request.arg("code_challenge_method") or "plain",
                    time.time() + CODE_LIFETIME,
                    offline=request.arg("access_type") != "online",
                ),
            )
            answer["code"] = code
            answer["scope"] = " ".join(scopes)
        if state is not None:
            answer["state"] = state
        separator = "&" if "?" in redirect_uri else "?"
        return SandboxResponse(302, b"", {"Location": redirect_uri + separator + urlencode(answer)})

    # -- token ----------------------------------------------------------------------------------------

    def _form(self, request: SandboxRequest) -> dict[str, str]:
        form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                return form
            form.setdefault("client_id", user)
            form.setdefault("client_secret", password)
        return form

    def _token(self, request: SandboxRequest) -> SandboxResponse:
        form = self._form(request)
        if form.get("grant_type") == JWT_BEARER:  # a service account: its signed JWT replaces the client secret
            return self._service_account_token(form.get("assertion", ""))
        if form.get("client_id") != self.settings.client_id or form.get("client_secret") != self.settings.client_secret:
            return _oauth_error("invalid_client", "The OAuth client was not found.", 401)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._exchange_code(form)
        if grant_type == "refresh_token":
            grant = self.registry.grant_for_refresh(form.get("refresh_token", ""))
            if grant is None:
                return _oauth_error("invalid_grant", "Token has been expired or revoked.")
            return self._token_response(grant, with_refresh=False)
        return _oauth_error("unsupported_grant_type", f"Invalid grant_type: {grant_type}")

    def _exchange_code(self, form: dict[str, str]) -> SandboxResponse:
        pending = self.registry.take_code(form.get("code", ""))
        if pending is None or pending.expires_at < time.time():
            return _oauth_error("invalid_grant", "Malformed auth code.")
        if pending.client_id != form.get("client_id") or pending.redirect_uri != form.get("redirect_uri"):
            return _oauth_error("redirect_uri_mismatch", "Bad Request")
        if pending.challenge is not None:
            verifier = form.get("code_verifier", "")
            if pending.method == "S256":
                digest = hashlib.sha256(verifier.encode()).digest()
                computed = base64.urlsafe_b64encode(digest).decode().rstrip("=")
            else:
                computed = verifier
            if computed != pending.challenge:
                return _oauth_error("invalid_grant", "Invalid code verifier.")
        grant = self.registry.new_grant(pending.client_id, pending.scopes)
        return self._token_response(grant, with_refresh=pending.offline)

    def _token_response(self, grant: Grant, *, with_refresh: bool) -> SandboxResponse:
        lifetime = self.settings.access_token_lifetime
        body: dict[str, Any] = {
            "access_token": self.registry.issue_access(grant, lifetime),
            "expires_in": lifetime,
            "scope": " ".join(grant.scopes),
            "token_type": "Bearer",
        }
        if with_refresh:
            body["refresh_token"] = grant.refresh_token
        return SandboxResponse.json(body, headers={"Cache-Control": "no-cache, no-store, max-age=0, must-revalidate"})

    def _service_account_token(self, assertion: str) -> SandboxResponse:
        from google.auth import jwt

        try:
            claims = jwt.decode(assertion, certs={SERVICE_ACCOUNT_KEY_ID: _practice_key()[1]}, clock_skew_in_seconds=10)
        except ValueError:  # google-auth: a bad signature, an unknown key id, or an expired token
            return _oauth_error("invalid_grant", "Invalid JWT Signature.")
        scopes = tuple(str(claims.get("scope") or "").split())
        if claims.get("iss") != SERVICE_ACCOUNT or not scopes:
            return _oauth_error("invalid_grant", "Invalid JWT: iss or scope missing.")
        if self.delegated_account is None or set(scopes) - KNOWN_SCOPES:
            return _oauth_error(
                "unauthorized_client",
                "Client is unauthorized to retrieve access tokens using this method, or client not authorized for "
                "any of the scopes requested.",
                401,
            )
        if str(claims.get("sub") or "").lower() != self.delegated_account.lower():
            return _oauth_error("invalid_grant", "Invalid email or User ID")
        grant = self.registry.new_grant(SERVICE_ACCOUNT, scopes, subject=self.delegated_account)
        return self._token_response(grant, with_refresh=False)

    # -- revoke ---------------------------------------------------------------------------------------

    def _revoke(self, request: SandboxRequest) -> SandboxResponse:
        token = self._form(request).get("token") or request.arg("token") or ""
        if not self.registry.revoke(token):
            return _oauth_error("invalid_token", "Token expired or revoked")
        return SandboxResponse.json({})


def client_config(oauth_url: str, settings: OAuthSettings) -> dict[str, Any]:
    """A client file, as the Google Cloud console downloads it for a Desktop app, pointing at ``oauth_url``."""
    base = oauth_url.rstrip("/")
    return {
        "installed": {
            "client_id": settings.client_id,
            "project_id": "auditor-practice",
            "auth_uri": f"{base}/o/oauth2/auth",
            "token_uri": f"{base}/token",
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_secret": settings.client_secret,
            "redirect_uris": ["http://localhost"],
        }
    }


def client_file_text(oauth_url: str, settings: OAuthSettings) -> str:
    return json.dumps(client_config(oauth_url, settings), indent=2)


@functools.lru_cache(maxsize=1)
def _practice_key() -> tuple[str, str]:
    """The practice service account's RSA key pair (private PEM, public PEM), made once per process."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    return private, public


def service_account_file_text(oauth_url: str) -> str:
    """A service account key file, as the Google Cloud console downloads it, whose ``token_uri`` is the practice
    server's. Its key is this process's practice key, which the practice token endpoint checks."""
    base = oauth_url.rstrip("/")
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "auditor-practice",
            "private_key_id": SERVICE_ACCOUNT_KEY_ID,
            "private_key": _practice_key()[0],
            "client_email": SERVICE_ACCOUNT,
            "client_id": "100000000000000000001",
            "auth_uri": f"{base}/o/oauth2/auth",
            "token_uri": f"{base}/token",
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "universe_domain": "googleapis.com",
        },
        indent=2,
    )
