"""Closing Microsoft access paths through Graph: inbox rules, OneDrive sharing, and (work or school accounts)
signing out of every session.

What the tool can change, each with the narrowest delegated permission its Graph reference page lists
(https://learn.microsoft.com/graph/api/<page>; docs/changes.md, "Microsoft", says what each also allows):

- An inbox rule that forwards or hides mail: turn it off — offered first, since the rule stays in the
  mailbox, switched off, as evidence (``PATCH /me/mailFolders/inbox/messageRules/{id}`` with
  ``{"isEnabled": false}``; messagerule-update) — or delete it (``DELETE`` the same; messagerule-delete).
  Both need MailboxSettings.ReadWrite.
- A photo or video shared by a link or with a person: remove that one sharing permission
  (``DELETE /me/drive/items/{item}/permissions/{perm}``; permission-delete; Files.ReadWrite). One change per
  item and permission, so "every anyone-link on these N photos" is a set listed one by one.
- A phone, e-mail address or app that can sign in to a work or school account: sign out of every session
  (``POST /me/revokeSignInSessions``; user-revokesigninsessions; User.RevokeSessions.All). It ends the
  sessions, not the sign-in method, so the check still finds the method afterwards (the playbook says how to
  remove it); it is not offered beside a rule's changes, where the flow would show it as another way of closing
  the rule, which it is not.

A finding's changes of one action are a set (every link on a photo, every permission letting one person in —
links and their own access alike: the flow may send them all); changes of different actions are different ways
of closing the same path (turn the rule off, or delete it: one is chosen).

Putting back (``restore``): a rule turned off is turned on again; a deleted rule is made again as it was found
(``POST …/messageRules``, mailfolder-post-messagerules — Microsoft gives it a new id); a removed link is made
again with createLink (driveitem-createlink — it gets a new address: the old one never works again); a
person's access is given again with invite (driveitem-invite, without Microsoft e-mailing them). Signing out
cannot be undone.

``open_writer`` asks for exactly the permissions of the confirmed changes (incremental consent,
:func:`auditor.connectors.graph.signin.consent_for_changes`): a device code sign-in of its own, its token kept
in memory for this sitting and never stored; the case's read-only sign-in is left as it was. A token given
in the request (``AUDITOR_BEARER_TOKEN``: scripts, tests, practice servers) is used as it is. Practice
servers' own identity platform may be named in ``request.extra`` (``authority_url``, ``ca_file``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from auditor.errors import AuthError, UsageError
from auditor.model import Finding, Status
from auditor.remedy import Applied, Change, Permission, WriterRequest, permissions_of
from auditor.safetext import literal

__all__ = [
    "FILES_WRITE",
    "MAILBOX_WRITE",
    "REMEDIES",
    "SIGN_OUT",
    "MicrosoftRemedies",
    "MicrosoftWriter",
]

KIND = "microsoft"

MAILBOX_WRITE = Permission(
    "MailboxSettings.ReadWrite",
    "change your Outlook mailbox settings, inbox rules included. It cannot read or send your mail, but "
    "Microsoft's own description says it lets an app create rules that forward or redirect mail — which is why "
    "it is asked for only now, for this one change, and never kept",
)
FILES_WRITE = Permission(
    "Files.ReadWrite",
    "read, change and delete your own OneDrive files and who they are shared with (not files others shared "
    "with you in other drives)",
)
SIGN_OUT = Permission(
    "User.RevokeSessions.All",
    "sign your work or school account out of every session. Your organisation may let only its IT team "
    "approve this permission; if so, Microsoft says so at the sign-in and nothing is changed",
)

# Change actions (kept in the case's timeline with the change: never renamed).
RULE_OFF = "rule.turn-off"
RULE_DELETE = "rule.delete"
SHARING_REMOVE = "sharing.remove"  # ``before["via"]`` says whether it was a link or a person's own access
SESSIONS_REVOKE = "sessions.revoke"
VIA_LINK = "link"
VIA_PERSON = "person"

RULES_CHECK = "microsoft.outlook_inbox_rules"
PUBLIC_CHECK = "microsoft.onedrive_public_media"
PEOPLE_CHECK = "microsoft.onedrive_people_media"
METHODS_CHECK = "microsoft.auth_methods"
NO_STRONG_METHOD = "no-strong-method"  # auth_methods' finding about the account as a whole, not a method

RULE_PATH = "/me/mailFolders/inbox/messageRules"
LINK_TYPES = ("view", "edit", "embed")  # what createLink can make again
OPEN_STATUSES = (Status.FOUND, Status.REVIEW)

SIGN_OUT_WORDS = (
    "Sign {account} out everywhere: every phone, computer and app signed in to it — yours too, and this tool's "
    "own sign-in — must sign in again. Microsoft ends the sessions within a few minutes, not at once. It does "
    "not change the password or remove any sign-in method: whoever knows the password or holds a sign-in "
    "method can sign in again, so change the password and remove what is not yours too (the playbook's steps). "
    "This cannot be undone."
)
SIGN_OUT_NOTE = (
    "Signing out cannot be undone: sign in again on your own devices. Nothing was removed that could be put back."
)


def _segment(value: str) -> str:
    return quote(value, safe="!=")


def _request(method: str, path: str, body: Mapping[str, Any] | None = None) -> str:
    return f"{method} {path}" + ("" if body is None else " " + json.dumps(body, ensure_ascii=False))


def _text(value: Any, limit: int = 200) -> str:
    return literal(str(value), limit) if isinstance(value, str) and value else ""


class MicrosoftRemedies:
    kind = KIND

    def by_hand(self, change: Change, request: WriterRequest) -> str | None:
        return None  # every change planned here can be asked for and sent

    # -- the changes (pure: built from the finding's evidence) ----------------------------------------

    def changes_for(self, finding: Finding) -> list[Change]:
        if finding.status not in OPEN_STATUSES or not finding.check.startswith(KIND + "."):
            return []
        evidence = finding.evidence
        if finding.check == RULES_CHECK:
            return _rule_changes(finding, evidence)
        if finding.check == PUBLIC_CHECK:
            return _link_changes(finding, evidence)
        if finding.check == PEOPLE_CHECK:
            return _people_changes(finding, evidence)
        if finding.check == METHODS_CHECK and finding.subject != NO_STRONG_METHOD:
            return [_sign_out(finding)]  # sign-in methods are read only on work or school accounts
        return []

    # -- the writer ---------------------------------------------------------------------------------

    async def open_writer(self, request: WriterRequest) -> MicrosoftWriter:
        """Ask for exactly the permissions of ``request.changes`` (unless a token is given) and return the
        writer that sends them. Nothing is sent to Graph here."""
        from auditor.config import Settings
        from auditor.connectors.graph.writer import GRAPH_URL, GraphWriter

        changes = list(request.changes)
        if not changes:
            raise UsageError("no change to make")
        for change in changes:
            if change.kind != KIND or change.guided:
                raise UsageError("a change for another kind of account was given to the Microsoft writer")
            if change.target.casefold() != request.target.casefold():
                raise UsageError("every change must be for the account the writer is opened for")
        permissions = [p.name for p in permissions_of(changes)]
        settings = request.settings if request.settings is not None else Settings()
        token = request.token
        if not token:
            token = await asyncio.to_thread(_consent, request, settings, permissions)
        writer = GraphWriter(
            request.endpoint or GRAPH_URL,
            token,
            timeout=settings.request_timeout,
            retry_budget=settings.retry_budget,
        )
        return MicrosoftWriter(writer, request.target, permissions)


def _consent(request: WriterRequest, settings: Any, permissions: Sequence[str]) -> str:
    from auditor.connectors.graph.signin import consent_for_changes

    if request.show is None:
        raise UsageError("the sign-in for the change shows a code to enter; nothing can show it here")
    extra = request.extra
    authority_url = extra.get("authority_url")
    ca_file = extra.get("ca_file")
    return consent_for_changes(
        settings,
        request.target,
        permissions,
        show=request.show,
        authority_url=str(authority_url) if authority_url else None,
        ca_file=str(ca_file) if ca_file else None,
    )


class MicrosoftWriter:
    """Sends exactly one confirmed change at a time, with the token of this sitting only."""

    def __init__(self, graph: Any, target: str, permissions: Sequence[str]) -> None:
        self.graph = graph
        self.target = target
        self.permissions = frozenset(permissions)

    def _check(self, change: Change) -> None:
        if change.kind != KIND or change.target.casefold() != self.target.casefold():
            raise UsageError("this writer makes changes to one Microsoft account only")
        if change.permission is None or change.permission.name not in self.permissions:
            raise AuthError("this change needs a permission that was not asked for in this sitting; nothing was sent")

    async def apply(self, change: Change) -> Applied:
        self._check(change)
        before = change.before
        if change.action == RULE_OFF:
            rule = await self.graph.set_rule_enabled(_id(before, "id"), False)
            return Applied(change, answer={"id": rule.id, "isEnabled": rule.isEnabled})
        if change.action == RULE_DELETE:
            await self.graph.delete_rule(_id(before, "id"))
            return Applied(change, answer={"deleted": _id(before, "id")})
        if change.action == SHARING_REMOVE:
            item, permission = _id(before, "item"), _id(before, "id")
            await self.graph.delete_permission(item, permission)
            return Applied(change, answer={"removed": permission, "item": item})
        if change.action == SESSIONS_REVOKE:
            await self.graph.revoke_sign_in_sessions()
            return Applied(change, answer={"revoked": True})
        raise UsageError(f"the Microsoft writer does not make changes of the kind {literal(change.action, 60)}")

    async def restore(self, applied: Applied) -> Applied:
        change = applied.change
        self._check(change)
        if not change.restorable:
            raise UsageError(change.restore_note or "the tool cannot put this back")
        before = change.before
        if change.action == RULE_OFF:
            rule = await self.graph.set_rule_enabled(_id(before, "id"), True)
            return Applied(change, answer={"id": rule.id, "isEnabled": rule.isEnabled})
        if change.action == RULE_DELETE:
            rule = await self.graph.create_rule(dict(before))
            return Applied(change, answer={"id": rule.id, "was": _id(before, "id")})
        if change.action == SHARING_REMOVE and before.get("via") == VIA_LINK:
            made = await self.graph.create_link(_id(before, "item"), _link_body(before))
            return Applied(change, answer={"id": made.id, "webUrl": made.link.webUrl if made.link else None})
        if change.action == SHARING_REMOVE and before.get("via") == VIA_PERSON:
            invited = await self.graph.invite(_id(before, "item"), _invite_body(before))
            return Applied(change, answer={"ids": [p.id for p in invited]})
        raise UsageError(change.restore_note or "the tool cannot put this back")

    async def aclose(self) -> None:
        await self.graph.aclose()


def _id(record: Mapping[str, Any], key: str) -> str:
    value = record.get(key)
    if not isinstance(value, str) or not value:
        raise UsageError(f"the record kept with this change has no {key}; nothing was sent")
    return value


# -- inbox rules ------------------------------------------------------------------------------------------


def _rule_changes(finding: Finding, evidence: Mapping[str, Any]) -> list[Change]:
    rule_id = evidence.get("id")
    if not isinstance(rule_id, str) or not rule_id or evidence.get("isReadOnly") is True:
        # Without its id the rule cannot be named to Graph; a read-only rule "cannot be modified or deleted by
        # the rules REST API" (messageRule). The playbook's steps by hand remain.
        return []
    before = {k: v for k, v in evidence.items() if k != "account_type"}
    name = _text(evidence.get("displayName"), 120) or "(no name)"
    path = f"{RULE_PATH}/{_segment(rule_id)}"

    def change(action: str, words: str, request: str, note: str) -> Change:
        return Change(
            fingerprint=finding.fingerprint,
            kind=KIND,
            target=finding.target,
            action=action,
            subject=rule_id,
            words=words,
            request=request,
            before=before,
            permission=MAILBOX_WRITE,
            restore_note=note,
        )

    out = []
    if evidence.get("isEnabled") is not False:
        out.append(
            change(
                RULE_OFF,
                f"Turn off the inbox rule “{name}”. It stays in your mailbox, switched off, as evidence.",
                _request("PATCH", path, {"isEnabled": False}),
                "The rule can be turned back on.",
            )
        )
    out.append(
        change(
            RULE_DELETE,
            f"Delete the inbox rule “{name}”.",
            _request("DELETE", path),
            "The tool can make the rule again as it was found (its name, order, conditions and actions); "
            "Microsoft gives the new rule a new id.",
        )
    )
    return out


def _sign_out(finding: Finding) -> Change:
    return Change(
        fingerprint=finding.fingerprint,
        kind=KIND,
        target=finding.target,
        action=SESSIONS_REVOKE,
        subject="sessions",
        words=SIGN_OUT_WORDS.format(account=literal(finding.target, 120)),
        request=_request("POST", "/me/revokeSignInSessions"),
        before={"account": finding.target},
        permission=SIGN_OUT,
        restorable=False,
        restore_note=SIGN_OUT_NOTE,
    )


# -- OneDrive sharing -------------------------------------------------------------------------------------


def _personal_root(evidence: Mapping[str, Any], root: Any) -> bool:
    # permission-delete and driveitem-invite: a personal drive's root cannot have its permissions changed.
    return root is True and evidence.get("account_type") == "personal"


def _permission_path(item: str, permission: str) -> str:
    return f"/me/drive/items/{_segment(item)}/permissions/{_segment(permission)}"


def _link_restore(link_type: Any, scope: Any, has_password: Any) -> tuple[bool, str]:
    if link_type not in LINK_TYPES or scope == "users":
        return False, (
            "The tool cannot make this link again (a link for chosen people, or one createLink cannot make); "
            "share the file again by hand if you need to."
        )
    note = (
        "A new link can be made for the same file, but it has a new address: the removed one never works again, "
        "and the new one reaches only the people you send it to."
    )
    if has_password is True:
        note += " The old link's password cannot be put back."
    return True, note


def _link_changes(finding: Finding, evidence: Mapping[str, Any]) -> list[Change]:
    item = evidence.get("id")
    links = evidence.get("links")
    if not isinstance(item, str) or not item or not isinstance(links, list):
        return []
    if _personal_root(evidence, evidence.get("root")):
        return []
    path = _text(evidence.get("path")) or "your whole OneDrive"
    out = []
    for link in links:
        if not isinstance(link, Mapping) or not isinstance(link.get("id"), str) or not link.get("id"):
            continue
        restorable, note = _link_restore(link.get("type"), link.get("scope"), link.get("hasPassword"))
        address = _text(link.get("webUrl")) or "(no address given)"
        out.append(
            Change(
                fingerprint=finding.fingerprint,
                kind=KIND,
                target=finding.target,
                action=SHARING_REMOVE,
                subject=f"{item}/{link['id']}",
                words=f"Remove the anyone-with-the-link link to {path}: {address}",
                request=_request("DELETE", _permission_path(item, str(link["id"]))),
                before={"via": VIA_LINK, "item": item, "path": evidence.get("path"), **dict(link)},
                permission=FILES_WRITE,
                restorable=restorable,
                restore_note=note,
            )
        )
    return out


def _people_changes(finding: Finding, evidence: Mapping[str, Any]) -> list[Change]:
    grants = evidence.get("permissions")
    if not isinstance(grants, list):
        return []
    person = _text(evidence.get("person")) or "someone"
    out: list[Change] = []
    seen: set[tuple[str, str]] = set()
    for grant in grants:
        if not isinstance(grant, Mapping):
            continue
        item, perm = grant.get("item"), grant.get("id")
        if not isinstance(item, str) or not item or not isinstance(perm, str) or not perm or (item, perm) in seen:
            continue
        seen.add((item, perm))
        if _personal_root({"account_type": evidence.get("account_type")}, grant.get("root")):
            continue
        path = _text(grant.get("path")) or "your whole OneDrive"
        link = grant.get("link")
        if isinstance(link, Mapping):
            restorable, note = _link_restore(link.get("type"), link.get("scope"), None)
            address = _text(link.get("webUrl")) or "(no address given)"
            words = f"Remove the sharing link that lets {person} open {path} (anyone else with it loses it): {address}"
            before = {
                "via": VIA_LINK,
                "item": item,
                "path": grant.get("path"),
                "id": perm,
                "roles": grant.get("roles"),
                **dict(link),
            }
        else:
            email = grant.get("email")
            restorable = isinstance(email, str) and "@" in email
            note = (
                "The person can be given access again (invited again, without Microsoft e-mailing them)."
                if restorable
                else "The tool cannot give this access again: Microsoft did not say whose it was."
            )
            words = f"Stop sharing {path} with {person}."
            before = {"via": VIA_PERSON, **dict(grant)}
        out.append(
            Change(
                fingerprint=finding.fingerprint,
                kind=KIND,
                target=finding.target,
                action=SHARING_REMOVE,
                subject=f"{item}/{perm}",
                words=words,
                request=_request("DELETE", _permission_path(item, perm)),
                before=before,
                permission=FILES_WRITE,
                restorable=restorable,
                restore_note=note,
            )
        )
    return out


def _link_body(before: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"type": before.get("type")}
    if isinstance(before.get("scope"), str) and before.get("scope"):
        body["scope"] = before["scope"]
    if isinstance(before.get("expirationDateTime"), str) and before.get("expirationDateTime"):
        body["expirationDateTime"] = before["expirationDateTime"]
    return body


def _invite_body(before: Mapping[str, Any]) -> dict[str, Any]:
    roles = before.get("roles")
    role = "write" if isinstance(roles, list) and "write" in roles else "read"
    return {
        "recipients": [{"email": before.get("email")}],
        "roles": [role],
        "requireSignIn": True,
        "sendInvitation": False,
    }


REMEDIES = MicrosoftRemedies()
