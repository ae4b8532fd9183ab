"""Auditing an iPhone — the one connected by cable, or a backup folder — for the command line and the app.

``auditor audit --only ios`` and ``--only ios-backup --path DIR [--case NAME]`` and the app's add-phone screen
all come here. The phone is opened first (:func:`open_phone`), as a source of kind ``ios``; then it is audited on
its own and — with a case — saved there like any audit (:func:`audit_phone`).

Only these read an iPhone: an audit of the whole case never does (``READ_ONLY_WHEN_ASKED`` in
:mod:`auditor.application.kinds`), so the phone is never connected to without the Trust notice. Its findings stay
in the case as last read (:func:`current_findings`), and the case's audits say that the iPhone was not read and
when it last was (:func:`iphone_reads`, :func:`not_read_words`).

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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
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
from auditor.model import AuditRun, Finding, Status

if TYPE_CHECKING:
    from auditor.store import CaseStore

__all__ = [
    "BEFORE_CONNECTING",
    "REMOVE_TRUST",
    "SAFETY_CHECK_FIRST",
    "TRUST_NOTICE",
    "BackupListing",
    "IPhoneRead",
    "PhoneAudit",
    "PhoneRequest",
    "Stage",
    "audit_phone",
    "backup_is_encrypted",
    "backup_roots",
    "current_findings",
    "iphone_reads",
    "list_backups",
    "not_read_words",
    "open_phone",
    "practice_iphone_address",
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
    """Open the phone and audit it on its own; with ``case``, save the run there and — for a phone read over USB —
    register it with the case's devices, as :func:`~auditor.application.auditing.audit_into_case` does for any audit
    (a backup is not registered: it is not a device, and reading it again is another backup read).

    ``plan`` gives the settings, endpoints and practice flag; its kinds are not read. The phone's read is quick and
    makes no network request, and the case's other accounts keep their findings as last read: "since the last
    audit" compares only what this read looked at again (:func:`~auditor.store.case.changes_between`).

    ``stop_if_unreadable``: a phone that could not be opened ends here with its ``problem`` (the app shows it
    with "Try again"); otherwise its checks each say "Couldn't check" with the reason, as the command line does.
    """
    base = plan or AuditPlan(kinds=())
    # The phone alone: the plan's other kinds are the case's accounts (read by a full audit), and a plan naming
    # iPhones again would connect a second time without the person's say-so.
    phone = await open_phone(request, settings=base.settings, endpoints=base.endpoints, on_stage=on_stage)
    if phone.error is not None and stop_if_unreadable:
        await phone.aclose()
        return PhoneAudit(target=phone.target, problem=phone.error)
    if on_stage is not None:
        on_stage(Stage.CHECKING)
    with_phone = dataclasses.replace(base, kinds=(), extra_sources=(*base.extra_sources, phone))
    if case is None:
        run = await run_plan(with_phone, on_progress=on_progress, should_stop=should_stop)
        return PhoneAudit(target=phone.target, problem=phone.error, run=run)
    saved = await audit_into_case(case, with_phone, on_progress=on_progress, should_stop=should_stop)
    if request.backup is not None and ("ios", phone.target) in saved.accounts_added:
        # A backup is not a device of the case: kept as one, it would be listed as a phone read over the cable.
        # Its findings stay in the case; reading it again is another backup read.
        case.remove_account("ios", phone.target)
        added = tuple(a for a in saved.accounts_added if a != ("ios", phone.target))
        saved = dataclasses.replace(saved, accounts_added=added)
    if on_stage is not None:
        on_stage(Stage.SAVING)
    return PhoneAudit(target=phone.target, problem=phone.error, run=saved.run, saved=saved)


# -- practice mode ----------------------------------------------------------------------------------------

PRACTICE_NO_REAL_PHONE = (
    "Practice mode does not read a real phone: the practice case holds only practice data, so nothing plugged "
    "into this computer is read or saved here."
)
PRACTICE_IPHONE_SERVED = (
    "It reads the practice iPhone served on this computer instead (the one USBMUXD_SOCKET_ADDRESS points at, "
    "started with `python -m auditor.sandbox.iphone`). The steps below are the ones to follow with a real phone."
)
PRACTICE_IPHONE_NOT_SERVED = (
    "No practice iPhone is being served, so there is nothing to read here. To practise this step, start one in "
    "another terminal with `python -m auditor.sandbox.iphone --scenario stalkerware` and open `auditor demo` with "
    "USBMUXD_SOCKET_ADDRESS set to the address it prints. The steps below are the ones to follow with a real phone."
)
PRACTICE_NO_BACKUP = (
    "Practice mode does not read a backup folder: a backup holds a real phone's data, and the practice case holds "
    "only practice data. Open your own case (run `auditor`) to read a backup."
)


def practice_iphone_address(environ: Mapping[str, str] | None = None) -> str | None:
    """In practice mode, where the practice iPhone is served: USBMUXD_SOCKET_ADDRESS when it names a port on this
    computer's loopback (as ``python -m auditor.sandbox.iphone`` prints it); None otherwise — then practice mode
    offers nothing that connects, since the system's usbmuxd reaches the real phone plugged in."""
    import ipaddress

    raw = (os.environ if environ is None else environ).get("USBMUXD_SOCKET_ADDRESS", "").strip()
    host, colon, port = raw.rpartition(":")
    if not colon or not port.isdigit():
        return None
    host = host.strip("[]")
    if host == "localhost":
        return raw
    try:
        return raw if ipaddress.ip_address(host).is_loopback else None
    except ValueError:
        return None


# -- the iPhone in a case's later audits -------------------------------------------------------------------


def current_findings(case: CaseStore) -> list[Finding]:
    """The case's findings as each account and device was last read: for each check on each account or device,
    what the latest audit that ran it there said.

    An audit of one phone says nothing of the accounts, and an audit of the case does not read the phone: the
    latest run alone would show the accounts (or the phone) with nothing found, which is not what is known.
    """
    latest: dict[tuple[str, str], list[Finding]] = {}
    for summary in case.runs():
        in_run: dict[tuple[str, str], list[Finding]] = {}
        for finding in case.findings_of(summary.id):
            in_run.setdefault((finding.check, finding.target), []).append(finding)
        latest.update(in_run)
    return [finding for findings in latest.values() for finding in findings]


def is_iphone_check(check_id: str) -> bool:
    """The iPhone's checks (``ios.*``), over the cable and from a backup alike."""
    return check_id.split(".", 1)[0] == "ios"


@dataclass(frozen=True)
class IPhoneRead:
    """An iPhone the case holds findings of: its name (as the phone gave it: shown literally), whether it was read
    over the cable (a device of the case) or from a backup, when it was last read (None: no findings of it are
    kept), and how many of its findings are still open (found, is this yours?, couldn't check)."""

    target: str
    over_usb: bool
    last_read: datetime | None
    still_open: int


_OPEN = (Status.FOUND, Status.REVIEW, Status.ERROR, Status.MANUAL)


def iphone_reads(accounts: Iterable[Mapping[str, object]], findings: Iterable[Finding]) -> list[IPhoneRead]:
    """Each iPhone of the case — the phones among its devices, and any iPhone or backup its findings are about —
    with when it was last read, from the findings as last read (:func:`current_findings`, or the app's list)."""
    phones = [str(a["target"]) for a in accounts if a.get("kind") == "ios"]
    last: dict[str, datetime] = {}
    still_open: dict[str, int] = {}
    for finding in findings:
        if not is_iphone_check(finding.check) or not finding.target:
            continue
        if finding.target not in last or finding.observed_at > last[finding.target]:
            last[finding.target] = finding.observed_at
        still_open[finding.target] = still_open.get(finding.target, 0) + (finding.status in _OPEN)
    targets = list(dict.fromkeys([*phones, *sorted(last)]))
    return [IPhoneRead(t, t in phones, last.get(t), still_open.get(t, 0)) for t in targets]


def _when(read: IPhoneRead) -> str:
    if read.last_read is None:
        return "no read of it is kept in the case"
    how = "over the cable" if read.over_usb else "from its backup"
    held = f"; {read.still_open} of its findings from then are still open" if read.still_open else ""
    return f"last read {how} {read.last_read.strftime('%Y-%m-%d %H:%M UTC')}{held}"


def not_read_words(reads: Sequence[IPhoneRead], case_name: str | None = None) -> list[str]:
    """What an audit of the case says of its iPhones: that it did not read them, how they are read (in the app
    when ``case_name`` is None, else the command for that case), and when each was last read. The names are the
    phones' own: the caller shows them literally. No iPhones, no words."""
    if not reads:
        return []
    if case_name is None:
        how = (
            "An audit of the case (a) does not read an iPhone: it is read only from Add an iPhone (n, then i), with "
            "the person there and the phone unlocked, after the Trust notice."
        )
    else:
        from shlex import quote

        how = (
            "This audit did not read the iPhone: an iPhone is read only with "
            f"`auditor audit --only ios --case {quote(case_name)}` (over the cable, with the person there and the "
            "phone unlocked; the Trust notice comes first) or `--only ios-backup --path FOLDER`."
        )
    return [how, *(f"{read.target}: {_when(read)}." for read in reads)]


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
