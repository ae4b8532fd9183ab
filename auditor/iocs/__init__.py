"""Stalkerware indicators: loading Echap's stalkerware-indicators format and matching against it."""

from auditor.iocs.installed import (
    NOT_INSTALLED,
    STALE_AFTER,
    InstalledMeta,
    bundled_meta,
    current_meta,
    describe_age,
    install_from_files,
    installed_indicators,
    read_meta,
    stale_notice,
    update_from_upstream,
)
from auditor.iocs.loader import load_indicator_files
from auditor.iocs.model import IndicatorApp, IndicatorCounts, IndicatorMatch, Indicators

__all__ = [
    "NOT_INSTALLED",
    "STALE_AFTER",
    "IndicatorApp",
    "IndicatorCounts",
    "IndicatorMatch",
    "Indicators",
    "InstalledMeta",
    "bundled_meta",
    "current_meta",
    "describe_age",
    "install_from_files",
    "installed_indicators",
    "load_indicator_files",
    "read_meta",
    "stale_notice",
    "update_from_upstream",
]
