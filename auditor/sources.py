"""Opening the accounts and devices an audit reads, kind by kind.

Each kind has one opener, ``async def open_sources(request) -> list[Source]``, in its own module,
imported only when that kind is audited (so ``auditor --help`` loads no provider library). An opener
that cannot open a source it was asked for returns a Source with ``error`` set, so every check of that
source reports ``error`` (never ``clear``).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from auditor.checkapi import Source
from auditor.config import Endpoints, Settings
from auditor.errors import UsageError

# kind -> "module:function". A kind whose module is not present in this build is simply not offered.
OPENERS: dict[str, str] = {
    "device": "auditor.device.source:open_sources",
    "google": "auditor.connectors.google.source:open_sources",
    "microsoft": "auditor.connectors.graph.source:open_sources",
    "exchange": "auditor.connectors.ews.source:open_sources",
    "android": "auditor.android.source:open_sources",
    "ios": "auditor.ios.source:open_sources",
    "ios-backup": "auditor.ios.source:open_backup_sources",
    "apple": "auditor.guided.source:open_apple",
    "social": "auditor.guided.source:open_social",
    "carrier": "auditor.guided.source:open_carrier",
}
# Kinds audited when no --only is given and nothing else asks for them.
DEFAULT_KINDS = ("device",)


@dataclass
class SourceRequest:
    """What an opener may use. ``case`` is the open case store, or None for a case-less audit."""

    settings: Settings
    endpoints: Endpoints
    case: Any = None
    practice: bool = False
    indicators: Any = None
    extra: Mapping[str, Any] = field(default_factory=dict)


def available_kinds() -> list[str]:
    out = []
    for kind, target in OPENERS.items():
        module = target.split(":", 1)[0]
        if importlib.util.find_spec(module.rsplit(".", 1)[0]) is None:
            continue
        try:
            if importlib.util.find_spec(module) is not None:
                out.append(kind)
        except ModuleNotFoundError:
            continue
    return out


async def open_kind(kind: str, request: SourceRequest) -> list[Source]:
    target = OPENERS.get(kind)
    if target is None or kind not in available_kinds():
        raise UsageError(f"unknown kind {kind!r}; choose one of {', '.join(available_kinds())}")
    module_name, func_name = target.split(":", 1)
    opener = getattr(importlib.import_module(module_name), func_name)
    sources: list[Source] = await opener(request)
    return sources


async def open_sources(kinds: Sequence[str], request: SourceRequest) -> list[Source]:
    out: list[Source] = []
    for kind in kinds:
        out.extend(await open_kind(kind, request))
    return out
