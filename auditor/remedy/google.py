"""Closing Google access paths: Gmail's automatic forwarding, forwarding addresses and filters, and Drive sharing.

:data:`REMEDIES` speaks :class:`auditor.remedy.Remedies`. ``changes_for`` reads only the finding's evidence
record (the ids the Google checks keep there) and sends nothing. ``open_writer`` gets the write permission the
confirmed changes need — and only then:

- ``gmail.settings.basic`` (deleting a filter, or making it again) and ``drive`` (removing a sharing
  permission, or making it again): the person's own consent in the browser, asked for exactly those scopes with
  ``include_granted_scopes`` (:func:`auditor.connectors.google.signin.write_credentials`), held in memory for the
  sitting and never stored; the case's read-only token is not used. Before anything is sent, the writer checks
  that the permission was given by the account the changes are for.
- ``gmail.settings.sharing`` (turning automatic forwarding off, removing a forwarding address, and putting them
  back): Google allows these only to a Workspace service account with domain-wide delegation
  (users.settings.updateAutoForwarding, forwardingAddresses.delete and .create: "This method is only available to
  service account clients that have been delegated domain-wide authority"), so the writer uses the service account
  named by ``google.delegation_key_file``, for that one scope, acting for the account. Without one, nothing is
  sent, and the person is told to make the change by hand.
- A bearer token given with the request (``AUDITOR_BEARER_TOKEN``: the practice servers, tests, scripts) stands
  for the permission: nothing is asked.

Each scope, what else it allows and what putting a change back means are written in docs/changes.md ("Google").
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from auditor.errors import AuthError, ProviderError, UsageError
from auditor.model import Finding, Status
from auditor.remedy import Applied, Change, Permission, WriterRequest, permissions_of
from auditor.safetext import literal

__all__ = ["DRIVE", "GMAIL_BASIC", "GMAIL_SHARING", "REMEDIES", "GoogleRemedies", "GoogleWriterForChanges"]

KIND = "google"
SCOPE = "https://www.googleapis.com/auth/"

GMAIL_BASIC = Permission(
    SCOPE + "gmail.settings.basic",
    words=(
        "See and change your basic Gmail settings, filters included (not your mail). It is the permission the tool "
        "already reads Gmail's settings with — Google has no read-only one — asked for again so that the change is "
        "sent with a permission kept in memory for this sitting only."
    ),
)
GMAIL_SHARING = Permission(
    SCOPE + "gmail.settings.sharing",
    words=(
        "Change Gmail's forwarding, delegate and send-as settings. Google gives it only to a Google Workspace "
        "service account with domain-wide delegation, set up by the Workspace administrator (google."
        "delegation_key_file); for a personal Gmail account this change is made by hand in Gmail's settings."
    ),
    broad=True,
    why_broad=(
        "Google has one permission for all of Gmail's sharing settings. With it the tool could also add forwarding "
        "addresses, delegates and send-as addresses to the account; it sends only the change you confirm."
    ),
)
DRIVE = Permission(
    SCOPE + "drive",
    words="See, change and delete every file in your Google Drive, and who each is shared with.",
    broad=True,
    why_broad=(
        "Google has no narrower permission that can stop sharing a photo this tool did not create: the narrow one "
        "(drive.file) reaches only files the tool made or you opened with it. Full access would let the tool see, "
        "change and delete every file in your Drive. It sends only the changes you confirm, keeps the permission in "
        "memory for this sitting only, and never stores it."
    ),
)

TURN_OFF_FORWARDING = "gmail.auto_forwarding.turn_off"
REMOVE_FORWARDING_ADDRESS = "gmail.forwarding_address.delete"
DELETE_FILTER = "gmail.filter.delete"
REMOVE_DRIVE_PERMISSION = "drive.permission.delete"

GMAIL = "https://gmail.googleapis.com/gmail/v1/users/me/settings"
DRIVE_API = "https://www.googleapis.com/drive/v3/files"
FOLDER = "application/vnd.google-apps.folder"
NO_DELEGATION_WHY = (
    "Google lets only a Google Workspace service account with domain-wide delegation change Gmail's forwarding "
    "settings (gmail.settings.sharing), and none is set up (google.delegation_key_file in settings.yaml, "
    "docs/google.md)."
)
FORWARDING_BY_HAND = (
    "Make this change by hand: Gmail › Settings (the gear) › See all settings › Forwarding and POP/IMAP."
)
NO_DELEGATION = f"{NO_DELEGATION_WHY} Nothing was changed. {FORWARDING_BY_HAND}"
WHAT_HAPPENS_TO_YOUR_COPY = {
    "trash": "your copy is deleted",
    "archive": "your copy is archived",
    "markRead": "your copy is marked read",
    "leaveInInbox": "your copy stays in the inbox",
}


def _json(value: Any) -> str:
    """A request body for the record: JSON with every character outside ASCII escaped (so no control, bidi or
    escape character an attacker wrote takes effect wherever the record is shown)."""
    return json.dumps(value, ensure_ascii=True, sort_keys=True, separators=(", ", ": "))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# -- what a finding's evidence allows -------------------------------------------------------------------------


def _forwarding(finding: Finding) -> list[Change]:
    evidence = finding.evidence
    address = _text(evidence.get("emailAddress"))
    if address is None or evidence.get("enabled") is not True:
        return []
    disposition = _text(evidence.get("disposition"))
    body: dict[str, Any] = {"enabled": False, "emailAddress": address}
    if disposition:
        body["disposition"] = disposition
    shown = literal(address, 200)
    after = f" ({WHAT_HAPPENS_TO_YOUR_COPY[disposition]})" if disposition in WHAT_HAPPENS_TO_YOUR_COPY else ""
    return [
        Change(
            fingerprint=finding.fingerprint,
            kind=KIND,
            target=finding.target,
            action=TURN_OFF_FORWARDING,
            subject=address,
            words=(
                f"Turn off automatic forwarding of your mail to {shown}. {shown} stays among your forwarding "
                "addresses (removing it is a change of its own)."
            ),
            request=f"PUT {GMAIL}/autoForwarding {_json(body)}",
            before={"enabled": True, "emailAddress": address, "disposition": disposition},
            permission=GMAIL_SHARING,
            restore_note=(
                f"Putting it back turns automatic forwarding to {shown} on again: every new message is copied there"
                f"{after}. Gmail accepts it only while {shown} is still a confirmed forwarding address; if the "
                "address was removed too, it has to be added back and confirmed from that mailbox first."
            ),
        )
    ]


def _forwarding_address(finding: Finding) -> list[Change]:
    address = _text(finding.evidence.get("forwardingEmail"))
    if address is None:
        return []
    shown = literal(address, 200)
    status = _text(finding.evidence.get("verificationStatus"))
    return [
        Change(
            fingerprint=finding.fingerprint,
            kind=KIND,
            target=finding.target,
            action=REMOVE_FORWARDING_ADDRESS,
            subject=address,
            words=f"Remove {shown} from the addresses Gmail may forward your mail to",
            request=f"DELETE {GMAIL}/forwardingAddresses/{quote(address, safe='')}",
            before={"forwardingEmail": address, "verificationStatus": status},
            permission=GMAIL_SHARING,
            restore_note=(
                f"Putting it back adds {shown} again, and Google then e-mails a new confirmation request to {shown}: "
                "whoever reads that mailbox learns the address was added back. Nothing is forwarded there until "
                "someone clicks the link in that message (the address waits for confirmation until then)."
            ),
        )
    ]


def _filter_hides(action: Mapping[str, Any]) -> list[str]:
    added = set(action.get("addLabelIds") or ())
    removed = set(action.get("removeLabelIds") or ())
    out = []
    if "TRASH" in added:
        out.append("deletes it")
    if "INBOX" in removed:
        out.append("skips the inbox")
    if "UNREAD" in removed:
        out.append("marks it read")
    if "SPAM" in added:
        out.append("sends it to spam")
    return out


def _filter_matches(criteria: Mapping[str, Any]) -> str:
    parts = []
    for key, words in (("from", "from {}"), ("to", "to {}"), ("subject", "with “{}” in the subject")):
        if _text(criteria.get(key)):
            parts.append(words.format(literal(criteria[key], 120)))
    for key, words in (("query", "matching “{}”"), ("negatedQuery", "not matching “{}”")):
        if _text(criteria.get(key)):
            parts.append(words.format(literal(criteria[key], 120)))
    if criteria.get("hasAttachment") is True:
        parts.append("with an attachment")
    return "mail " + ", ".join(parts) if parts else "all your mail"


def _filter(finding: Finding) -> list[Change]:
    evidence = finding.evidence
    filter_id = _text(evidence.get("id"))
    criteria = evidence.get("criteria", {})
    action = evidence.get("action", {})
    if filter_id is None or not isinstance(criteria, Mapping) or not isinstance(action, Mapping):
        return []
    forward = _text(action.get("forward"))
    hidden = _filter_hides(action)
    matches = _filter_matches(criteria)
    does = [f"forwards {matches} to {literal(forward, 200)}"] if forward else [f"picks {matches}"]
    if hidden:
        does.append(", ".join(hidden))
    remade = (
        f" Gmail accepts it only while {literal(forward, 200)} is a confirmed forwarding address." if forward else ""
    )
    return [
        Change(
            fingerprint=finding.fingerprint,
            kind=KIND,
            target=finding.target,
            action=DELETE_FILTER,
            subject=filter_id,
            words=f"Delete the Gmail filter that {' and '.join(does)}",
            request=f"DELETE {GMAIL}/filters/{quote(filter_id, safe='')}",
            before={"id": filter_id, "criteria": dict(criteria), "action": dict(action)},
            permission=GMAIL_BASIC,
            restore_note=(
                "Putting it back makes a new filter with the same criteria and actions; Gmail gives it a new id, so "
                f"the old one is not brought back as such.{remade}"
            ),
        )
    ]


def _file(record: Mapping[str, Any]) -> dict[str, Any] | None:
    file_id = _text(record.get("id"))
    if file_id is None:
        return None
    return {
        "id": file_id,
        "name": record.get("name") if isinstance(record.get("name"), str) else "",
        "mimeType": _text(record.get("mimeType")),
        "webViewLink": _text(record.get("webViewLink")),
    }


def _grantee(permission: Mapping[str, Any]) -> str:
    if permission.get("type") == "anyone":
        return "anyone"
    if _text(permission.get("emailAddress")):
        return literal(permission["emailAddress"], 200)
    if _text(permission.get("domain")):
        return f"everyone at {literal(permission['domain'], 200)}"
    return "someone Google did not name"


def _sharing(finding: Finding, file: dict[str, Any], permission: Mapping[str, Any]) -> Change | None:
    """Removing one permission from one file or folder."""
    permission_id = _text(permission.get("id"))
    if permission_id is None or permission.get("role") == "owner" or _text(permission.get("type")) is None:
        return None
    kept = {
        k: permission[k]
        for k in ("id", "type", "role", "emailAddress", "domain", "allowFileDiscovery")
        if permission.get(k) is not None
    }
    folder = file["mimeType"] == FOLDER
    name = literal(file["name"] or "a file without a name", 200)
    thing = f"the folder “{name}” (and what is in it)" if folder else f"“{name}”"
    if permission.get("type") == "anyone":
        whom = (
            "anyone on the internet (it can be found by searching)"
            if permission.get("allowFileDiscovery") is True
            else "anyone who has the link"
        )
        note = (
            f"Putting it back shares {thing} by link again. A Drive link is the file's own address (its id, and the "
            "resource key Google adds to some links), not something made with the sharing: the same link works again, "
            "for anyone who kept it."
        )
    else:
        whom = _grantee(permission)
        role = literal(permission.get("role") or "reader", 40)
        note = (
            f"Putting it back shares {thing} with {whom} again, as {role}. The tool asks Google not to e-mail them "
            "about it, but it shows in their “Shared with me” again."
        )
    if folder:
        note += " Files in the folder that were shared only through it are shared again with it."
    return Change(
        fingerprint=finding.fingerprint,
        kind=KIND,
        target=finding.target,
        action=REMOVE_DRIVE_PERMISSION,
        subject=f"{file['id']}/{permission_id}",
        words=f"Stop sharing {thing} with {whom}",
        request=f"DELETE {DRIVE_API}/{quote(file['id'], safe='')}/permissions/{quote(permission_id, safe='')}",
        before={"file": file, "permission": kept},
        permission=DRIVE,
        restore_note=note,
    )


def _inherited(permission: Mapping[str, Any]) -> bool:
    """Drive says the permission comes (also) from a folder above (``permissionDetails[].inherited``): it cannot be
    removed on the item itself, only on the folder it comes from."""
    details = permission.get("permissionDetails")
    if not isinstance(details, Sequence) or isinstance(details, str):
        return False
    return any(isinstance(d, Mapping) and d.get("inherited") is True for d in details)


def _this(mime_type: Any) -> str:
    if mime_type == FOLDER:
        return "this folder"
    if isinstance(mime_type, str) and mime_type.startswith("image/"):
        return "this photo"
    if isinstance(mime_type, str) and mime_type.startswith("video/"):
        return "this video"
    return "this file"


def _through_folder(finding: Finding, file: dict[str, Any], permission: Mapping[str, Any]) -> Change | None:
    """Removing the permission ``file`` inherits, on the folder it comes from (``shared_through`` in the evidence):
    the same request as the folder's own finding makes, so a set of them sends it once."""
    through = finding.evidence.get("shared_through")
    if not isinstance(through, Mapping):
        return None  # the folder it comes from was not identified: nothing the tool can send closes it
    folder = _file(through)
    owned = through.get("permissions")
    if folder is None or folder["mimeType"] != FOLDER or not isinstance(owned, Sequence):
        return None
    source = next((p for p in owned if isinstance(p, Mapping) and p.get("id") == permission.get("id")), None)
    if source is None or source.get("type") != "anyone" or _inherited(source):
        return None
    change = _sharing(finding, folder, source)
    if change is None:
        return None
    return replace(change, words=f"{change.words} — {_this(file['mimeType'])} is shared through it")


def _links(finding: Finding) -> list[Change]:
    """One change per anyone-permission of the file or folder (``drive_public_media`` finds one per finding): on the
    item itself where the permission is its own, on the folder it comes from where it is inherited."""
    file = _file(finding.evidence)
    permissions = finding.evidence.get("permissions")
    if file is None or not isinstance(permissions, Sequence):
        return []
    made: list[Change] = []
    for permission in permissions:
        if not isinstance(permission, Mapping) or permission.get("type") != "anyone":
            continue
        if _inherited(permission):
            change = _through_folder(finding, file, permission)
        else:
            change = _sharing(finding, file, permission)
        if change is not None and all(c.request != change.request for c in made):
            made.append(change)
    return made


def _people(finding: Finding) -> list[Change]:
    """One change per file the person can open (``drive_people_media`` groups a person's files in one finding),
    so the flow can offer them one by one or as a listed set."""
    files = finding.evidence.get("files")
    if not isinstance(files, Sequence):
        return []
    changes = []
    for record in files:
        if not isinstance(record, Mapping):
            continue
        file = _file(record)
        permission = record.get("permission")
        if file is None or not isinstance(permission, Mapping):
            continue
        change = _sharing(finding, file, permission)
        if change is not None:
            changes.append(change)
    return changes


CHANGES: dict[str, Callable[[Finding], list[Change]]] = {
    "google.gmail_autoforward": _forwarding,
    "google.gmail_forwarding_addresses": _forwarding_address,
    "google.gmail_filters": _filter,
    "google.drive_public_media": _links,
    "google.drive_people_media": _people,
}


# -- sending ----------------------------------------------------------------------------------------------------


def _answered(answer: Mapping[str, Any], key: str, what: str) -> Any:
    value = answer.get(key)
    if value is None or value == "":
        raise ProviderError(
            f"Google's answer to {what} does not say it was done (no {key}): the check runs again to see"
        )
    return value


async def _turn_off_forwarding(writer: Any, change: Change) -> dict[str, Any]:
    what = "turning off automatic forwarding"
    body = {"enabled": False, "emailAddress": change.before["emailAddress"]}
    if change.before.get("disposition"):
        body["disposition"] = change.before["disposition"]
    answer = await writer.update_auto_forwarding(body, what)
    if answer.get("enabled", False) is not False:  # left out is false (proto3); anything else is not "off"
        raise ProviderError(f"Google answered that automatic forwarding is still on after {what}")
    return answer


async def _forwarding_back_on(writer: Any, change: Change) -> dict[str, Any]:
    what = "turning automatic forwarding back on"
    body = {"enabled": True, "emailAddress": change.before["emailAddress"]}
    if change.before.get("disposition"):
        body["disposition"] = change.before["disposition"]
    answer = await writer.update_auto_forwarding(body, what)
    if answer.get("enabled") is not True:
        raise ProviderError(f"Google's answer to {what} does not say forwarding is on: the check runs again to see")
    return answer


async def _remove_address(writer: Any, change: Change) -> dict[str, Any]:
    address = change.before["forwardingEmail"]
    result: dict[str, Any] = await writer.delete_forwarding_address(
        address, f"removing the forwarding address {literal(address, 200)}"
    )
    return result


async def _add_address_back(writer: Any, change: Change) -> dict[str, Any]:
    address = change.before["forwardingEmail"]
    what = f"adding {literal(address, 200)} back as a forwarding address"
    answer = await writer.create_forwarding_address(address, what)
    if _answered(answer, "forwardingEmail", what) != address:
        raise ProviderError(f"Google's answer to {what} names another address: the check runs again to see")
    return answer


async def _delete_filter(writer: Any, change: Change) -> dict[str, Any]:
    result: dict[str, Any] = await writer.delete_filter(change.before["id"], "deleting the filter")
    return result


async def _make_filter_again(writer: Any, change: Change) -> dict[str, Any]:
    what = "making the filter again"
    body = {"criteria": dict(change.before["criteria"]), "action": dict(change.before["action"])}
    answer = await writer.create_filter(body, what)
    _answered(answer, "id", what)  # the new filter's id, which Gmail assigns
    return answer


async def _remove_permission(writer: Any, change: Change) -> dict[str, Any]:
    file, permission = change.before["file"], change.before["permission"]
    what = f"removing the sharing of “{literal(file['name'] or file['id'], 200)}”"
    result: dict[str, Any] = await writer.delete_permission(file["id"], permission["id"], what)
    return result


async def _share_again(writer: Any, change: Change) -> dict[str, Any]:
    file, permission = change.before["file"], change.before["permission"]
    what = f"sharing “{literal(file['name'] or file['id'], 200)}” again"
    body = {k: permission[k] for k in ("type", "role", "emailAddress", "domain") if permission.get(k) is not None}
    if permission["type"] in ("anyone", "domain"):
        body["allowFileDiscovery"] = permission.get("allowFileDiscovery") is True
    # Drive allows sendNotificationEmail only when sharing with a user or a group; for them it is turned off.
    notify = False if permission["type"] in ("user", "group") else None
    answer = await writer.create_permission(file["id"], body, what, notify=notify)
    _answered(answer, "id", what)
    return answer


Step = Callable[[Any, Change], Coroutine[Any, Any, dict[str, Any]]]
SEND: dict[str, tuple[Step, Step]] = {
    TURN_OFF_FORWARDING: (_turn_off_forwarding, _forwarding_back_on),
    REMOVE_FORWARDING_ADDRESS: (_remove_address, _add_address_back),
    DELETE_FILTER: (_delete_filter, _make_filter_again),
    REMOVE_DRIVE_PERMISSION: (_remove_permission, _share_again),
}


class GoogleWriterForChanges:
    """Sends exactly the changes it was opened for (and puts them back), each with the permission it needs."""

    def __init__(self, target: str, changes: Sequence[Change], writers: Mapping[str, Any]) -> None:
        self.target = target
        self._changes = list(changes)
        self._writers = dict(writers)  # permission name -> GoogleWriter holding that permission

    def _writer_for(self, change: Change) -> Any:
        if change not in self._changes:
            raise UsageError("this change was not the one confirmed when the permission was asked for; not sent")
        if change.permission is None or change.permission.name not in self._writers:
            raise UsageError("the permission for this change was not given in this sitting; not sent")
        return self._writers[change.permission.name]

    async def apply(self, change: Change) -> Applied:
        writer = self._writer_for(change)
        answer = await SEND[change.action][0](writer, change)
        return Applied(change, answer=answer)

    async def restore(self, applied: Applied) -> Applied:
        change = applied.change
        if not change.restorable:
            raise UsageError("this change cannot be put back by the tool")
        writer = self._writer_for(change)
        answer = await SEND[change.action][1](writer, change)
        return Applied(change, answer=answer)

    async def aclose(self) -> None:
        self._writers.clear()  # the write permission is forgotten with the writer


class GoogleRemedies:
    kind = KIND

    def by_hand(self, change: Change, request: WriterRequest) -> str | None:
        """Gmail's forwarding settings change only through a Workspace service account: without one set up (and
        without a token given, as practice servers and tests give) the person is told at once, not after they
        confirmed and waited for a sign-in."""
        if change.permission is None or change.permission.name != GMAIL_SHARING.name or request.token:
            return None
        settings = request.settings
        if settings is not None and settings.google.delegation_key_file is not None:
            return None
        return f"{NO_DELEGATION_WHY} {FORWARDING_BY_HAND}"

    def changes_for(self, finding: Finding) -> list[Change]:
        if finding.status not in (Status.FOUND, Status.REVIEW):
            return []
        make = CHANGES.get(finding.check)
        return make(finding) if make is not None else []

    async def open_writer(self, request: WriterRequest) -> GoogleWriterForChanges:
        import asyncio

        from auditor.config import Settings
        from auditor.connectors.google.writer import GoogleWriter

        changes = list(request.changes)
        unknown = [c for c in changes if c.kind != KIND or c.target != request.target or c.action not in SEND]
        if not changes or unknown or any(c.permission is None for c in changes):
            raise UsageError(f"no Google change for {literal(request.target, 200)} to ask a permission for")
        settings = request.settings if request.settings is not None else Settings()
        needed = [p.name for p in permissions_of(changes)]
        timeout = settings.request_timeout
        writers: dict[str, Any] = {}
        if request.token:
            # A bearer token given (practice servers, tests, scripts) stands for the permission: nothing is asked.
            from google.oauth2.credentials import Credentials

            given = GoogleWriter(request.endpoint, Credentials(request.token), timeout=timeout, who="the token given")
            return GoogleWriterForChanges(request.target, changes, dict.fromkeys(needed, given))
        if GMAIL_SHARING.name in needed:  # settled before any browser opens
            from auditor.connectors.google.delegation import delegation_credentials

            service = delegation_credentials(settings, request.target, [GMAIL_SHARING.name])
            if service is None:
                raise AuthError(NO_DELEGATION)
            writers[GMAIL_SHARING.name] = GoogleWriter(
                request.endpoint,
                service,
                timeout=timeout,
                who="the Workspace service account",
                when_refused="check that its domain-wide delegation includes gmail.settings.sharing",
            )
        personal = [name for name in needed if name != GMAIL_SHARING.name]
        if personal:
            from auditor.connectors.google.signin import SIGN_IN_TIMEOUT, write_credentials

            show: Callable[[str], None] = request.show or (lambda _text: None)
            credentials = await asyncio.to_thread(
                write_credentials,
                settings,
                request.target,
                personal,
                show=show,
                browser=request.extra.get("browser"),
                timeout=int(request.extra.get("sign_in_timeout", SIGN_IN_TIMEOUT)),
            )
            writer = GoogleWriter(request.endpoint, credentials, timeout=timeout, who="the permission you gave")
            await _same_account(writer, request.target)
            writers.update(dict.fromkeys(personal, writer))
        return GoogleWriterForChanges(request.target, changes, writers)


async def _same_account(writer: Any, target: str) -> None:
    """The permission was given by the account the changes are for: another account signed in in the browser
    (someone else's, on a shared computer) gets nothing sent."""
    from auditor.errors import ConnectorError

    try:
        address = await writer.account_email()
    except ConnectorError as exc:
        raise AuthError(
            f"Google gave the permission, but the tool could not check that it was given as {literal(target, 200)} "
            f"({exc}); nothing was changed. Sign in to the browser as {literal(target, 200)} and try again"
        ) from None
    if address.casefold() != target.casefold():
        raise AuthError(
            f"the permission was given as {literal(address or 'another account', 200)}, not as "
            f"{literal(target, 200)}; nothing was changed. Sign in to the browser as {literal(target, 200)} and try "
            "again"
        )


REMEDIES = GoogleRemedies()
