"""Microsoft Graph v1.0 for the sandbox: the signed-in user, Outlook inbox rules, mailbox settings,
authentication methods and app grants (work/school), OneDrive items and their sharing permissions, and
JSON batching — answered in Graph's wire format from Microsoft's Graph v1.0 reference.

Paths are served under ``/v1.0``. Reads are GETs, and a ``$batch`` POST whose inner requests are all
GETs; the server around this app refuses everything else.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from auditor.sandbox.base import SandboxRequest, SandboxResponse
from auditor.sandbox.graph_data import build_graph_data, stable_hex
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
from auditor.sandbox.microsoft import MicrosoftData

MAX_BATCH = 20
# $filter on oAuth2PermissionGrant: clientId, consentType, principalId and resourceId support `eq`.
GRANT_FILTER = re.compile(r"^\s*(?P<prop>clientId|consentType|principalId|resourceId)\s+eq\s+'(?P<value>[^']*)'\s*$")
USER_PROPS = (
    "id businessPhones displayName givenName jobTitle mail mobilePhone officeLocation preferredLanguage surname "
    "userPrincipalName accountEnabled city country department employeeId createdDateTime"
).split()
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

# A fault hook: given the full path of an inner batch request, the faults that apply to it now.
FaultHook = Callable[[str], list[Any]]

Handler = Callable[..., SandboxResponse]


class GraphApp:
    name = "graph"
    tls = False

    def __init__(self, data: MicrosoftData, *, token: str, endless: Callable[[str], bool]) -> None:
        self.data = data
        self.token = token
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

    def error(self, status: int, message: str) -> SandboxResponse:
        code = "accessDenied" if status == 403 else None
        return graph_error(status, message, code)

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        auth = self._check_auth(request)
        if auth is not None:
            return auth
        if request.method == "POST" and request.path == GRAPH_VERSION + "/$batch":
            recorded = self.data.answers.get(request.path)
            if recorded is not None:  # a recorded batch answer, whatever was asked
                return self._recorded(request, recorded.status, recorded.body)
            return self.batch(request)
        return self.dispatch(request)

    def _check_auth(self, request: SandboxRequest) -> SandboxResponse | None:
        if request.bearer is None:
            return graph_error(401, "Access token is empty.")
        if request.bearer != self.token:
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
        body = {"@odata.context": context(request, "users/$entity"), **select(self.user, fields)}
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
        out = [dict(p) for p in self.resources.permissions.get(item_id, [])]
        parent = items[item_id].get("parentReference", {}).get("id")
        while parent:
            for perm in self.resources.permissions.get(parent, []):
                inherited = dict(perm)
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
