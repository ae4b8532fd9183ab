"""The Exchange (on-premises, EWS) provider of the sandbox.

The ``exchange:`` section of a scenario (:class:`ExchangeData`) describes one mailbox — inbox rules,
delegates and automatic replies — in EWS's own element names, so a scenario reads like a SOAP response.
``build_apps`` returns the EWS app: SOAP 1.1 over ``POST /EWS/Exchange.asmx`` on plain http. The app keeps its
own copy of the mailbox, which the changes it accepts (UpdateInboxRules, RemoveDelegate, AddDelegate) alter;
the scenario itself is never changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from auditor.sandbox.base import ProviderApp


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# "x@example.net", or an EmailAddressType in its own element names: {"Name": ..., "EmailAddress": ...,
# "RoutingType": "EX", "MailboxType": "Mailbox"} (RoutingType defaults to SMTP; an EX address is a legacyExchangeDN).
Recipient = str | dict[str, str]
ImportanceLevel = Literal["Low", "Normal", "High"]
PermissionLevel = Literal["None", "Reviewer", "Author", "Editor", "Custom"]


class RulePredicates(_Model):
    """RulePredicatesType — an inbox rule's Conditions (and Exceptions)."""

    Categories: list[str] | None = None
    ContainsBodyStrings: list[str] | None = None
    ContainsHeaderStrings: list[str] | None = None
    ContainsRecipientStrings: list[str] | None = None
    ContainsSenderStrings: list[str] | None = None
    ContainsSubjectOrBodyStrings: list[str] | None = None
    ContainsSubjectStrings: list[str] | None = None
    FlaggedForAction: str | None = None
    FromAddresses: list[Recipient] | None = None
    HasAttachments: bool | None = None
    Importance: ImportanceLevel | None = None
    IsAutomaticForward: bool | None = None
    IsAutomaticReply: bool | None = None
    IsMeetingRequest: bool | None = None
    NotSentToMe: bool | None = None
    SentCcMe: bool | None = None
    SentOnlyToMe: bool | None = None
    SentToAddresses: list[Recipient] | None = None
    SentToMe: bool | None = None
    SentToOrCcMe: bool | None = None


class RuleActions(_Model):
    """RuleActionsType. Folders are distinguished folder ids (deleteditems, junkemail, ...) or folder names."""

    AssignCategories: list[str] | None = None
    CopyToFolder: str | None = None
    Delete: bool | None = None
    ForwardAsAttachmentToRecipients: list[Recipient] | None = None
    ForwardToRecipients: list[Recipient] | None = None
    MarkImportance: ImportanceLevel | None = None
    MarkAsRead: bool | None = None
    MoveToFolder: str | None = None
    PermanentDelete: bool | None = None
    RedirectToRecipients: list[Recipient] | None = None
    SendSMSAlertToRecipients: list[Recipient] | None = None
    StopProcessingRules: bool | None = None


class InboxRule(_Model):
    RuleId: str | None = None
    DisplayName: str
    Priority: int | None = None
    IsEnabled: bool = True
    IsNotSupported: bool | None = None
    IsInError: bool | None = None
    Conditions: RulePredicates = RulePredicates()
    Exceptions: RulePredicates | None = None
    # None leaves the element out, as the schema allows (RuleType: Actions minOccurs=0); an empty RuleActions
    # leaves it out too (Actions "can be empty: false" in the EWS reference).
    Actions: RuleActions | None = RuleActions()


class FolderPermissions(_Model):
    """DelegatePermissions: the delegate's level on each of the principal's default folders."""

    CalendarFolderPermissionLevel: PermissionLevel = "None"
    TasksFolderPermissionLevel: PermissionLevel = "None"
    InboxFolderPermissionLevel: PermissionLevel = "None"
    ContactsFolderPermissionLevel: PermissionLevel = "None"
    NotesFolderPermissionLevel: PermissionLevel = "None"
    JournalFolderPermissionLevel: PermissionLevel = "None"


class Delegate(_Model):
    PrimarySmtpAddress: str
    DisplayName: str | None = None
    SID: str | None = Field(default=None, description="the delegate's security identifier (default: one made up)")
    full_access: bool = Field(default=False, description="shorthand: Editor on every folder, private items too")
    DelegatePermissions: FolderPermissions = FolderPermissions()
    ReceiveCopiesOfMeetingMessages: bool = False
    ViewPrivateItems: bool = False

    @model_validator(mode="after")
    def _full(self) -> Delegate:
        if self.full_access:
            self.DelegatePermissions = FolderPermissions(
                **{name: "Editor" for name in FolderPermissions.model_fields}  # type: ignore[arg-type]
            )
            self.ViewPrivateItems = True
        return self


class OofSettings(_Model):
    OofState: Literal["Disabled", "Enabled", "Scheduled"] = "Disabled"
    ExternalAudience: Literal["None", "Known", "All"] = "All"
    StartTime: str = "2025-06-01T00:00:00Z"
    EndTime: str = "2025-06-08T00:00:00Z"
    InternalReply: str = ""
    ExternalReply: str = ""


class LiteralAnswer(_Model):
    """A SOAP envelope served verbatim for one operation (Microsoft's published examples, see tests/fixtures/ews)."""

    xml: str
    status: int = Field(default=200, ge=200, le=599)
    times: int | None = Field(default=None, ge=1, description="served this many times, then the generated answer")


class BasicAuth(_Model):
    """On-premises style sign-in: NTLM or HTTP Basic with this user name (email or DOMAIN\\user) and password."""

    username: str
    password: str


class Generate(_Model):
    inbox_rules: int = Field(default=0, ge=0, le=5_000)
    hostile: bool = Field(default=False, description="fill every free-text field with hostile text")


class ExchangeData(_Model):
    """The `exchange:` section of a scenario."""

    mailbox: str = "ann.example@contoso.example"
    display_name: str = "Ann Example"
    basic_auth: BasicAuth | None = None
    server_build: str = Field(default="15.1.2507.6", pattern=r"^\d+\.\d+\.\d+\.\d+$")
    inbox_rules: list[InboxRule] = Field(default_factory=list)
    delegates: list[Delegate] = Field(default_factory=list)
    deliver_meeting_requests: Literal["DelegatesOnly", "DelegatesAndMe", "DelegatesAndSendInformationToMe"] = (
        "DelegatesAndSendInformationToMe"
    )
    oof: OofSettings = OofSettings()
    generate: Generate = Generate()
    answers: dict[str, LiteralAnswer] = Field(
        default_factory=dict, description="operation name -> an answer served verbatim instead of the generated one"
    )


def build_apps(data: ExchangeData, *, token: str, endless: Callable[[str], bool]) -> list[ProviderApp]:
    from auditor.sandbox.ews_app import EwsApp

    return [EwsApp(data, token=token)]
