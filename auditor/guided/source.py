"""Opening guided sources: one per Apple Account, social account or phone plan recorded in the case.

Guided checks read nothing from a provider, so a source needs no client and no sign-in: it only names the
account the questions are about, so each answer is recorded for that account. Without a case (or with a
case that records none of that kind) an audit that asks for the kind gets one general source, so
``auditor audit --only apple`` lists the Apple questions as "Check by hand".
"""

from __future__ import annotations

from auditor.checkapi import Source
from auditor.sources import SourceRequest

GUIDED_KINDS = ("apple", "social", "carrier")
GENERAL_TARGETS = {
    "apple": "Your Apple Account and iPhone",
    "social": "Your social media accounts",
    "carrier": "Your phone plan",
}


def guided_sources(kind: str, request: SourceRequest) -> list[Source]:
    if kind not in GUIDED_KINDS:
        raise ValueError(f"{kind!r} is not a guided kind")
    targets: list[str] = []
    if request.case is not None:
        targets = [a["target"] for a in request.case.accounts() if a["kind"] == kind]
        # An earlier audit without named accounts recorded the general source; once the person names their
        # accounts, the questions are asked about those instead of twice.
        named = [t for t in targets if t != GENERAL_TARGETS[kind]]
        targets = named or targets
    if not targets:
        targets = [GENERAL_TARGETS[kind]]
    return [Source(kind=kind, target=target, practice=request.practice) for target in targets]


async def open_apple(request: SourceRequest) -> list[Source]:
    return guided_sources("apple", request)


async def open_social(request: SourceRequest) -> list[Source]:
    return guided_sources("social", request)


async def open_carrier(request: SourceRequest) -> list[Source]:
    return guided_sources("carrier", request)
