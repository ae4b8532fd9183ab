"""Graph resources built once from a scenario's ``microsoft:`` section, in Graph's JSON shapes.

user (microsoft.graph.user), messageRule, mailboxSettings, authenticationMethod subtypes,
oAuth2PermissionGrant + servicePrincipal, drive and driveItem with permission (sharing links,
grantedToV2 / grantedToIdentitiesV2) — as documented in Graph v1.0's resource types.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import uuid
from dataclasses import dataclass, field
from typing import Any

from auditor.sandbox.hostile import hostile_text
from auditor.sandbox.microsoft import (
    CONSUMER_TENANT,
    DriveItem,
    Link,
    MessageRule,
    MicrosoftData,
    Recipient,
    RuleActions,
    RulePredicates,
    dump,
)

CREATED = "2025-06-01T10:00:00Z"
MODIFIED = "2025-06-02T10:00:00Z"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"


def digest(*parts: object) -> bytes:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()


def stable_guid(*parts: object) -> str:
    return str(uuid.UUID(bytes=digest(*parts)[:16]))


def stable_hex(*parts: object, length: int = 16) -> str:
    return digest(*parts).hex()[:length].upper()


def recipient(value: Recipient) -> dict[str, Any]:
    if isinstance(value, str):
        return {"emailAddress": {"name": value, "address": value}}
    address = value.get("address", "")
    return {"emailAddress": {"name": value.get("name", address), "address": address}}


@dataclass
class GraphData:
    """Everything the Graph routes answer from, keyed for lookup."""

    user: dict[str, Any]
    rules: list[dict[str, Any]]
    mailbox_settings: dict[str, Any]
    auth_methods: list[dict[str, Any]]
    grants: list[dict[str, Any]]
    service_principals: dict[str, dict[str, Any]]
    drive: dict[str, Any]
    items: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> driveItem (with private keys)
    children: dict[str, list[str]] = field(default_factory=dict)  # folder id -> child ids, by name
    permissions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # id -> direct permissions
    root_id: str = ""


class _Builder:
    def __init__(self, data: MicrosoftData) -> None:
        self.data = data
        self.hostile = data.generate.hostile
        self.work = data.account_type == "work"
        profile = data.user
        self.upn = profile.userPrincipalName
        self.user_id = profile.id or (stable_guid("user", self.upn) if self.work else stable_hex("user", self.upn))
        self.tenant = data.tenant_id or (stable_guid("tenant", self.upn) if self.work else CONSUMER_TENANT)
        self.drive_id = stable_hex("drive", self.upn) if not self.work else "b!" + _b64(digest("drive", self.upn))
        self.counter = 100

    def text(self, value: str, field_name: str) -> str:
        return hostile_text(field_name) if self.hostile else value

    # -- user, mail ---------------------------------------------------------------------------------

    def user(self) -> dict[str, Any]:
        record = {"businessPhones": [], **dump(self.data.user)}
        record["id"] = self.user_id
        record["displayName"] = self.text(record["displayName"], "displayName")
        record.setdefault("mail", self.upn)
        for name in ("givenName", "surname", "jobTitle", "mobilePhone", "officeLocation"):
            record.setdefault(name, None)
        return record

    def _predicates(self, predicates: RulePredicates) -> dict[str, Any]:
        out = dump(predicates)
        for key in ("fromAddresses", "sentToAddresses"):
            if key in out:
                out[key] = [recipient(r) for r in getattr(predicates, key)]
        if self.hostile:
            for key in ("subjectContains", "bodyContains", "senderContains", "bodyOrSubjectContains"):
                if key in out:
                    out[key] = [hostile_text(f"conditions.{key}")]
        return out

    def _actions(self, actions: RuleActions) -> dict[str, Any]:
        out = dump(actions)
        for key in ("forwardTo", "redirectTo", "forwardAsAttachmentTo"):
            if key in out:
                out[key] = [recipient(r) for r in getattr(actions, key)]
                if self.hostile:
                    for item in out[key]:
                        item["emailAddress"]["name"] = hostile_text(f"actions.{key}.name")
        return out

    def _rule(self, rule: MessageRule, index: int) -> dict[str, Any]:
        record: dict[str, Any] = {
            "id": rule.id or _b64(digest("rule", index)[:8]),
            "displayName": self.text(rule.displayName, "displayName"),
            "sequence": rule.sequence if rule.sequence is not None else index + 1,
            "isEnabled": rule.isEnabled,
            "hasError": rule.hasError,
            "isReadOnly": rule.isReadOnly,
            "conditions": self._predicates(rule.conditions),
            "actions": self._actions(rule.actions),
        }
        if rule.exceptions is not None:
            record["exceptions"] = self._predicates(rule.exceptions)
        return record

    def rules(self) -> list[dict[str, Any]]:
        rules = list(self.data.inbox_rules)
        for index in range(self.data.generate.inbox_rules):
            rules.append(
                MessageRule(
                    displayName=f"Newsletters {index:04d}",
                    conditions=RulePredicates(senderContains=[f"news{index}@shop.example"]),
                    actions=RuleActions(moveToFolder="AAMkAGNewsletters=", markAsRead=index % 2 == 0),
                )
            )
        return [self._rule(rule, index) for index, rule in enumerate(rules)]

    def mailbox_settings(self) -> dict[str, Any]:
        record = dump(self.data.mailbox_settings)
        replies = record["automaticRepliesSetting"]
        for key in ("internalReplyMessage", "externalReplyMessage"):
            replies[key] = self.text(replies[key], f"automaticRepliesSetting.{key}")
        replies.setdefault("scheduledStartDateTime", {"dateTime": "2025-06-01T00:00:00.0000000", "timeZone": "UTC"})
        replies.setdefault("scheduledEndDateTime", {"dateTime": "2025-06-08T00:00:00.0000000", "timeZone": "UTC"})
        record["language"] = {"locale": "en-US", "displayName": "English (United States)"}
        record["workingHours"] = {
            "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
            "startTime": "08:00:00.0000000",
            "endTime": "17:00:00.0000000",
            "timeZone": {"name": record["timeZone"]},
        }
        return record

    # -- work/school: authentication methods, app grants -------------------------------------------

    def auth_methods(self) -> list[dict[str, Any]]:
        types = {
            "password": "passwordAuthenticationMethod",
            "phone": "phoneAuthenticationMethod",
            "email": "emailAuthenticationMethod",
            "microsoftAuthenticator": "microsoftAuthenticatorAuthenticationMethod",
            "fido2": "fido2AuthenticationMethod",
            "softwareOath": "softwareOathAuthenticationMethod",
            "windowsHelloForBusiness": "windowsHelloForBusinessAuthenticationMethod",
            "temporaryAccessPass": "temporaryAccessPassAuthenticationMethod",
            "platformCredential": "platformCredentialAuthenticationMethod",
        }
        methods = list(self.data.auth_methods)
        if self.work and not any(m.type == "password" for m in methods):
            from auditor.sandbox.microsoft import AuthMethod

            methods.insert(0, AuthMethod(type="password"))
        out = []
        for index, method in enumerate(methods):
            record: dict[str, Any] = {"@odata.type": "#microsoft.graph." + types[method.type]}
            record["id"] = method.id or (
                "28c10230-6103-485e-b985-444c60001490"
                if method.type == "password"
                else stable_guid("method", index, method.type)
            )
            body = dump(method)
            body.pop("type")
            body.pop("id", None)
            if method.type == "password":
                body = {"password": None, "createdDateTime": body.get("createdDateTime")}
            if "displayName" in body:
                body["displayName"] = self.text(body["displayName"], "authMethod.displayName")
            if method.type == "phone":
                body.setdefault("phoneType", "mobile")
                body.setdefault("smsSignInState", "notConfigured")
            record.update(body)
            out.append(record)
        return out

    def grants(self) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
        graph_sp = stable_guid("sp", GRAPH_APP_ID)
        principals: dict[str, dict[str, Any]] = {
            graph_sp: {
                "id": graph_sp,
                "appId": GRAPH_APP_ID,
                "appDisplayName": "Microsoft Graph",
                "displayName": "Microsoft Graph",
                "publisherName": "Microsoft Services",
                "servicePrincipalType": "Application",
                "verifiedPublisher": {"displayName": None, "verifiedPublisherId": None, "addedDateTime": None},
            }
        }
        grants = []
        for index, grant in enumerate(self.data.permission_grants):
            client_id = grant.clientId or stable_guid("sp", grant.client_name, index)
            name = self.text(grant.client_name, "appDisplayName")
            principals[client_id] = {
                "id": client_id,
                "appId": stable_guid("app", grant.client_name, index),
                "appDisplayName": name,
                "displayName": name,
                "publisherName": self.text(grant.publisher or "", "publisherName") or None,
                "servicePrincipalType": "Application",
                "verifiedPublisher": {"displayName": None, "verifiedPublisherId": None, "addedDateTime": None},
            }
            grants.append(
                {
                    "id": _b64(digest("grant", index, client_id)[:24]),
                    "clientId": client_id,
                    "consentType": grant.consentType,
                    "principalId": self.user_id if grant.consentType == "Principal" else None,
                    "resourceId": grant.resourceId or graph_sp,
                    "scope": " " + grant.scope.strip() + " ",  # Graph pads scope with spaces
                }
            )
        return grants, principals

    # -- OneDrive -----------------------------------------------------------------------------------

    def next_id(self) -> str:
        self.counter += 1
        if self.work:
            return "01" + base64.b32encode(digest("item", self.upn, self.counter)).decode()[:32]
        return f"{self.drive_id}!{self.counter}"

    def person(self, email: str) -> dict[str, Any]:
        name = self.text(email.split("@")[0], "grantee.displayName")
        return {"user": {"id": stable_hex("person", email), "displayName": name, "email": email}}

    def owner(self) -> dict[str, Any]:
        return {"user": {"id": self.user_id, "displayName": self.text(self.data.user.displayName, "displayName")}}

    def link_permission(self, item_id: str, index: int, link: Link) -> dict[str, Any]:
        share = "s!" + _b64(digest("share", item_id, index)[:18])
        if self.work:
            web = f"https://contoso-my.sharepoint.com/:u:/g/personal/{share}"
        elif link.scope is None:
            # Personal OneDrive's own form, as in the list-permissions example: no scope, an authkey in the URL.
            authkey = "!" + _b64(digest("authkey", item_id, index)[:11])
            web = f"https://onedrive.live.com/redir?resid={item_id}&authkey={authkey}&ithint=file%2cjpg"
        else:
            web = f"https://1drv.ms/u/{share}"
        body: dict[str, Any] = {"type": link.type, "webUrl": web, "preventsDownload": False}
        if link.scope is not None:
            body = {"scope": link.scope, **body}
        record: dict[str, Any] = {
            "id": _b64(digest("perm-link", item_id, index)[:12]),
            "roles": ["write" if link.type == "edit" else "read"],
            "shareId": share,
            "hasPassword": link.hasPassword,
            "link": body,
        }
        if link.expirationDateTime:
            record["expirationDateTime"] = link.expirationDateTime
        if link.scope == "users":
            people = [self.person(email) for email in link.recipients]
            record["grantedToIdentitiesV2"] = people
            record["grantedToIdentities"] = people
        return record

    def direct_permission(self, item_id: str, email: str, role: str) -> dict[str, Any]:
        person = self.person(email)
        return {
            "id": _b64(digest("perm-user", item_id, email)[:12]),
            "roles": [role],
            "grantedToV2": person,
            "grantedTo": person,
            "invitation": {"email": email, "signInRequired": True},
        }

    def drive(self, out: GraphData) -> None:
        root_id = self.next_id() if not self.work else "01" + "ROOT" + stable_hex("root", self.upn, length=28)
        out.root_id = root_id
        drive_type = "business" if self.work else "personal"
        out.items[root_id] = {
            "id": root_id,
            "name": "root",
            "size": 0,
            "createdDateTime": CREATED,
            "lastModifiedDateTime": MODIFIED,
            "webUrl": f"https://onedrive.live.com/?cid={self.drive_id}",
            "parentReference": {"driveId": self.drive_id, "driveType": drive_type},
            "folder": {"childCount": 0},
            "root": {},
            "_path": "",
        }
        out.children[root_id] = []
        folders = {"": root_id}
        entries = list(self.data.drive)
        generate = self.data.generate
        for index in range(generate.drive_items):
            folder = f"Generated/Batch {index // 500:03d}"
            ext = (".jpg", ".pdf", ".mp4", ".docx")[index % 4]
            anonymous = index % generate.anonymous_every == generate.anonymous_every // 2
            entries.append(
                DriveItem(
                    path=f"{folder}/file-{index:06d}{ext}",
                    links=[Link(scope="anonymous", type="view")] if anonymous else [],
                )
            )
        for entry in entries:
            parts = [p for p in entry.path.strip("/").split("/") if p]
            parent = ""
            for depth in range(len(parts) - (0 if entry.folder else 1)):
                path = "/".join(parts[: depth + 1])
                if path not in folders:
                    is_last = entry.folder and depth == len(parts) - 1
                    folders[path] = self.add_item(out, entry if is_last else None, path, folders[parent], True)
                elif entry.folder and depth == len(parts) - 1:
                    self.share(out, folders[path], entry)
                parent = path
            if not entry.folder:
                self.add_item(out, entry, "/".join(parts), folders[parent], False)
        for item_id, kids in out.children.items():
            kids.sort(key=lambda k: out.items[k]["_path"].lower())
            out.items[item_id]["folder"]["childCount"] = len(kids)
            out.items[item_id]["size"] = sum(out.items[k]["size"] for k in kids)

    def add_item(self, out: GraphData, entry: DriveItem | None, path: str, parent_id: str, is_folder: bool) -> str:
        item_id = (entry.id if entry else None) or self.next_id()
        parent = out.items[parent_id]
        name = path.rsplit("/", 1)[-1]
        parent_path = "/drive/root:" + ("/" + parent["_path"] if parent["_path"] else "")
        record: dict[str, Any] = {
            "id": item_id,
            "name": self.text(name, "driveItem.name") if not is_folder or entry else name,
            "size": 0 if is_folder else (entry.size if entry else 0),
            "createdDateTime": CREATED,
            "lastModifiedDateTime": MODIFIED,
            "eTag": '"{' + stable_guid("etag", item_id).upper() + '},1"',
            "cTag": '"c:{' + stable_guid("ctag", item_id).upper() + '},1"',
            "webUrl": f"https://onedrive.live.com/?cid={self.drive_id}&id={item_id}",
            "createdBy": self.owner(),
            "lastModifiedBy": self.owner(),
            "parentReference": {
                "driveId": self.drive_id,
                "driveType": "business" if self.work else "personal",
                "id": parent_id,
                "name": parent["name"],
                "path": parent_path,
            },
            "_path": path,
        }
        if is_folder:
            record["folder"] = {"childCount": 0}
            out.children[item_id] = []
        else:
            mime = (entry.mimeType if entry else None) or mimetypes.guess_type(name)[0] or "application/octet-stream"
            record["file"] = {"mimeType": mime, "hashes": {"quickXorHash": _b64(digest("hash", item_id)[:20])}}
            if mime.startswith("image/"):
                record["image"] = {"width": 4032, "height": 3024}
                record["photo"] = {"takenDateTime": "2025-05-30T18:12:00Z", "cameraMake": "Apple"}
            if mime.startswith("video/"):
                record["video"] = {"duration": 31_000, "width": 1920, "height": 1080}
        out.items[item_id] = record
        out.children[parent_id].append(item_id)
        if entry is not None:
            self.share(out, item_id, entry)
        return item_id

    def share(self, out: GraphData, item_id: str, entry: DriveItem) -> None:
        perms = out.permissions.setdefault(item_id, [])
        # People first, links after: with more permissions than a page holds, a link can be on a later page.
        perms.extend(self.direct_permission(item_id, email, "read") for email in entry.shared_with)
        perms.extend(self.direct_permission(item_id, email, "write") for email in entry.editors)
        perms.extend(self.link_permission(item_id, i, link) for i, link in enumerate(entry.links))
        set_shared_facet(out.items[item_id], perms, self.owner())

    def build(self) -> GraphData:
        grants, principals = self.grants()
        out = GraphData(
            user=self.user(),
            rules=self.rules(),
            mailbox_settings=self.mailbox_settings(),
            auth_methods=self.auth_methods() if self.work else [],
            grants=grants,
            service_principals=principals,
            drive={
                "id": self.drive_id,
                "driveType": "business" if self.work else "personal",
                "name": "OneDrive",
                "createdDateTime": CREATED,
                "lastModifiedDateTime": MODIFIED,
                "webUrl": f"https://onedrive.live.com/?cid={self.drive_id}",
                "owner": self.owner(),
                "quota": {"deleted": 0, "remaining": 5_000_000_000, "state": "normal", "total": 5_368_709_120},
            },
        )
        self.drive(out)
        return out


def set_shared_facet(item: dict[str, Any], permissions: list[dict[str, Any]], owner: dict[str, Any]) -> None:
    """The driveItem's ``shared`` facet from its own permissions (none left: no facet)."""
    if not permissions:
        item.pop("shared", None)
        return
    scopes = [p["link"].get("scope", "anonymous") for p in permissions if "link" in p]
    scope = "anonymous" if "anonymous" in scopes else "organization" if "organization" in scopes else "users"
    item["shared"] = {"owner": owner, "scope": scope, "sharedDateTime": MODIFIED}


def created_link(item_id: str, serial: int, *, link_type: str, scope: str | None, work: bool) -> dict[str, Any]:
    """A sharing link made by createLink: a new permission id and a new address every time."""
    share = "s!" + _b64(digest("created-share", item_id, serial)[:18])
    web = f"https://contoso-my.sharepoint.com/:u:/g/personal/{share}" if work else f"https://1drv.ms/u/{share}"
    link: dict[str, Any] = {"type": link_type, "webUrl": web, "preventsDownload": False}
    if scope is not None:
        link = {"scope": scope, **link}
    return {
        "id": _b64(digest("created-link", item_id, serial)[:12]),
        "roles": ["write" if link_type == "edit" else "read"],
        "shareId": share,
        "hasPassword": False,
        "link": link,
    }


def invited_person(item_id: str, serial: int, *, email: str, role: str, require_sign_in: bool) -> dict[str, Any]:
    """A permission given to a person by invite (driveitem-invite's answer: grantedToV2 and the invitation)."""
    person = {"user": {"id": stable_hex("person", email), "displayName": email.split("@")[0], "email": email}}
    return {
        "id": _b64(digest("invited", item_id, email, serial)[:12]),
        "roles": [role],
        "grantedToV2": person,
        "grantedTo": person,
        "invitation": {"email": email, "signInRequired": require_sign_in},
    }


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def build_graph_data(data: MicrosoftData) -> tuple[GraphData, str]:
    """The resources, and the tenant id the account lives in."""
    builder = _Builder(data)
    return builder.build(), builder.tenant
