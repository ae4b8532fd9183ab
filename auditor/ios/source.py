"""Opening iPhones as sources: the one connected by cable (kind ``ios``), or a backup folder (``ios-backup``).

Both give sources of kind ``ios``, so the same checks judge a phone and a backup; a check about a part a
backup does not record says so ("not applicable") instead of "looks clear". A source that cannot be opened
— no phone, several phones, a phone that does not trust this computer, a locked phone, no usbmuxd, a folder
that is not a backup, a wrong backup password — is returned with ``error`` set, so each check reports
"Couldn't check" with the reason and the steps to fix it.

Variables: ``USBMUXD_SOCKET_ADDRESS`` (libusbmuxd's own; ``HOST:PORT`` reaches a usbmuxd over TCP, which
is how the practice iPhone is reached), ``AUDITOR_IOS_PAIR_TIMEOUT`` (seconds to wait for "Trust", default
60), ``AUDITOR_IOS_BACKUP_PATH`` and ``AUDITOR_IOS_BACKUP_PASSWORD`` (the backup folder and its password for
``--only ios-backup``; the password is never stored).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from auditor.checkapi import Source
from auditor.sources import SourceRequest

KIND = "ios"
NO_BACKUP_PATH = (
    "No backup folder was given. Run `auditor audit --only ios-backup --path FOLDER` with the backup folder "
    "(the one that holds Manifest.plist), or set AUDITOR_IOS_BACKUP_PATH."
)
NO_LIBRARY = (
    "pymobiledevice3, which reads iPhones over USB, is not installed. Install it with "
    "`pip install pymobiledevice3` (it comes with auditor's standard install) and run the audit again."
)


def _indicator_clients(source: Source) -> None:
    from auditor.errors import AuditorError
    from auditor.iocs import installed_indicators

    try:
        source.clients["indicators"] = installed_indicators()
    except AuditorError as exc:
        source.unavailable["indicators"] = str(exc)


def _pair_timeout(request: SourceRequest) -> float:
    raw = request.extra.get("pair_timeout", os.environ.get("AUDITOR_IOS_PAIR_TIMEOUT", ""))
    try:
        value = float(raw) if raw not in ("", None) else 60.0
    except (TypeError, ValueError):
        from auditor.errors import ConfigError

        raise ConfigError(f"AUDITOR_IOS_PAIR_TIMEOUT must be a number of seconds, not {raw!r}") from None
    return max(0.0, min(value, 600.0))


def phone_label(name: str, product_type: str) -> str:
    model = f" ({product_type})" if product_type else ""
    return f"iPhone {name[:60]}{model}" if name else f"iPhone{model}"


async def open_sources(request: SourceRequest) -> list[Source]:
    """The iPhone connected by cable."""
    try:
        from auditor.ios.collector import PhoneUnavailable, read_phone
        from auditor.ios.phone import UsbIPhone
    except ImportError:
        return [Source(kind=KIND, target="iPhone", error=NO_LIBRARY, practice=request.practice)]
    try:
        import pymobiledevice3  # noqa: F401
    except ImportError:
        return [Source(kind=KIND, target="iPhone", error=NO_LIBRARY, practice=request.practice)]
    address = request.extra.get("usbmux_address") or None
    service_timeout = float(request.extra.get("service_timeout", 60.0))
    try:
        answers = await read_phone(address, _pair_timeout(request), service_timeout=service_timeout)
    except PhoneUnavailable as exc:
        return [Source(kind=KIND, target="iPhone", error=str(exc), practice=request.practice)]
    phone = UsbIPhone(answers)
    info = phone.device().value
    source = Source(
        kind=KIND,
        target=phone_label(info.name, info.product_type),
        clients={"iphone": phone},
        practice=request.practice,
    )
    _indicator_clients(source)
    return [source]


def backup_source(folder: Path, password: str | None, practice: bool = False) -> Source:
    """A backup folder opened for reading (the password only held in memory for this audit)."""
    from auditor.ios.backup import BackupError, BackupFolder, BackupIPhone

    try:
        backup = BackupFolder(folder, password)
    except BackupError as exc:
        return Source(kind=KIND, target=f"iPhone backup {folder.name}", error=str(exc), practice=practice)
    phone = BackupIPhone(backup)
    info = phone.device().value
    made = f", made {info.as_of}" if info.as_of else ""
    label = f"{phone_label(info.name, info.product_type)} backup{made}"
    source = Source(kind=KIND, target=label, clients={"iphone": phone}, practice=practice, closers=[backup.close])
    _indicator_clients(source)
    return source


async def open_backup_sources(request: SourceRequest) -> list[Source]:
    """The backup folder given as ``extra["path"]`` (the command line's --path) or AUDITOR_IOS_BACKUP_PATH."""
    path = request.extra.get("path") or os.environ.get("AUDITOR_IOS_BACKUP_PATH", "")
    if not path:
        return [Source(kind=KIND, target="iPhone backup", error=NO_BACKUP_PATH, practice=request.practice)]
    password = request.extra.get("password") or os.environ.get("AUDITOR_IOS_BACKUP_PASSWORD") or None
    return [await asyncio.to_thread(backup_source, Path(path), password, request.practice)]
