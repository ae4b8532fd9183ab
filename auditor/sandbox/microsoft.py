"""The Microsoft provider of the sandbox: Graph v1.0 and the identity platform (what msal signs in with).

The ``microsoft:`` section of a scenario (:class:`MicrosoftData`) describes one account, personal
(Outlook.com / OneDrive personal) or work/school (Entra ID), in Graph's own field names so a scenario
reads like API responses. ``build_apps`` returns the Graph app (plain http, ``/v1.0``) and the identity
app (https with the sandbox's certificate, ``/{tenant}/oauth2/v2.0/...``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from auditor.sandbox.base import ProviderApp

# Entra ID's fixed tenant for personal Microsoft accounts.
CONSUMER_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserProfile(_Model):
    """The signed-in user, as /me returns it."""

    id: str | None = Field(default=None, description="default: a stable id (16 hex for personal, GUID for work)")
    displayName: str = "Ann Example"
    givenName: str | None = None
    surname: str | None = None
    userPrincipalName: str = "ann.example@outlook.example"
    mail: str | None = None
    jobTitle: str | None = None
    mobilePhone: str | None = None
    officeLocation: str | None = None
    preferredLanguage: str | None = "en-US"
    businessPhones: list[str] = Field(default_factory=list)


Recipient = str | dict[str, str]  # "x@example.net" or {"name": ..., "address": ...}


class RulePredicates(_Model):
    """messageRulePredicates — the documented conditions (and exceptions) of an Outlook inbox rule."""

    bodyContains: list[str] | None = None
    bodyOrSubjectContains: list[str] | None = None
    categories: list[str] | None = None
    fromAddresses: list[Recipient] | None = None
    hasAttachments: bool | None = None
    headerContains: list[str] | None = None
    importance: Literal["low", "normal", "high"] | None = None
    isAutomaticReply: bool | None = None
    isAutomaticForward: bool | None = None
    isMeetingRequest: bool | None = None
    recipientContains: list[str] | None = None
    senderContains: list[str] | None = None
    sentCcMe: bool | None = None
    sentOnlyToMe: bool | None = None
    sentToAddresses: list[Recipient] | None = None
    sentToMe: bool | None = None
    sentToOrCcMe: bool | None = None
    subjectContains: list[str] | None = None


class RuleActions(_Model):
    """messageRuleActions — what an Outlook inbox rule does."""

    assignCategories: list[str] | None = None
    copyToFolder: str | None = None
    delete: bool | None = None
    forwardAsAttachmentTo: list[Recipient] | None = None
    forwardTo: list[Recipient] | None = None
    markAsRead: bool | None = None
    markImportance: Literal["low", "normal", "high"] | None = None
    moveToFolder: str | None = None
    permanentDelete: bool | None = None
    redirectTo: list[Recipient] | None = None
    stopProcessingRules: bool | None = None


class MessageRule(_Model):
    id: str | None = None
    displayName: str
    sequence: int | None = None
    isEnabled: bool = True
    hasError: bool = False
    isReadOnly: bool = False
    conditions: RulePredicates = RulePredicates()
    exceptions: RulePredicates | None = None
    actions: RuleActions = RuleActions()


class AutomaticReplies(_Model):
    status: Literal["disabled", "alwaysEnabled", "scheduled"] = "disabled"
    externalAudience: Literal["none", "contactsOnly", "all"] = "all"
    internalReplyMessage: str = ""
    externalReplyMessage: str = ""


class MailboxSettings(_Model):
    automaticRepliesSetting: AutomaticReplies = AutomaticReplies()
    timeZone: str = "UTC"
    dateFormat: str = "dd/MM/yyyy"
    timeFormat: str = "HH:mm"
    delegateMeetingMessageDeliveryOptions: Literal[
        "sendToDelegateAndInformationToPrincipal", "sendToDelegateAndPrincipal", "sendToDelegateOnly"
    ] = "sendToDelegateAndInformationToPrincipal"
    userPurpose: Literal["user", "linked", "shared", "room", "equipment", "others", "unknownFutureValue"] = "user"


AuthMethodType = Literal[
    "password",
    "phone",
    "email",
    "microsoftAuthenticator",
    "fido2",
    "softwareOath",
    "windowsHelloForBusiness",
    "temporaryAccessPass",
    "platformCredential",
]


class AuthMethod(_Model):
    """One entry of /me/authentication/methods (work/school accounts)."""

    type: AuthMethodType
    id: str | None = None
    displayName: str | None = Field(default=None, description="authenticator app / FIDO2 key / Hello device")
    phoneNumber: str | None = None
    phoneType: Literal["mobile", "alternateMobile", "office"] | None = None
    emailAddress: str | None = None
    deviceTag: str | None = None
    phoneAppVersion: str | None = None
    model: str | None = None
    createdDateTime: str | None = "2025-05-01T09:00:00Z"


class PermissionGrant(_Model):
    """An oAuth2PermissionGrant: an app the user (or an admin for everyone) let read their data."""

    client_name: str = Field(description="the app's display name (its service principal)")
    publisher: str | None = None
    clientId: str | None = Field(default=None, description="service principal id; default: derived")
    consentType: Literal["Principal", "AllPrincipals"] = "Principal"
    scope: str = "openid profile offline_access Mail.Read"
    resourceId: str | None = None


class Link(_Model):
    """A sharing link on a OneDrive item. ``scope: null`` serves it without a scope, as personal OneDrive does
    (the list-permissions example: an ``onedrive.live.com/redir?…&authkey=`` link with no scope)."""

    scope: Literal["anonymous", "organization", "users", "existingAccess"] | None = "anonymous"
    type: Literal["view", "edit", "embed", "blocksDownload"] = "view"
    expirationDateTime: str | None = None
    hasPassword: bool = False
    recipients: list[str] = Field(default_factory=list, description="for scope users: who the link is for")


class DriveItem(_Model):
    """A file or folder, placed by path ("Pictures/Camera Roll/IMG_1.jpg"); parent folders are made as needed."""

    path: str = Field(min_length=1)
    folder: bool = False
    id: str | None = None
    mimeType: str | None = Field(default=None, description="default: guessed from the name")
    size: int = 245_760
    links: list[Link] = Field(default_factory=list)
    shared_with: list[str] = Field(default_factory=list, description="people given access directly (read)")
    editors: list[str] = Field(default_factory=list, description="people given access directly (write)")


class Answer(_Model):
    """A recorded answer served as it is for one path (e.g. an example payload from Microsoft's documentation).
    Links in it to https://graph.microsoft.com/v1.0 are pointed at the practice server."""

    status: int = Field(default=200, ge=200, le=599)
    body: Any = None


class Identity(_Model):
    """How the practice identity platform answers msal's device-code sign-in."""

    client_ids: list[str] | None = Field(default=None, description="accepted app ids; default: any")
    auto_approve: bool = Field(default=False, description="device codes count as approved when first polled")
    interval: int = Field(default=1, ge=0, le=60, description="seconds between polls (Microsoft says 5)")
    expires_in: int = Field(default=900, ge=1, le=3600)
    needs_admin_approval: list[str] = Field(
        default_factory=list,
        description="Graph permissions this organisation lets only an administrator approve (work accounts): a "
        "sign-in asking for one ends with AADSTS65001",
    )


class Generate(_Model):
    """Bulk data for the large and hostile scenarios, made when the sandbox starts."""

    inbox_rules: int = Field(default=0, ge=0, le=5_000)
    drive_items: int = Field(default=0, ge=0, le=200_000)
    anonymous_every: int = Field(default=1_000, ge=1, description="every Nth generated file has an anonymous link")
    hostile: bool = Field(default=False, description="fill every free-text field with hostile text")


class MicrosoftData(_Model):
    """The `microsoft:` section of a scenario."""

    account_type: Literal["personal", "work"] = "personal"
    tenant_id: str | None = Field(default=None, description="default: the consumer tenant or a derived GUID")
    user: UserProfile = UserProfile()
    inbox_rules: list[MessageRule] = Field(default_factory=list)
    mailbox_settings: MailboxSettings = MailboxSettings()
    auth_methods: list[AuthMethod] = Field(default_factory=list)
    permission_grants: list[PermissionGrant] = Field(default_factory=list)
    drive: list[DriveItem] = Field(default_factory=list)
    directory_reader: bool = Field(
        default=False,
        description="the user holds a directory role (Directory Readers, Global Reader) that may list the "
        "organisation's app grants; without one Graph answers /oauth2PermissionGrants with 403",
    )
    delta_sends_shared: bool | None = Field(
        default=None,
        description="whether delta listings carry the `shared` facet; default: personal drives do, business "
        "(SharePoint-backed) drives do not",
    )
    answers: dict[str, Answer] = Field(
        default_factory=dict, description="path (/v1.0/...) -> a recorded answer served instead of the data"
    )
    page_size: int = Field(default=10, ge=1, le=1000, description="largest page of a Graph list (and of permissions)")
    drive_page_size: int = Field(default=200, ge=1, le=1000, description="largest page of a OneDrive list")
    identity: Identity = Identity()
    generate: Generate = Generate()

    @model_validator(mode="after")
    def _work_only(self) -> MicrosoftData:
        if self.account_type == "personal" and (self.auth_methods or self.permission_grants):
            raise ValueError("auth_methods and permission_grants exist only for work/school accounts")
        if any(not path.startswith("/v1.0/") for path in self.answers):
            raise ValueError("answers are keyed by the request's path, starting /v1.0/")
        return self


def build_apps(data: MicrosoftData, *, token: str, endless: Callable[[str], bool]) -> list[ProviderApp]:
    from auditor.sandbox.graph_app import GraphApp
    from auditor.sandbox.identity_app import IdentityApp, TokenRegistry

    # The tokens the identity platform issues are the ones the Graph server lets write (and revokes).
    tokens = TokenRegistry(token)
    graph = GraphApp(data, token=token, endless=endless, tokens=tokens)
    return [graph, IdentityApp(data, token=token, user=graph.user, tenant=graph.tenant, tokens=tokens)]


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(exclude_none=True)
