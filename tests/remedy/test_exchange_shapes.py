"""Shape fuzzing of Exchange's changes (hypothesis; the profile is in tests/conftest.py).

- An answer to a change that is not the documented success — cut off, an element dropped, ResponseClass or
  ResponseCode changed, emptied (nil) or given elements instead of text, several answers for one delegate or none
  — is never a change made: the writer raises a ConnectorError (no other exception escapes), through exchangelib
  against the practice server.
- A finding's evidence record made malformed (keys dropped, types changed, nulls) never makes planning raise;
  whatever is offered is a well-formed request, and switching a rule off only for a whole rule.
- The practice server, sent a change made malformed, never fails with a traceback, and changes its mailbox only
  when it answers Success.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from exchange_accounts.writing import ANN, DELEGATES, RULES, apply, open_paths, with_token
from hypothesis import given
from hypothesis import strategies as st

from auditor.connectors.ews.writer import checked_rule, request_text, set_rule_request, unsendable
from auditor.errors import ConnectorError
from auditor.model import Finding
from auditor.remedy import Change
from auditor.remedy.exchange import DISABLE_RULE, REMEDIES, ExchangeWriterForChanges
from auditor.sandbox import Sandbox, load_scenario
from auditor.sandbox.base import SandboxRequest
from auditor.sandbox.exchange import LiteralAnswer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ews"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20)


class Practice:
    """One practice server for a whole property, with a writer signed in to it and a change of each kind."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self.disable, self.delete = REMEDIES.changes_for(open_paths(sb, RULES)[0])
        [self.remove] = REMEDIES.changes_for(open_paths(sb, DELEGATES)[0])
        self.writer: ExchangeWriterForChanges = with_token(sb, [self.disable, self.delete, self.remove])
        self.rule: Finding = open_paths(sb, RULES)[0]

    def answering(self, operation: str, xml: str) -> None:
        self.sb.scenario.sections["exchange"].answers = {operation: LiteralAnswer(xml=xml)}


@pytest.fixture(scope="module")
def practice() -> Iterator[Practice]:
    with Sandbox(load_scenario("compromised")) as sb:
        yield Practice(sb)


def published(name: str) -> ET.Element:
    return ET.parse(FIXTURES / name).getroot()


def text_of(root: ET.Element) -> str:
    return ET.tostring(root, encoding="unicode")


def response_of(root: ET.Element) -> ET.Element:
    body = root.find(f"{{{SOAP}}}Body")
    assert body is not None
    return body[0]


# -- answers to a change ------------------------------------------------------------------------------------


def _drop_code(message: ET.Element, _: Any) -> None:
    code = message.find(f"{{{M}}}ResponseCode")
    assert code is not None
    message.remove(code)


def _class(message: ET.Element, data: st.DataObject) -> None:
    value = data.draw(st.one_of(st.none(), words.filter(lambda w: w != "Success")))
    if value is None:
        message.attrib.pop("ResponseClass", None)
    else:
        message.set("ResponseClass", value)


def _code(message: ET.Element, data: st.DataObject) -> None:
    code = message.find(f"{{{M}}}ResponseCode")
    assert code is not None
    code.text = data.draw(
        st.one_of(st.sampled_from(["ErrorAccessDenied", "ErrorServerBusy", "ErrorInvalidOperation", ""]), words).filter(
            lambda w: w.strip() != "NoError"
        )
    )


def _nil(message: ET.Element, _: Any) -> None:
    code = message.find(f"{{{M}}}ResponseCode")
    assert code is not None
    code.text = None
    code.set(f"{{{XSI}}}nil", "true")


def _elements_for_text(message: ET.Element, _: Any) -> None:
    code = message.find(f"{{{M}}}ResponseCode")
    assert code is not None
    code.text = None
    ET.SubElement(code, f"{{{M}}}NoError")


BREAKS: dict[str, Callable[[ET.Element, Any], None]] = {
    "ResponseCode dropped": _drop_code,
    "ResponseClass not Success": _class,
    "ResponseCode not NoError": _code,
    "ResponseCode nil": _nil,
    "an element for ResponseCode's text": _elements_for_text,
}


def broken_answer(root: ET.Element, message: ET.Element, how: str, data: st.DataObject) -> str:
    if how == "cut off":
        whole = text_of(root)
        return whole[: data.draw(st.integers(0, len(whole) - len("</s:Envelope>") - 1))]
    if how == "the response element dropped":
        body = root.find(f"{{{SOAP}}}Body")
        assert body is not None
        body.remove(body[0])
        return text_of(root)
    BREAKS[how](message, data)
    return text_of(root)


ANSWER_BREAKS = ["cut off", "the response element dropped", *sorted(BREAKS)]


@given(st.sampled_from(ANSWER_BREAKS), st.booleans(), st.data())
def test_a_rules_answer_that_is_not_a_documented_success_is_never_a_change_made(
    practice: Practice, how: str, deleting: bool, data: st.DataObject
) -> None:
    root = published("updateinboxrules-set-response.xml")
    practice.answering("UpdateInboxRules", broken_answer(root, response_of(root), how, data))
    change = practice.delete if deleting else practice.disable
    with pytest.raises(ConnectorError):
        apply(practice.writer, change)


def _several(answer: ET.Element, data: st.DataObject) -> None:
    messages = answer.find(f"{{{M}}}ResponseMessages")
    assert messages is not None
    first = messages[0]
    count = data.draw(st.sampled_from([0, 2, 3]))
    for message in list(messages):
        messages.remove(message)
    for _ in range(count):
        messages.append(copy.deepcopy(first))


DELEGATE_BREAKS = [*ANSWER_BREAKS, "no delegate answered, or several", "ResponseMessages dropped"]


@given(st.sampled_from(DELEGATE_BREAKS), st.booleans(), st.data())
def test_a_delegate_answer_that_is_not_a_documented_success_is_never_a_change_made(
    practice: Practice, how: str, on_the_answer: bool, data: st.DataObject
) -> None:
    root = published("adddelegate-response.xml")  # one delegate, a success
    answer = response_of(root)
    answer.tag = f"{{{M}}}RemoveDelegateResponse"
    message = answer if on_the_answer else answer.find(f".//{{{M}}}DelegateUserResponseMessageType")
    assert message is not None
    if how == "no delegate answered, or several":
        _several(answer, data)
        text = text_of(root)
    elif how == "ResponseMessages dropped":
        messages = answer.find(f"{{{M}}}ResponseMessages")
        assert messages is not None
        answer.remove(messages)
        text = text_of(root)
    else:
        text = broken_answer(root, message, how, data)
    practice.answering("RemoveDelegate", text)
    with pytest.raises(ConnectorError):
        apply(practice.writer, practice.remove)


# -- planning from a malformed record -----------------------------------------------------------------------

values = st.one_of(st.none(), st.booleans(), st.integers(), words, st.lists(words, max_size=2), st.just({}))


def paths(record: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = []
    if isinstance(record, dict):
        for key, value in record.items():
            out.append((*prefix, key))
            out.extend(paths(value, (*prefix, key)))
    elif isinstance(record, list):
        for index, value in enumerate(record):
            out.append((*prefix, index))
            out.extend(paths(value, (*prefix, index)))
    return out


def broken_record(record: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    record = copy.deepcopy(record)
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.sampled_from(paths(record) or [("rule_id",)]))
        parent: Any = record
        for part in where[:-1]:
            parent = parent[part]
        if data.draw(st.booleans()) and isinstance(parent, dict):
            parent.pop(where[-1], None)
        else:
            parent[where[-1]] = data.draw(values)
    return record


@given(st.data())
def test_planning_from_a_malformed_record_never_fails_and_offers_only_well_formed_requests(
    practice: Practice, data: st.DataObject
) -> None:
    for finding in (practice.rule, *open_paths_cached(practice)):
        record = broken_record(dict(finding.evidence), data)
        changes: list[Change] = REMEDIES.changes_for(finding.__class__(**{**vars_of(finding), "evidence": record}))
        for change in changes:
            ET.fromstring(change.request)  # a well-formed request, or none
            if change.action == DISABLE_RULE:
                as_found = change.before["as_found"]
                assert change.before["as_found_whole"] is True and not unsendable(as_found)
                checked_rule(as_found)  # an EWS rule, sent back whole


_delegate_findings: list[Finding] = []


def open_paths_cached(practice: Practice) -> list[Finding]:
    if not _delegate_findings:
        _delegate_findings.extend(open_paths(practice.sb, DELEGATES))
    return _delegate_findings


def vars_of(finding: Finding) -> dict[str, Any]:
    return {
        "check": finding.check,
        "target": finding.target,
        "status": finding.status,
        "severity": finding.severity,
        "title": finding.title,
        "detail": finding.detail,
        "subject": finding.subject,
        "playbooks": finding.playbooks,
    }


# -- the practice server, sent a malformed change -------------------------------------------------------------


def _set_text(rule: ET.Element, data: st.DataObject) -> None:
    tag = data.draw(st.sampled_from(["IsEnabled", "Priority", "DisplayName", "RuleId"]))
    node = rule.find(f"{{{T}}}{tag}")
    if node is None:
        node = ET.SubElement(rule, f"{{{T}}}{tag}")
    node.text = data.draw(st.one_of(words, st.sampled_from(["maybe", "-1", "1.5", "", "TRUE"])))


def _drop(rule: ET.Element, data: st.DataObject) -> None:
    children = list(rule.iter())[1:]
    victim = data.draw(st.sampled_from(children))
    for parent in rule.iter():
        if victim in list(parent):
            parent.remove(victim)
            return


def _unknown(rule: ET.Element, data: st.DataObject) -> None:
    parents = [e for e in rule.iter() if e.tag.rsplit("}")[-1] in ("Rule", "Conditions", "Actions", "Address")]
    ET.SubElement(data.draw(st.sampled_from(parents)), f"{{{T}}}{data.draw(st.sampled_from(['IsFromBoss', 'X']))}")


def _nil_rule(rule: ET.Element, data: st.DataObject) -> None:
    node = data.draw(st.sampled_from(list(rule.iter())[1:]))
    for child in list(node):
        node.remove(child)
    node.text = None
    node.set(f"{{{XSI}}}nil", "true")


REQUEST_BREAKS = {
    "a value of the wrong type": _set_text,
    "an element dropped": _drop,
    "an element the reference does not list": _unknown,
    "a nil element": _nil_rule,
}


@given(st.sampled_from(sorted(REQUEST_BREAKS)), st.data())
def test_the_practice_server_changes_the_mailbox_only_when_it_answers_success(
    practice: Practice, how: str, data: st.DataObject
) -> None:
    from auditor.sandbox.ews_app import EwsApp

    scenario = load_scenario("compromised")
    app = EwsApp(scenario.sections["exchange"], token="t")
    as_found = practice.rule.evidence["as_found"]
    payload = ET.fromstring(request_text(set_rule_request(ANN, as_found, enabled=False)))
    rule = payload.find(f".//{{{T}}}Rule")
    assert rule is not None
    REQUEST_BREAKS[how](rule, data)
    body = (
        f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP}"><s:Body>{text_of(payload)}'
        "</s:Body></s:Envelope>"
    ).encode()
    before = [r.model_copy(deep=True) for r in app.rules]
    request = SandboxRequest.from_raw("POST", "/EWS/Exchange.asmx", {"Authorization": "Bearer t"}, body)
    response = app.handle(request)
    answer = response.body.decode()
    assert "sandbox error" not in answer
    succeeded = response.status == 200 and 'ResponseClass="Success"' in answer
    if not succeeded:
        assert app.rules == before and app.applied == []
    else:
        assert len(app.applied) == 1
