"""Opening every phone connected over adb as a source (or one that explains why none could be read)."""

from __future__ import annotations

from auditor.android.collector import NO_DEVICE, OFFLINE, UNAUTHORIZED, Adb, AndroidDevice
from auditor.checkapi import Source
from auditor.errors import CheckUnavailable
from auditor.sources import SourceRequest


def _indicator_clients(source: Source) -> None:
    from auditor.errors import AuditorError
    from auditor.iocs import installed_indicators

    try:
        source.clients["indicators"] = installed_indicators()
    except AuditorError as exc:
        source.unavailable["indicators"] = str(exc)


def android_sources(adb: Adb | None = None, practice: bool = False) -> list[Source]:
    try:
        adb = adb or Adb()
        devices = adb.devices()
    except CheckUnavailable as exc:
        return [Source(kind="android", target="Android phone", error=str(exc), practice=practice)]
    if not devices:
        return [Source(kind="android", target="Android phone", error=NO_DEVICE, practice=practice)]
    sources = []
    for device in devices:
        label = f"Android phone {device.model} ({device.serial})" if device.model else f"Android phone {device.serial}"
        if device.state == "unauthorized":
            sources.append(Source("android", label, error=UNAUTHORIZED.format(serial=device.serial)))
            continue
        if device.state != "device":
            sources.append(Source("android", label, error=OFFLINE.format(serial=device.serial, state=device.state)))
            continue
        source = Source("android", label, clients={"phone": AndroidDevice(adb, device)}, practice=practice)
        _indicator_clients(source)
        sources.append(source)
    return sources


async def open_sources(request: SourceRequest) -> list[Source]:
    import asyncio

    return await asyncio.to_thread(android_sources, None, request.practice)
