"""What the Google checks may use: the client's read methods (:class:`GoogleReads`), its key (:data:`GOOGLE`) and
the records those reads return.

Every record is a pydantic model written from Google's own schema — the discovery documents shipped with
google-api-python-client (``gmail.v1.json``, ``drive.v3.json``, ``admin.directory_v1.json``,
``admin.reports_v1.json``); each docstring names its schema. The connector validates every answer against them
before a check sees it, so a check only ever reads typed values.

What a field left out means. Google's reference pages say each of these APIs' URLs "uses gRPC Transcoding
syntax", and gRPC Transcoding (``google/api/http.proto``) requires the proto3 JSON mapping, under which a field
holding its default value is left out of the answer and read back as that default: ``false`` for a boolean,
``0`` for a number, an empty list, and for an enum its first value — which in these schemas is always
``...Unspecified``. So a Gmail setting left out is its default: ``enabled`` left out is *false* (forwarding and
IMAP off), but ``accessWindow`` left out is ``accessWindowUnspecified``, which does not say POP is off. The
properties below (``forwarding``, ``pop_off`` ...) apply exactly that, and nothing more;
``tests/fixtures/google/README.md`` gives the evidence. ``null`` is never sent by that mapping (defaults are
left out, not written as null), so a null is an answer not understood.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from auditor.checkapi import ClientKey, Reading
from auditor.errors import AuthError, ConnectorError

__all__ = [
    "DRIVE_FOLDER",
    "GOOGLE",
    "AdminAccessDenied",
    "AppPassword",
    "AppToken",
    "AutoForwarding",
    "Delegate",
    "DelegationUnavailable",
    "DirectoryUser",
    "DriveFile",
    "DrivePermission",
    "DriveUser",
    "EventParameter",
    "FilterAction",
    "FilterCriteria",
    "ForwardingAddress",
    "GmailFilter",
    "GoogleReads",
    "GoogleRecord",
    "ImapSettings",
    "LoginActivity",
    "LoginEvent",
    "MobileDevice",
    "PermissionDetail",
    "PopSettings",
    "Reading",
    "SendAs",
    "SharedFolder",
    "guided_title",
]


class DelegationUnavailable(ConnectorError):
    """Gmail answers delegates.list only to a Workspace service account with domain-wide delegation."""


class AdminAccessDenied(AuthError):
    """The Admin SDK refused: the account is not a Workspace administrator, or the admin scopes are missing."""


Identity = Annotated[str, Field(min_length=1)]


class GoogleRecord(BaseModel):
    """A record of a Google answer: typed strictly (no "true" for true, no 1 for a string), fields Google added
    after these schemas ignored, and a null refused wherever it appears (the proto3 JSON mapping leaves a default
    out; it never writes null). A field that identifies a record is a non-empty :data:`Identity`: under that
    mapping an empty string and a field left out are the same answer, and neither names anything."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    # Most resources say what they are; where a schema has neither field, a string there does no harm.
    kind: str | None = None
    etag: str | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _no_null(cls, value: Any) -> Any:
        if value is None:
            raise PydanticCustomError("null", "null where Google leaves a field out or sends a value")
        return value


# --- Gmail (gmail.v1) ----------------------------------------------------------------------------------

Disposition = Literal["dispositionUnspecified", "leaveInInbox", "archive", "trash", "markRead"]
Verification = Literal["verificationStatusUnspecified", "accepted", "pending"]


class AutoForwarding(GoogleRecord):
    """Gmail's automatic forwarding: discovery schema ``AutoForwarding`` (gmail.v1)."""

    enabled: bool | None = None
    emailAddress: str | None = None
    disposition: Disposition | None = None

    @property
    def forwarding(self) -> bool:
        """Every new message is forwarded. ``enabled`` left out is false (proto3 JSON default)."""
        return self.enabled is True


class ForwardingAddress(GoogleRecord):
    """An address Gmail may forward to: discovery schema ``ForwardingAddress`` (gmail.v1). ``pending`` is "awaiting
    verification by the owner": nothing is forwarded there until someone confirms from that mailbox."""

    forwardingEmail: Identity
    verificationStatus: Verification | None = None


class FilterCriteria(GoogleRecord):
    """What a filter matches: discovery schema ``FilterCriteria`` (gmail.v1)."""

    from_: str | None = Field(default=None, alias="from")
    to: str | None = None
    subject: str | None = None
    query: str | None = None
    negatedQuery: str | None = None
    hasAttachment: bool | None = None
    excludeChats: bool | None = None
    size: int | None = None
    sizeComparison: Literal["unspecified", "smaller", "larger"] | None = None


class FilterAction(GoogleRecord):
    """What a filter does: discovery schema ``FilterAction`` (gmail.v1). An empty ``forward`` is no forward (Gmail
    takes an empty address as none)."""

    addLabelIds: list[str] = Field(default_factory=list)
    removeLabelIds: list[str] = Field(default_factory=list)
    forward: str | None = None


class GmailFilter(GoogleRecord):
    """A Gmail filter: discovery schema ``Filter`` (gmail.v1), listed under ``filter`` (singular) by
    ``ListFiltersResponse``."""

    id: str | None = None
    criteria: FilterCriteria = FilterCriteria()
    action: FilterAction = FilterAction()


class SendAs(GoogleRecord):
    """A send-as alias: discovery schema ``SendAs`` (gmail.v1). The list always holds the primary address."""

    sendAsEmail: Identity
    displayName: str | None = None
    replyToAddress: str | None = None
    isPrimary: bool | None = None
    isDefault: bool | None = None
    treatAsAlias: bool | None = None
    signature: str | None = None
    verificationStatus: Verification | None = None


class ImapSettings(GoogleRecord):
    """IMAP: discovery schema ``ImapSettings`` (gmail.v1)."""

    enabled: bool | None = None
    autoExpunge: bool | None = None
    expungeBehavior: Literal["expungeBehaviorUnspecified", "archive", "trash", "deleteForever"] | None = None
    maxFolderSize: int | None = None

    @property
    def imap_on(self) -> bool:
        """IMAP is on. ``enabled`` left out is false (proto3 JSON default)."""
        return self.enabled is True


class PopSettings(GoogleRecord):
    """POP: discovery schema ``PopSettings`` (gmail.v1). ``accessWindow`` left out is ``accessWindowUnspecified``
    ("Unspecified range"), which is not ``disabled``: it does not say whether POP is off."""

    accessWindow: Literal["accessWindowUnspecified", "disabled", "fromNowOn", "allMail"] | None = None
    disposition: Disposition | None = None

    @property
    def window(self) -> str:
        return self.accessWindow or "accessWindowUnspecified"

    @property
    def pop_off(self) -> bool:
        return self.window == "disabled"

    @property
    def pop_on(self) -> bool:
        return self.window in ("fromNowOn", "allMail")


DelegateVerification = Literal["verificationStatusUnspecified", "accepted", "pending", "rejected", "expired"]


class Delegate(GoogleRecord):
    """A Gmail delegate: discovery schema ``Delegate`` (gmail.v1); ``ListDelegatesResponse`` leaves ``delegates`` out
    when there are none ("If an account doesn't have delegates, this field doesn't appear")."""

    delegateEmail: Identity
    verificationStatus: DelegateVerification | None = None


# --- Drive (drive.v3) ----------------------------------------------------------------------------------


class DriveUser(GoogleRecord):
    """A Drive user: discovery schema ``User`` (drive.v3)."""

    emailAddress: str | None = None
    displayName: str | None = None
    me: bool | None = None


class PermissionDetail(GoogleRecord):
    """One item of ``Permission.permissionDetails`` (drive.v3, revision 20261106): "Details of whether the permissions
    on this item are inherited or are directly on this item". ``inherited`` "is always populated"; ``inheritedFrom``
    ("The ID of the item from which this permission is inherited") "is only populated for items in shared drives" — on
    a My Drive file it is left out, so the folder a permission comes from is found through ``File.parents``.
    ``permissionType`` is ``file`` or ``member``."""

    permissionType: str | None = None
    role: str | None = None
    inherited: bool | None = None
    inheritedFrom: str | None = None


class DrivePermission(GoogleRecord):
    """Who may open a file: discovery schema ``Permission`` (drive.v3). ``type`` is user, group, domain or anyone;
    ``role`` owner, organizer, fileOrganizer, writer, commenter or reader. ``permissionDetails`` says whether the
    permission is on the item itself or inherited from a folder above it (several details: both); left out (older
    answers gave it "only for shared drive items"), nothing says it is inherited and it is taken as the file's own."""

    id: str | None = None
    type: str | None = None
    role: str | None = None
    emailAddress: str | None = None
    domain: str | None = None
    displayName: str | None = None
    allowFileDiscovery: bool | None = None
    deleted: bool | None = None
    permissionDetails: list[PermissionDetail] | None = None

    @property
    def inherited(self) -> bool:
        """Google says this permission comes (also) from a folder above the item: it cannot be removed on the item
        ("You cannot remove or reduce an inherited permission on a child item. Changes must be made on the
        originating parent", Drive API guide "Share files, folders, and drives")."""
        return any(d.inherited is True for d in self.permissionDetails or [])


class DriveFile(GoogleRecord):
    """A file's metadata: discovery schema ``File`` (drive.v3). ``permissions`` is None when Drive did not list it
    ("only available if the requesting user can share the file")."""

    id: Identity
    name: str | None = None
    mimeType: str | None = None
    webViewLink: str | None = None
    owners: list[DriveUser] = Field(default_factory=list)
    permissions: list[DrivePermission] | None = None
    parents: list[Identity] = Field(default_factory=list)  # "A file can only have one parent folder"


DRIVE_FOLDER = "application/vnd.google-apps.folder"


@dataclass(frozen=True)
class SharedFolder:
    """A folder anyone with the link (or anyone) can open, and how many photos and videos are directly in it (its
    sub-folders are not opened); ``media`` is None when they could not be listed."""

    folder: DriveFile
    media: int | None


# --- Workspace Admin SDK (admin.directory_v1, admin.reports_v1) -------------------------------------------


class UserName(GoogleRecord):
    """``User.name`` (admin.directory_v1): schema ``UserName``."""

    givenName: str | None = None
    familyName: str | None = None
    fullName: str | None = None


class DirectoryUser(GoogleRecord):
    """A Workspace user: discovery schema ``User`` (admin.directory_v1). ``primaryEmail`` is always there (a user
    cannot exist without it), so an answer without it is not a user record."""

    id: str | None = None
    primaryEmail: Identity
    name: UserName = UserName()
    isEnrolledIn2Sv: bool | None = None
    isEnforcedIn2Sv: bool | None = None
    isAdmin: bool | None = None
    suspended: bool | None = None
    orgUnitPath: str | None = None
    lastLoginTime: str | None = None

    @property
    def enrolled_in_2sv(self) -> bool:
        """``isEnrolledIn2Sv`` left out is false (proto3 JSON default): not enrolled."""
        return self.isEnrolledIn2Sv is True


class AppToken(GoogleRecord):
    """An OAuth token held by a third-party app: discovery schema ``Token`` (admin.directory_v1)."""

    clientId: Identity
    displayText: str | None = None
    scopes: list[str] = Field(default_factory=list)
    nativeApp: bool | None = None
    anonymous: bool | None = None
    userKey: str | None = None


class AppPassword(GoogleRecord):
    """An app-specific password: discovery schema ``Asp`` (admin.directory_v1). The times are int64 milliseconds,
    which JSON carries as strings."""

    codeId: int = Field(gt=0)
    name: str | None = None
    creationTime: str | None = None
    lastTimeUsed: str | None = None
    userKey: str | None = None


class MobileDevice(GoogleRecord):
    """A phone or tablet syncing the account: discovery schema ``MobileDevice`` (admin.directory_v1)."""

    resourceId: Identity
    deviceId: str | None = None
    email: list[str] = Field(default_factory=list)
    name: list[str] = Field(default_factory=list)
    model: str | None = None
    os: str | None = None
    type: str | None = None
    status: str | None = None
    hardwareId: str | None = None
    firstSync: str | None = None
    lastSync: str | None = None
    userAgent: str | None = None


class ActivityId(GoogleRecord):
    """``Activity.id`` (admin.reports_v1)."""

    time: str | None = None
    uniqueQualifier: str | None = None
    applicationName: str | None = None
    customerId: str | None = None


class ActivityActor(GoogleRecord):
    """``Activity.actor`` (admin.reports_v1)."""

    email: str | None = None
    profileId: str | None = None
    callerType: str | None = None


class EventParameter(GoogleRecord):
    """One item of ``Activity.events[].parameters`` (admin.reports_v1): a named value of an event."""

    name: str | None = None
    value: str | None = None
    boolValue: bool | None = None
    intValue: str | None = None
    multiValue: list[str] = Field(default_factory=list)


class LoginEvent(GoogleRecord):
    """One item of ``Activity.events`` (admin.reports_v1): a login audit event such as ``login_success``."""

    name: str | None = None
    type: str | None = None
    parameters: list[EventParameter] = Field(default_factory=list)

    @property
    def suspicious(self) -> bool:
        """Google marked the event suspicious (the login report's ``is_suspicious`` parameter)."""
        return any(p.name == "is_suspicious" and p.boolValue is True for p in self.parameters)


class LoginActivity(GoogleRecord):
    """A login audit record: discovery schema ``Activity`` (admin.reports_v1), applicationName ``login``."""

    id: ActivityId = ActivityId()
    actor: ActivityActor = ActivityActor()
    ipAddress: str | None = None
    events: list[LoginEvent] = Field(default_factory=list)


# --- the client ----------------------------------------------------------------------------------------


class GoogleReads(Protocol):
    """The read-only Google client a check is given. Every read is fetched once per audit and shared."""

    workspace_admin: bool  # the Admin SDK is read (the person administers Workspace, or practice mode)

    async def auto_forwarding(self) -> Reading[AutoForwarding]: ...

    async def forwarding_addresses(self) -> Reading[list[ForwardingAddress]]: ...

    async def filters(self) -> Reading[list[GmailFilter]]: ...

    async def send_as(self) -> Reading[list[SendAs]]: ...

    async def imap(self) -> Reading[ImapSettings]: ...

    async def pop(self) -> Reading[PopSettings]: ...

    async def delegates(self) -> Reading[list[Delegate]]:
        """Raises :class:`DelegationUnavailable` when Google lists delegates only to a service account."""
        ...

    async def media_shared_by_link(self) -> Reading[list[DriveFile]]: ...

    async def media_shared_with_people(self) -> Reading[list[DriveFile]]: ...

    async def folders_shared_by_link(self) -> Reading[list[SharedFolder]]:
        """Folders shared by link or findable, each with the count of photos and videos directly in it (one paged
        children listing per folder, at most a bounded number of folders). A listing that failed or was cut short
        is in the reading's gaps; this read does not raise for it."""
        ...

    async def admin_user(self, email: str) -> Reading[DirectoryUser]: ...

    async def app_tokens(self, email: str) -> Reading[list[AppToken]]: ...

    async def app_passwords(self, email: str) -> Reading[list[AppPassword]]: ...

    async def mobile_devices(self, email: str) -> Reading[list[MobileDevice]]: ...

    async def login_events(self, email: str) -> Reading[list[LoginActivity]]: ...


GOOGLE: ClientKey[GoogleReads] = ClientKey("google")


def guided_title(check_id: str) -> str:
    """The title of a guided (by-hand) check, for a check that hands the question over to it."""
    from auditor.manual import manual_definitions

    return manual_definitions()[check_id].title
