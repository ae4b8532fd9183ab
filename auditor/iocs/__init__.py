"""Stalkerware indicators: loading Echap's stalkerware-indicators format and matching against it."""

from auditor.iocs.installed import (
    NOT_INSTALLED,
    install_from_files,
    installed_indicators,
    read_meta,
    update_from_upstream,
)
from auditor.iocs.loader import load_indicator_files
from auditor.iocs.model import IndicatorApp, IndicatorCounts, IndicatorMatch, Indicators

__all__ = [
    "NOT_INSTALLED",
    "IndicatorApp",
    "IndicatorCounts",
    "IndicatorMatch",
    "Indicators",
    "install_from_files",
    "installed_indicators",
    "load_indicator_files",
    "read_meta",
    "update_from_upstream",
]
