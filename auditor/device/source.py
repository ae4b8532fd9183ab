"""Opening "this computer" as a source: a collector and, if installed, the stalkerware indicator set."""

from __future__ import annotations

from auditor.checkapi import Source
from auditor.device.catalog import builtin_catalog
from auditor.device.collector import DeviceCollector, hostname
from auditor.errors import AuditorError, CheckUnavailable
from auditor.sources import SourceRequest


def device_source(collector: DeviceCollector | None = None, practice: bool = False) -> Source:
    from auditor.iocs import installed_indicators

    source = Source(
        kind="device",
        target=f"This computer ({hostname()})",
        clients={"device": collector or DeviceCollector(), "catalog": builtin_catalog()},
        practice=practice,
    )
    try:
        source.clients["indicators"] = installed_indicators()
    except CheckUnavailable as exc:
        source.unavailable["indicators"] = str(exc)
    except AuditorError as exc:  # a damaged installed set is reported by each check that needs it
        source.unavailable["indicators"] = f"The installed indicator set could not be loaded: {exc}"
    return source


async def open_sources(request: SourceRequest) -> list[Source]:
    return [device_source(practice=request.practice)]
