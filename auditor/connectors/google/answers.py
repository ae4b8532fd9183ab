"""Google's answers turned into readings of typed records: pure functions, no I/O but the page fetcher they are
handed.

The records are the models of :mod:`auditor.checkapi.google` (written from Google's discovery documents). An
answer that is not what the schema describes at all — not a JSON object, a listing that is not a list, a record
without the field that identifies it where only one was asked for — raises :class:`ProviderError` naming the
field, and the check reports "Couldn't check". In a listing, a malformed record does not sink the others: each
field that does not fit is left out of its record and named (``filter[3].action.forward: not a string``), a
record that cannot be read at all is left out and named, the reading is marked ``unrecognised``, and the
well-formed records are still judged.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from pydantic import ValidationError

from auditor.checkapi import Reading
from auditor.checkapi.google import (
    DRIVE_FOLDER,
    AppPassword,
    AppToken,
    AutoForwarding,
    Delegate,
    DirectoryUser,
    DriveFile,
    DriveUser,
    ForwardingAddress,
    GmailFilter,
    GoogleRecord,
    ImapSettings,
    LoginActivity,
    MobileDevice,
    PopSettings,
    SendAs,
    SharedFolder,
)
from auditor.errors import ConnectorError, ProviderError
from auditor.safetext import literal

R = TypeVar("R", bound=GoogleRecord)

MAX_PAGES = 200
_DROP = object()  # marks a value that did not fit, to be left out before validating again

# What each read is, in plain words (a reading's ``what``).
AUTO_FORWARDING = "Gmail's automatic forwarding setting"
FORWARDING_ADDRESSES = "Gmail's forwarding addresses"
FILTERS = "Gmail's filters"
SEND_AS = "Gmail's send-as addresses"
IMAP = "Gmail's IMAP setting"
POP = "Gmail's POP setting"
DELEGATES = "Gmail's delegates"
MEDIA_BY_LINK = "Google Drive's photos and videos shared by link"
MEDIA_WITH_PEOPLE = "Google Drive's photos and videos shared with people"
MEDIA_FOLDERS = "Google Drive's folders shared by link"
FOLDER_CONTENTS = "the photos and videos in a folder shared by link"
MAX_FOLDERS = (
    200  # folders whose photos and videos are counted (one paged listing each); the rest are named as not read
)
DIRECTORY_USER = "your Workspace directory record"
APP_TOKENS = "apps holding access to your Workspace account"
APP_PASSWORDS = "app passwords of your Workspace account"
MOBILE_DEVICES = "phones and tablets registered to your Workspace account"
LOGINS = "sign-in records of your Workspace account"


# --- validation ---------------------------------------------------------------------------------------


def _where(prefix: str, loc: tuple[int | str, ...]) -> str:
    out = prefix
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _words(error: Any) -> str:
    kind = error.get("type", "")
    value = error.get("input")
    if kind == "null" or (value is None and kind.endswith("_type")):
        return "null where Google leaves a field out or sends a value"
    if kind == "missing":
        return "missing"
    shown = literal(repr(value), 60)
    return {
        "string_type": f"not a string ({shown})",
        "bool_type": f"not true or false ({shown})",
        "int_type": f"not a whole number ({shown})",
        "list_type": f"not a list ({shown})",
        "model_type": f"not an object ({shown})",
        "dict_type": f"not an object ({shown})",
        "literal_error": f"{shown} is not one of the values Google documents",
        "string_too_short": "empty",
        "greater_than": f"not a positive number ({shown})",
    }.get(kind, f"{literal(error.get('msg', 'not understood'), 120)} ({shown})")


def _mark(data: Any, loc: tuple[int | str, ...]) -> bool:
    """Mark the value at ``loc`` to be left out; False when there is nothing to leave out."""
    if not loc:
        return False
    *path, last = loc
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return False
    if isinstance(node, dict) and last in node:
        node[last] = _DROP
        return True
    if isinstance(node, list) and isinstance(last, int) and -len(node) <= last < len(node):
        node[last] = _DROP
        return True
    return False


def _prune(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _prune(v) for k, v in data.items() if v is not _DROP}
    if isinstance(data, list):
        return [_prune(v) for v in data if v is not _DROP]
    return data


def record(model: type[R], raw: Any, where: str) -> tuple[R | None, list[str]]:
    """``raw`` as a ``model``, with every field that does not fit left out and named; None (and why) when it
    cannot be read at all (not an object, or a field that identifies it is missing or unreadable)."""
    if not isinstance(raw, dict):
        return None, [f"{where}: not an object ({literal(repr(raw), 60)})"]
    data = copy.deepcopy(raw)
    problems: list[str] = []
    for _ in range(64):  # each round leaves out at least one value; a record has far fewer
        try:
            return model.model_validate(data), problems
        except ValidationError as exc:
            fixed = False
            for error in exc.errors():
                loc = tuple(error["loc"])
                problems.append(f"{_where(where, loc)}: {_words(error)}")
                required = error["type"] == "missing" or (len(loc) == 1 and _required(model, str(loc[0])))
                if required or not _mark(data, loc):
                    return None, problems
                fixed = True
            if not fixed:
                return None, problems
            data = _prune(data)
    return None, [*problems, f"{where}: too many fields not understood"]


def _required(model: type[GoogleRecord], name: str) -> bool:
    field = model.model_fields.get(name)
    if field is None:  # an alias: look it up by alias
        field = next((f for f in model.model_fields.values() if f.alias == name), None)
    return bool(field is not None and field.is_required())


def one(model: type[R], body: Any, where: str, what: str) -> Reading[R]:
    """An answer that is one record. If it cannot be read at all, the whole answer is not understood."""
    if not isinstance(body, dict):
        raise ProviderError(f"{what}: Google's answer was not an object ({literal(repr(body), 60)})")
    value, problems = record(model, body, where)
    if value is None:
        raise ProviderError(f"{what}: Google's answer was not understood: " + "; ".join(problems))
    return Reading(what, value, unrecognised=tuple(problems))


def listing(model: type[R], body: Any, key: str, what: str, *, start: int = 0) -> Reading[list[R]]:
    """The records under ``key`` of one answer. Google leaves the key out when there are none (proto3 JSON); a key
    that is not a list is an answer not understood; a record that is not is left out and named."""
    if not isinstance(body, dict):
        raise ProviderError(f"{what}: Google's answer was not an object ({literal(repr(body), 60)})")
    raw = body.get(key, [])
    if not isinstance(raw, list):
        raise ProviderError(f"{what}: {key!r} was not a list of records ({literal(repr(raw), 60)})")
    items: list[R] = []
    problems = [
        f"{field}: not a string ({literal(repr(body[field]), 60)})"
        for field in ("kind", "etag")
        if field in body and not isinstance(body[field], str)
    ]
    for index, item in enumerate(raw, start):
        value, wrong = record(model, item, f"{key}[{index}]")
        problems += wrong
        if value is not None:
            items.append(value)
    return Reading(what, items, unrecognised=tuple(problems))


# --- Gmail settings ----------------------------------------------------------------------------------


def auto_forwarding(body: Any) -> Reading[AutoForwarding]:
    return one(AutoForwarding, body, "autoForwarding", AUTO_FORWARDING)


def forwarding_addresses(body: Any) -> Reading[list[ForwardingAddress]]:
    return listing(ForwardingAddress, body, "forwardingAddresses", FORWARDING_ADDRESSES)


def filters(body: Any) -> Reading[list[GmailFilter]]:
    return listing(GmailFilter, body, "filter", FILTERS)  # Gmail's key is singular


def send_as(body: Any) -> Reading[list[SendAs]]:
    reading = listing(SendAs, body, "sendAs", SEND_AS)
    if not any(a.isPrimary for a in reading.value):
        # "Every Gmail account has exactly one primary address, and it cannot be deleted" (SendAs.isPrimary)
        reading = reading.strange("sendAs: the account's own (primary) address was not listed; Gmail always lists it")
    return reading


def imap(body: Any) -> Reading[ImapSettings]:
    return one(ImapSettings, body, "imap", IMAP)


def pop(body: Any) -> Reading[PopSettings]:
    return one(PopSettings, body, "pop", POP)


def delegates(body: Any) -> Reading[list[Delegate]]:
    return listing(Delegate, body, "delegates", DELEGATES)


# --- Drive and the Admin SDK --------------------------------------------------------------------------


def account_email(body: Any) -> str:
    """The signed-in address from Drive's ``about`` (``fields=user(emailAddress)``); empty if Drive left it out."""
    if not isinstance(body, dict):
        raise ProviderError(f"Google Drive's about answer was not an object ({literal(repr(body), 60)})")
    user, problems = record(DriveUser, body.get("user", {}), "about.user")
    if user is None or problems:
        raise ProviderError("Google Drive's about answer was not understood: " + "; ".join(problems))
    return user.emailAddress or ""


def directory_user(body: Any) -> Reading[DirectoryUser]:
    return one(DirectoryUser, body, "user", DIRECTORY_USER)


def app_tokens(body: Any) -> Reading[list[AppToken]]:
    return listing(AppToken, body, "items", APP_TOKENS)


def app_passwords(body: Any) -> Reading[list[AppPassword]]:
    return listing(AppPassword, body, "items", APP_PASSWORDS)


Page = tuple[Reading[list[R]], str | None]


def _next_token(body: dict[str, Any]) -> tuple[str | None, tuple[str, ...]]:
    """The next page's token (None at the end), and what stops the listing if the token is not understood."""
    if "nextPageToken" not in body or body["nextPageToken"] == "":
        return None, ()
    token = body["nextPageToken"]
    if not isinstance(token, str):
        shown = literal(repr(token), 60)
        return None, (f"nextPageToken: not a string ({shown}), so the next page could not be asked for",)
    return token, ()


def page_of(model: type[R], key: str, what: str) -> Callable[[Any, int], Page[R]]:
    """A parser of one page of a listing that pages with ``nextPageToken``."""

    def parse(body: Any, start: int) -> Page[R]:
        reading = listing(model, body, key, what, start=start)
        token, trouble = _next_token(body)
        return reading.missing(*trouble), token

    return parse


def drive_page(what: str) -> Callable[[Any, int], Page[DriveFile]]:
    """One page of ``files.list``; ``incompleteSearch: true`` means Drive did not search everything."""
    parse = page_of(DriveFile, "files", what)

    def drive(body: Any, start: int) -> Page[DriveFile]:
        reading, token = parse(body, start)
        incomplete = body.get("incompleteSearch", False)
        if incomplete is True:
            reading = reading.missing("Google Drive said its search was incomplete: some files may not be listed")
        elif incomplete is not False:
            reading = reading.strange(f"incompleteSearch: not true or false ({literal(repr(incomplete), 60)})")
        return reading, token

    return drive


async def collect_pages(
    what: str,
    fetch: Callable[[str | None], Awaitable[Any]],
    parse: Callable[[Any, int], Page[R]],
    *,
    key: Callable[[R], Hashable] | None = None,
    max_pages: int = MAX_PAGES,
) -> Reading[list[R]]:
    """Every page of a listing. The first page must come; a later page that fails, a page token Google repeats or
    pages that never end stop the listing, and the reading says what was not read — what was read is kept (and a
    record seen twice counted once, by ``key``)."""
    items: list[R] = []
    seen_items: set[Hashable] = set()
    not_read: list[str] = []
    strange: list[str] = []
    tokens: set[str] = set()
    token: str | None = None
    for number in range(1, max_pages + 1):
        try:
            body = await fetch(token)
        except ConnectorError as exc:
            if number == 1:
                raise
            not_read.append(f"page {number} and any after it could not be read ({exc})")
            break
        page, token = parse(body, len(items))
        for item in page.value:
            if key is not None:
                identity = key(item)
                if identity in seen_items:
                    continue
                seen_items.add(identity)
            items.append(item)
        not_read += page.not_read
        strange += page.unrecognised
        if token is None:
            break
        if token in tokens:
            not_read.append(f"Google repeated a page token after page {number}: the listing would never end")
            break
        tokens.add(token)
    else:
        not_read.append(f"Google kept sending pages after {max_pages}: stopped to be safe, the rest was not read")
    return Reading(what, items, tuple(not_read), tuple(strange))


async def shared_folders(
    folders: Callable[[], Awaitable[Reading[list[DriveFile]]]],
    contents: Callable[[DriveFile], Awaitable[Reading[list[DriveFile]]]],
    *,
    max_folders: int = MAX_FOLDERS,
) -> Reading[list[SharedFolder]]:
    """The folders shared by link, each with the count of photos and videos listed directly in it.

    The folder listing failing at its first page, a folder's contents failing, cut short or not understood, and the
    folders beyond ``max_folders`` are gaps of the reading (named with the folder), never a count taken as whole."""
    try:
        listed = await folders()
    except ConnectorError as exc:
        return Reading(MEDIA_FOLDERS, [], not_read=(f"the folders shared by link could not be listed ({exc})",))
    not_read = list(listed.not_read)
    strange = list(listed.unrecognised)
    wrong = [f for f in listed.value if f.mimeType != DRIVE_FOLDER]
    strange += [
        f"files: {literal(f.id, 60)} is not a folder ({literal(repr(f.mimeType), 60)}), which the listing asked for"
        for f in wrong
    ]
    folders_listed = [f for f in listed.value if f.mimeType == DRIVE_FOLDER]
    opened = folders_listed[:max_folders]
    if len(folders_listed) > max_folders:
        not_read.append(
            f"{len(folders_listed) - max_folders} more folders shared by link were not opened "
            f"(at most {max_folders} are, to keep the number of requests bounded)"
        )

    async def count(folder: DriveFile) -> Reading[list[DriveFile]] | str:
        try:
            return await contents(folder)
        except ConnectorError as exc:
            return str(exc)

    results = await asyncio.gather(*(count(folder) for folder in opened))
    out: list[SharedFolder] = []
    for folder, inside in zip(opened, results, strict=True):
        name = f"the folder “{literal(folder.name or folder.id, 120)}”"
        if isinstance(inside, str):
            not_read.append(f"the photos and videos in {name} could not be listed ({inside})")
            out.append(SharedFolder(folder, None))
            continue
        not_read += [f"{name}: {problem}" for problem in inside.not_read]
        strange += [f"{name}: {problem}" for problem in inside.unrecognised]
        out.append(SharedFolder(folder, len(inside.value)))
    return Reading(MEDIA_FOLDERS, out, tuple(not_read), tuple(strange))


def mobile_page() -> Callable[[Any, int], Page[MobileDevice]]:
    return page_of(MobileDevice, "mobiledevices", MOBILE_DEVICES)


def logins_page() -> Callable[[Any, int], Page[LoginActivity]]:
    return page_of(LoginActivity, "items", LOGINS)


def own_devices(reading: Reading[list[MobileDevice]], email: str) -> Reading[list[MobileDevice]]:
    """The account's own devices: the search is the server's filter; this keeps only devices listing the address."""
    wanted = email.lower()
    return reading.map(lambda devices: [d for d in devices if any(e.lower() == wanted for e in d.email)])


def activity_key(activity: LoginActivity) -> Hashable:
    return (activity.id.time, activity.id.uniqueQualifier, activity.ipAddress, tuple(e.name for e in activity.events))
