"""What the tests of Exchange's changes share (tests/remedy/test_exchange_*): plan a finding's changes from an
audit of the practice EWS server through the real connector, open the writer with the practice server's token (as
practice mode does), and read back exactly what the server was asked to change."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from auditor.config import Settings
from auditor.model import Finding, Status
from auditor.remedy import Applied, Change, WriterRequest
from auditor.remedy.exchange import REMEDIES, ExchangeWriterForChanges
from auditor.sandbox import Sandbox
from exchange_accounts.readings import run_exchange

T = TypeVar("T")
ANN = "ann.example@contoso.example"
SAM = "sam.example@contoso.example"
RULES = "exchange.inbox_rules"
DELEGATES = "exchange.delegates"
FAST = Settings(request_timeout=1.0, retry_budget=4.0)
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
TYPES = "http://schemas.microsoft.com/exchange/services/2006/types"
OPEN = (Status.FOUND, Status.REVIEW)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def ews_url(sb: Sandbox) -> str:
    url = sb.url("ews")
    assert url is not None, "the scenario serves no EWS"
    return url


def of_check(sb: Sandbox, check: str) -> list[Finding]:
    """The check's findings, audited now through exchangelib."""
    return [f for f in run_exchange(sb).findings if f.check == check]


def open_paths(sb: Sandbox, check: str) -> list[Finding]:
    return [f for f in of_check(sb, check) if f.status in OPEN]


def planned(sb: Sandbox, check: str, index: int = 0) -> list[Change]:
    """The changes offered for the check's ``index``-th open finding."""
    return REMEDIES.changes_for(open_paths(sb, check)[index])


def rules_as_found(sb: Sandbox) -> list[dict[str, Any]]:
    """Every inbox rule as the connector reads it now (the rule as Exchange sends it)."""
    from auditor.connectors.ews.client import ExchangeClient, ExchangeLogin

    async def read() -> list[dict[str, Any]]:
        client = ExchangeClient(ews_url(sb), ExchangeLogin("oauth", sb.token), timeout=2.0, retry_budget=4.0)
        try:
            reading = await client.inbox_rules()
        finally:
            await client.aclose()
        assert reading.whole, reading.problems
        return [rule.as_found for rule in reading.value]

    return run(read())


def with_token(sb: Sandbox, changes: list[Change], **extra: Any) -> ExchangeWriterForChanges:
    """The writer, signed in with the practice server's token (what practice mode passes)."""
    target = changes[0].target if changes else ANN
    request = WriterRequest(target, changes, settings=FAST, endpoint=ews_url(sb), token=sb.token, extra=extra)
    return run(REMEDIES.open_writer(request))


def apply(writer: ExchangeWriterForChanges, change: Change) -> Applied:
    return run(writer.apply(change))


def restore(writer: ExchangeWriterForChanges, applied: Applied) -> Applied:
    return run(writer.restore(applied))


@dataclass(frozen=True)
class Write:
    """One change the practice server was asked to make, as its request log holds it."""

    operation: str
    changes: tuple[str, ...]
    status: int
    fault: str | None
    element: ET.Element  # the operation element of the SOAP request


def writes(sb: Sandbox) -> list[Write]:
    out = []
    for entry in sb.requests:
        if entry.provider != "ews" or "operation" not in entry.extra:
            continue
        body = ET.fromstring(str(entry.extra["body"]).encode("utf-8"))
        soap_body = body.find(f"{{{SOAP}}}Body")
        assert soap_body is not None
        out.append(
            Write(
                str(entry.extra["operation"]),
                tuple(str(change) for change in entry.extra.get("changes") or ()),  # type: ignore[attr-defined]
                entry.status,
                entry.fault,
                soap_body[0],
            )
        )
    return out


def shape(element: ET.Element) -> Any:
    """An element's tag (with namespace), attributes, text and children, for comparing requests whatever their
    prefixes and indentation."""
    text = (element.text or "").strip()
    return (element.tag, dict(element.attrib), text, [shape(child) for child in element])


def parsed(request: str) -> ET.Element:
    return ET.fromstring(request.encode("utf-8"))


def rule_of(write: Write) -> ET.Element:
    rule = write.element.find(f"{{{M}}}Operations/*/{{{TYPES}}}Rule")
    assert rule is not None
    return rule


def without(mapping: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k not in keys}


class CaseWithAccount:
    """The parts of a case the Exchange sign-in reads: its accounts. Storing a secret fails the test."""

    def __init__(self, target: str, settings: Mapping[str, str]) -> None:
        self.target = target
        self.settings = dict(settings)
        self.stored: list[str] = []

    def accounts(self) -> list[dict[str, Any]]:
        return [{"kind": "exchange", "target": self.target, "settings": dict(self.settings)}]

    def put_secret(self, name: str, value: bytes) -> None:
        self.stored.append(name)
        raise AssertionError("a password typed for a change must never be stored")
