"""The Google provider of the sandbox: Gmail v1 settings and Drive v3 metadata, in Google's wire format.

Written from the discovery documents that ship with google-api-python-client (gmail.v1.json,
drive.v3.json) and Google's API reference. Paths keep the service path, as googleapiclient sends them when
``client_options={"api_endpoint": URL}`` replaces the root: ``/gmail/v1/users/{userId}/...`` and
``/drive/v3/...``. Only GET is a read. The writes the tool's remedies send once the person confirms a change
(:mod:`auditor.remedy.google`) are accepted, applied to this server's copy of the scenario (so a check run
again sees the path closed) and logged with their body (:meth:`GoogleApp.accepts_write`); each is held to the
scope its reference page names, and the Gmail forwarding ones to a service account with domain-wide delegation,
as Google does (``WRITES``). Anything else that would change an account is refused by the server around this app.

Gmail's settings answers are written as Google writes them: the reference pages say the API uses gRPC
Transcoding, which requires the proto3 JSON mapping, so a field holding its default (false, 0, "", an empty
list, an ``...Unspecified`` enum) is left out — forwarding switched off is ``{}``, not ``{"enabled": false}``
(tests/fixtures/google/README.md has the evidence). A scenario may also give literal answers by path
(``answers``, ``raw_answers``): Google's own published examples, or shapes a test needs, served exactly as given.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict, Field

from auditor.sandbox.base import SandboxRequest, SandboxResponse
from auditor.sandbox.drive_query import QueryError, apply_mask, parse_fields, parse_query
from auditor.sandbox.google_oauth import GOOGLE_SCOPE, GoogleOAuthApp, OAuthSettings, TokenRegistry
from auditor.sandbox.hostile import hostile_text

Visibility = Literal["limited", "anyoneWithLink", "anyoneCanFind", "domainWithLink", "domainCanFind"]


# Field names below are Gmail's and Drive's own (camelCase), so scenario files read like API responses.


class AutoForwarding(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool = False
    emailAddress: str | None = None
    disposition: Literal["leaveInInbox", "archive", "trash", "markRead"] | None = None


class ForwardingAddress(BaseModel):
    model_config = ConfigDict(extra="forbid")
    forwardingEmail: str
    verificationStatus: Literal["accepted", "pending"] = "accepted"


class FilterCriteria(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None
    subject: str | None = None
    query: str | None = None
    negatedQuery: str | None = None
    hasAttachment: bool | None = None
    excludeChats: bool | None = None
    size: int | None = None
    sizeComparison: Literal["smaller", "larger"] | None = None


class FilterAction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    addLabelIds: list[str] = Field(default_factory=list)
    removeLabelIds: list[str] = Field(default_factory=list)
    forward: str | None = None


class GmailFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = None
    criteria: FilterCriteria = FilterCriteria()
    action: FilterAction = FilterAction()


class SendAs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sendAsEmail: str
    displayName: str = ""
    replyToAddress: str = ""
    isPrimary: bool = False
    isDefault: bool = False
    treatAsAlias: bool = True
    verificationStatus: Literal["accepted", "pending"] = "accepted"


class Imap(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool = False
    autoExpunge: bool = True
    expungeBehavior: Literal["archive", "trash", "deleteForever"] = "archive"
    maxFolderSize: int = 0


class Pop(BaseModel):
    model_config = ConfigDict(extra="forbid")
    accessWindow: Literal["disabled", "fromNowOn", "allMail"] = "disabled"
    disposition: Literal["leaveInInbox", "archive", "trash", "markRead"] = "leaveInInbox"


class Vacation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enableAutoReply: bool = False
    responseSubject: str = ""
    responseBodyPlainText: str = ""
    restrictToContacts: bool = False
    restrictToDomain: bool = False


class Delegate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    delegateEmail: str
    verificationStatus: Literal["accepted", "pending", "rejected", "expired"] = "accepted"


class DriveFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = None
    name: str
    mimeType: str = "image/jpeg"
    visibility: Visibility = "limited"
    shared_with: list[str] = Field(default_factory=list, description="people with access, by email")
    owned_by_me: bool = True
    owner: str | None = None
    trashed: bool = False
    parents: list[str] = Field(default_factory=list)


class WorkspaceUser(BaseModel):
    model_config = ConfigDict(extra="forbid")
    primaryEmail: str
    fullName: str = ""
    isAdmin: bool = False
    isEnrolledIn2Sv: bool = False
    isEnforcedIn2Sv: bool = False
    lastLoginTime: str = "2026-11-20T08:12:00.000Z"


class AppToken(BaseModel):
    model_config = ConfigDict(extra="forbid")
    clientId: str
    displayText: str
    scopes: list[str] = Field(default_factory=list)
    nativeApp: bool = False
    anonymous: bool = False


class AppPassword(BaseModel):
    model_config = ConfigDict(extra="forbid")
    codeId: int
    name: str
    creationTime: str = "1700000000000"
    lastTimeUsed: str = "1731000000000"


class MobileDevice(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resourceId: str
    email: str
    model: str
    os: str = "Android 14"
    type: Literal["ANDROID", "IOS_SYNC", "GOOGLE_SYNC"] = "ANDROID"
    status: str = "APPROVED"
    lastSync: str = "2026-11-22T21:04:00.000Z"


class LoginEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    time: str
    ipAddress: str
    event: Literal[
        "login_success",
        "login_failure",
        "login_verification",
        "suspicious_login",
        "account_disabled_password_leak",
        "2sv_disable",
        "password_edit",
        "recovery_email_edit",
        "recovery_phone_edit",
    ] = "login_success"
    user: str | None = None


class Workspace(BaseModel):
    """Admin SDK data. Only an administrator's token may read it (settings: workspace_admin)."""

    model_config = ConfigDict(extra="forbid")
    customer_id: str = "C03az79cb"
    caller_is_admin: bool = True
    users: list[WorkspaceUser] = Field(default_factory=list)
    tokens: dict[str, list[AppToken]] = Field(default_factory=dict, description="by user email")
    app_passwords: dict[str, list[AppPassword]] = Field(default_factory=dict, description="by user email")
    mobile_devices: list[MobileDevice] = Field(default_factory=list)
    logins: list[LoginEvent] = Field(default_factory=list)


class Generate(BaseModel):
    """Bulk data for the large and hostile scenarios, made when the sandbox starts."""

    model_config = ConfigDict(extra="forbid")
    drive_files: int = Field(default=0, ge=0, le=200_000)
    shared_every: int = Field(default=500, ge=1, description="every Nth generated file is shared by link")
    filters: int = Field(default=0, ge=0, le=5_000)
    hostile: bool = Field(default=False, description="fill every free-text field with hostile text")


class GoogleData(BaseModel):
    """The `google:` section of a scenario."""

    model_config = ConfigDict(extra="forbid")
    answers: dict[str, Any] = Field(
        default_factory=dict, description="literal JSON answers by request path, served instead of the scenario's"
    )
    raw_answers: dict[str, str] = Field(
        default_factory=dict, description="literal answer bodies by request path (text that may not be JSON)"
    )
    write_answers: dict[str, Any] = Field(
        default_factory=dict,
        description="literal JSON answers to accepted writes by 'METHOD /path', served instead of making the change",
    )
    account: str = "ann.example@gmail.com"
    domain_wide_delegation: bool = Field(default=False, description="delegates.list answers instead of 403")
    auto_forwarding: AutoForwarding = AutoForwarding()
    forwarding_addresses: list[ForwardingAddress] = Field(default_factory=list)
    filters: list[GmailFilter] = Field(default_factory=list)
    send_as: list[SendAs] = Field(default_factory=list)
    imap: Imap = Imap()
    pop: Pop = Pop()
    vacation: Vacation = Vacation()
    delegates: list[Delegate] = Field(default_factory=list)
    drive: list[DriveFile] = Field(default_factory=list)
    workspace: Workspace | None = Field(default=None, description="a Workspace domain: Admin SDK answers")
    generate: Generate = Generate()
    oauth: OAuthSettings = Field(default_factory=OAuthSettings, description="the practice sign-in (OAuth client)")


def _is_default(value: Any) -> bool:
    if value is None or value is False or value == "" or value == [] or value == {}:
        return True
    if type(value) is int and value == 0:
        return True
    # every enum's first (zero) value: "...Unspecified", or plain "unspecified" (FilterCriteria.sizeComparison)
    return isinstance(value, str) and (value.endswith("Unspecified") or value == "unspecified")


def proto3(value: Any) -> Any:
    """``value`` as the proto3 JSON mapping writes it: fields holding their default value left out."""
    if isinstance(value, dict):
        out = {key: proto3(item) for key, item in value.items()}
        return {key: item for key, item in out.items() if not _is_default(item)}
    if isinstance(value, list):
        return [proto3(item) for item in value]
    return value


def _stable_id(*parts: object, length: int = 16) -> str:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return base64.b32encode(digest).decode().lower()[:length]


def google_error(status: int, message: str, reason: str = "", google_status: str = "") -> SandboxResponse:
    reasons = {
        400: "badRequest",
        401: "authError",
        403: "forbidden",
        404: "notFound",
        429: "rateLimitExceeded",
        500: "backendError",
        503: "backendError",
    }
    statuses = {
        400: "INVALID_ARGUMENT",
        401: "UNAUTHENTICATED",
        403: "PERMISSION_DENIED",
        404: "NOT_FOUND",
        429: "RESOURCE_EXHAUSTED",
        500: "INTERNAL",
        503: "UNAVAILABLE",
    }
    return SandboxResponse.json(
        {
            "error": {
                "code": status,
                "message": message,
                "errors": [{"message": message, "domain": "global", "reason": reason or reasons.get(status, "error")}],
                "status": google_status or statuses.get(status, "UNKNOWN"),
            }
        },
        status=status,
    )


# Which scopes each API path accepts (any one of them), from the discovery documents' method scopes, limited
# to the scopes the practice sign-in grants. Tokens issued by the practice sign-in are held to these.
PATH_SCOPES: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
    (re.compile(r"^/gmail/v1/users/[^/]+/profile$"), ("gmail.readonly",)),
    (re.compile(r"^/gmail/v1/users/[^/]+/settings/"), ("gmail.settings.basic", "gmail.readonly")),
    (re.compile(r"^/drive/v3/"), ("drive.metadata.readonly", "drive")),
    (re.compile(r"^/admin/directory/v1/users/[^/]+/(tokens|asps)$"), ("admin.directory.user.security",)),
    (re.compile(r"^/admin/directory/v1/users"), ("admin.directory.user.readonly",)),
    (re.compile(r"^/admin/directory/v1/customer/[^/]+/devices/mobile"), ("admin.directory.device.mobile.readonly",)),
    (re.compile(r"^/admin/reports/v1/"), ("admin.reports.audit.readonly",)),
]


# The writes the practice server accepts: method, path, the scopes the method's reference page names (any one of
# them; the discovery documents' method scopes agree), and whether Google allows it only to a service account with
# domain-wide delegation ("This method is only available to service account clients that have been delegated
# domain-wide authority": users.settings.updateAutoForwarding, forwardingAddresses.create and .delete).
#   users.settings.updateAutoForwarding        PUT    gmail.settings.sharing         (delegation only)
#   users.settings.forwardingAddresses.create  POST   gmail.settings.sharing         (delegation only)
#   users.settings.forwardingAddresses.delete  DELETE gmail.settings.sharing         (delegation only)
#   users.settings.filters.create / .delete    POST / DELETE  gmail.settings.basic
#   drive permissions.create / .delete         POST / DELETE  drive, drive.file
WRITES: list[tuple[str, re.Pattern[str], tuple[str, ...], bool]] = [
    ("PUT", re.compile(r"^/gmail/v1/users/[^/]+/settings/autoForwarding$"), ("gmail.settings.sharing",), True),
    ("POST", re.compile(r"^/gmail/v1/users/[^/]+/settings/forwardingAddresses$"), ("gmail.settings.sharing",), True),
    (
        "DELETE",
        re.compile(r"^/gmail/v1/users/[^/]+/settings/forwardingAddresses/[^/]+$"),
        ("gmail.settings.sharing",),
        True,
    ),
    ("POST", re.compile(r"^/gmail/v1/users/[^/]+/settings/filters$"), ("gmail.settings.basic",), False),
    ("DELETE", re.compile(r"^/gmail/v1/users/[^/]+/settings/filters/[^/]+$"), ("gmail.settings.basic",), False),
    ("POST", re.compile(r"^/drive/v3/files/[^/]+/permissions$"), ("drive", "drive.file"), False),
    ("DELETE", re.compile(r"^/drive/v3/files/[^/]+/permissions/[^/]+$"), ("drive", "drive.file"), False),
]
DELEGATION_ONLY = "Access restricted to service accounts that have been delegated domain-wide authority"


def write_rule(method: str, path: str) -> tuple[tuple[str, ...], bool] | None:
    """The scopes a write needs and whether it is for delegated service accounts only; None: not accepted."""
    for verb, pattern, scopes, delegated in WRITES:
        if verb == method and pattern.match(path):
            return scopes, delegated
    return None


def _failed_precondition(message: str) -> SandboxResponse:
    return google_error(403, message, "failedPrecondition", "FAILED_PRECONDITION")


class PermissionBody(BaseModel):
    """The body of drive permissions.create: schema ``Permission`` (drive.v3), the fields a creation sets."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["user", "group", "domain", "anyone"]
    role: Literal["owner", "organizer", "fileOrganizer", "writer", "commenter", "reader"]
    emailAddress: str | None = None
    domain: str | None = None
    allowFileDiscovery: bool | None = None


class ForwardingAddressBody(BaseModel):
    """The body of forwardingAddresses.create: schema ``ForwardingAddress`` (gmail.v1); verificationStatus is
    read-only and Gmail decides it."""

    model_config = ConfigDict(extra="forbid")
    forwardingEmail: str = Field(min_length=1)
    verificationStatus: str | None = None


def insufficient_scopes() -> SandboxResponse:
    return google_error(
        403, "Request had insufficient authentication scopes.", "insufficientPermissions", "PERMISSION_DENIED"
    )


class GoogleApp:
    name = "google"
    tls = False

    def __init__(
        self,
        data: GoogleData,
        *,
        token: str,
        endless: Callable[[str], bool],
        registry: TokenRegistry | None = None,
    ) -> None:
        # This server's own copy: the writes it accepts change it, never the scenario it was started from.
        self.data = data.model_copy(deep=True)
        data = self.data
        self.token = token
        self._write_lock = threading.Lock()
        self._created = 0
        # What Gmail would have e-mailed because of an accepted write (a forwarding address's confirmation request).
        self.outbox: list[dict[str, str]] = []
        self.registry = registry or TokenRegistry()
        self.endless = endless
        self.account = data.account
        self.filters = self._filters()
        self.files = self._files()
        self._query_cache: dict[str, list[dict[str, Any]]] = {}
        # A folder's permissions propagate to what is in it (see _inherit); parents never change here.
        self._by_id = {f["id"]: f for f in self.files}
        self._children: dict[str, list[dict[str, Any]]] = {}
        for record in self.files:
            for parent in record["parents"]:
                self._children.setdefault(parent, []).append(record)
        for record in self.files:
            self._inherit(record)
        self._routes: list[tuple[re.Pattern[str], Callable[..., SandboxResponse]]] = [
            (re.compile(r"^/gmail/v1/users/([^/]+)/profile$"), self.profile),
            (re.compile(r"^/gmail/v1/users/([^/]+)/settings/autoForwarding$"), self.auto_forwarding),
            (re.compile(r"^/gmail/v1/users/([^/]+)/settings/forwardingAddresses$"), self.forwarding_list),
            (re.compile(r"^/gmail/v1/users/([^/]+)/settings/forwardingAddresses/([^/]+)$"), self.forwarding_get),
            (re.compile(r"^/gmail/v1/users/([^/]+)/settings/filters$"), self.filters_list),
            (re.compile(r"^/gmail/v1/users/([^/]+)/settings/filters/([^/]+)$"), self.filters_get),
            (re.compile(r"^/gmail/v1/users/([^/]+)/settings/sendAs$"), self.send_as_list),
            (re.compile(r"^/gmail/v1/users/([^/]+)/settings/sendAs/([^/]+)$"), self.send_as_get),
            (re.compile(r"^/gmail/v1/users/([^/]+)/settings/imap$"), self.imap),
            (re.compile(r"^/gmail/v1/users/([^/]+)/settings/pop$"), self.pop),
            (re.compile(r"^/gmail/v1/users/([^/]+)/settings/vacation$"), self.vacation),
            (re.compile(r"^/gmail/v1/users/([^/]+)/settings/delegates$"), self.delegates_list),
            (re.compile(r"^/drive/v3/files$"), self.files_list),
            (re.compile(r"^/drive/v3/files/([^/]+)$"), self.files_get),
            (re.compile(r"^/drive/v3/files/([^/]+)/permissions$"), self.permissions_list),
            (re.compile(r"^/drive/v3/about$"), self.about),
            (re.compile(r"^/admin/directory/v1/users$"), self.admin_users),
            (re.compile(r"^/admin/directory/v1/users/([^/]+)$"), self.admin_user),
            (re.compile(r"^/admin/directory/v1/users/([^/]+)/tokens$"), self.admin_tokens),
            (re.compile(r"^/admin/directory/v1/users/([^/]+)/asps$"), self.admin_asps),
            (re.compile(r"^/admin/directory/v1/customer/([^/]+)/devices/mobile$"), self.admin_mobile),
            (re.compile(r"^/admin/reports/v1/activity/users/([^/]+)/applications/([^/]+)$"), self.admin_activity),
        ]
        # The writes (WRITES says which scopes each needs), applied to this server's state one at a time.
        self._writes: list[tuple[str, re.Pattern[str], Callable[..., SandboxResponse]]] = [
            ("PUT", re.compile(r"^/gmail/v1/users/([^/]+)/settings/autoForwarding$"), self.update_auto_forwarding),
            ("POST", re.compile(r"^/gmail/v1/users/([^/]+)/settings/forwardingAddresses$"), self.forwarding_create),
            (
                "DELETE",
                re.compile(r"^/gmail/v1/users/([^/]+)/settings/forwardingAddresses/([^/]+)$"),
                self.forwarding_delete,
            ),
            ("POST", re.compile(r"^/gmail/v1/users/([^/]+)/settings/filters$"), self.filters_create),
            ("DELETE", re.compile(r"^/gmail/v1/users/([^/]+)/settings/filters/([^/]+)$"), self.filters_delete),
            ("POST", re.compile(r"^/drive/v3/files/([^/]+)/permissions$"), self.permission_create),
            ("DELETE", re.compile(r"^/drive/v3/files/([^/]+)/permissions/([^/]+)$"), self.permission_delete),
        ]

    # -- the server contract ------------------------------------------------------------------------

    def is_read(self, request: SandboxRequest) -> bool:
        return request.method == "GET"

    def accepts_write(self, request: SandboxRequest) -> dict[str, object] | None:
        """What the request log keeps of a write this server accepts (its body, as sent); None refuses it."""
        if write_rule(request.method, request.path) is None:
            return None
        try:
            body: object = json.loads(request.body.decode("utf-8")) if request.body else None
        except (UnicodeDecodeError, ValueError):
            body = request.body.decode("utf-8", "replace")
        return {"body": body}

    def error(self, status: int, message: str) -> SandboxResponse:
        return google_error(status, message)

    def _refused(self, request: SandboxRequest) -> SandboxResponse | None:
        """Google's refusal of this request for its token (401, 403 insufficient scopes, 403 delegation only)."""
        rule = write_rule(request.method, request.path) if request.method != "GET" else None
        if request.bearer == self.token:
            # The sandbox's own token stands for a sign-in holding every scope; for the writes Google allows only
            # to a delegated service account, it stands for one when the scenario says so (as for delegates).
            if rule is not None and rule[1] and not self.data.domain_wide_delegation:
                return _failed_precondition(DELEGATION_ONLY)
            return None
        granted = self.registry.scopes_of(request.bearer)
        if granted is None:
            return google_error(401, "Request is missing required authentication credential.", "required")
        if rule is not None:
            needed, delegated = rule
        else:
            needed = next((scopes for pattern, scopes in PATH_SCOPES if pattern.match(request.path)), ())
            delegated = False
        if not any(GOOGLE_SCOPE + scope in granted for scope in needed):
            return insufficient_scopes()
        if delegated:
            grant = self.registry.grant_of(request.bearer)
            if grant is None or grant.subject is None:
                return _failed_precondition(DELEGATION_ONLY)
        if (
            rule is not None
            and request.path.startswith("/drive/")
            and GOOGLE_SCOPE + "drive" not in granted
            and GOOGLE_SCOPE + "drive.file" in granted
        ):
            # drive.file reaches only files this app created or the person opened with it: none of the practice
            # files. Drive answers as if the file did not exist.
            file_id = unquote(request.path.split("/")[4])
            return google_error(404, f"File not found: {file_id}.", "notFound")
        return None

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        refused = self._refused(request)
        if refused is not None:
            return refused
        if request.method != "GET":
            odd = self.data.write_answers.get(f"{request.method} {request.path}")
            if odd is not None:  # an answer a test chose, and no change made
                return SandboxResponse.json(odd)
            for method, pattern, handler in self._writes:
                match = pattern.match(request.path)
                if method == request.method and match:
                    with self._write_lock:
                        return handler(request, *(unquote(g) for g in match.groups()))
            return google_error(404, f"Method not found: {request.path}", "notFound")
        if request.path in self.data.answers:
            return SandboxResponse.json(self.data.answers[request.path])
        if request.path in self.data.raw_answers:
            return SandboxResponse(
                body=self.data.raw_answers[request.path].encode("utf-8"),
                headers={"Content-Type": "application/json; charset=UTF-8"},
            )
        for pattern, handler in self._routes:
            match = pattern.match(request.path)
            if match:
                return handler(request, *(unquote(g) for g in match.groups()))
        return google_error(404, f"Method not found: {request.path}", "notFound")

    # -- data ---------------------------------------------------------------------------------------

    def _text(self, value: str, field: str) -> str:
        return hostile_text(field) if self.data.generate.hostile else value

    def _filters(self) -> list[dict[str, Any]]:
        out = []
        for index, item in enumerate(self.data.filters):
            record = item.model_dump(by_alias=True, exclude_none=True)
            record["id"] = item.id or f"ANe1Bm{_stable_id('filter', index)}"
            out.append(record)
        for index in range(self.data.generate.filters):
            out.append(
                {
                    "id": f"ANe1Bm{_stable_id('gen-filter', index)}",
                    "criteria": {"from": self._text(f"newsletter{index}@shop.example", "criteria.from")},
                    "action": {"addLabelIds": ["Label_1"], "removeLabelIds": ["INBOX"]},
                }
            )
        if self.data.generate.hostile:
            for record in out:
                record["criteria"] = {**record.get("criteria", {}), "query": hostile_text("criteria.query")}
        return out

    def _file_record(self, item: DriveFile, index: int) -> dict[str, Any]:
        file_id = item.id or "1" + _stable_id("file", index, item.name, length=32)
        owner = item.owner or self.account
        me = item.owned_by_me
        permissions: list[dict[str, Any]] = [
            {
                "kind": "drive#permission",
                "id": _stable_id("perm-owner", owner),
                "type": "user",
                "role": "owner",
                "emailAddress": owner,
                "displayName": owner.split("@")[0],
            }
        ]
        if item.visibility in ("anyoneWithLink", "anyoneCanFind"):
            permissions.append(
                {
                    "kind": "drive#permission",
                    "id": "anyoneWithLink" if item.visibility == "anyoneWithLink" else "anyone",
                    "type": "anyone",
                    "role": "reader",
                    "allowFileDiscovery": item.visibility == "anyoneCanFind",
                }
            )
        if item.visibility in ("domainWithLink", "domainCanFind"):
            permissions.append(
                {
                    "kind": "drive#permission",
                    "id": _stable_id("perm-domain"),
                    "type": "domain",
                    "role": "reader",
                    "domain": self.account.split("@")[-1],
                    "allowFileDiscovery": item.visibility == "domainCanFind",
                }
            )
        for email in item.shared_with:
            permissions.append(
                {
                    "kind": "drive#permission",
                    "id": _stable_id("perm", email),
                    "type": "user",
                    "role": "reader",
                    "emailAddress": email,
                    "displayName": email.split("@")[0],
                }
            )
        return {
            "kind": "drive#file",
            "id": file_id,
            "name": self._text(item.name, "name"),
            "mimeType": item.mimeType,
            "trashed": item.trashed,
            "parents": item.parents or ["0AExampleRootFolder"],
            "webViewLink": f"https://drive.google.com/file/d/{file_id}/view?usp=drivesdk",
            "owners": [{"kind": "drive#user", "displayName": owner.split("@")[0], "emailAddress": owner, "me": me}],
            "shared": len(permissions) > 1,
            "ownedByMe": me,
            "permissions": permissions,
            "createdTime": "2025-06-01T10:00:00.000Z",
            "modifiedTime": "2025-06-02T10:00:00.000Z",
            "_own": permissions,  # the permissions on the file itself; "permissions" adds what it inherits
            "_visibility": item.visibility,
            "_owned_by_me": me,
            "_owner": owner,
            "_readers": item.shared_with,
        }

    def _files(self) -> list[dict[str, Any]]:
        files = [self._file_record(item, i) for i, item in enumerate(self.data.drive)]
        generate = self.data.generate
        kinds = ("image/jpeg", "application/pdf", "video/mp4", "application/vnd.google-apps.document")
        for index in range(generate.drive_files):
            shared = index % generate.shared_every == 0
            item = DriveFile(
                name=f"file-{index:06d}" + (".jpg" if index % 4 == 0 else ".dat"),
                mimeType=kinds[index % 4],
                visibility="anyoneWithLink" if shared else "limited",
            )
            files.append(self._file_record(item, len(self.data.drive) + index))
        return files

    # -- Gmail ---------------------------------------------------------------------------------------

    def _user(self, user_id: str) -> SandboxResponse | None:
        if user_id not in ("me", self.account):
            return google_error(403, "Delegation denied for " + self.account, "forbidden")
        return None

    def profile(self, request: SandboxRequest, user: str) -> SandboxResponse:
        return self._user(user) or SandboxResponse.json(
            {"emailAddress": self.account, "messagesTotal": 1842, "threadsTotal": 1530, "historyId": "928374"}
        )

    def auto_forwarding(self, request: SandboxRequest, user: str) -> SandboxResponse:
        return self._user(user) or SandboxResponse.json(proto3(self.data.auto_forwarding.model_dump()))

    def forwarding_list(self, request: SandboxRequest, user: str) -> SandboxResponse:
        items = [a.model_dump() for a in self.data.forwarding_addresses]
        return self._user(user) or SandboxResponse.json(proto3({"forwardingAddresses": items}))

    def forwarding_get(self, request: SandboxRequest, user: str, email: str) -> SandboxResponse:
        for item in self.data.forwarding_addresses:
            if item.forwardingEmail == email:
                return self._user(user) or SandboxResponse.json(proto3(item.model_dump()))
        return google_error(404, "Requested entity was not found.", "notFound")

    def filters_list(self, request: SandboxRequest, user: str) -> SandboxResponse:
        # Gmail's list response key is `filter` (singular), and it is left out when there are none.
        return self._user(user) or SandboxResponse.json(proto3({"filter": self.filters}))

    def filters_get(self, request: SandboxRequest, user: str, filter_id: str) -> SandboxResponse:
        for item in self.filters:
            if item["id"] == filter_id:
                return self._user(user) or SandboxResponse.json(proto3(item))
        return google_error(404, "Requested entity was not found.", "notFound")

    def _send_as(self) -> list[dict[str, Any]]:
        primary = {
            "sendAsEmail": self.account,
            "displayName": "",
            "replyToAddress": "",
            "isPrimary": True,
            "isDefault": True,
            "verificationStatus": "accepted",
        }
        extra = [s.model_dump() for s in self.data.send_as if s.sendAsEmail != self.account]
        for item in extra:
            item["displayName"] = self._text(item["displayName"], "displayName")
        return [primary, *extra]

    def send_as_list(self, request: SandboxRequest, user: str) -> SandboxResponse:
        return self._user(user) or SandboxResponse.json(proto3({"sendAs": self._send_as()}))

    def send_as_get(self, request: SandboxRequest, user: str, email: str) -> SandboxResponse:
        for item in self._send_as():
            if item["sendAsEmail"] == email:
                return self._user(user) or SandboxResponse.json(proto3(item))
        return google_error(404, "Requested entity was not found.", "notFound")

    def imap(self, request: SandboxRequest, user: str) -> SandboxResponse:
        return self._user(user) or SandboxResponse.json(proto3(self.data.imap.model_dump()))

    def pop(self, request: SandboxRequest, user: str) -> SandboxResponse:
        return self._user(user) or SandboxResponse.json(proto3(self.data.pop.model_dump()))

    def vacation(self, request: SandboxRequest, user: str) -> SandboxResponse:
        record = self.data.vacation.model_dump()
        record["responseSubject"] = self._text(record["responseSubject"], "responseSubject")
        return self._user(user) or SandboxResponse.json(proto3(record))

    def delegates_list(self, request: SandboxRequest, user: str) -> SandboxResponse:
        # A person's own sign-in never lists delegates; a service account with domain-wide delegation does (the
        # sandbox's own bearer token stands for whichever the scenario says).
        grant = self.registry.grant_of(request.bearer) if request.bearer != self.token else None
        own_sign_in = grant is not None and grant.subject is None
        if own_sign_in or not self.data.domain_wide_delegation:
            return google_error(
                403,
                "Access restricted to service accounts that have been delegated domain-wide authority",
                "failedPrecondition",
                "FAILED_PRECONDITION",
            )
        items = [d.model_dump() for d in self.data.delegates]
        return self._user(user) or SandboxResponse.json(proto3({"delegates": items}))

    # -- Gmail writes (the tool's confirmed changes and their restores) -----------------------------

    def _new_id(self, kind: str) -> str:
        self._created += 1
        return _stable_id("created", kind, self._created)

    @staticmethod
    def _body(request: SandboxRequest) -> Any:
        try:
            return request.json()
        except (UnicodeDecodeError, ValueError):
            return None

    def _accepted_address(self, email: str | None) -> bool:
        return any(
            a.forwardingEmail == email and a.verificationStatus == "accepted" for a in self.data.forwarding_addresses
        )

    def update_auto_forwarding(self, request: SandboxRequest, user: str) -> SandboxResponse:
        """users.settings.updateAutoForwarding: the body is the whole AutoForwarding resource; enabling needs a
        verified forwarding address ("A verified forwarding address must be specified when auto-forwarding is
        enabled")."""
        denied = self._user(user)
        if denied:
            return denied
        try:
            setting = AutoForwarding.model_validate(self._body(request))
        except ValueError:
            return google_error(400, "Invalid JSON payload received.", "invalid", "INVALID_ARGUMENT")
        if setting.enabled and not self._accepted_address(setting.emailAddress):
            return google_error(400, "Invalid forwarding address", "failedPrecondition", "FAILED_PRECONDITION")
        self.data.auto_forwarding = setting
        return SandboxResponse.json(proto3(setting.model_dump()))

    def forwarding_create(self, request: SandboxRequest, user: str) -> SandboxResponse:
        """forwardingAddresses.create: Gmail e-mails the address a confirmation request and keeps it ``pending``
        until someone confirms from that mailbox."""
        denied = self._user(user)
        if denied:
            return denied
        try:
            body = ForwardingAddressBody.model_validate(self._body(request))
        except ValueError:
            return google_error(400, "Invalid JSON payload received.", "invalid", "INVALID_ARGUMENT")
        if any(a.forwardingEmail == body.forwardingEmail for a in self.data.forwarding_addresses):
            return google_error(409, "Requested entity already exists", "duplicate", "ALREADY_EXISTS")
        created = ForwardingAddress(forwardingEmail=body.forwardingEmail, verificationStatus="pending")
        self.data.forwarding_addresses.append(created)
        self.outbox.append({"to": body.forwardingEmail, "what": "forwarding confirmation request"})
        return SandboxResponse.json(proto3(created.model_dump()))

    def forwarding_delete(self, request: SandboxRequest, user: str, email: str) -> SandboxResponse:
        denied = self._user(user)
        if denied:
            return denied
        kept = [a for a in self.data.forwarding_addresses if a.forwardingEmail != email]
        if len(kept) == len(self.data.forwarding_addresses):
            return google_error(404, "Requested entity was not found.", "notFound")
        self.data.forwarding_addresses = kept
        return SandboxResponse(204)

    def filters_create(self, request: SandboxRequest, user: str) -> SandboxResponse:
        """filters.create: a new filter, with an id Gmail assigns; forwarding needs a verified forwarding address."""
        denied = self._user(user)
        if denied:
            return denied
        body = self._body(request)
        try:
            made = GmailFilter.model_validate({k: v for k, v in body.items() if k != "id"})
        except (ValueError, AttributeError):
            return google_error(400, "Invalid JSON payload received.", "invalid", "INVALID_ARGUMENT")
        if made.action.forward and not self._accepted_address(made.action.forward):
            return google_error(400, "Invalid forwarding address", "failedPrecondition", "FAILED_PRECONDITION")
        record = made.model_dump(by_alias=True, exclude_none=True)
        record["id"] = "ANe1Bm" + self._new_id("filter")
        self.filters.append(record)
        return SandboxResponse.json(proto3(record))

    def filters_delete(self, request: SandboxRequest, user: str, filter_id: str) -> SandboxResponse:
        denied = self._user(user)
        if denied:
            return denied
        kept = [f for f in self.filters if f["id"] != filter_id]
        if len(kept) == len(self.filters):
            return google_error(404, "Requested entity was not found.", "notFound")
        self.filters = kept
        return SandboxResponse(204)

    # -- Drive ---------------------------------------------------------------------------------------

    @staticmethod
    def _public(record: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in record.items() if not k.startswith("_")}

    def files_list(self, request: SandboxRequest) -> SandboxResponse:
        try:
            predicate = parse_query(request.arg("q", "") or "")
            fields = request.arg("fields")
            mask = (
                parse_fields(fields)
                if fields
                else {
                    "kind": None,
                    "nextPageToken": None,
                    "incompleteSearch": None,
                    "files": {"kind": None, "id": None, "name": None, "mimeType": None},
                }
            )
            size = int(request.arg("pageSize", "100") or 100)
            if not 1 <= size <= 1000:
                raise ValueError("pageSize")
            start = int(request.arg("pageToken", "0") or 0) if not self.endless(request.path) else 0
        except (QueryError, ValueError):
            return google_error(400, "Invalid Value", "invalid")
        matching = self._matching(request.arg("q", "") or "", predicate)
        page = matching[start : start + size]
        body: dict[str, Any] = {
            "kind": "drive#fileList",
            "incompleteSearch": False,
            "files": [self._public(f) for f in page],
        }
        if self.endless(request.path):
            body["nextPageToken"] = str(start + 1)
        elif start + size < len(matching):
            body["nextPageToken"] = str(start + size)
        return SandboxResponse.json(apply_mask(body, mask))

    def _matching(self, query: str, predicate: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        """Files matching a query, each query evaluated once until a write changes who can open a file."""
        if query not in self._query_cache:
            self._query_cache[query] = [f for f in self.files if predicate(f)]
        return self._query_cache[query]

    def _file(self, file_id: str) -> dict[str, Any] | None:
        return self._by_id.get(file_id)

    def files_get(self, request: SandboxRequest, file_id: str) -> SandboxResponse:
        record = self._file(file_id)
        if record is None:
            return google_error(404, f"File not found: {file_id}.", "notFound")
        fields = request.arg("fields")
        mask = parse_fields(fields) if fields else {"kind": None, "id": None, "name": None, "mimeType": None}
        return SandboxResponse.json(apply_mask(self._public(record), mask))

    def permissions_list(self, request: SandboxRequest, file_id: str) -> SandboxResponse:
        record = self._file(file_id)
        if record is None:
            return google_error(404, f"File not found: {file_id}.", "notFound")
        fields = request.arg("fields")
        body = {"kind": "drive#permissionList", "permissions": record["permissions"]}
        return SandboxResponse.json(apply_mask(body, parse_fields(fields)) if fields else body)

    def _inherit(self, record: dict[str, Any]) -> None:
        """The file's permissions as Drive lists them: its own, and every non-owner permission of the folders above
        it, each with ``permissionDetails`` saying whether it is on the file (``inherited: false``), inherited
        (``true``) or both. ``inheritedFrom`` is left out: the discovery document (drive.v3) says it "is only
        populated for items in shared drives", and these are My Drive files."""
        listed: dict[str, dict[str, Any]] = {}
        for own in record["_own"]:
            detail = {"permissionType": "file", "role": own["role"], "inherited": False}
            listed[own["id"]] = {**own, "permissionDetails": [detail]}
        seen = {record["id"]}
        queue = list(record["parents"])
        while queue:
            folder = self._by_id.get(queue.pop(0))
            if folder is None or folder["id"] in seen:
                continue
            seen.add(folder["id"])
            for granted in folder["_own"]:
                if granted["role"] == "owner":
                    continue  # the owner of a My Drive file has a permission of their own on it
                detail = {"permissionType": "file", "role": granted["role"], "inherited": True}
                if granted["id"] not in listed:
                    listed[granted["id"]] = {**granted, "permissionDetails": [detail]}
                elif detail not in listed[granted["id"]]["permissionDetails"]:
                    listed[granted["id"]]["permissionDetails"].append(detail)
            queue.extend(folder["parents"])
        record["permissions"] = list(listed.values())
        self._reshare(record)

    def _changed(self, record: dict[str, Any]) -> None:
        """After the file's own permissions changed: it and everything below it list their permissions again."""
        queue, seen = [record], set()
        while queue:
            current = queue.pop(0)
            if current["id"] in seen:
                continue
            seen.add(current["id"])
            self._inherit(current)
            queue.extend(self._children.get(current["id"], []))
        self._query_cache.clear()

    def _reshare(self, record: dict[str, Any]) -> None:
        """After a permission changed: who can open the file, as the query terms read it."""
        permissions = record["permissions"]
        anyone = [p for p in permissions if p["type"] == "anyone"]
        domain = [p for p in permissions if p["type"] == "domain"]
        if anyone:
            record["_visibility"] = (
                "anyoneCanFind" if any(p.get("allowFileDiscovery") for p in anyone) else "anyoneWithLink"
            )
        elif domain:
            record["_visibility"] = (
                "domainCanFind" if any(p.get("allowFileDiscovery") for p in domain) else "domainWithLink"
            )
        else:
            record["_visibility"] = "limited"
        record["_readers"] = [
            p["emailAddress"]
            for p in permissions
            if p["type"] in ("user", "group") and p["role"] != "owner" and p.get("emailAddress")
        ]
        record["shared"] = len(permissions) > 1

    def permission_delete(self, request: SandboxRequest, file_id: str, permission_id: str) -> SandboxResponse:
        """drive permissions.delete: the grantee loses access (and, on a folder, what is in it loses the permission it
        inherited); an owner cannot be removed, nor an inherited permission on the item that inherits it ("You cannot
        remove or reduce an inherited permission on a child item. Changes must be made on the originating parent",
        Drive API guide "Share files, folders, and drives"). Google's pages do not name the error; the reason and
        message here are the ones Drive is reported to answer (tests/fixtures/google/README.md)."""
        record = self._file(file_id)
        if record is None:
            return google_error(404, f"File not found: {file_id}.", "notFound")
        found = next((p for p in record["permissions"] if p["id"] == permission_id), None)
        if found is None:
            return google_error(404, f"Permission not found: {permission_id}.", "notFound")
        if found["role"] == "owner":
            return google_error(403, "The owner of a file cannot be removed.", "cannotRemoveOwner")
        own = next((p for p in record["_own"] if p["id"] == permission_id), None)
        if own is None:
            return google_error(403, "The authenticated user cannot delete the permission.", "cannotDeletePermission")
        record["_own"] = [p for p in record["_own"] if p is not own]
        self._changed(record)
        return SandboxResponse(204)

    def permission_create(self, request: SandboxRequest, file_id: str) -> SandboxResponse:
        """drive permissions.create. A permission's id names its grantee (the schema: "a unique identifier for the
        grantee"), so a permission made again for the same grantee has the same id; ``sendNotificationEmail`` is
        "not allowed" except when sharing with users or groups."""
        record = self._file(file_id)
        if record is None:
            return google_error(404, f"File not found: {file_id}.", "notFound")
        try:
            body = PermissionBody.model_validate(self._body(request))
        except ValueError:
            return google_error(400, "Invalid JSON payload received.", "invalid", "INVALID_ARGUMENT")
        notify = request.arg("sendNotificationEmail")
        if notify is not None and body.type not in ("user", "group"):
            return google_error(
                400, "sendNotificationEmail is only allowed for users and groups.", "invalidSharingRequest"
            )
        named = body.emailAddress if body.type in ("user", "group") else body.domain if body.type == "domain" else "-"
        if not named:
            return google_error(400, "The permission is missing its emailAddress or domain.", "required")
        if body.role == "owner":
            return google_error(403, "Ownership transfers are not accepted here.", "forbidden")
        permission: dict[str, Any] = {"kind": "drive#permission", "type": body.type, "role": body.role}
        if body.type == "anyone":
            permission["id"] = "anyone" if body.allowFileDiscovery else "anyoneWithLink"
            permission["allowFileDiscovery"] = bool(body.allowFileDiscovery)
        elif body.type == "domain":
            permission["id"] = _stable_id("perm-domain")
            permission["domain"] = body.domain
            permission["allowFileDiscovery"] = bool(body.allowFileDiscovery)
        else:
            permission["id"] = _stable_id("perm", body.emailAddress)
            permission["emailAddress"] = body.emailAddress
            permission["displayName"] = (body.emailAddress or "").split("@")[0]
            if notify != "false":
                self.outbox.append({"to": body.emailAddress or "", "what": f"{record['name']} was shared with you"})
        kept = [
            p
            for p in record["_own"]
            if p["id"] != permission["id"] and not (body.type == "anyone" and p["type"] == "anyone")
        ]
        record["_own"] = [*kept, permission]
        self._changed(record)
        return SandboxResponse.json(permission)

    def about(self, request: SandboxRequest) -> SandboxResponse:
        fields = request.arg("fields")
        if not fields:
            return google_error(400, "The 'fields' parameter is required for this method.", "required")
        body = {
            "kind": "drive#about",
            "user": {
                "kind": "drive#user",
                "displayName": self.account.split("@")[0],
                "emailAddress": self.account,
                "me": True,
            },
        }
        return SandboxResponse.json(apply_mask(body, parse_fields(fields)))

    # -- Admin SDK (Workspace) ---------------------------------------------------------------------

    def _admin(self) -> Workspace | SandboxResponse:
        """The Workspace the caller administers, or Google's 403 (a consumer account, or not an administrator)."""
        workspace = self.data.workspace
        if workspace is None or not workspace.caller_is_admin:
            return google_error(403, "Not Authorized to access this resource/api", "forbidden")
        return workspace

    def _admin_of(self, key: str) -> tuple[Workspace, WorkspaceUser] | SandboxResponse:
        """The administered Workspace and its user ``key``, or Google's 403 or 404."""
        workspace = self._admin()
        if isinstance(workspace, SandboxResponse):
            return workspace
        user = self._admin_user(workspace, key)
        if user is None:
            return google_error(404, "Resource Not Found: userKey", "notFound")
        return workspace, user

    def _admin_user(self, workspace: Workspace, key: str) -> WorkspaceUser | None:
        email = self.account if key == "me" else key
        return next((u for u in workspace.users if u.primaryEmail == email), None)

    def _user_record(self, user: WorkspaceUser) -> dict[str, Any]:
        given, _, family = (user.fullName or user.primaryEmail.split("@")[0]).partition(" ")
        return {
            "kind": "admin#directory#user",
            "id": str(int(_stable_id("user", user.primaryEmail, length=12), 36) % 10**21),
            "primaryEmail": user.primaryEmail,
            "name": {
                "givenName": self._text(given, "givenName"),
                "familyName": family,
                "fullName": self._text(user.fullName, "fullName"),
            },
            "isAdmin": user.isAdmin,
            "isEnrolledIn2Sv": user.isEnrolledIn2Sv,
            "isEnforcedIn2Sv": user.isEnforcedIn2Sv,
            "lastLoginTime": user.lastLoginTime,
            "suspended": False,
            "orgUnitPath": "/",
        }

    def admin_users(self, request: SandboxRequest) -> SandboxResponse:
        workspace = self._admin()
        if isinstance(workspace, SandboxResponse):
            return workspace
        return SandboxResponse.json(
            {"kind": "admin#directory#users", "users": [self._user_record(u) for u in workspace.users]}
        )

    def admin_user(self, request: SandboxRequest, key: str) -> SandboxResponse:
        found = self._admin_of(key)
        if isinstance(found, SandboxResponse):
            return found
        _, user = found
        return SandboxResponse.json(self._user_record(user))

    def admin_tokens(self, request: SandboxRequest, key: str) -> SandboxResponse:
        found = self._admin_of(key)
        if isinstance(found, SandboxResponse):
            return found
        workspace, user = found
        items = [
            {
                "kind": "admin#directory#token",
                **t.model_dump(),
                "userKey": user.primaryEmail,
                "displayText": self._text(t.displayText, "displayText"),
            }
            for t in workspace.tokens.get(user.primaryEmail, [])
        ]
        return SandboxResponse.json({"kind": "admin#directory#tokenList", "items": items})

    def admin_asps(self, request: SandboxRequest, key: str) -> SandboxResponse:
        found = self._admin_of(key)
        if isinstance(found, SandboxResponse):
            return found
        workspace, user = found
        items = [
            {
                "kind": "admin#directory#asp",
                **a.model_dump(),
                "userKey": user.primaryEmail,
                "name": self._text(a.name, "name"),
            }
            for a in workspace.app_passwords.get(user.primaryEmail, [])
        ]
        return SandboxResponse.json({"kind": "admin#directory#aspList", "items": items})

    def admin_mobile(self, request: SandboxRequest, customer: str) -> SandboxResponse:
        workspace = self._admin()
        if isinstance(workspace, SandboxResponse):
            return workspace
        if customer not in ("my_customer", workspace.customer_id):
            return google_error(404, "Resource Not Found: customerId", "notFound")
        devices = [
            {
                "kind": "admin#directory#mobiledevice",
                **d.model_dump(exclude={"email"}),
                "email": [d.email],
                "model": self._text(d.model, "model"),
            }
            for d in workspace.mobile_devices
        ]
        return SandboxResponse.json({"kind": "admin#directory#mobiledevices", "mobiledevices": devices})

    def admin_activity(self, request: SandboxRequest, key: str, application: str) -> SandboxResponse:
        workspace = self._admin()
        if isinstance(workspace, SandboxResponse):
            return workspace
        if application != "login":
            return SandboxResponse.json({"kind": "admin#reports#activities", "items": []})
        items = []
        for index, login in enumerate(workspace.logins):
            who = login.user or self.account
            if key not in ("all", who):
                continue
            items.append(
                {
                    "kind": "admin#reports#activity",
                    "id": {
                        "time": login.time,
                        "uniqueQualifier": str(1000 + index),
                        "applicationName": "login",
                        "customerId": workspace.customer_id,
                    },
                    "actor": {"email": who, "profileId": _stable_id("profile", who, length=12)},
                    "ipAddress": login.ipAddress,
                    "events": [
                        {
                            "type": "login",
                            "name": login.event,
                            "parameters": [{"name": "login_type", "value": "google_password"}],
                        }
                    ],
                }
            )
        return SandboxResponse.json({"kind": "admin#reports#activities", "items": items})


def build_apps(data: GoogleData, *, token: str, endless: Callable[[str], bool]) -> list[GoogleApp | GoogleOAuthApp]:
    """The Google APIs and, beside them, Google's OAuth endpoints; the tokens the second issues, the first
    accepts."""
    registry = TokenRegistry()
    delegated = data.account if data.domain_wide_delegation else None
    return [
        GoogleApp(data, token=token, endless=endless, registry=registry),
        GoogleOAuthApp(data.oauth, registry, delegated_account=delegated),
    ]
