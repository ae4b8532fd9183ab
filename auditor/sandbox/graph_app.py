"""Microsoft Graph v1.0 for the sandbox: the signed-in user, Outlook inbox rules, mailbox settings,
authentication methods and app grants (work/school), OneDrive items and their sharing permissions, and
JSON batching — answered in Graph's wire format from Microsoft's Graph v1.0 reference.

Paths are served under ``/v1.0``. Reads are GETs, and a ``$batch`` POST whose inner requests are all
GETs. The only writes accepted are the changes the tool can make once the person confirms them, each shaped
as its reference page documents it and applied to the practice account (so the check run again sees it):

- ``DELETE``/``PATCH /me/mailFolders/inbox/messageRules/{id}`` and ``POST /me/mailFolders/inbox/messageRules``
  (messagerule-delete, messagerule-update, mailfolder-post-messagerules: MailboxSettings.ReadWrite);
- ``DELETE /me/drive/items/{item}/permissions/{perm}``, ``POST /me/drive/items/{item}/createLink`` and
  ``POST /me/drive/items/{item}/invite`` (permission-delete, driveitem-createlink, driveitem-invite:
  Files.ReadWrite, or a broader Files/Sites permission);
- ``POST /me/revokeSignInSessions``, work or school accounts only (user-revokesigninsessions:
  User.RevokeSessions.All, or User.ReadWrite.All / Directory.ReadWrite.All): every refresh token the
  practice identity platform issued stops working.

A write needs a token the practice identity platform issued with one of the permissions its page lists, or the
sandbox's own token (which stands for every permission: practice mode); a read-only sign-in's token is refused,
as Graph refuses it. The server around this app logs each accepted write with its body and what its token was
granted (``*`` for the sandbox's own); it refuses every other write.
"""

from __future__ import annotations

import datetime
import json
import re
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from auditor.sandbox.base import SandboxRequest, SandboxResponse
from auditor.sandbox.graph_data import (
    build_graph_data,
    created_link,
    invited_person,
    set_shared_facet,
    stable_hex,
)
from auditor.sandbox.graph_odata import (
    GRAPH_VERSION,
    ODataError,
    base_url,
    context,
    error_body,
    graph_error,
    page,
    parse_select,
    select,
)
from auditor.sandbox.identity_app import TokenRegistry
from auditor.sandbox.microsoft import MicrosoftData

MAX_BATCH = 20
# $filter on oAuth2PermissionGrant: clientId, consentType, principalId and resourceId support `eq`.
GRANT_FILTER = re.compile(r"^\s*(?P<prop>clientId|consentType|principalId|resourceId)\s+eq\s+'(?P<value>[^']*)'\s*$")
USER_PROPS = (
    "id businessPhones displayName givenName jobTitle mail mobilePhone officeLocation preferredLanguage surname "
    "userPrincipalName accountEnabled city country department employeeId createdDateTime "
    "signInSessionsValidFromDateTime"
).split()
# Returned only when $select names it (the user resource's documentation).
USER_SELECT_ONLY = ("signInSessionsValidFromDateTime",)
RULE_PROPS = "id displayName sequence isEnabled hasError isReadOnly conditions exceptions actions".split()
ITEM_PROPS = (
    "id name size createdDateTime lastModifiedDateTime eTag cTag webUrl createdBy lastModifiedBy parentReference "
    "file folder image photo video root shared deleted package remoteItem specialFolder fileSystemInfo "
    "description children permissions thumbnails"
).split()
GRANT_PROPS = "id clientId consentType principalId resourceId scope".split()
SP_PROPS = "id appId appDisplayName displayName publisherName servicePrincipalType verifiedPublisher".split()
PERM_PROPS = (
    "id roles shareId hasPassword link expirationDateTime grantedTo grantedToV2 grantedToIdentities "
    "grantedToIdentitiesV2 invitation inheritedFrom"
).split()

# The permissions each write's reference page lists (least to most privileged), delegated.
RULES_WRITE = frozenset({"MailboxSettings.ReadWrite"})
FILES_WRITE = frozenset({"Files.ReadWrite", "Files.ReadWrite.All", "Sites.ReadWrite.All"})
SESSIONS_WRITE = frozenset({"User.RevokeSessions.All", "User.ReadWrite.All", "Directory.ReadWrite.All"})
# messageRule's writable properties (messagerule-update's request body).
RULE_WRITABLE = ("actions", "conditions", "displayName", "exceptions", "isEnabled", "isReadOnly", "sequence")
LINK_TYPES = ("view", "edit", "embed")
LINK_SCOPES = ("anonymous", "organization", "users")
CREATE_LINK_KEYS = ("type", "scope", "expirationDateTime", "password", "retainInheritedPermissions")
INVITE_KEYS = ("recipients", "message", "requireSignIn", "sendInvitation", "roles", "expirationDateTime", "password")

# A fault hook: given the full path of an inner batch request, the faults that apply to it now.
FaultHook = Callable[[str], list[Any]]

Handler = Callable[..., SandboxResponse]


class GraphApp:
    name = "graph"
    tls = False

    def __init__(
        self,
        data: MicrosoftData,
        *,
        token: str,
        endless: Callable[[str], bool],
        tokens: TokenRegistry | None = None,
    ) -> None:
        self.data = data
        self.token = token
        self.tokens = tokens or TokenRegistry(token)
        self.endless = endless
        self.resources, self.tenant = build_graph_data(data)
        self.user = self.resources.user
        self.work = data.account_type == "work"
        # SharePoint-backed (business) drives leave `shared` out of delta listings and `inheritedFrom` out of
        # permissions (the permission resource's remarks; onedrive-api-docs issue 1101).
        self.delta_shared = data.delta_sends_shared if data.delta_sends_shared is not None else not self.work
        self.traverse = self._traverse_only() if self.work else {}
        self._faults: Any = None  # the sandbox's Faults, when bound: inner batch requests honour them too
        self._stopping = threading.Event()
        user = r"(?:me|users/(?P<user>[^/]+))"
        item = r"(?:root|items/(?P<item>[^/]+))"
        self._routes: list[tuple[re.Pattern[str], Handler]] = [
            (re.compile(rf"^/{user}$"), self.get_user),
            (re.compile(rf"^/{user}/mailFolders/(?P<folder>[^/]+)/messageRules$"), self.list_rules),
            (re.compile(rf"^/{user}/mailFolders/(?P<folder>[^/]+)/messageRules/(?P<rule>[^/]+)$"), self.get_rule),
            (re.compile(rf"^/{user}/mailboxSettings$"), self.mailbox_settings),
            (re.compile(rf"^/{user}/mailboxSettings/(?P<prop>[^/]+)$"), self.mailbox_setting),
            (re.compile(rf"^/{user}/authentication/methods$"), self.auth_methods),
            (re.compile(rf"^/{user}/oauth2PermissionGrants$"), self.grants),
            (re.compile(r"^/oauth2PermissionGrants$"), self.all_grants),
            (re.compile(r"^/servicePrincipals/(?P<sp>[^/]+)$"), self.service_principal),
            (re.compile(rf"^/{user}/drive$"), self.get_drive),
            (re.compile(rf"^/{user}/drive/{item}$"), self.get_item),
            (re.compile(rf"^/{user}/drive/{item}/children$"), self.list_children),
            (re.compile(rf"^/{user}/drive/{item}/delta$"), self.delta),
            (re.compile(rf"^/{user}/drive/{item}/permissions$"), self.list_permissions),
        ]
        rules = rf"^/{user}/mailFolders/(?P<folder>[^/]+)/messageRules"
        drive_item = rf"^/{user}/drive/items/(?P<item>[^/]+)"
        # (method, path, handler, the permissions that let it through)
        self._writes: list[tuple[str, re.Pattern[str], Handler, frozenset[str]]] = [
            ("DELETE", re.compile(rules + r"/(?P<rule>[^/]+)$"), self.delete_rule, RULES_WRITE),
            ("PATCH", re.compile(rules + r"/(?P<rule>[^/]+)$"), self.update_rule, RULES_WRITE),
            ("POST", re.compile(rules + r"$"), self.create_rule, RULES_WRITE),
            ("DELETE", re.compile(drive_item + r"/permissions/(?P<perm>[^/]+)$"), self.delete_permission, FILES_WRITE),
            ("POST", re.compile(drive_item + r"/createLink$"), self.create_link, FILES_WRITE),
            ("POST", re.compile(drive_item + r"/invite$"), self.invite, FILES_WRITE),
            ("POST", re.compile(rf"^/{user}/revokeSignInSessions$"), self.revoke_sessions, SESSIONS_WRITE),
        ]
        self._write_lock = threading.Lock()
        self._serial = 0  # new ids for what the writes create

    # -- the server contract ------------------------------------------------------------------------

    def bind_faults(self, faults: Any, stopping: threading.Event | None = None) -> None:
        """Let injected faults reach the requests inside a $batch (the sandbox calls this at start)."""
        self._faults = faults
        if stopping is not None:
            self._stopping = stopping

    def is_read(self, request: SandboxRequest) -> bool:
        if request.method == "GET":
            return True
        if request.method == "POST" and request.path == GRAPH_VERSION + "/$batch":
            try:
                inner = request.json().get("requests", [])
                return all(str(r.get("method", "")).upper() == "GET" for r in inner)
            except (ValueError, AttributeError):
                return True  # a malformed batch changes nothing; handle() answers 400
        return False

    def _write_route(self, request: SandboxRequest) -> tuple[Handler, frozenset[str], dict[str, str]] | None:
        if not request.path.startswith(GRAPH_VERSION + "/"):
            return None
        path = request.path[len(GRAPH_VERSION) :]
        for method, pattern, handler, permissions in self._writes:
            match = pattern.match(path) if method == request.method else None
            if match:
                return handler, permissions, {k: unquote(v) for k, v in match.groupdict().items() if v is not None}
        return None

    def accepts_write(self, request: SandboxRequest) -> dict[str, object] | None:
        """The writes this server accepts — the changes the tool makes, sent with a token holding a permission
        their page lists — and what the request log keeps of one: the request line, its JSON body and the
        permissions its token was granted. None for anything else (a read-only token's write too), which the
        server around refuses and logs as refused."""
        route = self._write_route(request)
        if route is None or not self.tokens.may(request.bearer, route[1]):
            return None
        granted = self.tokens.granted(request.bearer)
        try:
            body: object = request.json() if request.body else None
        except (ValueError, UnicodeDecodeError):
            body = request.body.decode("utf-8", "replace")
        # What the token was granted (never the token): a test can see which sign-in the write was made with.
        return {"write": f"{request.method} {request.path}", "body": body, "granted": sorted(granted)}

    def error(self, status: int, message: str) -> SandboxResponse:
        code = "accessDenied" if status == 403 else None
        return graph_error(status, message, code)

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        auth = self._check_auth(request)
        if auth is not None:
            return auth
        if request.method != "GET" and request.path != GRAPH_VERSION + "/$batch":
            return self.write(request)
        if request.method == "POST" and request.path == GRAPH_VERSION + "/$batch":
            recorded = self.data.answers.get(request.path)
            if recorded is not None:  # a recorded batch answer, whatever was asked
                return self._recorded(request, recorded.status, recorded.body)
            return self.batch(request)
        return self.dispatch(request)

    def _check_auth(self, request: SandboxRequest) -> SandboxResponse | None:
        if request.bearer is None:
            return graph_error(401, "Access token is empty.")
        if not self.tokens.known(request.bearer):
            return graph_error(401, "Access token validation failure. Invalid audience.")
        return None

    def dispatch(self, request: SandboxRequest) -> SandboxResponse:
        if not request.path.startswith(GRAPH_VERSION + "/"):
            return graph_error(400, "Invalid version.", "BadRequest")
        recorded = self.data.answers.get(request.path)
        if recorded is not None:
            return self._recorded(request, recorded.status, recorded.body)
        path = request.path[len(GRAPH_VERSION) :]
        for pattern, handler in self._routes:
            match = pattern.match(path)
            if match:
                args = {k: unquote(v) for k, v in match.groupdict().items() if v is not None}
                try:
                    if args.get("user") not in (None, self.user["id"], self.user["userPrincipalName"]):
                        raise ODataError(404, f"Resource '{args['user']}' does not exist.", "Request_ResourceNotFound")
                    args.pop("user", None)
                    return handler(request, **args)
                except ODataError as exc:
                    return graph_error(exc.status, exc.message, exc.code)
        return graph_error(400, f"Resource not found for the segment '{path.rsplit('/', 1)[-1]}'.", "BadRequest")

    def _recorded(self, request: SandboxRequest, status: int, body: Any) -> SandboxResponse:
        """A recorded answer as it is, its links to Graph pointed at this server."""
        text = json.dumps(body).replace("https://graph.microsoft.com/v1.0", base_url(request))
        return SandboxResponse(status, text.encode("utf-8"), {"Content-Type": "application/json; charset=UTF-8"})

    # -- user, mail ---------------------------------------------------------------------------------

    def get_user(self, request: SandboxRequest) -> SandboxResponse:
        fields = parse_select(request, USER_PROPS, "microsoft.graph.user")
        record = self.user if fields is not None else {k: v for k, v in self.user.items() if k not in USER_SELECT_ONLY}
        body = {"@odata.context": context(request, "users/$entity"), **select(record, fields)}
        return SandboxResponse.json(body)

    def _inbox(self, folder: str) -> None:
        if folder.lower() not in ("inbox", "inbox()"):
            raise ODataError(404, "The specified object was not found in the store.", "ErrorItemNotFound")

    def list_rules(self, request: SandboxRequest, folder: str) -> SandboxResponse:
        self._inbox(folder)
        fields = parse_select(request, RULE_PROPS, "microsoft.graph.messageRule")
        return page(
            request,
            self.resources.rules,
            page_size=self.data.page_size,
            endless=self.endless(request.path),
            fragment=f"users('{self.user['id']}')/mailFolders('inbox')/messageRules",
            fields=fields,
        )

    def get_rule(self, request: SandboxRequest, folder: str, rule: str) -> SandboxResponse:
        self._inbox(folder)
        for record in self.resources.rules:
            if record["id"] == rule:
                fields = parse_select(request, RULE_PROPS, "microsoft.graph.messageRule")
                ctx = context(request, f"users('{self.user['id']}')/mailFolders('inbox')/messageRules/$entity")
                return SandboxResponse.json({"@odata.context": ctx, **select(record, fields)})
        raise ODataError(404, "The specified object was not found in the store.", "ErrorItemNotFound")

    def mailbox_settings(self, request: SandboxRequest) -> SandboxResponse:
        settings = self.resources.mailbox_settings
        fields = parse_select(request, list(settings) + ["archiveFolder"], "microsoft.graph.mailboxSettings")
        ctx = context(request, f"users('{self.user['id']}')/mailboxSettings")
        return SandboxResponse.json({"@odata.context": ctx, **select(settings, fields)})

    def mailbox_setting(self, request: SandboxRequest, prop: str) -> SandboxResponse:
        settings = self.resources.mailbox_settings
        if prop not in settings:
            raise ODataError(400, f"Resource not found for the segment '{prop}'.")
        ctx = context(request, f"users('{self.user['id']}')/mailboxSettings/{prop}")
        value = settings[prop]
        return SandboxResponse.json({"@odata.context": ctx, **value} if isinstance(value, dict) else {"value": value})

    # -- work/school only ---------------------------------------------------------------------------

    def _work_only(self) -> None:
        if not self.work:
            # What Graph answers a personal Microsoft account for Entra ID-only resources.
            raise ODataError(403, "Insufficient privileges to complete the operation.", "Authorization_RequestDenied")

    def auth_methods(self, request: SandboxRequest) -> SandboxResponse:
        self._work_only()
        return page(
            request,
            self.resources.auth_methods,
            page_size=self.data.page_size,
            endless=self.endless(request.path),
            fragment=f"users('{self.user['id']}')/authentication/methods",
        )

    def grants(self, request: SandboxRequest) -> SandboxResponse:
        """The user's own grants: those made for everyone in the organisation are not in this list."""
        self._work_only()
        fields = parse_select(request, GRANT_PROPS, "microsoft.graph.oAuth2PermissionGrant")
        mine = [
            g for g in self.resources.grants if g["consentType"] == "Principal" and g["principalId"] == self.user["id"]
        ]
        return page(
            request,
            mine,
            page_size=self.data.page_size,
            endless=self.endless(request.path),
            fragment="oauth2PermissionGrants",
            fields=fields,
        )

    def all_grants(self, request: SandboxRequest) -> SandboxResponse:
        """Every grant in the organisation; listing them needs Directory.Read.All and a directory role."""
        self._work_only()
        if not self.data.directory_reader:
            raise ODataError(403, "Insufficient privileges to complete the operation.", "Authorization_RequestDenied")
        fields = parse_select(request, GRANT_PROPS, "microsoft.graph.oAuth2PermissionGrant")
        records = self.resources.grants
        raw = request.arg("$filter")
        if raw is not None:
            match = GRANT_FILTER.match(raw)
            if match is None:
                raise ODataError(400, f"Invalid filter clause: '{raw}'.", "Request_BadRequest")
            records = [g for g in records if g.get(match["prop"]) == match["value"]]
        return page(
            request,
            records,
            page_size=self.data.page_size,
            endless=self.endless(request.path),
            fragment="oauth2PermissionGrants",
            fields=fields,
        )

    def service_principal(self, request: SandboxRequest, sp: str) -> SandboxResponse:
        self._work_only()
        record = self.resources.service_principals.get(sp)
        if record is None:
            raise ODataError(
                404,
                f"Resource '{sp}' does not exist or one of its queried reference-property objects are not present.",
                "Request_ResourceNotFound",
            )
        fields = parse_select(request, SP_PROPS, "microsoft.graph.servicePrincipal")
        return SandboxResponse.json(
            {"@odata.context": context(request, "servicePrincipals/$entity"), **select(record, fields)}
        )

    # -- OneDrive -----------------------------------------------------------------------------------

    def _item(self, item: str | None) -> dict[str, Any]:
        record = self.resources.items.get(item or self.resources.root_id)
        if record is None:
            raise ODataError(404, "Item not found", "itemNotFound")
        return record

    def _expand(self, request: SandboxRequest, allowed: bool = True) -> set[str]:
        raw = request.arg("$expand")
        if raw is None:
            return set()
        names = {part.strip().split("(")[0] for part in raw.split(",") if part.strip()}
        if not allowed:
            raise ODataError(400, "$expand is not supported on this request.", "invalidRequest")
        unknown = names - {"permissions", "children", "thumbnails"}
        if unknown:
            raise ODataError(
                400,
                f"Could not find a property named '{sorted(unknown)[0]}' on type 'microsoft.graph.driveItem'.",
                "invalidRequest",
            )
        return names

    def _public_item(self, record: dict[str, Any], expand: set[str], fields: list[str] | None) -> dict[str, Any]:
        out = {k: v for k, v in record.items() if not k.startswith("_")}
        if "permissions" in expand:
            out["permissions"] = self._permissions(record["id"])
        if "children" in expand and "folder" in record:
            out["children"] = [
                self._public_item(self.resources.items[k], set(), None) for k in self.resources.children[record["id"]]
            ]
        if "thumbnails" in expand:
            out["thumbnails"] = []
        if fields is not None:
            fields = [*fields, *expand]
        return select(out, fields)

    def _traverse_only(self) -> dict[str, list[dict[str, Any]]]:
        """SharePoint's "SP.Limited Access" on each folder above an item shared with a person: it lets them
        reach the item and opens nothing else (driveitem-list-permissions: levels come with an "SP." prefix)."""
        items = self.resources.items
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for item_id, perms in self.resources.permissions.items():
            for perm in perms:
                if "invitation" not in perm:
                    continue
                parent = items[item_id].get("parentReference", {}).get("id")
                while parent:
                    email = perm["invitation"]["email"]
                    out.setdefault(parent, {})[email] = {
                        "id": "la-" + stable_hex("limited", parent, email),
                        "roles": ["SP.Limited Access"],
                        "grantedToV2": perm["grantedToV2"],
                    }
                    parent = items[parent].get("parentReference", {}).get("id")
        return {folder: list(people.values()) for folder, people in out.items()}

    def _permissions(self, item_id: str) -> list[dict[str, Any]]:
        """Direct permissions, then those inherited from shared ancestors, then the owner. Personal drives mark
        inherited ones with inheritedFrom; OneDrive for Business does not return it."""
        items = self.resources.items
        out = [self._public_permission(p) for p in self.resources.permissions.get(item_id, [])]
        parent = items[item_id].get("parentReference", {}).get("id")
        while parent:
            for perm in self.resources.permissions.get(parent, []):
                inherited = self._public_permission(perm)
                if not self.work:
                    inherited["inheritedFrom"] = {
                        "driveId": self.resources.drive["id"],
                        "id": parent,
                        "path": "/drive/root:" + ("/" + items[parent]["_path"] if items[parent]["_path"] else ""),
                    }
                out.append(inherited)
            parent = items[parent].get("parentReference", {}).get("id")
        out.extend(self.traverse.get(item_id, []))
        owner = {"user": dict(self.resources.drive["owner"]["user"], email=self.user["userPrincipalName"])}
        out.append(
            {"id": "owner-" + self.user["id"].lower(), "roles": ["owner"], "grantedToV2": owner, "grantedTo": owner}
        )
        return out

    def get_drive(self, request: SandboxRequest) -> SandboxResponse:
        fields = parse_select(request, list(self.resources.drive), "microsoft.graph.drive")
        return SandboxResponse.json(
            {"@odata.context": context(request, "drives/$entity"), **select(self.resources.drive, fields)}
        )

    def get_item(self, request: SandboxRequest, item: str | None = None) -> SandboxResponse:
        record = self._item(item)
        expand = self._expand(request)
        fields = parse_select(request, ITEM_PROPS, "microsoft.graph.driveItem")
        ctx = context(request, f"users('{self.user['id']}')/drive/items/$entity")
        return SandboxResponse.json({"@odata.context": ctx, **self._public_item(record, expand, fields)})

    def list_children(self, request: SandboxRequest, item: str | None = None) -> SandboxResponse:
        record = self._item(item)
        expand = self._expand(request)
        fields = parse_select(request, ITEM_PROPS, "microsoft.graph.driveItem")
        kids = self.resources.children.get(record["id"], [])
        records = [self._public_item(self.resources.items[k], expand, fields) for k in kids]
        return page(
            request,
            records,
            page_size=self.data.drive_page_size,
            endless=self.endless(request.path),
            fragment=f"users('{self.user['id']}')/drive/items('{record['id']}')/children",
        )

    def delta(self, request: SandboxRequest, item: str | None = None) -> SandboxResponse:
        record = self._item(item)
        if self.work and "root" not in record:
            raise ODataError(400, "Delta is only supported on the root folder of a business drive.", "invalidRequest")
        self._expand(request, allowed=False)
        fields = parse_select(request, ITEM_PROPS, "microsoft.graph.driveItem")
        token = request.arg("token")
        items = self._subtree(record["id"])
        if token == "latest" or (token and token.startswith("done")):
            chunk, start = [], len(items)  # nothing changed since the last full enumeration
        else:
            try:
                start = int(token) if token else 0
            except ValueError:
                raise ODataError(410, "The delta token is no longer valid.", "resyncRequired") from None
            endless = self.endless(request.path)
            if endless and items:
                start %= len(items)
            size = self.data.drive_page_size
            chunk = items[start : start + size]
            start += size
        base = f"http://{request.headers.get('host', '127.0.0.1')}{request.path}"
        keep = {k: v[0] for k, v in request.query.items() if k not in ("token",)}
        suffix = ("&" + urlencode(keep, safe="$,")) if keep else ""
        body: dict[str, Any] = {
            "@odata.context": context(request, "Collection(driveItem)"),
            "value": [self._delta_item(self.resources.items[i], fields) for i in chunk],
        }
        if self.endless(request.path) or start < len(items):
            body["@odata.nextLink"] = f"{base}?token={start}{suffix}"
        else:
            body["@odata.deltaLink"] = f"{base}?token=done{len(items)}{suffix}"
        return SandboxResponse.json(body)

    def _subtree(self, root: str) -> list[str]:
        """The item and everything under it, parents before children (as delta returns them)."""
        order, stack = [], [root]
        while stack:
            current = stack.pop(0)
            order.append(current)
            stack[0:0] = self.resources.children.get(current, [])
        return order

    def _delta_item(self, record: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
        out = {k: v for k, v in record.items() if not k.startswith("_")}
        parent = dict(out.get("parentReference", {}))
        parent.pop("path", None)  # delta never sends parentReference.path
        out["parentReference"] = parent
        if not self.delta_shared:
            out.pop("shared", None)
        return select(out, fields)

    def list_permissions(self, request: SandboxRequest, item: str | None = None) -> SandboxResponse:
        """An item's permissions, in pages of ``page_size`` (inside a $batch the page links are absolute, as
        the JSON batching documentation's example shows)."""
        record = self._item(item)
        fields = parse_select(request, PERM_PROPS, "microsoft.graph.permission")
        return page(
            request,
            self._permissions(record["id"]),
            page_size=self.data.page_size,
            endless=self.endless(request.path),
            fragment=f"users('{self.user['id']}')/drive/items('{record['id']}')/permissions",
            fields=fields,
        )

    # -- the changes the tool makes -----------------------------------------------------------------

    def write(self, request: SandboxRequest) -> SandboxResponse:
        """One accepted write: the token must hold a permission its page lists; then it is applied."""
        route = self._write_route(request)
        if route is None:  # the server around refuses these before they get here
            return graph_error(405, "The practice server does not accept this request.", "MethodNotAllowed")
        handler, permissions, args = route
        try:
            if args.get("user") not in (None, self.user["id"], self.user["userPrincipalName"]):
                raise ODataError(404, f"Resource '{args['user']}' does not exist.", "Request_ResourceNotFound")
            args.pop("user", None)
            if not self.tokens.may(request.bearer, permissions):
                raise self._not_permitted(handler)
            with self._write_lock:
                return handler(request, **args)
        except ODataError as exc:
            return graph_error(exc.status, exc.message, exc.code)

    def _not_permitted(self, handler: Handler) -> ODataError:
        """What Graph answers a token without the permission, in the words of the service behind the API."""
        name = getattr(handler, "__name__", "")
        if name.endswith("_rule"):
            return ODataError(403, "Access is denied. Check credentials and try again.", "ErrorAccessDenied")
        if name == "revoke_sessions":
            return ODataError(403, "Insufficient privileges to complete the operation.", "Authorization_RequestDenied")
        return ODataError(403, "Access denied", "accessDenied")

    def _json_object(self, request: SandboxRequest, *, empty_ok: bool = False) -> dict[str, Any]:
        if not request.body and empty_ok:
            return {}
        try:
            body = request.json()
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            raise ODataError(
                400,
                "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of "
                "valid JSON format.",
                "BadRequest",
            )
        return body

    def _next_serial(self) -> int:
        self._serial += 1
        return self._serial

    def _find_rule(self, folder: str, rule: str) -> dict[str, Any]:
        self._inbox(folder)
        for record in self.resources.rules:
            if record["id"] == rule:
                return record
        raise ODataError(404, "The specified object was not found in the store.", "ErrorItemNotFound")

    def _rule_fields(self, body: dict[str, Any]) -> dict[str, Any]:
        """The writable properties of a messageRule in a request body, checked against their documented types."""
        types: dict[str, type | tuple[type, ...]] = {
            "actions": dict,
            "conditions": dict,
            "exceptions": dict,
            "displayName": str,
            "isEnabled": bool,
            "isReadOnly": bool,
            "sequence": int,
        }
        for key, value in body.items():
            if key not in RULE_WRITABLE:
                raise ODataError(
                    400, f"Could not find a property named '{key}' on type 'microsoft.graph.messageRule'.", "BadRequest"
                )
            wanted = types[key]
            if value is None and key == "exceptions":
                continue
            if not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
                raise ODataError(400, f"Invalid value for property '{key}'.", "ErrorInvalidRequest")
        return body

    def _rule_answer(self, request: SandboxRequest, record: dict[str, Any], status: int = 200) -> SandboxResponse:
        ctx = context(request, f"users('{self.user['id']}')/mailFolders('inbox')/messageRules/$entity")
        return SandboxResponse.json({"@odata.context": ctx, **record}, status=status)

    def delete_rule(self, request: SandboxRequest, folder: str, rule: str) -> SandboxResponse:
        """messagerule-delete: 204 No Content."""
        found = self._find_rule(folder, rule)
        self.resources.rules = [r for r in self.resources.rules if r is not found]
        return SandboxResponse(204, b"", {})

    def update_rule(self, request: SandboxRequest, folder: str, rule: str) -> SandboxResponse:
        """messagerule-update: the properties sent are changed; 200 with the rule."""
        found = self._find_rule(folder, rule)
        fields = self._rule_fields(self._json_object(request))
        updated = {**found, **fields}
        self.resources.rules = [updated if r is found else r for r in self.resources.rules]
        return self._rule_answer(request, updated)

    def create_rule(self, request: SandboxRequest, folder: str) -> SandboxResponse:
        """mailfolder-post-messagerules: displayName, sequence and actions are required; 201 with the new rule
        (a new id)."""
        self._inbox(folder)
        fields = self._rule_fields(self._json_object(request))
        for required in ("displayName", "sequence", "actions"):
            if required not in fields:
                raise ODataError(400, f"The property '{required}' is required.", "ErrorInvalidRequest")
        record: dict[str, Any] = {
            "id": "AQAAA" + stable_hex("rule-created", self.user["id"], self._next_serial(), length=10) + "=",
            "displayName": fields["displayName"],
            "sequence": fields["sequence"],
            "isEnabled": fields.get("isEnabled", True),
            "hasError": False,
            "isReadOnly": fields.get("isReadOnly", False),
            "conditions": fields.get("conditions") or {},
            "actions": fields["actions"],
        }
        if fields.get("exceptions") is not None:
            record["exceptions"] = fields["exceptions"]
        self.resources.rules = [*self.resources.rules, record]
        return self._rule_answer(request, record, status=201)

    def _own_permissions(self, item_id: str) -> list[dict[str, Any]]:
        return self.resources.permissions.get(item_id, [])

    def _set_permissions(self, item_id: str, permissions: list[dict[str, Any]]) -> None:
        self.resources.permissions = {**self.resources.permissions, item_id: permissions}
        set_shared_facet(self.resources.items[item_id], permissions, self._owner())
        if self.work:
            self.traverse = self._traverse_only()

    def _owner(self) -> dict[str, Any]:
        return dict(self.resources.drive["owner"])

    def _sharable(self, record: dict[str, Any]) -> None:
        # driveitem-invite and permission-delete: a personal drive's root cannot have its permissions changed.
        if "root" in record and not self.work:
            raise ODataError(400, "Permissions on the root of a personal OneDrive cannot be changed.", "invalidRequest")

    def delete_permission(self, request: SandboxRequest, item: str, perm: str) -> SandboxResponse:
        """permission-delete: only a permission set on this item (not inherited, not the owner's); 204."""
        record = self._item(item)
        self._sharable(record)
        own = self._own_permissions(record["id"])
        if not any(p["id"] == perm for p in own):
            listed = {p.get("id") for p in self._permissions(record["id"])}
            if perm in listed:
                raise ODataError(
                    403 if perm.startswith("owner-") else 400,
                    "Only sharing permissions that are not inherited can be deleted."
                    if not perm.startswith("owner-")
                    else "The owner's permission cannot be removed.",
                    "accessDenied" if perm.startswith("owner-") else "invalidRequest",
                )
            raise ODataError(404, "Item not found", "itemNotFound")
        self._set_permissions(record["id"], [p for p in own if p["id"] != perm])
        return SandboxResponse(204, b"", {})

    def create_link(self, request: SandboxRequest, item: str) -> SandboxResponse:
        """driveitem-createlink: a new link (201), or the link of that type and scope this app already made (200)."""
        record = self._item(item)
        self._sharable(record)
        body = self._json_object(request)
        unknown = sorted(set(body) - set(CREATE_LINK_KEYS))
        if unknown:
            raise ODataError(400, f"Invalid request: unknown parameter '{unknown[0]}'.", "invalidRequest")
        link_type, scope = body.get("type"), body.get("scope")
        if link_type not in LINK_TYPES or (link_type == "embed" and self.work):
            raise ODataError(400, f"Invalid link type: '{link_type}'.", "invalidRequest")
        if scope is not None and (scope not in LINK_SCOPES or (scope == "organization" and not self.work)):
            raise ODataError(400, f"Invalid link scope: '{scope}'.", "invalidRequest")
        if "password" in body and self.work:
            raise ODataError(400, "Passwords on links are for OneDrive personal only.", "invalidRequest")
        own = self._own_permissions(record["id"])
        for existing in own:
            link = existing.get("link") or {}
            if existing.get("_made_here") and link.get("type") == link_type and link.get("scope") == scope:
                return SandboxResponse.json(self._public_permission(existing))
        made = created_link(record["id"], self._next_serial(), link_type=link_type, scope=scope, work=self.work)
        if isinstance(body.get("expirationDateTime"), str):
            made["expirationDateTime"] = body["expirationDateTime"]
        if body.get("password"):
            made["hasPassword"] = True
        self._set_permissions(record["id"], [*own, {**made, "_made_here": True}])
        return SandboxResponse.json(made, status=201)

    def _public_permission(self, permission: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in permission.items() if not k.startswith("_")}

    def invite(self, request: SandboxRequest, item: str) -> SandboxResponse:
        """driveitem-invite: a permission for each recipient; 200 with the collection."""
        record = self._item(item)
        self._sharable(record)
        body = self._json_object(request)
        unknown = sorted(set(body) - set(INVITE_KEYS))
        if unknown:
            raise ODataError(400, f"Invalid request: unknown parameter '{unknown[0]}'.", "invalidRequest")
        recipients = body.get("recipients")
        roles = body.get("roles")
        if not isinstance(recipients, list) or not recipients:
            raise ODataError(400, "Invalid request: recipients are required.", "invalidRequest")
        emails = [r.get("email") if isinstance(r, dict) else None for r in recipients]
        if not all(isinstance(e, str) and "@" in e for e in emails):
            raise ODataError(400, "Invalid request: each recipient needs an email.", "invalidRequest")
        if not isinstance(roles, list) or len(roles) != 1 or roles[0] not in ("read", "write"):
            raise ODataError(400, "Invalid request: roles must be read or write.", "invalidRequest")
        signs_in = body.get("requireSignIn", True) is True
        made = [
            invited_person(record["id"], self._next_serial(), email=str(e), role=roles[0], require_sign_in=signs_in)
            for e in emails
        ]
        self._set_permissions(record["id"], [*self._own_permissions(record["id"]), *made])
        ctx = context(request, "Collection(microsoft.graph.permission)")
        return SandboxResponse.json({"@odata.context": ctx, "value": made})

    def revoke_sessions(self, request: SandboxRequest) -> SandboxResponse:
        """user-revokesigninsessions (work or school only): every refresh token issued so far stops working and
        signInSessionsValidFromDateTime moves to now. Answers 200 with ``value: true``, as the service does
        (Graph's known issues: it should be 204)."""
        self._work_only()
        self.tokens.revoke_refresh_tokens()
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.user = {**self.user, "signInSessionsValidFromDateTime": now}
        self.resources.user = self.user
        return SandboxResponse.json({"@odata.context": context(request, "Edm.Boolean"), "value": True})

    # -- JSON batching ------------------------------------------------------------------------------

    def batch(self, request: SandboxRequest) -> SandboxResponse:
        try:
            payload = request.json()
            inner = payload["requests"]
            if not isinstance(inner, list):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return graph_error(400, "Invalid batch payload format.", "BadRequest")
        if len(inner) > MAX_BATCH:
            return graph_error(400, f"The number of requests in a batch cannot exceed {MAX_BATCH}.", "BadRequest")
        ids = [str(r.get("id", "")) for r in inner if isinstance(r, dict)]
        if len(ids) != len(inner) or "" in ids or len({i.lower() for i in ids}) != len(ids):
            return graph_error(400, "Each request in a batch needs a unique id.", "BadRequest")
        responses = []
        for entry in inner:
            method = str(entry.get("method", "")).upper()
            url = str(entry.get("url", ""))
            if not method or not url:
                responses.append(self._inner_error(entry["id"], 400, "Invalid request: method and url are required."))
                continue
            responses.append(self._inner(request, entry["id"], method, url, entry.get("headers") or {}))
        return SandboxResponse.json({"responses": responses})

    def _inner_error(self, request_id: str, status: int, message: str, code: str | None = None) -> dict[str, Any]:
        return {
            "id": request_id,
            "status": status,
            "headers": {"Content-Type": "application/json"},
            "body": error_body(status, message, code),
        }

    def _inner(
        self, outer: SandboxRequest, request_id: str, method: str, url: str, headers: dict[str, str]
    ) -> dict[str, Any]:
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            return self._inner_error(request_id, 400, "Batch request URLs must be relative.")
        path = GRAPH_VERSION + "/" + parts.path.lstrip("/")
        if method != "GET":  # never reached through the server (is_read refuses the batch), kept for direct use
            return self._inner_error(request_id, 403, "The practice server never changes an account.", "accessDenied")
        fault = self._inner_fault(request_id, path)
        if fault is not None:
            return fault
        sub = SandboxRequest(
            method=method,
            path=path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={
                **{k.lower(): v for k, v in headers.items()},
                "host": outer.headers.get("host", "127.0.0.1"),
                "authorization": outer.headers.get("authorization", ""),
            },
        )
        response = self.dispatch(sub)
        body: Any = json.loads(response.body) if response.body else None
        out_headers = {k: v for k, v in response.headers.items() if k.lower() in ("content-type", "retry-after")}
        return {"id": request_id, "status": response.status, "headers": out_headers, "body": body}

    def _inner_fault(self, request_id: str, path: str) -> dict[str, Any] | None:
        """Injected faults apply to inner requests by their full path, as if sent on their own."""
        if self._faults is None:
            return None
        for rule in self._faults.take(self.name, path):
            if rule.kind == "latency":
                self._stopping.wait(rule.seconds)
                continue
            if rule.kind == "malformed":
                return {
                    "id": request_id,
                    "status": 200,
                    "headers": {"Content-Type": "application/json"},
                    "body": '{"truncated": [1, 2',
                }
            if rule.kind in ("hang", "reset"):
                if rule.kind == "hang":
                    self._stopping.wait(rule.seconds or 60)
                return self._inner_error(request_id, 504, "The request timed out.", "GatewayTimeout")
            status = int(rule.kind)
            messages = {
                401: "Access token has expired or is not yet valid.",
                429: "Too many requests.",
                500: "Internal error encountered.",
                503: "The service is currently unavailable.",
            }
            entry = self._inner_error(request_id, status, messages.get(status, "Error."))
            if status in (429, 503):
                entry["headers"]["Retry-After"] = str(rule.retry_after)
            return entry
        return None
