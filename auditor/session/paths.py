"""Reading one finding as access paths: which outside address, person, link or program it lets in.

Each check's findings keep the record they were made from (minimal evidence). This module turns that record
into (who or what can get in, how) pairs for the access map. A check without a rule of its own is shown by
its subject and title, so nothing found is ever left off the map.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from auditor.model import Finding

ANYONE_WITH_LINK = "Anyone with the link"
ANYONE_ON_INTERNET = "Anyone on the internet"
MAIL_PROGRAMS = "Mail programs (POP/IMAP)"


@dataclass(frozen=True)
class PathRead:
    holder: str  # who or what can get in: an address, a person, "Anyone with the link", a program
    holder_kind: str  # address, public, program, app, person, found
    how: str  # what the path does, in plain words


def _get(mapping: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(mapping, Mapping):
            return None
        mapping = mapping.get(key)
    return mapping


def _addresses(records: Any, *keys: str) -> list[str]:
    out: list[str] = []
    for record in records if isinstance(records, list) else []:
        value = _get(record, *keys)
        if isinstance(value, str) and value:
            out.append(value)
    return out


def _subject(f: Finding) -> str:
    return f.subject or f.title


def _autoforward(f: Finding) -> list[PathRead]:
    return [PathRead(str(f.evidence.get("emailAddress") or f.subject), "address", "all mail is forwarded to")]


def _forwarding_address(f: Finding) -> list[PathRead]:
    return [PathRead(f.subject, "address", "a verified forwarding address can receive mail")]


def _gmail_filter(f: Finding) -> list[PathRead]:
    target = _get(f.evidence, "action", "forward")
    return [PathRead(str(target or _subject(f)), "address", "a filter forwards mail to")]


def _send_as(f: Finding) -> list[PathRead]:
    return [PathRead(f.subject, "address", "mail can be sent from the account as")]


def _pop_imap(f: Finding) -> list[PathRead]:
    return [PathRead(MAIL_PROGRAMS, "program", f"{f.subject.upper() or 'mail'} download is on")]


def _delegate(f: Finding) -> list[PathRead]:
    return [PathRead(str(f.evidence.get("address") or _subject(f)), "address", "a delegate can open the mailbox")]


def _shared_link(f: Finding) -> list[PathRead]:
    name = f.evidence.get("name") or f.evidence.get("path") or f.subject
    public = "anyone on the internet can find" in f.title or any(
        isinstance(p, Mapping) and p.get("allowFileDiscovery") for p in f.evidence.get("permissions") or []
    )
    return [PathRead(ANYONE_ON_INTERNET if public else ANYONE_WITH_LINK, "public", f"{name} is shared by link")]


def _shared_people(f: Finding) -> list[PathRead]:
    files = f.evidence.get("files") or []
    count = len(files) if isinstance(files, list) else 0
    return [PathRead(f.subject, "address", f"can open {count or 'some'} photo(s) or video(s)")]


def _outlook_rule(f: Finding) -> list[PathRead]:
    actions = f.evidence.get("actions") or {}
    out = []
    for key, how in (
        ("forwardTo", "an inbox rule forwards mail to"),
        ("redirectTo", "an inbox rule redirects mail to"),
        ("forwardAsAttachmentTo", "an inbox rule forwards mail as attachments to"),
    ):
        out += [PathRead(a, "address", how) for a in _addresses(_get(actions, key), "emailAddress", "address")]
    return out or [PathRead(_subject(f), "found", f.title)]


def _exchange_rule(f: Finding) -> list[PathRead]:
    out = []
    for key, how in (("forward_to", "an inbox rule forwards mail to"), ("redirect_to", "an inbox rule redirects to")):
        out += [PathRead(a, "address", how) for a in _addresses(f.evidence.get(key), "address")]
    return out or [PathRead(_subject(f), "found", f.title)]


def _auth_method(f: Finding) -> list[PathRead]:
    ev = f.evidence
    who = ev.get("emailAddress") or ev.get("phoneNumber") or ev.get("displayName") or f.subject
    return [PathRead(str(who), "address", "can sign in or reset the password")]


def _app_grant(f: Finding) -> list[PathRead]:
    name = _get(f.evidence, "app", "displayName") or f.subject
    return [PathRead(str(name), "app", "an app can use the account")]


def _device_software(f: Finding) -> list[PathRead]:
    name = f.evidence.get("app") or f.evidence.get("tool") or f.subject.split(":", 1)[0] or f.title
    return [PathRead(str(name), "program", "runs on the device and can report to whoever installed it")]


def _iphone_profile(f: Finding) -> list[PathRead]:
    who = f.evidence.get("organisation") or f.evidence.get("name") or f.subject
    return [PathRead(str(who), "program", "a configuration profile can manage the iPhone or route its traffic")]


def _iphone_management(f: Finding) -> list[PathRead]:
    who = f.evidence.get("organisation") or f.evidence.get("enrolment_server") or "An organisation"
    how = "supervises the iPhone" if f.subject == "supervised" else "manages the iPhone through its MDM server"
    return [PathRead(str(who), "program", how)]


def _icloud_backup(f: Finding) -> list[PathRead]:
    return [
        PathRead("Anyone who can sign in to the Apple Account", "person", "can download the iPhone's iCloud backup")
    ]


def _answered_by_hand(f: Finding, notes: bool) -> list[PathRead]:
    note = f.evidence.get("note") if notes else None
    holder = f"Found by hand: {note}" if note else "Something found by hand"
    return [PathRead(str(holder), "found", f.title)]


RULES: dict[str, Callable[[Finding], list[PathRead]]] = {
    "google.gmail_autoforward": _autoforward,
    "google.gmail_forwarding_addresses": _forwarding_address,
    "google.gmail_filters": _gmail_filter,
    "google.gmail_send_as": _send_as,
    "google.gmail_pop_imap": _pop_imap,
    "google.gmail_delegates": _delegate,
    "google.drive_public_media": _shared_link,
    "google.drive_people_media": _shared_people,
    "microsoft.outlook_inbox_rules": _outlook_rule,
    "microsoft.onedrive_public_media": _shared_link,
    "microsoft.onedrive_people_media": _shared_people,
    "microsoft.auth_methods": _auth_method,
    "microsoft.app_grants": _app_grant,
    "exchange.inbox_rules": _exchange_rule,
    "exchange.delegates": _delegate,
    "device.stalkerware_processes": _device_software,
    "device.monitoring_software": _device_software,
    "device.remote_access": _device_software,
    "android.stalkerware_packages": _device_software,
    "android.dual_use_apps": _device_software,
    "ios.stalkerware_apps": _device_software,
    "ios.dual_use_apps": _device_software,
    "ios.sideloaded_apps": _device_software,
    "ios.profiles": _iphone_profile,
    "ios.device_management": _iphone_management,
    "ios.icloud_backup": _icloud_backup,
}


def paths_of(finding: Finding, notes: bool = True) -> list[PathRead]:
    """The access paths one finding shows (found, review, or a guided answer of "found something").

    ``notes=False`` leaves out the note the person typed with a guided answer (an export without notes).
    """
    if "answer" in finding.evidence and "question" in finding.evidence:
        return _answered_by_hand(finding, notes)
    rule = RULES.get(finding.check)
    if rule is not None:
        try:
            read = [p for p in rule(finding) if p.holder]
        except (TypeError, AttributeError, ValueError):
            read = []  # a record of an unexpected shape is still shown, by its subject
        if read:
            return read
    return [PathRead(_subject(finding), "found", finding.title)]


def all_paths(findings: Iterable[Finding], notes: bool = True) -> list[tuple[Finding, PathRead]]:
    return [(f, p) for f in findings for p in paths_of(f, notes)]
