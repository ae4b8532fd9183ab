"""What the Microsoft checks may use: the Graph client's interface, its key, and Graph's records.

The records are pydantic models written from Microsoft Graph v1.0's resource documentation (each cites its
page). They are strict about types (a number where Graph documents text is not understood, never guessed
at), allow properties the documentation does not list (Graph adds them over time), and keep every field
optional that Graph may leave out, so what a check reads is what Graph said. The connector validates each
record on its own: a record that does not fit is named in the reading's ``unrecognised`` while the others
are still judged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, Field

from auditor.checkapi import ClientKey, Reading
from auditor.errors import CheckUnavailable, ConnectorError, ProviderError

__all__ = [
    "GRAPH",
    "AuthenticationMethod",
    "CheckUnavailable",
    "ConnectorError",
    "DriveItem",
    "Forbidden",
    "GraphReads",
    "GraphRecord",
    "GraphUser",
    "Identity",
    "IdentitySet",
    "ItemReference",
    "MessageRule",
    "MessageRuleActions",
    "MessageRulePredicates",
    "OAuth2PermissionGrant",
    "Permission",
    "ProviderError",
    "Recipient",
    "ServicePrincipal",
    "SharedItem",
    "SharingLink",
    "is_anyone_link",
    "is_media",
    "link_scope",
    "opens_something",
]


class Forbidden(ProviderError):
    """Graph answered 403: the account type has no such resource, or the sign-in lacks the permission."""


class GraphRecord(BaseModel):
    """A Graph resource or complex type. ``EXPECTED`` names properties Graph always sends: a record without
    one is still judged, but the reading says it was not understood in full."""

    model_config = ConfigDict(strict=True, extra="allow", populate_by_name=True, frozen=True)
    EXPECTED: ClassVar[tuple[str, ...]] = ()

    def raw(self) -> dict[str, Any]:
        """The record as Graph sent it (for evidence), with the names Graph uses."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


# --- the signed-in user ------------------------------------------------------------------------------


class GraphUser(GraphRecord):
    """user — https://learn.microsoft.com/graph/api/resources/user (the properties /me returns by default)."""

    id: str
    displayName: str | None = None
    userPrincipalName: str | None = None
    mail: str | None = None


# --- mail: inbox rules -------------------------------------------------------------------------------


class EmailAddress(GraphRecord):
    """emailAddress — https://learn.microsoft.com/graph/api/resources/emailaddress"""

    name: str | None = None
    address: str | None = None


class Recipient(GraphRecord):
    """recipient — https://learn.microsoft.com/graph/api/resources/recipient"""

    emailAddress: EmailAddress | None = None

    @property
    def address(self) -> str:
        email = self.emailAddress
        return (email.address or email.name or "") if email else ""


class SizeRange(GraphRecord):
    """sizeRange — https://learn.microsoft.com/graph/api/resources/sizerange (kilobytes)"""

    minimumSize: int | None = None
    maximumSize: int | None = None


class MessageRulePredicates(GraphRecord):
    """messageRulePredicates — https://learn.microsoft.com/graph/api/resources/messagerulepredicates
    (the conditions, and the exceptions, of an inbox rule)."""

    bodyContains: list[str] | None = None
    bodyOrSubjectContains: list[str] | None = None
    categories: list[str] | None = None
    fromAddresses: list[Recipient] | None = None
    hasAttachments: bool | None = None
    headerContains: list[str] | None = None
    importance: str | None = None
    isApprovalRequest: bool | None = None
    isAutomaticForward: bool | None = None
    isAutomaticReply: bool | None = None
    isEncrypted: bool | None = None
    isMeetingRequest: bool | None = None
    isMeetingResponse: bool | None = None
    isNonDeliveryReport: bool | None = None
    isPermissionControlled: bool | None = None
    isReadReceipt: bool | None = None
    isSigned: bool | None = None
    isVoicemail: bool | None = None
    messageActionFlag: str | None = None
    notSentToMe: bool | None = None
    recipientContains: list[str] | None = None
    senderContains: list[str] | None = None
    sensitivity: str | None = None
    sentCcMe: bool | None = None
    sentOnlyToMe: bool | None = None
    sentToAddresses: list[Recipient] | None = None
    sentToMe: bool | None = None
    sentToOrCcMe: bool | None = None
    subjectContains: list[str] | None = None
    withinSizeRange: SizeRange | None = None


class MessageRuleActions(GraphRecord):
    """messageRuleActions — https://learn.microsoft.com/graph/api/resources/messageruleactions"""

    assignCategories: list[str] | None = None
    copyToFolder: str | None = None
    delete: bool | None = None
    forwardAsAttachmentTo: list[Recipient] | None = None
    forwardTo: list[Recipient] | None = None
    markAsRead: bool | None = None
    markImportance: str | None = None
    moveToFolder: str | None = None
    permanentDelete: bool | None = None
    redirectTo: list[Recipient] | None = None
    stopProcessingRules: bool | None = None


class MessageRule(GraphRecord):
    """messageRule — https://learn.microsoft.com/graph/api/resources/messagerule (an Outlook inbox rule);
    listed by https://learn.microsoft.com/graph/api/mailfolder-list-messagerules"""

    EXPECTED: ClassVar[tuple[str, ...]] = ("id",)
    id: str | None = None
    displayName: str | None = None
    sequence: int | None = None
    isEnabled: bool | None = None
    hasError: bool | None = None
    isReadOnly: bool | None = None
    conditions: MessageRulePredicates | None = None
    exceptions: MessageRulePredicates | None = None
    actions: MessageRuleActions | None = None


# --- OneDrive: items and their sharing ---------------------------------------------------------------


class Identity(GraphRecord):
    """identity — https://learn.microsoft.com/graph/api/resources/identity, and sharePointIdentity
    (https://learn.microsoft.com/graph/api/resources/sharepointidentity), which adds ``loginName``. OneDrive
    also sends ``email`` on a user; it is read when present."""

    id: str | None = None
    displayName: str | None = None
    loginName: str | None = None
    email: str | None = None


class IdentitySet(GraphRecord):
    """identitySet — https://learn.microsoft.com/graph/api/resources/identityset, with sharePointIdentitySet's
    group, siteUser and siteGroup (https://learn.microsoft.com/graph/api/resources/sharepointidentityset)."""

    user: Identity | None = None
    group: Identity | None = None
    siteUser: Identity | None = None
    siteGroup: Identity | None = None
    application: Identity | None = None
    device: Identity | None = None

    # The order a person is named in: the person, then a group, a site's user or group, an app, a device.
    ORDER: ClassVar[tuple[str, ...]] = ("user", "siteUser", "group", "siteGroup", "application", "device")

    def name(self) -> str:
        for key in self.ORDER:
            who = getattr(self, key)
            if who is not None and (name := who.email or who.loginName or who.displayName):
                return name
        return ""


class ItemReference(GraphRecord):
    """itemReference — https://learn.microsoft.com/graph/api/resources/itemreference (delta never sends
    ``path``)."""

    driveId: str | None = None
    driveType: str | None = None
    id: str | None = None
    name: str | None = None
    path: str | None = None


class FileFacet(GraphRecord):
    """file — https://learn.microsoft.com/graph/api/resources/file"""

    mimeType: str | None = None


class FolderFacet(GraphRecord):
    """folder — https://learn.microsoft.com/graph/api/resources/folder"""

    childCount: int | None = None


class Facet(GraphRecord):
    """A facet whose presence is what matters here: image, photo, video, root, deleted
    (https://learn.microsoft.com/graph/api/resources/driveitem#properties)."""


class DriveItem(GraphRecord):
    """driveItem — https://learn.microsoft.com/graph/api/resources/driveitem, as listed by delta
    (https://learn.microsoft.com/graph/api/driveitem-delta). Its ``shared`` facet is not read: delta leaves it
    out (SharePoint-backed drives; microsoft-graph-docs issue 17418, onedrive-api-docs issue 1101), so
    sharing is read from each item's permissions."""

    id: str
    name: str | None = None
    file: FileFacet | None = None
    folder: FolderFacet | None = None
    image: Facet | None = None
    photo: Facet | None = None
    video: Facet | None = None
    root: Facet | None = None
    deleted: Facet | None = None
    parentReference: ItemReference | None = None
    webUrl: str | None = None

    @property
    def parent_id(self) -> str | None:
        return self.parentReference.id if self.parentReference else None


class SharingLink(GraphRecord):
    """sharingLink — https://learn.microsoft.com/graph/api/resources/sharinglink. ``scope`` is optional in
    the documentation, and personal OneDrive's links come without it (driveitem-list-permissions' example)."""

    application: Identity | None = None
    preventsDownload: bool | None = None
    scope: str | None = None
    type: str | None = None
    webHtml: str | None = None
    webUrl: str | None = None


class SharingInvitation(GraphRecord):
    """sharingInvitation — https://learn.microsoft.com/graph/api/resources/sharinginvitation"""

    email: str | None = None
    signInRequired: bool | None = None
    invitedBy: IdentitySet | None = None


class Permission(GraphRecord):
    """permission — https://learn.microsoft.com/graph/api/resources/permission, listed by
    https://learn.microsoft.com/graph/api/driveitem-list-permissions. OneDrive for Business and SharePoint
    do not send ``inheritedFrom``: an inherited permission shows on each item below the one it was set on."""

    EXPECTED: ClassVar[tuple[str, ...]] = ("id",)
    id: str | None = None
    roles: list[str] | None = None
    link: SharingLink | None = None
    grantedTo: IdentitySet | None = None
    grantedToV2: IdentitySet | None = None
    grantedToIdentities: list[IdentitySet] | None = None
    grantedToIdentitiesV2: list[IdentitySet] | None = None
    invitation: SharingInvitation | None = None
    inheritedFrom: ItemReference | None = None
    shareId: str | None = None
    expirationDateTime: str | None = None
    hasPassword: bool | None = None


# --- work or school: apps and sign-in methods --------------------------------------------------------


class OAuth2PermissionGrant(GraphRecord):
    """oAuth2PermissionGrant — https://learn.microsoft.com/graph/api/resources/oauth2permissiongrant.
    ``consentType`` is ``Principal`` (one user) or ``AllPrincipals`` (everyone in the organisation);
    ``scope`` is a space-separated list of delegated permissions."""

    EXPECTED: ClassVar[tuple[str, ...]] = ("id", "clientId")
    id: str | None = None
    clientId: str | None = None
    consentType: str | None = None
    principalId: str | None = None
    resourceId: str | None = None
    scope: str | None = None

    @property
    def scopes(self) -> list[str]:
        return (self.scope or "").split()


class VerifiedPublisher(GraphRecord):
    """verifiedPublisher — https://learn.microsoft.com/graph/api/resources/verifiedpublisher"""

    displayName: str | None = None
    verifiedPublisherId: str | None = None
    addedDateTime: str | None = None


class ServicePrincipal(GraphRecord):
    """servicePrincipal — https://learn.microsoft.com/graph/api/resources/serviceprincipal (the properties
    that name an app and its publisher)."""

    id: str | None = None
    appId: str | None = None
    appDisplayName: str | None = None
    displayName: str | None = None
    publisherName: str | None = None
    servicePrincipalType: str | None = None
    verifiedPublisher: VerifiedPublisher | None = None


class AuthenticationMethod(GraphRecord):
    """authenticationMethod — https://learn.microsoft.com/graph/api/resources/authenticationmethod and its
    subtypes (phone, email, microsoftAuthenticator, fido2, softwareOath, windowsHelloForBusiness,
    temporaryAccessPass, platformCredential, password), listed by
    https://learn.microsoft.com/graph/api/authentication-list-methods. ``@odata.type`` says which."""

    EXPECTED: ClassVar[tuple[str, ...]] = ("@odata.type", "id")
    odata_type: str | None = Field(default=None, alias="@odata.type")
    id: str | None = None
    displayName: str | None = None
    phoneNumber: str | None = None
    phoneType: str | None = None
    emailAddress: str | None = None
    deviceTag: str | None = None
    phoneAppVersion: str | None = None
    model: str | None = None
    createdDateTime: str | None = None

    @property
    def kind(self) -> str:
        """phone, email, microsoftAuthenticator, fido2, ... (the subtype's name without the suffix)."""
        raw = (self.odata_type or "").rsplit(".", 1)[-1]
        return raw.removesuffix("AuthenticationMethod") or "unknown"


# --- what the OneDrive checks judge ------------------------------------------------------------------


@dataclass(frozen=True)
class SharedItem:
    """A file or folder with permissions of its own (beyond its owner's), and the photos and videos it lets
    people open: itself, or everything under the folder."""

    item: DriveItem
    path: str
    media: tuple[DriveItem, ...]
    permissions: tuple[Permission, ...]

    @property
    def is_folder(self) -> bool:
        return self.item.folder is not None or self.item.root is not None


# Link scopes that prove a link is narrower than "anyone who has it" (sharingLink's documented values).
NARROWER_SCOPES = ("organization", "users", "existingAccess")
MEDIA_EXTENSIONS = frozenset(
    ".jpg .jpeg .jpe .png .gif .heic .heif .webp .bmp .tif .tiff .dng .raw .cr2 .nef .arw .avif "
    ".mp4 .m4v .mov .avi .mkv .webm .3gp .3g2 .wmv .mpg .mpeg .mts .m2ts".split()
)


# SharePoint's "Limited Access": given on the folders above an item shared with someone, so they can reach it;
# it opens nothing by itself (driveitem-list-permissions: SharePoint levels come with an "SP." prefix).
TRAVERSE_ONLY = frozenset({"sp.limited access"})


def opens_something(permission: Permission) -> bool:
    """False for the owner's own permission and for roles that only let someone pass through a folder."""
    roles = {r.lower() for r in permission.roles or []}
    return "owner" not in roles and not (roles and roles <= TRAVERSE_ONLY)


def link_scope(permission: Permission) -> str | None:
    """The link's scope as Graph sent it, or None when the permission is not a link."""
    return (permission.link.scope or "") if permission.link is not None else None


def is_anyone_link(permission: Permission) -> bool:
    """A sharing link anyone who has it can use: scope ``anonymous``, or no scope — personal OneDrive's
    links have none — or one the documentation does not name. Only a scope that says otherwise narrows it."""
    if permission.link is None or "owner" in (permission.roles or []):
        return False
    return permission.link.scope not in NARROWER_SCOPES


def is_media(item: DriveItem) -> bool:
    """A photo or video: by its image/photo/video facet, its MIME type, or — when Graph sent neither — its
    name (delta's own examples carry ``"file": {}`` with nothing else)."""
    if item.file is None:
        return False
    if item.image is not None or item.photo is not None or item.video is not None:
        return True
    mime = item.file.mimeType or ""
    if mime.startswith(("image/", "video/")):
        return True
    name = (item.name or "").lower()
    return "." in name and name[name.rindex(".") :] in MEDIA_EXTENSIONS


# --- the client ----------------------------------------------------------------------------------------


class GraphReads(Protocol):
    """The reads the Microsoft checks make. ``account_type`` is ``personal`` or ``work``.

    Each read is fetched once per audit and shared. A read raises a :class:`ConnectorError` when nothing
    usable came back (refused, throttled to the end, not the documented shape — :class:`Forbidden` for a
    403); otherwise it returns a :class:`Reading` naming any part not read or not understood.
    """

    account_type: str

    async def inbox_rules(self) -> Reading[list[MessageRule]]: ...

    async def auth_methods(self) -> Reading[list[AuthenticationMethod]]: ...

    async def permission_grants(self) -> Reading[list[OAuth2PermissionGrant]]:
        """The grants made for this user alone (/me/oauth2PermissionGrants)."""
        ...

    async def organisation_grants(self) -> Reading[list[OAuth2PermissionGrant]]:
        """The grants an administrator made for everyone in the organisation (consentType AllPrincipals),
        which /me/oauth2PermissionGrants leaves out. Refused for most accounts: then a reading with nothing
        read, saying why."""
        ...

    async def service_principals(self, ids: Sequence[str]) -> Reading[dict[str, ServicePrincipal]]:
        """The apps behind grants, by service principal id."""
        ...

    async def drive_sharing(self) -> Reading[list[SharedItem]]:
        """Every file or folder in OneDrive with its own sharing that exposes photos or videos."""
        ...


GRAPH: ClientKey[GraphReads] = ClientKey("graph")
