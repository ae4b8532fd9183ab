"""Closing Exchange (on-premises, EWS) access paths: an inbox rule that forwards or hides mail, a delegate.

The changes, each built from the finding's evidence record (the check keeps the rule as Exchange sent it, with
its RuleId; the delegate with their address, SID and folder levels):

- an inbox rule: **switch it off** (UpdateInboxRules › SetRuleOperation with IsEnabled false, the rest of the
  rule as found) — offered first, because the rule stays in the mailbox as evidence and can be switched on
  again — or **delete it** (DeleteRuleOperation). Restoring switches it on again, or recreates it
  (CreateRuleOperation with the rule as found; Exchange gives the new rule a new RuleId);
- a delegate: **remove them** (RemoveDelegate). Restoring adds them again (AddDelegate) with the folder levels
  and options as found.

Switching off is offered only when the whole rule was read and can be sent back unchanged: SetRuleOperation
replaces the whole rule, so a rule read in part, one Exchange marks IsNotSupported, or one holding characters
XML cannot carry would be altered by it. Such a rule can still be deleted.

The sign-in (:meth:`ExchangeRemedies.open_writer`): EWS has no incremental consent — no permission narrower
than the whole mailbox. With a password (NTLM or Basic) the person types it again for this change; it lives in
memory for this sitting and is never stored. With a token (AUDITOR_EWS_URL + AUDITOR_BEARER_TOKEN) the same
token is used: its EWS permission (EWS.AccessAsUser.All) already allows changes. docs/changes.md says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from auditor.checkapi.exchange import Recipient
from auditor.errors import ConfigError, ProviderError, UsageError
from auditor.model import Finding, Status
from auditor.remedy import Applied, Change, Permission, WriterRequest
from auditor.safetext import literal

__all__ = ["REMEDIES", "ExchangeRemedies", "ExchangeWriterForChanges"]

KIND = "exchange"
RULES_CHECK = "exchange.inbox_rules"
DELEGATES_CHECK = "exchange.delegates"
OPEN = (Status.FOUND, Status.REVIEW)
DISABLE_RULE = "disable_rule"
DELETE_RULE = "delete_rule"
REMOVE_DELEGATE = "remove_delegate"

# EWS has one permission, the whole mailbox (a password, or EWS.AccessAsUser.All for a token: "Authenticate an
# EWS application by using OAuth"); none is narrower for a single change.
PERMISSION = Permission(
    name="Exchange Web Services: your mailbox sign-in (password, or a token with EWS.AccessAsUser.All)",
    words="Your mailbox's own sign-in, used for this one change and not kept",
    broad=True,
    why_broad=(
        "Exchange Web Services has no permission narrower than the whole mailbox: the password (or the token) "
        "that let the tool read your rules and delegates can also change them. The tool sends only the one "
        "change you confirm, and keeps a password you type for it only until the change is sent."
    ),
)
SEND_RULES_LOST = (
    "Exchange drops Outlook's client-side send rules whenever rules are changed this way (Microsoft documents "
    "this for every change of rules through EWS)."
)
OUTLOOK_BLOB = (
    " Outlook also keeps its own copy of your rules here, which this change removes: rules you switched off "
    "in Outlook itself may be lost."
)


# -- the changes a finding offers ---------------------------------------------------------------------------


def _how(evidence: Mapping[str, Any]) -> str:
    """What the rule does with mail, in plain words, each address literal (a directory name by the person's name)."""
    parts = []
    for key, verb in (
        ("forward_to", "forwards"),
        ("redirect_to", "redirects"),
        ("forward_as_attachment_to", "forwards as an attachment"),
        ("sms_alert_to", "sends text-message alerts"),
    ):
        recipients = [Recipient(**r) for r in evidence.get(key) or () if isinstance(r, Mapping)]
        if recipients:
            parts.append(f"{verb} to {', '.join(r.shown(120) for r in recipients)}")
    hides = [
        words
        for key, words in (("delete", "deletes it"), ("permanent_delete", "deletes it permanently"))
        if evidence.get(key)
    ]
    folder = evidence.get("move_to_folder")
    if isinstance(folder, str) and folder.lower() != "inbox" and not hides:
        hides.append("moves it out of the inbox")
    if evidence.get("mark_as_read"):
        hides.append("marks it read")
    return "; ".join(parts + hides) or "hides mail from you"


def _rule_changes(finding: Finding) -> list[Change]:
    from auditor.connectors.ews.writer import (
        create_rule_request,
        delete_rule_request,
        request_text,
        set_rule_request,
        unsendable,
    )

    evidence = dict(finding.evidence)
    rule_id = str(evidence.get("rule_id") or "")
    as_found = evidence.get("as_found")
    if not rule_id or not isinstance(as_found, Mapping) or as_found.get("RuleId") != rule_id:
        return []  # a record without Exchange's id (or from before the tool kept it): the playbook's steps remain
    name = literal(str(evidence.get("name") or ""), 120)
    target = finding.target
    how = _how(evidence)
    cost = SEND_RULES_LOST + ("" if evidence.get("outlook_rule_blob") is False else OUTLOOK_BLOB)
    whole = bool(evidence.get("as_found_whole")) and not unsendable(as_found)
    changes = []
    if whole and evidence.get("enabled") is not False:
        changes.append(
            Change(
                fingerprint=finding.fingerprint,
                kind=KIND,
                target=target,
                action=DISABLE_RULE,
                subject=finding.subject,
                words=(
                    f"Switch off the inbox rule “{name}” in {literal(target, 200)} (it {how}). The rule stays in "
                    f"your mailbox, switched off, as evidence, and can be switched on again. {cost}"
                ),
                request=request_text(set_rule_request(target, as_found, enabled=False)),
                before=evidence,
                permission=PERMISSION,
                restore_note="Putting it back switches the rule on again, exactly as it was found.",
            )
        )
    try:
        create_rule_request(target, as_found)  # can it be recreated at all (a rule that is an EWS rule)?
        recreatable = bool(evidence.get("as_found_whole"))
    except ProviderError:
        recreatable = False
    if not recreatable:
        note = (
            "The tool cannot recreate this rule exactly: Exchange's record of it could not all be read (or it is "
            "a rule EWS cannot change). The record as it was found is kept in the case's evidence."
        )
    elif unsendable(as_found):
        note = (
            "Putting it back recreates the rule as it was found, with a new id; characters in it that cannot be "
            "sent to Exchange (control characters) become “\ufffd”."
        )
    else:
        note = "Putting it back recreates the rule as it was found; Exchange gives it a new id."
    changes.append(
        Change(
            fingerprint=finding.fingerprint,
            kind=KIND,
            target=target,
            action=DELETE_RULE,
            subject=finding.subject,
            words=(
                f"Delete the inbox rule “{name}” from {literal(target, 200)} (it {how}). The tool keeps the rule "
                f"as it was found, so it can be recreated if safety needs it. {cost}"
            ),
            request=request_text(delete_rule_request(target, rule_id)),
            before=evidence,
            permission=PERMISSION,
            restorable=recreatable,
            restore_note=note,
        )
    )
    return changes


def _delegate_changes(finding: Finding) -> list[Change]:
    from auditor.connectors.ews.writer import add_delegate_request, remove_delegate_request, request_text

    evidence = dict(finding.evidence)
    address = evidence.get("address")
    sid = evidence.get("sid")
    if not isinstance(address, str) or not isinstance(sid, str) or not (address or sid):
        return []  # not one delegate (where meeting requests go), or a delegate Exchange did not name
    try:
        add_delegate_request(finding.target, evidence)  # the levels as found can be sent back
        restorable = True
    except ProviderError:
        restorable = False
    name = str(evidence.get("name") or "")
    who = literal(address or f"the delegate with SID {sid}", 200)
    if name and name != address:
        who = f"{literal(name, 120)} ({who})"
    levels = evidence.get("permissions")
    levels = levels if isinstance(levels, Mapping) else {}
    given = ", ".join(f"{folder}: {literal(str(level), 20)}" for folder, level in levels.items() if level != "None")
    return [
        Change(
            fingerprint=finding.fingerprint,
            kind=KIND,
            target=finding.target,
            action=REMOVE_DELEGATE,
            subject=finding.subject,
            words=(
                f"Remove {who} as a delegate of {literal(finding.target, 200)}"
                + (f" (they have {given})" if given else "")
                + ". They lose the delegate's access to your folders and to acting for you."
            ),
            request=request_text(remove_delegate_request(finding.target, address, sid)),
            before=evidence,
            permission=PERMISSION,
            restorable=restorable,
            restore_note=(
                "Putting it back adds them again as a delegate with the same folder levels and options."
                if restorable
                else "The tool cannot add them back: their folder levels as found are not readable."
            ),
        )
    ]


# -- sending them -------------------------------------------------------------------------------------------


def _payload(change: Change, *, restore: bool) -> tuple[Any, str]:
    """The request for a change (or for putting it back), rebuilt from the record as found; for a change, it must
    be exactly the request the person was shown."""
    from auditor.connectors.ews.writer import (
        add_delegate_request,
        create_rule_request,
        delete_rule_request,
        remove_delegate_request,
        request_text,
        set_rule_request,
    )

    before = change.before
    mailbox = change.target
    as_found = before.get("as_found")
    if change.action in (DISABLE_RULE, DELETE_RULE):
        if not isinstance(as_found, Mapping):
            raise ProviderError("the rule as found is not in the change's record; nothing was sent")
        what = "the inbox rule"
        if change.action == DISABLE_RULE:
            payload = set_rule_request(mailbox, as_found, enabled=None if restore else False)
        elif restore:
            payload = create_rule_request(mailbox, as_found)
        else:
            payload = delete_rule_request(mailbox, str(before.get("rule_id") or ""))
    elif change.action == REMOVE_DELEGATE:
        what = "the delegate"
        if restore:
            payload = add_delegate_request(mailbox, before)
        else:
            payload = remove_delegate_request(mailbox, str(before.get("address") or ""), str(before.get("sid") or ""))
    else:
        raise UsageError(f"{literal(change.action, 40)} is not a change the tool makes to Exchange")
    if not restore and request_text(payload) != change.request:
        raise ProviderError("the request to send is not the one confirmed; nothing was sent")
    return payload, what


class ExchangeWriterForChanges:
    """Speaks :class:`~auditor.remedy.Writer` for one mailbox: each change is exactly one EWS request."""

    def __init__(self, writer: Any, mailbox: str) -> None:
        self._writer = writer
        self.mailbox = mailbox

    def _check(self, change: Change) -> None:
        if change.kind != KIND or change.target.lower() != self.mailbox.lower():
            raise UsageError("this change is not for the Exchange mailbox signed in for; nothing was sent")

    async def apply(self, change: Change) -> Applied:
        self._check(change)
        payload, what = _payload(change, restore=False)
        await self._writer.send(payload, what)
        operation = {DISABLE_RULE: "SetRuleOperation", DELETE_RULE: "DeleteRuleOperation"}.get(
            change.action, "RemoveDelegate"
        )
        return Applied(change, answer={"operation": operation, "subject": change.subject})

    async def restore(self, applied: Applied) -> Applied:
        change = applied.change
        self._check(change)
        if not change.restorable:
            raise UsageError(change.restore_note or "the tool cannot put this change back")
        payload, what = _payload(change, restore=True)
        await self._writer.send(payload, what)
        operation = {DISABLE_RULE: "SetRuleOperation", DELETE_RULE: "CreateRuleOperation"}.get(
            change.action, "AddDelegate"
        )
        return Applied(change, answer={"restored": operation, "subject": change.subject})

    async def aclose(self) -> None:
        await self._writer.aclose()


# -- the sign-in for a change --------------------------------------------------------------------------------


def _saved_account(request: WriterRequest) -> dict[str, Any]:
    """The settings the mailbox was signed in with (server, scheme, user name), from the case or this process."""
    if request.case is not None:
        accounts = request.case.accounts()
    else:
        from auditor.connectors.ews.signin import memory_accounts

        accounts = memory_accounts()
    for account in accounts:
        if account.get("kind") == KIND and str(account.get("target", "")).lower() == request.target.lower():
            return dict(account.get("settings") or {})
    return {}


def _show(request: WriterRequest) -> Callable[[str], object]:
    return request.show if callable(request.show) else (lambda text: None)


def sign_in_for_change(request: WriterRequest) -> tuple[str, Any]:
    """The server and the sign-in for the changes: the token given (practice servers, scripts), or the mailbox's
    password typed again now. Nothing is stored."""
    from auditor.connectors.ews.client import ExchangeLogin, require_private_transport
    from auditor.connectors.ews.signin import ask_password

    show = _show(request)
    if request.endpoint and request.token:
        require_private_transport(request.endpoint)
        show(
            "Exchange has no separate permission for changes: the token this audit reads with (EWS.AccessAsUser.All) "
            "also allows them. Only the change you confirmed is sent."
        )
        return request.endpoint, ExchangeLogin(auth="oauth", secret=request.token)
    saved = _saved_account(request)
    exchange = getattr(request.settings, "exchange", None)
    url = request.endpoint or saved.get("url") or getattr(exchange, "url", None)
    if not url:
        raise ConfigError("the case does not say which Exchange server the mailbox is on; nothing was changed")
    auth = str(saved.get("auth") or getattr(exchange, "auth", "") or "ntlm")
    if auth not in ("ntlm", "basic"):
        raise UsageError(
            "this mailbox signs in with a token (exchange.auth: oauth): give it to AUDITOR_BEARER_TOKEN with "
            "AUDITOR_EWS_URL to make the change; nothing was changed"
        )
    user = str(saved.get("username") or getattr(exchange, "username", "") or "")
    if not user:
        raise ConfigError("no Exchange user name is known for this mailbox; nothing was changed")
    require_private_transport(str(url))  # before the password is asked for
    show(
        f"Exchange has no separate permission for changes, so it needs your password for {literal(user, 200)} "
        "again. It is used for this change only and is not stored."
    )
    password: Callable[[str], str] = request.extra.get("password") or ask_password
    secret = password(f"Password for {user} (for this change only): ")
    if not secret:
        raise UsageError("no password was given; nothing was changed")
    return str(url), ExchangeLogin(auth=auth, secret=secret, username=user)  # type: ignore[arg-type]


class ExchangeRemedies:
    kind = KIND

    def by_hand(self, change: Change, request: WriterRequest) -> str | None:
        return None  # every change planned here can be asked for and sent

    def changes_for(self, finding: Finding) -> list[Change]:
        """The changes that close the finding, switching a rule off first; [] when there is none to make."""
        if finding.status not in OPEN or not finding.evidence:
            return []
        try:
            if finding.check == RULES_CHECK:
                return _rule_changes(finding)
            if finding.check == DELEGATES_CHECK:
                return _delegate_changes(finding)
        except (ProviderError, TypeError, ValueError, AttributeError):
            return []  # an evidence record the tool cannot build a request from: the playbook's steps remain
        return []

    async def open_writer(self, request: WriterRequest) -> ExchangeWriterForChanges:
        from auditor.connectors.ews.writer import ExchangeWriter
        from auditor.connectors.retry import RetryPolicy

        for change in request.changes:
            if change.kind != KIND or change.target.lower() != request.target.lower():
                raise UsageError("a change for another account cannot be sent with this sign-in")
        url, login = await asyncio.to_thread(sign_in_for_change, request)
        settings = request.settings
        retry = request.extra.get("retry")
        if not isinstance(retry, RetryPolicy):
            retry = RetryPolicy(max_retries=3, budget=float(getattr(settings, "retry_budget", 60.0)))
        writer = ExchangeWriter(
            url, login, request.target, timeout=float(getattr(settings, "request_timeout", 20.0)), retry=retry
        )
        return ExchangeWriterForChanges(writer, request.target)


REMEDIES = ExchangeRemedies()
