"""A Google client that answers from JSON bodies a test gives, read through the connector's own parse functions
(``auditor.connectors.google.answers``) and page collector — the same code the real client runs on what
googleapiclient hands back — so the checks can be driven with thousands of shapes without a server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from auditor.checkapi import Decisions, Reading, Source
from auditor.checkapi.google import (
    AppPassword,
    AppToken,
    AutoForwarding,
    Delegate,
    DelegationUnavailable,
    DirectoryUser,
    DriveFile,
    ForwardingAddress,
    GmailFilter,
    ImapSettings,
    LoginActivity,
    MobileDevice,
    PopSettings,
    SendAs,
    SharedFolder,
)
from auditor.connectors.google import answers
from auditor.engine import LoadedCheck, discover_checks, run_one
from auditor.errors import ProviderError
from auditor.model import Finding, Status

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "google"
TARGET = "liz@example.com"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class Unreadable:
    """A body that is not JSON at all (as a truncated answer is): reading it fails as the connector's does."""

    def __init__(self, text: str) -> None:
        self.text = text


def _decoded(body: Any) -> Any:
    if isinstance(body, Unreadable):
        try:
            return json.loads(body.text)
        except ValueError:
            raise ProviderError("Google sent data that is not valid JSON") from None
    return body


class AnsweringClient:
    """Speaks :class:`auditor.checkapi.google.GoogleReads`. ``bodies`` maps a read to its answer; listings that
    page (``files``, ``mobiledevices``, ``logins``) map to a list of pages, each page's ``nextPageToken`` naming
    the next page by its index (an unknown token is a page that fails)."""

    def __init__(
        self, bodies: dict[str, Any], *, workspace_admin: bool = True, max_pages: int = 6, max_folders: int = 20
    ) -> None:
        self.bodies = bodies
        self.workspace_admin = workspace_admin
        self.max_pages = max_pages
        self.max_folders = max_folders

    def _one(self, key: str, parse: Callable[[Any], Any]) -> Any:
        return parse(_decoded(self.bodies[key]))

    async def _paged(self, key: str, what: str, parse: Any, identity: Any, pages: Any = None) -> Any:
        pages = self.bodies[key] if pages is None else pages

        async def fetch(token: str | None) -> Any:
            await asyncio.sleep(0)
            index = 0 if token is None else int(token) if token.isdigit() else -1
            if not 0 <= index < len(pages):
                raise ProviderError(f"Google answered 400: page token {token!r} not recognised")
            return _decoded(pages[index])

        return await answers.collect_pages(what, fetch, parse, key=identity, max_pages=self.max_pages)

    async def auto_forwarding(self) -> Reading[AutoForwarding]:
        return self._one("autoForwarding", answers.auto_forwarding)

    async def forwarding_addresses(self) -> Reading[list[ForwardingAddress]]:
        return self._one("forwardingAddresses", answers.forwarding_addresses)

    async def filters(self) -> Reading[list[GmailFilter]]:
        return self._one("filters", answers.filters)

    async def send_as(self) -> Reading[list[SendAs]]:
        return self._one("sendAs", answers.send_as)

    async def imap(self) -> Reading[ImapSettings]:
        return self._one("imap", answers.imap)

    async def pop(self) -> Reading[PopSettings]:
        return self._one("pop", answers.pop)

    async def delegates(self) -> Reading[list[Delegate]]:
        if "delegates" not in self.bodies:
            raise DelegationUnavailable("Access restricted to service accounts")
        return self._one("delegates", answers.delegates)

    async def media_shared_by_link(self) -> Reading[list[DriveFile]]:
        what = answers.MEDIA_BY_LINK
        return await self._paged("files", what, answers.drive_page(what), lambda f: f.id)

    async def media_shared_with_people(self) -> Reading[list[DriveFile]]:
        what = answers.MEDIA_WITH_PEOPLE
        return await self._paged("files", what, answers.drive_page(what), lambda f: f.id)

    async def folders_shared_by_link(self) -> Reading[list[SharedFolder]]:
        """``folders``: the pages of the folder listing; ``contents``: each folder's id to the pages of its photos and
        videos (a folder left out is a listing that fails)."""
        contents = self.bodies.get("contents", {})

        async def folders() -> Reading[list[DriveFile]]:
            what = answers.MEDIA_FOLDERS
            return await self._paged("folders", what, answers.drive_page(what), lambda f: f.id)

        async def inside(folder: DriveFile) -> Reading[list[DriveFile]]:
            if folder.id not in contents:
                raise ProviderError("Google answered 500 and kept answering it")
            what = answers.FOLDER_CONTENTS
            return await self._paged("", what, answers.drive_page(what), lambda f: f.id, contents[folder.id])

        return await answers.shared_folders(folders, inside, max_folders=self.max_folders)

    async def admin_user(self, email: str) -> Reading[DirectoryUser]:
        return self._one("user", answers.directory_user)

    async def app_tokens(self, email: str) -> Reading[list[AppToken]]:
        return self._one("tokens", answers.app_tokens)

    async def app_passwords(self, email: str) -> Reading[list[AppPassword]]:
        return self._one("asps", answers.app_passwords)

    async def mobile_devices(self, email: str) -> Reading[list[MobileDevice]]:
        reading = await self._paged("mobiledevices", answers.MOBILE_DEVICES, answers.mobile_page(), None)
        return answers.own_devices(reading, email)

    async def login_events(self, email: str) -> Reading[list[LoginActivity]]:
        return await self._paged("logins", answers.LOGINS, answers.logins_page(), answers.activity_key)


class Withheld(AnsweringClient):
    """Answers as :class:`AnsweringClient` does, with every reading marked as having a part not read (``gap``)."""

    gap = "page 2 never came"

    def __getattribute__(self, name: str) -> Any:
        attr = super().__getattribute__(name)
        if name.startswith("_") or not callable(attr):
            return attr

        async def partial(*args: Any, **kwargs: Any) -> Any:
            value = await attr(*args, **kwargs)
            return value.missing(Withheld.gap) if isinstance(value, Reading) else value

        return partial


def google_checks() -> dict[str, LoadedCheck]:
    return {k: v for k, v in discover_checks(include_entry_points=False).items() if k.startswith("google.")}


CHECKS = google_checks()


def run_check(check: str, client: AnsweringClient, decisions: Decisions | None = None) -> list[Finding]:
    source = Source("google", TARGET, clients={"google": client})
    return asyncio.run(run_one(CHECKS[check], source, decisions))


def statuses(findings: list[Finding]) -> set[Status]:
    return {f.status for f in findings}


def crashed(findings: list[Finding]) -> list[str]:
    """Findings that say the check itself failed unexpectedly (a traceback the engine caught)."""
    return [f.detail for f in findings if f.detail.startswith(("unexpected failure", "the check returned"))]


def published_answers() -> dict[str, Any]:
    """Every read answered with Google's published (or schema-built) example of it."""
    return {
        "autoForwarding": fixture("gmail_auto_forwarding.json"),
        "forwardingAddresses": fixture("gmail_forwarding_addresses.json"),
        "filters": fixture("gmail_filters.json"),
        "sendAs": fixture("gmail_send_as.json"),
        "imap": fixture("gmail_imap.json"),
        "pop": fixture("gmail_pop.json"),
        "delegates": fixture("gmail_delegates.json"),
        "files": [fixture("drive_files_list.json")],
        "folders": [{"kind": "drive#fileList", "incompleteSearch": False, "files": []}],
        "user": fixture("admin_user.json"),
        "tokens": fixture("admin_tokens.json"),
        "asps": fixture("admin_asps.json"),
        "mobiledevices": [fixture("admin_mobiledevices.json")],
        "logins": [fixture("reports_login_activities.json")],
    }


def quiet_answers() -> dict[str, Any]:
    """Every read answered as for an account with nothing to find (proto3 JSON: defaults left out)."""
    return {
        "autoForwarding": fixture("gmail_auto_forwarding_off.json"),
        "forwardingAddresses": {},
        "filters": {},
        "sendAs": fixture("gmail_send_as.json"),
        "imap": fixture("gmail_imap_off.json"),
        "pop": fixture("gmail_pop_off.json"),
        "delegates": {},
        "files": [{"kind": "drive#fileList", "incompleteSearch": False, "files": []}],
        "folders": [{"kind": "drive#fileList", "incompleteSearch": False, "files": []}],
        "user": {**fixture("admin_user.json"), "isEnrolledIn2Sv": True},
        "tokens": {"kind": "admin#directory#tokenList"},
        "asps": {"kind": "admin#directory#aspList"},
        "mobiledevices": [{"kind": "admin#directory#mobiledevices"}],
        "logins": [{"kind": "admin#reports#activities"}],
    }
