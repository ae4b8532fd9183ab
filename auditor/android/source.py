"""Opening every phone connected over adb as a source (or one that explains why none could be read)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditor.android.collector import (
    DEVICES_NOT_UNDERSTOOD,
    NO_DEVICE,
    OFFLINE,
    UNAUTHORIZED,
    Adb,
    AndroidDevice,
)
from auditor.checkapi import Source
from auditor.checkapi.android import INDICATORS, PHONE
from auditor.errors import CheckUnavailable
from auditor.sources import SourceRequest

if TYPE_CHECKING:
    from auditor.checkapi.android import AndroidIndicators, AndroidReads
    from auditor.iocs import Indicators

    # mypy proves here that what the checks are handed speaks the interfaces they are typed against.
    def _phone(device: AndroidDevice) -> AndroidReads:
        return device

    def _indicators(indicators: Indicators) -> AndroidIndicators:
        return indicators


NOT_UNDERSTOOD_TARGET = "Android phone (adb's list of phones)"


def _indicator_clients(source: Source) -> None:
    from auditor.errors import AuditorError
    from auditor.iocs import installed_indicators

    try:
        source.clients[INDICATORS.name] = installed_indicators()
    except AuditorError as exc:
        source.unavailable[INDICATORS.name] = str(exc)


def android_sources(adb: Adb | None = None, practice: bool = False) -> list[Source]:
    try:
        adb = adb or Adb()
        listed = adb.devices()
    except CheckUnavailable as exc:
        return [Source(kind="android", target="Android phone", error=str(exc), practice=practice)]
    sources = []
    if listed.unrecognised:
        # A line of `adb devices -l` that was not understood may be a phone: every check says so for it.
        error = DEVICES_NOT_UNDERSTOOD.format(problems="; ".join(listed.unrecognised))
        sources.append(Source("android", NOT_UNDERSTOOD_TARGET, error=error, practice=practice))
    elif not listed.value:
        return [Source(kind="android", target="Android phone", error=NO_DEVICE, practice=practice)]
    for device in listed.value:
        label = f"Android phone {device.model} ({device.serial})" if device.model else f"Android phone {device.serial}"
        if device.state == "unauthorized":
            sources.append(Source("android", label, error=UNAUTHORIZED.format(serial=device.serial), practice=practice))
            continue
        if device.state != "device":
            sources.append(
                Source(
                    "android", label, error=OFFLINE.format(serial=device.serial, state=device.state), practice=practice
                )
            )
            continue
        source = Source("android", label, clients={PHONE.name: AndroidDevice(adb, device)}, practice=practice)
        _indicator_clients(source)
        sources.append(source)
    return sources


async def open_sources(request: SourceRequest) -> list[Source]:
    import asyncio

    return await asyncio.to_thread(android_sources, None, request.practice)
