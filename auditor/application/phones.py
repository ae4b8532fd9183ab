"""Auditing an iPhone — the one connected by cable, or a backup folder — for the command line and the app.

``auditor audit --only ios`` and ``--only ios-backup --path DIR [--case NAME]`` and the app's add-phone screen
all come here. The phone is opened first (:func:`open_phone`), as a source of kind ``ios``; then it is audited
beside whatever else the plan names, and — with a case — saved there like any audit (:func:`audit_phone`).

A backup's password is a value passed for that one call: it unlocks the backup's keybag in memory and is not
kept in the request's ``repr``, the case, the settings or any log.

Before anything connects to a phone the person is told what tapping Trust means (:data:`TRUST_NOTICE`, the
words of docs/iphone.md) and that Apple's Safety Check comes first (:data:`SAFETY_CHECK_FIRST`); afterwards,
to remove the trust (:data:`REMOVE_TRUST`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import platform
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.application.auditing import (
    AuditPlan,
    CaseAudit,
    ProgressCallback,
    StopCallback,
    audit_into_case,
    run_plan,
)
from auditor.checkapi import Source
from auditor.config import Endpoints, Settings, load_settings
from auditor.model import AuditRun

if TYPE_CHECKING:
    from auditor.store import CaseStore

__all__ = [
    "BEFORE_CONNECTING",
    "REMOVE_TRUST",
    "SAFETY_CHECK_FIRST",
    "TRUST_NOTICE",
    "BackupListing",
    "PhoneAudit",
    "PhoneRequest",
    "Stage",
    "audit_phone",
    "backup_is_encrypted",
    "backup_roots",
    "list_backups",
    "open_phone",
]

RESET_PATH = "Settings › General › Transfer or Reset iPhone › Reset › Reset Location & Privacy"

# docs/iphone.md, "Before connecting — say this to the person": the same three points, in the same words.
TRUST_NOTICE: tuple[str, ...] = (
    "Unlock the iPhone and keep it unlocked while the audit runs.",
    'The first time, the phone asks "Trust This Computer?". Tap Trust and enter the phone\'s passcode. Nothing on '
    "the phone is changed by the audit — but a computer the phone trusts can read it again later, so this trust is "
    f"itself an access path: remove it when you are done ({RESET_PATH}; this also resets apps' location "
    "permissions).",
    'If "Trust" was tapped on someone else\'s computer in the past, that is the same kind of access path — the same '
    "reset removes every computer at once.",
)
SAFETY_CHECK_FIRST = (
    "Before connecting, look at Apple's Safety Check on the phone itself: it changes nothing and lists the people, "
    "apps and devices with access. iOS 16 or later: Settings › Privacy & Security › scroll to the bottom › Safety "
    'Check › "Manage Sharing & Access" (not "Emergency Reset", which stops everything at once and can be noticed).'
)
REMOVE_TRUST = (
    "This computer is now trusted by the iPhone: that is an access path of its own. Remove it when you are done: "
    f"{RESET_PATH} (this also resets apps' location permissions, and removes every computer the phone trusts)."
)


def _before_connecting() -> str:
    from auditor.ios.collector import BEFORE_CONNECTING as words

    return words


# What `auditor audit --only ios` prints on standard error before it connects (the collector's own words).
BEFORE_CONNECTING = _before_connecting()


class Stage(Enum):
    """Where reading a phone has got to, for the person watching."""

    CONNECTING = "connecting"  # over USB: connecting, and pairing if the phone asks "Trust This Computer?"
    OPENING_BACKUP = "opening backup"  # a backup folder: reading its manifest (and unlocking it)
    CHECKING = "checking"  # the phone answered (or the backup opened): the checks run
    SAVING = "saving"


StageCallback = Callable[[Stage], object]


@dataclass(frozen=True)
class PhoneRequest:
    """Which iPhone to read: ``backup`` is a backup folder, or None for the phone connected by cable.

    ``password`` is an encrypted backup's password, for this one read only (never in the repr, never stored).
    ``usbmux_address`` and ``pair_timeout`` default to USBMUXD_SOCKET_ADDRESS and AUDITOR_IOS_PAIR_TIMEOUT.
    """

    backup: Path | None = None
    password: str | None = field(default=None, repr=False)
    usbmux_address: str | None = None
    pair_timeout: float | None = None
    service_timeout: float = 60.0
    practice: bool = False

    @property
    def over_usb(self) -> bool:
        return self.backup is None


@dataclass(frozen=True)
class PhoneAudit:
    """What auditing a phone gave: the phone's problem when it could not be opened (then nothing else ran and
    nothing was saved), or the run — with the case's record of it when there is a case."""

    target: str
    problem: str | None = None
    run: AuditRun | None = None
    saved: CaseAudit | None = None


async def open_phone(
    request: PhoneRequest,
    *,
    settings: Settings | None = None,
    endpoints: Endpoints | None = None,
    on_stage: StageCallback | None = None,
) -> Source:
    """The iPhone as a source of kind ``ios``; one that could not be opened has ``error`` set, saying why and
    what to do (no usbmuxd, no phone, several phones, not trusted, Don't Trust, locked, connection lost; not a
    backup folder, a password needed or wrong)."""
    from auditor.ios import source as ios_source

    if request.backup is not None:
        if on_stage is not None:
            on_stage(Stage.OPENING_BACKUP)
        return await asyncio.to_thread(
            ios_source.backup_source, request.backup.expanduser(), request.password or None, request.practice
        )
    from auditor.sources import SourceRequest

    extra: dict[str, object] = {"service_timeout": request.service_timeout}
    if request.usbmux_address:
        extra["usbmux_address"] = request.usbmux_address
    if request.pair_timeout is not None:
        extra["pair_timeout"] = request.pair_timeout
    opening = SourceRequest(
        settings=settings or load_settings(),
        endpoints=endpoints or Endpoints.from_env(),
        practice=request.practice,
        extra=extra,
    )
    if on_stage is not None:
        on_stage(Stage.CONNECTING)
    (phone,) = await ios_source.open_sources(opening)
    return phone


async def audit_phone(
    request: PhoneRequest,
    *,
    plan: AuditPlan | None = None,
    case: CaseStore | None = None,
    stop_if_unreadable: bool = False,
    on_stage: StageCallback | None = None,
    on_progress: ProgressCallback | None = None,
    should_stop: StopCallback | None = None,
) -> PhoneAudit:
    """Open the phone, then audit it beside ``plan``'s kinds (none by default); with ``case``, save the run there
    and — for a phone read over USB — register it with the case's devices, as
    :func:`~auditor.application.auditing.audit_into_case` does for any audit (a backup is not registered: the
    case's later audits would read a phone over USB in its place).

    ``stop_if_unreadable``: a phone that could not be opened ends here with its ``problem`` (the app shows it
    with "Try again"); otherwise its checks each say "Couldn't check" with the reason, as the command line does.
    """
    base = plan or AuditPlan(kinds=())
    # The phone is read once, here: a plan naming iPhones again would connect without the person's say-so.
    kinds = tuple(k for k in base.kinds if k not in ("ios", "ios-backup"))
    phone = await open_phone(request, settings=base.settings, endpoints=base.endpoints, on_stage=on_stage)
    if phone.error is not None and stop_if_unreadable:
        await phone.aclose()
        return PhoneAudit(target=phone.target, problem=phone.error)
    if on_stage is not None:
        on_stage(Stage.CHECKING)
    with_phone = dataclasses.replace(base, kinds=kinds, extra_sources=(*base.extra_sources, phone))
    if case is None:
        run = await run_plan(with_phone, on_progress=on_progress, should_stop=should_stop)
        return PhoneAudit(target=phone.target, problem=phone.error, run=run)
    saved = await audit_into_case(case, with_phone, on_progress=on_progress, should_stop=should_stop)
    if request.backup is not None and ("ios", phone.target) in saved.accounts_added:
        # A later audit of the case opens each "ios" device over USB: a backup kept as one would have the next full
        # audit connect to whatever phone is plugged in, without the Trust notice, and call the backup's findings
        # resolved. Its findings stay in the case; reading it again is another backup audit.
        case.remove_account("ios", phone.target)
        added = tuple(a for a in saved.accounts_added if a != ("ios", phone.target))
        saved = dataclasses.replace(saved, accounts_added=added)
    if on_stage is not None:
        on_stage(Stage.SAVING)
    return PhoneAudit(target=phone.target, problem=phone.error, run=saved.run, saved=saved)


# -- backup folders ---------------------------------------------------------------------------------------


def current_system() -> str:
    """The operating system's name as platform.system() gives it (Darwin, Windows, Linux)."""
    return platform.system()


def backup_roots(
    system: str | None = None, environ: Mapping[str, str] | None = None, home: Path | None = None
) -> list[Path]:
    """Where Apple's tools keep backups on this kind of computer, whether or not the folders exist.

    macOS (Finder, iTunes): ~/Library/Application Support/MobileSync/Backup. Windows: %APPDATA%\\Apple
    Computer\\MobileSync\\Backup (iTunes) and %USERPROFILE%\\Apple\\MobileSync\\Backup (the Apple Devices app).
    Elsewhere (idevicebackup2 writes where it is told): none.
    """
    system = current_system() if system is None else system
    environ = os.environ if environ is None else environ
    if system == "Darwin":
        return [(home or Path.home()) / "Library" / "Application Support" / "MobileSync" / "Backup"]
    if system == "Windows":
        roots = []
        if environ.get("APPDATA"):
            roots.append(Path(environ["APPDATA"]) / "Apple Computer" / "MobileSync" / "Backup")
        if environ.get("USERPROFILE"):
            roots.append(Path(environ["USERPROFILE"]) / "Apple" / "MobileSync" / "Backup")
        return roots
    return []


def default_backup_root(
    system: str | None = None, environ: Mapping[str, str] | None = None, home: Path | None = None
) -> Path | None:
    """The first of :func:`backup_roots` that exists on this computer, or None."""
    return next((root for root in backup_roots(system, environ, home) if root.is_dir()), None)


@dataclass(frozen=True)
class BackupListing:
    """One backup folder found: the device name and date its Info.plist or Manifest.plist give ("" when they
    do not say), and whether it is encrypted (None when that cannot be told). The name is the phone owner's — or
    anyone's who held the phone — and is shown literally."""

    path: Path
    device_name: str
    made: str
    encrypted: bool | None


def _small_plist(path: Path) -> object:
    """A manifest file's content, read through no symbolic link and never past the backup reader's own limit."""
    from auditor.ios.backup import MAX_PLIST_BYTES
    from auditor.ios.parsers import load_plist

    try:
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_PLIST_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return load_plist(data, path.name)


def describe_backup(folder: Path) -> BackupListing | None:
    """The backup at ``folder`` (None when it is not one: no Manifest.plist or Manifest.db)."""
    from auditor.ios.parsers import Answer, backup_device

    if not ((folder / "Manifest.plist").exists() or (folder / "Manifest.db").exists()):
        return None
    info = _small_plist(folder / "Info.plist")
    manifest = _small_plist(folder / "Manifest.plist")
    missing = Answer(error="not read")
    phone = backup_device(
        info if isinstance(info, Answer) else missing, manifest if isinstance(manifest, Answer) else missing, []
    ).value
    return BackupListing(folder, phone.name, phone.as_of, backup_is_encrypted(folder))


def list_backups(root: Path, limit: int = 50) -> list[BackupListing]:
    """The backups directly inside ``root`` (each in its own folder), newest first; at most ``limit``."""
    try:
        folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink())
    except OSError:
        return []
    found = [listing for folder in folders[: limit * 4] if (listing := describe_backup(folder)) is not None]
    found.sort(key=lambda b: b.made, reverse=True)
    return found[:limit]


def backup_is_encrypted(folder: Path) -> bool | None:
    """Whether the backup at ``folder`` says it is encrypted (None: not a backup, or it cannot be told)."""
    from auditor.ios.backup import is_encrypted

    return is_encrypted(folder.expanduser())
