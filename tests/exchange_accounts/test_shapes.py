"""Shape fuzzing (hypothesis) of the EWS answers the Exchange checks rest on.

Answers are built from the EWS reference's types (RuleType, EmailAddressType, DelegateUserType, UserOofSettings),
then broken the ways answers break: elements dropped, values of the wrong type, empty Actions, odd or empty
RoutingTypes, recipient lists emptied or cut, unknown or foreign elements, repeated elements, records replaced,
whole answers cut off; free text is hostile (Rich markup, ANSI/OSC escapes, bidi and zero-width characters).

Properties: a well-formed answer reads whole and is judged as its records say; a malformed one never gives
"Looks clear" — it is "Couldn't check", naming what was not understood, beside whatever was found in the records
that could be read (a forwarding rule among malformed ones is still reported); no exception escapes a reader
other than the ProviderError for an answer outside the schema; server text reaches a title or detail only
literally, and an EX-routed address never reaches them as its legacyExchangeDN.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.audit import audit
from auditor.checkapi import CheckContext, Reading, Source
from auditor.checks.exchange import automatic_replies, delegates, inbox_rules
from auditor.config import Settings
from auditor.connectors.ews.records import (
    read_automatic_replies,
    read_delegation,
    read_inbox_rules,
    response_in,
)
from auditor.errors import ProviderError
from auditor.model import Finding, Status
from auditor.sandbox import Sandbox, load_scenario
from auditor.sandbox.exchange import LiteralAnswer
from auditor.sandbox.hostile import SAMPLES

T = "http://schemas.microsoft.com/exchange/services/2006/types"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
S = "http://schemas.xmlsoap.org/soap/envelope/"
DN_MARK = "cn=Recipients/cn=dnmark"
ET.register_namespace("t", T)
ET.register_namespace("m", M)
ET.register_namespace("s", S)


def t(name: str) -> str:
    return f"{{{T}}}{name}"


def m(name: str) -> str:
    return f"{{{M}}}{name}"


def sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    child = ET.SubElement(parent, tag, attrib)
    child.text = text
    return child


_UNSAFE_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def serialise(element: ET.Element) -> str:
    """XML text as Exchange writes it: control characters as character references (\r too, kept exactly)."""
    text = ET.tostring(element, encoding="unicode")
    return _UNSAFE_IN_XML.sub(lambda found: f"&#x{ord(found.group()):X};", text)


def envelope(answer: ET.Element) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{S}"><s:Body>{serialise(answer)}</s:Body>'
        "</s:Envelope>"
    ).encode()


def reparsed(answer: ET.Element, operation: str) -> Any:
    """The answer as the connector sees it: through the envelope and the well-formedness check."""
    return response_in(envelope(answer), operation)


def unsafe(text: str) -> list[str]:
    return [ch for ch in text if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp", "Co")]


# -- strategies ---------------------------------------------------------------------------------------

names = st.one_of(
    st.sampled_from(SAMPLES),
    st.text(min_size=1, max_size=24).filter(lambda s: s.strip() and "dnmark" not in s and "\x00" not in s),
)
words = st.lists(st.sampled_from(["invoice", "password", "Security alert", "newsletter", "Urgent", "code"]), max_size=3)


@st.composite
def addresses(draw: st.DrawFn) -> dict[str, str | None]:
    routing = draw(st.sampled_from(["SMTP", "EX", "MOBILE", "X400", None, "a DN without RoutingType"]))
    if routing == "a DN without RoutingType":  # RoutingType is optional; the address is plainly a DN
        email = f"/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/{DN_MARK}{draw(st.integers(0, 99))}"
        return {"Name": draw(st.one_of(st.none(), names)), "EmailAddress": email, "RoutingType": None}
    if routing == "EX":
        email = f"/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/{DN_MARK}{draw(st.integers(0, 99))}"
        kind = draw(st.sampled_from([None, "Mailbox", "PublicDL", "GroupMailbox"]))
    elif routing == "MOBILE":
        email, kind = f"+1555{draw(st.integers(1000, 9999))}", None
    else:
        local = draw(st.from_regex(r"[a-z]{1,8}", fullmatch=True))
        email, kind = f"{local}@out.example", draw(st.sampled_from([None, "OneOff", "Contact", "Mailbox"]))
    return {
        "Name": draw(st.one_of(st.none(), names)),
        "EmailAddress": email,
        "RoutingType": routing,
        "MailboxType": kind,
    }


SENDING = ("ForwardToRecipients", "RedirectToRecipients", "ForwardAsAttachmentToRecipients", "SendSMSAlertToRecipients")


@dataclass
class RuleSpec:
    rule_id: str
    name: str
    enabled: bool | None
    subject: list[str]
    senders: list[dict[str, str | None]]
    sends: dict[str, list[dict[str, str | None]]] = field(default_factory=dict)
    flags: dict[str, bool] = field(default_factory=dict)  # Delete, PermanentDelete, MarkAsRead, StopProcessingRules
    move: str | None = None


@st.composite
def rule_specs(draw: st.DrawFn, index: int) -> RuleSpec:
    sends = draw(st.dictionaries(st.sampled_from(SENDING), st.lists(addresses(), min_size=1, max_size=3), max_size=2))
    flags = draw(
        st.dictionaries(
            st.sampled_from(["Delete", "PermanentDelete", "MarkAsRead", "StopProcessingRules"]), st.booleans()
        )
    )
    return RuleSpec(
        rule_id=f"rule-{index}",
        name=draw(names),
        enabled=draw(st.one_of(st.none(), st.booleans())),
        subject=draw(words),
        senders=draw(st.lists(addresses(), max_size=2)),
        sends=sends,
        flags=flags,
        move=draw(st.sampled_from([None, "junkemail", "deleteditems", "inbox", "AAMkAGYzZjZm"])),
    )


rule_lists = st.integers(1, 4).flatmap(lambda n: st.tuples(*(rule_specs(i) for i in range(n))))


def address_xml(parent: ET.Element, spec: dict[str, str | None]) -> ET.Element:
    address = sub(parent, t("Address"))
    for key in ("Name", "EmailAddress", "RoutingType", "MailboxType"):
        if spec.get(key) is not None:
            sub(address, t(key), spec[key])
    return address


def rule_xml(parent: ET.Element, spec: RuleSpec) -> ET.Element:
    rule = sub(parent, t("Rule"))
    sub(rule, t("RuleId"), spec.rule_id)
    sub(rule, t("DisplayName"), spec.name)
    sub(rule, t("Priority"), spec.rule_id.rsplit("-", 1)[1])
    if spec.enabled is not None:
        sub(rule, t("IsEnabled"), str(spec.enabled).lower())
    conditions = sub(rule, t("Conditions"))
    if spec.subject:
        strings = sub(conditions, t("ContainsSubjectStrings"))
        for word in spec.subject:
            sub(strings, t("String"), word)
    if spec.senders:
        senders = sub(conditions, t("FromAddresses"))
        for sender in spec.senders:
            address_xml(senders, sender)
    if spec.sends or spec.flags or spec.move:  # an empty Actions is not allowed: leave it out instead
        actions = sub(rule, t("Actions"))
        for tag in ("Delete", "ForwardAsAttachmentToRecipients", "ForwardToRecipients", "MarkAsRead"):
            if tag in spec.flags:
                sub(actions, t(tag), str(spec.flags[tag]).lower())
            if tag in spec.sends:
                recipients = sub(actions, t(tag))
                for recipient in spec.sends[tag]:
                    address_xml(recipients, recipient)
        if spec.move:
            folder = sub(actions, t("MoveToFolder"))
            kind = "FolderId" if spec.move.startswith("AAMk") else "DistinguishedFolderId"
            sub(folder, t(kind), Id=spec.move)
        for tag in ("PermanentDelete", "RedirectToRecipients", "SendSMSAlertToRecipients", "StopProcessingRules"):
            if tag in spec.flags:
                sub(actions, t(tag), str(spec.flags[tag]).lower())
            if tag in spec.sends:
                recipients = sub(actions, t(tag))
                for recipient in spec.sends[tag]:
                    address_xml(recipients, recipient)
    return rule


def success(tag: str) -> ET.Element:
    answer = ET.Element(m(tag), {"ResponseClass": "Success"})
    sub(answer, m("ResponseCode"), "NoError")
    return answer


def rules_answer(specs: tuple[RuleSpec, ...]) -> ET.Element:
    answer = success("GetInboxRulesResponse")
    sub(answer, m("OutlookRuleBlobExists"), "false")
    container = sub(answer, m("InboxRules"))
    for spec in specs:
        rule_xml(container, spec)
    return answer


# -- running a check over a reading -------------------------------------------------------------------


class Reads:
    """An ExchangeReads that hands over given readings."""

    def __init__(self, **readings: Reading[Any]) -> None:
        self.readings = readings

    async def inbox_rules(self) -> Reading[Any]:
        return self.readings["rules"]

    async def delegates(self) -> Reading[Any]:
        return self.readings["delegates"]

    async def automatic_replies(self) -> Reading[Any]:
        return self.readings["replies"]


def judged(check: ModuleType, **readings: Reading[Any]) -> list[Finding]:
    ctx = CheckContext(check.SPEC, Source("exchange", "ann@contoso.example", clients={"exchange": Reads(**readings)}))
    findings: list[Finding] = asyncio.run(check.run(ctx))
    for finding in findings:
        shown = finding.title + " " + finding.detail
        assert not unsafe(shown), (finding.title, unsafe(shown))
        assert "dnmark" not in shown  # an EX-routed address is shown by name, never by its DN
    return findings


def statuses(findings: list[Finding]) -> set[Status]:
    return {f.status for f in findings}


def sends(spec: RuleSpec) -> bool:
    """The rule sends mail on while it is switched on (a switched-off rule forwards nothing: not a finding)."""
    return bool(spec.sends) and spec.enabled is not False


# -- inbox rules --------------------------------------------------------------------------------------


@given(rule_lists)
def test_well_formed_rules_read_whole_and_forwarding_is_found(specs: tuple[RuleSpec, ...]) -> None:
    reading = read_inbox_rules(reparsed(rules_answer(specs), "GetInboxRules"))
    assert reading.whole, reading.problems
    assert [r.rule_id for r in reading.value] == [s.rule_id for s in specs]
    for record, spec in zip(reading.value, specs, strict=True):
        assert record.name == spec.name
        assert len(record.sends_to) == sum(len(v) for v in spec.sends.values())
        assert record.enabled is (spec.enabled is not False)
        for recipient in record.from_addresses + tuple(r for _, r in record.sends_to):
            assert recipient.inside is recipient.address.startswith("/o=")
    findings = judged(inbox_rules, rules=reading)
    found = {f.subject for f in findings if f.status is Status.FOUND}
    assert found >= {s.rule_id for s in specs if sends(s)}
    if not any(sends(s) for s in specs):
        assert statuses(findings) <= {Status.CLEAR, Status.REVIEW}
    assert Status.ERROR not in statuses(findings)


def _ensure(parent: ET.Element, tag: str) -> ET.Element:
    found = parent.find(tag)
    return found if found is not None else sub(parent, tag)


def _actions(rule: ET.Element) -> ET.Element:
    found = rule.find(t("Actions"))
    if found is None:
        found = sub(rule, t("Actions"))
        sub(found, t("StopProcessingRules"), "true")
    return found


def _address(rule: ET.Element) -> ET.Element:
    found = rule.find(f".//{t('Address')}")
    if found is None:
        recipients = sub(_actions(rule), t("RedirectToRecipients"))
        found = address_xml(recipients, {"EmailAddress": "x@out.example", "Name": "X"})
    return found


def _cleared(element: ET.Element) -> ET.Element:
    element.clear()
    return element


def _set_text(rule: ET.Element, tag: str, value: str) -> None:
    _ensure(rule, t(tag)).text = value


def _drop(parent: ET.Element, tag: str) -> None:
    child = parent.find(tag)
    assert child is not None, f"nothing named {tag} to drop"
    parent.remove(child)


def _emptied(element: ET.Element) -> None:
    for child in list(element):
        element.remove(child)


# Each break changes the answer in place; what the change returns is not used.
RULE_BREAKS: dict[str, Callable[[ET.Element, ET.Element, Any], object]] = {
    # IsEnabled "can be empty" by the reference: an empty one is not among the breaks.
    "IsEnabled is not a boolean": lambda c, r, v: _set_text(r, "IsEnabled", v.choice(["yes", "maybe", "TRUE", "2"])),
    "Priority is not an int": lambda c, r, v: _set_text(r, "Priority", v.choice(["first", "1.5", "", "99999999999"])),
    "Delete is not a boolean": lambda c, r, v: _set_text(_actions(r), "Delete", v.choice(["yes", "on", "-1"])),
    "an unknown element in the rule": lambda c, r, v: sub(r, t("ForwardEverything"), "true"),
    "an unknown element in Actions": lambda c, r, v: sub(_actions(r), t("CopyToPhone"), "x"),
    "an unknown element in Conditions": lambda c, r, v: sub(_ensure(r, t("Conditions")), t("IsFromBoss"), "true"),
    "an unknown element in an address": lambda c, r, v: sub(_address(r), t("Nickname"), "n"),
    "an element in another namespace": lambda c, r, v: sub(_actions(r), "{urn:elsewhere}ForwardTo", "x"),
    "empty Actions": lambda c, r, v: _emptied(_actions(r)),
    "an empty RoutingType": lambda c, r, v: _set_text(_address(r), "RoutingType", ""),
    "a MailboxType outside the schema": lambda c, r, v: _set_text(_address(r), "MailboxType", "Robot"),
    "an address replaced": lambda c, r, v: setattr(_address(r), "tag", t("Person")),
    "a recipient list emptied": lambda c, r, v: _ensure(_actions(r), t("ForwardToRecipients")).clear(),
    "a value repeated": lambda c, r, v: [sub(r, t("IsEnabled"), value) for value in ("true", "false")],
    "DisplayName dropped": lambda c, r, v: _drop(r, t("DisplayName")),
    "Priority dropped": lambda c, r, v: _drop(r, t("Priority")),
    "the rule replaced": lambda c, r, v: setattr(r, "tag", t("Filter")),
    "a condition string with an element in it": lambda c, r, v: sub(
        sub(_ensure(_ensure(r, t("Conditions")), t("ContainsSubjectStrings")), t("String")), t("b"), "x"
    ),
    "MoveToFolder naming no folder": lambda c, r, v: _ensure(_actions(r), t("MoveToFolder")).clear(),
    "MoveToFolder naming two folders": lambda c, r, v: [
        sub(_ensure(_actions(r), t("MoveToFolder")), t("DistinguishedFolderId"), Id=i) for i in ("inbox", "junkemail")
    ],
    "text where a list belongs": lambda c, r, v: setattr(
        _cleared(_ensure(_actions(r), t("ForwardToRecipients"))), "text", "x@out.example"
    ),
}


@given(rule_lists, st.sampled_from(sorted(RULE_BREAKS)), st.data(), st.randoms(use_true_random=False))
def test_a_malformed_rule_is_named_never_clear_and_the_others_still_judged(
    specs: tuple[RuleSpec, ...], how: str, data: st.DataObject, chance: Any
) -> None:
    answer = rules_answer(specs)
    container = answer.find(m("InboxRules"))
    assert container is not None
    broken = data.draw(st.integers(0, len(specs) - 1))
    RULE_BREAKS[how](container, list(container)[broken], chance)
    reading = read_inbox_rules(reparsed(answer, "GetInboxRules"))
    assert not reading.whole and reading.unrecognised, how
    findings = judged(inbox_rules, rules=reading)
    assert Status.CLEAR not in statuses(findings)
    assert Status.ERROR in statuses(findings)
    found = {f.subject for f in findings if f.status is Status.FOUND}
    assert found >= {s.rule_id for i, s in enumerate(specs) if i != broken and sends(s)}


@given(rule_lists, st.data())
def test_an_answer_cut_off_anywhere_is_refused(specs: tuple[RuleSpec, ...], data: st.DataObject) -> None:
    whole = envelope(rules_answer(specs))
    cut = data.draw(st.integers(0, len(whole) - 1))
    with pytest.raises(ProviderError):
        response_in(whole[:cut], "GetInboxRules")


RESPONSE_BREAKS: dict[str, Callable[[ET.Element], object]] = {
    "ResponseClass Error": lambda a: a.set("ResponseClass", "Error"),
    "ResponseClass Warning": lambda a: a.set("ResponseClass", "Warning"),
    "ResponseClass in lower case": lambda a: a.set("ResponseClass", "success"),
    "no ResponseClass": lambda a: a.attrib.pop("ResponseClass"),
    "no ResponseCode": lambda a: _drop(a, m("ResponseCode")),
    "ResponseCode not NoError": lambda a: setattr(a.find(m("ResponseCode")), "text", "ErrorAccessDenied"),
}


@given(
    st.sampled_from(["GetInboxRules", "GetDelegate", "GetUserOofSettings"]), st.sampled_from(sorted(RESPONSE_BREAKS))
)
def test_an_answer_that_is_not_a_success_is_refused_naming_it(operation: str, how: str) -> None:
    answer = {"GetInboxRules": rules_answer(()), "GetDelegate": delegate_answer(()), "GetUserOofSettings": None}[
        operation
    ]
    if answer is None:
        answer = oof_answer(OofSpec("Enabled", "All", None, None))
        target = answer.find(m("ResponseMessage"))
    else:
        target = answer
    assert target is not None
    RESPONSE_BREAKS[how](target)
    reader = {
        "GetInboxRules": read_inbox_rules,
        "GetDelegate": read_delegation,
        "GetUserOofSettings": read_automatic_replies,
    }[operation]
    with pytest.raises(ProviderError, match=f"{operation}Response"):
        reader(reparsed(answer, operation))


# -- delegates ----------------------------------------------------------------------------------------

LEVELS = ("None", "Editor", "Reviewer", "Author", "Custom")
FOLDERS = ("Calendar", "Tasks", "Inbox", "Contacts", "Notes", "Journal")


@dataclass
class DelegateSpec:
    address: str
    name: str | None
    levels: dict[str, str]
    copies: bool | None
    private: bool | None


@st.composite
def delegate_specs(draw: st.DrawFn, index: int) -> DelegateSpec:
    return DelegateSpec(
        address=f"delegate{index}@contoso.example",
        name=draw(st.one_of(st.none(), names)),
        levels=draw(st.dictionaries(st.sampled_from(FOLDERS), st.sampled_from(LEVELS))),
        copies=draw(st.one_of(st.none(), st.booleans())),
        private=draw(st.one_of(st.none(), st.booleans())),
    )


delegate_lists = st.integers(0, 4).flatmap(lambda n: st.tuples(*(delegate_specs(i) for i in range(n))))
some_delegates = st.integers(1, 4).flatmap(lambda n: st.tuples(*(delegate_specs(i) for i in range(n))))


def strong(spec: DelegateSpec) -> bool:
    return (
        spec.levels.get("Inbox") in ("Editor", "Custom")
        or bool(spec.copies)
        or (bool(spec.private) and all(spec.levels.get(f) == "Editor" for f in FOLDERS))
    )


def delegate_answer(specs: tuple[DelegateSpec, ...], delivery: str = "DelegatesAndMe") -> ET.Element:
    answer = success("GetDelegateResponse")
    if specs:
        messages = sub(answer, m("ResponseMessages"))
        for spec in specs:
            message = sub(messages, m("DelegateUserResponseMessageType"), ResponseClass="Success")
            sub(message, m("ResponseCode"), "NoError")
            user = sub(message, m("DelegateUser"))
            user_id = sub(user, t("UserId"))
            sub(user_id, t("SID"), "S-1-5-21-" + spec.address.split("@")[0].removeprefix("delegate"))
            sub(user_id, t("PrimarySmtpAddress"), spec.address)
            if spec.name is not None:
                sub(user_id, t("DisplayName"), spec.name)
            if spec.levels:
                permissions = sub(user, t("DelegatePermissions"))
                for folder in FOLDERS:
                    if folder in spec.levels:
                        sub(permissions, t(f"{folder}FolderPermissionLevel"), spec.levels[folder])
            if spec.copies is not None:
                sub(user, t("ReceiveCopiesOfMeetingMessages"), str(spec.copies).lower())
            if spec.private is not None:
                sub(user, t("ViewPrivateItems"), str(spec.private).lower())
    sub(answer, m("DeliverMeetingRequests"), delivery)
    return answer


@given(
    delegate_lists, st.sampled_from(["DelegatesOnly", "DelegatesAndMe", "DelegatesAndSendInformationToMe", "NoForward"])
)
def test_well_formed_delegates_read_whole_and_strong_powers_are_found(
    specs: tuple[DelegateSpec, ...], delivery: str
) -> None:
    reading = read_delegation(reparsed(delegate_answer(specs, delivery), "GetDelegate"))
    assert reading.whole, reading.problems
    assert [d.address for d in reading.value.delegates] == [s.address for s in specs]
    assert reading.value.deliver_meeting_requests == delivery
    findings = judged(delegates, delegates=reading)
    found = {f.subject for f in findings if f.status is Status.FOUND}
    assert found == {s.address for s in specs if strong(s)}
    assert statuses(findings) <= ({Status.FOUND, Status.REVIEW} if specs else {Status.CLEAR})


def _user(message: ET.Element) -> ET.Element:
    user = message.find(m("DelegateUser"))
    assert user is not None
    return user


def _delegate_missing(message: ET.Element) -> None:
    message.set("ResponseClass", "Error")
    code = message.find(m("ResponseCode"))
    assert code is not None, "a delegate's answer has its ResponseCode"
    code.text = "ErrorDelegateMissingConfiguration"


DELEGATE_BREAKS: dict[str, Callable[[ET.Element, ET.Element], object]] = {
    "a level outside the schema": lambda a, msg: _set_text(
        _ensure(_user(msg), t("DelegatePermissions")), "InboxFolderPermissionLevel", "Owner"
    ),
    "ViewPrivateItems not a boolean": lambda a, msg: _set_text(_user(msg), "ViewPrivateItems", "sometimes"),
    "an unknown element in DelegateUser": lambda a, msg: sub(_user(msg), t("CanSendAs"), "true"),
    "an unknown element in UserId": lambda a, msg: sub(_ensure(_user(msg), t("UserId")), t("Phone"), "1"),
    "UserId naming no one": lambda a, msg: _ensure(_user(msg), t("UserId")).clear(),
    "a delegate Exchange could not return": lambda a, msg: _delegate_missing(msg),
    "a success without a DelegateUser": lambda a, msg: msg.remove(_user(msg)),
    "a message of another kind": lambda a, msg: setattr(msg, "tag", m("SomethingElse")),
    "DeliverMeetingRequests outside the schema": lambda a, msg: setattr(
        a.find(m("DeliverMeetingRequests")), "text", "Everyone"
    ),
    "a value repeated": lambda a, msg: [sub(_user(msg), t("ViewPrivateItems"), v) for v in ("true", "false")],
}


@given(some_delegates, st.sampled_from(sorted(DELEGATE_BREAKS)), st.data())
def test_a_malformed_delegate_is_named_never_clear_and_the_others_still_judged(
    specs: tuple[DelegateSpec, ...], how: str, data: st.DataObject
) -> None:
    answer = delegate_answer(specs)
    messages = answer.find(m("ResponseMessages"))
    assert messages is not None
    broken = data.draw(st.integers(0, len(specs) - 1))
    DELEGATE_BREAKS[how](answer, list(messages)[broken])
    reading = read_delegation(reparsed(answer, "GetDelegate"))
    assert not reading.whole, how
    findings = judged(delegates, delegates=reading)
    assert Status.CLEAR not in statuses(findings) and Status.ERROR in statuses(findings)
    found = {f.subject for f in findings if f.status is Status.FOUND}
    assert found >= {s.address for i, s in enumerate(specs) if i != broken and strong(s)}


# -- automatic replies --------------------------------------------------------------------------------


@dataclass
class OofSpec:
    state: str
    audience: str
    end_days: int | None
    reply: str | None


def oof_answer(spec: OofSpec) -> ET.Element:
    answer = ET.Element(m("GetUserOofSettingsResponse"))
    message = sub(answer, m("ResponseMessage"), ResponseClass="Success")
    sub(message, m("ResponseCode"), "NoError")
    settings = sub(answer, t("OofSettings"))
    sub(settings, t("OofState"), spec.state)
    sub(settings, t("ExternalAudience"), spec.audience)
    if spec.end_days is not None:
        duration = sub(settings, t("Duration"))
        sub(duration, t("StartTime"), "2020-01-01T00:00:00Z")
        year = 2020 if spec.end_days < 0 else 2999
        sub(duration, t("EndTime"), f"{year}-01-0{1 + abs(spec.end_days) % 9}T00:00:00Z")
    for tag in ("InternalReply", "ExternalReply"):
        if spec.reply is not None:
            sub(sub(settings, t(tag)), t("Message"), spec.reply)
    sub(answer, m("AllowExternalOof"), "All")
    return answer


oof_specs = st.builds(
    OofSpec,
    st.sampled_from(["Disabled", "Enabled", "Scheduled"]),
    st.sampled_from(["None", "Known", "All"]),
    st.one_of(st.none(), st.integers(-5, 5)),
    st.one_of(st.none(), names),
)


@given(oof_specs)
def test_well_formed_automatic_replies_read_whole_and_are_asked_about_when_on_for_outsiders(spec: OofSpec) -> None:
    reading = read_automatic_replies(reparsed(oof_answer(spec), "GetUserOofSettings"))
    if spec.state == "Scheduled" and spec.end_days is None:
        assert reading.unrecognised  # a schedule without a Duration: when it ends is unknown
    else:
        assert reading.whole, reading.problems
    findings = judged(automatic_replies, replies=reading)
    running = spec.state == "Enabled" or (spec.state == "Scheduled" and (spec.end_days is None or spec.end_days >= 0))
    if running and spec.audience != "None":
        assert Status.REVIEW in statuses(findings)
    else:
        assert statuses(findings) == {Status.CLEAR if reading.whole else Status.ERROR}
    if not reading.whole:
        assert Status.CLEAR not in statuses(findings) and Status.ERROR in statuses(findings)


OOF_FATAL: dict[str, Callable[[ET.Element], object]] = {
    "OofState outside the schema": lambda s: setattr(s.find(t("OofState")), "text", "Sideways"),
    "OofState dropped": lambda s: _drop(s, t("OofState")),
    "ExternalAudience outside the schema": lambda s: setattr(s.find(t("ExternalAudience")), "text", "Everyone"),
    "ExternalAudience dropped": lambda s: _drop(s, t("ExternalAudience")),
    "OofState empty": lambda s: setattr(s.find(t("OofState")), "text", None),
    "OofSettings renamed": lambda s: setattr(s, "tag", t("Settings")),
}
OOF_PARTIAL: dict[str, Callable[[ET.Element], object]] = {
    "EndTime not a date": lambda s: setattr(_ensure(_ensure(s, t("Duration")), t("EndTime")), "text", "next week"),
    "StartTime dropped": lambda s: _ensure(s, t("Duration")).remove(_ensure(_ensure(s, t("Duration")), t("StartTime"))),
    "an unknown element": lambda s: sub(s, t("AutoDeclineMeetings"), "true"),
    "a reply with an element in its message": lambda s: sub(
        _ensure(_ensure(s, t("ExternalReply")), t("Message")), t("b"), "x"
    ),
    "a value repeated": lambda s: sub(s, t("ExternalAudience"), "None"),
}


@given(oof_specs, st.sampled_from(sorted(OOF_FATAL) + sorted(OOF_PARTIAL)))
def test_malformed_automatic_replies_are_never_clear(spec: OofSpec, how: str) -> None:
    answer = oof_answer(spec)
    settings = answer.find(t("OofSettings"))
    assert settings is not None
    (OOF_FATAL.get(how) or OOF_PARTIAL[how])(settings)
    if how in OOF_FATAL:
        with pytest.raises(ProviderError, match="OofSettings"):
            read_automatic_replies(reparsed(answer, "GetUserOofSettings"))
        return
    reading = read_automatic_replies(reparsed(answer, "GetUserOofSettings"))
    assert not reading.whole, how
    findings = judged(automatic_replies, replies=reading)
    assert Status.CLEAR not in statuses(findings) and Status.ERROR in statuses(findings)


# -- through exchangelib, against the practice server -------------------------------------------------


@pytest.fixture(scope="module")
def practice() -> Iterator[Sandbox]:
    with Sandbox(load_scenario("clean")) as sb:
        yield sb


FAST = Settings(request_timeout=5.0, retry_budget=5.0)


@given(rule_lists, st.sampled_from(["cut off", "not a success", *sorted(RULE_BREAKS)]), st.data())
def test_malformed_answers_served_to_exchangelib_are_never_clear(
    practice: Sandbox, specs: tuple[RuleSpec, ...], how: str, data: st.DataObject
) -> None:
    answer = rules_answer(specs)
    container = answer.find(m("InboxRules"))
    assert container is not None
    broken = data.draw(st.integers(0, len(specs) - 1))
    body = b""
    if how == "cut off":
        whole = envelope(answer)
        body = whole[: data.draw(st.integers(len(whole) // 3, len(whole) - 20))]
    elif how == "not a success":
        answer.set("ResponseClass", "Warning")
    else:
        RULE_BREAKS[how](container, list(container)[broken], data.draw(st.randoms(use_true_random=False)))
    text = (body or envelope(answer)).decode("utf-8", "replace")
    practice.scenario.sections["exchange"].answers = {"GetInboxRules": LiteralAnswer(xml=text)}
    run = asyncio.run(audit(["exchange"], settings=FAST, endpoints=practice.endpoints()))
    rules = [f for f in run.findings if f.check == "exchange.inbox_rules"]
    assert rules and Status.CLEAR not in statuses(rules), how
    assert Status.ERROR in statuses(rules)
    for finding in rules:
        assert "unexpected failure" not in finding.detail  # every failure is one the connector understood
        assert not unsafe(finding.title + " " + finding.detail)
    if how not in ("cut off", "not a success", "the rule replaced"):
        found = {f.subject for f in rules if f.status is Status.FOUND}
        assert found >= {s.rule_id for i, s in enumerate(specs) if i != broken and sends(s)}


@given(
    st.one_of(
        st.tuples(st.just("GetDelegate"), some_delegates, st.sampled_from(sorted(DELEGATE_BREAKS))),
        st.tuples(st.just("GetUserOofSettings"), oof_specs, st.sampled_from(sorted(OOF_FATAL) + sorted(OOF_PARTIAL))),
    ),
    st.data(),
)
def test_malformed_delegates_and_replies_served_to_exchangelib_are_never_clear(
    practice: Sandbox, case: tuple[str, Any, str], data: st.DataObject
) -> None:
    operation, spec, how = case
    if operation == "GetDelegate":
        answer = delegate_answer(spec)
        messages = answer.find(m("ResponseMessages"))
        assert messages is not None
        DELEGATE_BREAKS[how](answer, list(messages)[data.draw(st.integers(0, len(spec) - 1))])
        check = "exchange.delegates"
    else:
        answer = oof_answer(spec)
        settings = answer.find(t("OofSettings"))
        assert settings is not None
        (OOF_FATAL.get(how) or OOF_PARTIAL[how])(settings)
        check = "exchange.automatic_replies"
    practice.scenario.sections["exchange"].answers = {operation: LiteralAnswer(xml=envelope(answer).decode())}
    run = asyncio.run(audit(["exchange"], settings=FAST, endpoints=practice.endpoints()))
    judged_here = [f for f in run.findings if f.check == check]
    assert judged_here and Status.CLEAR not in statuses(judged_here), how
    assert Status.ERROR in statuses(judged_here)
    for finding in run.findings:
        assert "unexpected failure" not in finding.detail
        assert not unsafe(finding.title + " " + finding.detail)
    # the other reads were not disturbed: the clean mailbox's rules are still judged
    assert [f.status for f in run.findings if f.check == "exchange.inbox_rules"] == [Status.CLEAR]
