"""Opening "this computer" as a source: a collector and, if installed, the stalkerware indicator set."""

from __future__ import annotations

from auditor.checkapi import Source
from auditor.checkapi.device import CATALOG, DEVICE, INDICATORS, DeviceReads, IndicatorMatcher, ProgramCatalog
from auditor.device.catalog import builtin_catalog
from auditor.device.collector import DeviceCollector, hostname
from auditor.errors import AuditorError, CheckUnavailable
from auditor.sources import SourceRequest


def device_source(collector: DeviceReads | None = None, practice: bool = False) -> Source:
    from auditor.iocs import installed_indicators

    # Typed by the interfaces the checks use, so mypy holds the real objects to them.
    device: DeviceReads = collector or DeviceCollector()
    catalog: ProgramCatalog = builtin_catalog()
    source = Source(
        kind="device",
        target=f"This computer ({hostname()})",
        clients={DEVICE.name: device, CATALOG.name: catalog},
        practice=practice,
    )
    try:
        indicators: IndicatorMatcher = installed_indicators()
        source.clients[INDICATORS.name] = indicators
    except CheckUnavailable as exc:
        source.unavailable[INDICATORS.name] = str(exc)
    except AuditorError as exc:  # a damaged installed set is reported by each check that needs it
        source.unavailable[INDICATORS.name] = f"The installed indicator set could not be loaded: {exc}"
    return source


async def open_sources(request: SourceRequest) -> list[Source]:
    return [device_source(practice=request.practice)]
