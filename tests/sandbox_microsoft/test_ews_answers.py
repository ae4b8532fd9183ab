"""The practice EWS server's own answers, checked against the same EWS types the connector reads real answers with:
Microsoft's documented requests (tests/fixtures/ews) are posted as they are, and every shipped scenario's answers
read whole."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sandbox.urls import url_of

from auditor.checkapi import Reading
from auditor.connectors.ews.records import read_automatic_replies, read_delegation, read_inbox_rules, response_in
from auditor.sandbox import Sandbox, load_scenario
from auditor.sandbox.scenario import Scenario, shipped_scenarios

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ews"
READERS: dict[str, Callable[[Any], Reading[Any]]] = {
    "GetInboxRules": read_inbox_rules,
    "GetDelegate": read_delegation,
    "GetUserOofSettings": read_automatic_replies,
}
# The mailbox each documented request names.
DOCUMENTED = {
    "GetInboxRules": ("getinboxrules-request.xml", "User1@Contoso.com"),
    "GetDelegate": ("getdelegate-request.xml", "user3@example.com"),
    "GetUserOofSettings": ("getuseroofsettings-request.xml", "User1@example.com"),
}


def post(sb: Sandbox, body: bytes) -> httpx.Response:
    headers = {"Authorization": f"Bearer {sb.token}", "Content-Type": "text/xml; charset=utf-8"}
    return httpx.post(url_of(sb, "ews"), content=body, headers=headers, trust_env=False, timeout=30)


def request_for(operation: str, mailbox: str) -> bytes:
    name, documented = DOCUMENTED[operation]
    return (FIXTURES / name).read_bytes().replace(documented.encode(), mailbox.encode())


def scenario_with_mailbox(name: str, mailbox: str) -> Scenario:
    scenario = load_scenario(name)
    scenario.sections["exchange"].mailbox = mailbox
    return scenario


@pytest.mark.parametrize("operation", sorted(DOCUMENTED))
def test_the_documented_request_is_answered_in_the_documented_shape(operation: str) -> None:
    name, mailbox = DOCUMENTED[operation]
    with Sandbox(scenario_with_mailbox("compromised", mailbox)) as sb:
        response = post(sb, (FIXTURES / name).read_bytes())
    assert response.status_code == 200, response.text
    reading = READERS[operation](response_in(response.content, operation))
    assert reading.whole, reading.problems


def test_the_documented_requests_read_the_compromised_mailbox() -> None:
    with Sandbox("compromised") as sb:
        mailbox = sb.scenario.sections["exchange"].mailbox
        rules = read_inbox_rules(response_in(post(sb, request_for("GetInboxRules", mailbox)).content, "GetInboxRules"))
        delegation = read_delegation(response_in(post(sb, request_for("GetDelegate", mailbox)).content, "GetDelegate"))
        oof = read_automatic_replies(
            response_in(post(sb, request_for("GetUserOofSettings", mailbox)).content, "GetUserOofSettings")
        )
    hiding = rules.value[0]
    assert [r.address for r in hiding.redirect_to] == ["keepingtabs@proton.example"]
    assert hiding.delete and hiding.mark_as_read and hiding.stop_processing_rules
    [mark] = delegation.value.delegates
    assert mark.permissions["inbox"] == "Editor" and mark.view_private_items
    assert oof.value.state == "Disabled"


@pytest.mark.parametrize("name", [s for s in shipped_scenarios() if "exchange" in load_scenario(s).sections])
def test_every_shipped_scenarios_answers_are_whole_by_the_ews_reference(name: str) -> None:
    with Sandbox(name) as sb:
        mailbox = sb.scenario.sections["exchange"].mailbox
        readings = [
            reader(response_in(post(sb, request_for(operation, mailbox)).content, operation))
            for operation, reader in READERS.items()
        ]
        expected_rules = (
            len(sb.scenario.sections["exchange"].inbox_rules) + sb.scenario.sections["exchange"].generate.inbox_rules
        )
    for reading in readings:
        assert reading.whole, (name, reading.what, reading.problems[:3])
    assert len(readings[0].value) == expected_rules


def test_a_mailbox_the_server_does_not_hold_is_an_error_answer_not_an_empty_one() -> None:
    from auditor.errors import ProviderError

    with Sandbox("compromised") as sb:
        answer = response_in(
            post(sb, request_for("GetInboxRules", "someone.else@contoso.example")).content, "GetInboxRules"
        )
    with pytest.raises(ProviderError, match="not a success"):
        read_inbox_rules(answer)
