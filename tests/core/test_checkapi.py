"""The check API: "Looks clear" only over whole readings; gaps reported beside what was found."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.checkapi import CheckContext, ClientKey, Reading, Source
from auditor.errors import CheckUnavailable
from auditor.model import CheckSpec, Severity, Status

SPEC = CheckSpec(
    id="t.api",
    title="Something that forwards your mail",
    kind="google",
    severity=Severity.HIGH,
    reads=("a test reading",),
    playbooks=("google-mail-forwarding",),
)


def context(**clients: object) -> CheckContext:
    return CheckContext(spec=SPEC, source=Source(kind="google", target="a@example.org", clients=dict(clients)))


def test_a_whole_reading_gives_clear() -> None:
    finding = context().clear("No forwarding", Reading("Gmail's filters", []))
    assert finding.status is Status.CLEAR and finding.severity is Severity.INFO


@pytest.mark.parametrize(
    "reading",
    [
        Reading("Gmail's filters", [], not_read=("page 2 never came",)),
        Reading("Gmail's filters", [], unrecognised=("filter[3].action.forward is a number",)),
    ],
)
def test_an_incomplete_or_unrecognised_reading_gives_couldnt_check_naming_why(reading: Reading[list[int]]) -> None:
    whole: Reading[dict[str, str]] = Reading("Gmail's forwarding", {})
    finding = context().clear("No forwarding", whole, reading)
    assert finding.status is Status.ERROR
    assert finding.title == "Couldn't check: Something that forwards your mail"
    problem = (reading.not_read + reading.unrecognised)[0]
    assert "Gmail's filters" in finding.detail and problem in finding.detail
    assert any(problem in p for p in finding.evidence["not_read"])


def test_clear_needs_readings_and_cannot_be_made_by_hand() -> None:
    ctx = context()
    with pytest.raises(TypeError):
        ctx.clear("No forwarding")
    not_a_reading: Any = []  # what a type checker would refuse: the check API refuses it when the check runs
    with pytest.raises(TypeError):
        ctx.clear("No forwarding", not_a_reading)
    with pytest.raises(ValueError):
        ctx.finding(Status.CLEAR, "No forwarding")


def test_conclude_keeps_what_was_found_and_adds_a_gap_per_partial_reading() -> None:
    ctx = context()
    found = ctx.finding(Status.FOUND, "A filter forwards mail", subject="f1")
    partial = Reading("Gmail's filters", [1], not_read=("page 2 never came",))
    out = ctx.conclude([found], partial, Reading("Gmail's forwarding", {}), clear="nothing")
    assert [f.status for f in out] == [Status.FOUND, Status.ERROR]
    assert out[1].title == "Couldn't check all of Gmail's filters" and "page 2" in out[1].detail
    assert [f.status for f in ctx.conclude([], partial, clear="nothing")] == [Status.ERROR]
    assert [f.status for f in ctx.conclude([], partial.map(len), clear="x")] == [Status.ERROR]
    assert [f.status for f in ctx.conclude([], Reading("r", 1), clear="nothing")] == [Status.CLEAR]


def test_joined_and_mapped_readings_keep_their_gaps() -> None:
    a = Reading("a", 1, not_read=("x",))
    b = Reading("b", 2, unrecognised=("y",))
    both = Reading.joined("a and b", 3, [a, b])
    assert both.not_read == ("x",) and both.unrecognised == ("y",) and not both.whole
    assert a.map(str).value == "1" and a.map(str).not_read == ("x",)
    assert Reading("c", 0).missing("z").problems == ("z",)
    assert Reading("c", 0).strange("w").problems == ("not understood: w",)


def test_clients_by_typed_key_and_missing_clients_say_why() -> None:
    key: ClientKey[list[int]] = ClientKey("numbers")
    assert context(numbers=[1]).client(key) == [1]
    ctx = context()
    ctx.source.unavailable["numbers"] = "no phone connected"
    with pytest.raises(CheckUnavailable, match="no phone connected"):
        ctx.client(key)
