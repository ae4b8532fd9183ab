"""No Google check says "Looks clear" over a partial reading, and what it found over one stands beside the gap."""

from __future__ import annotations

import pytest

from auditor.model import Status

from .answering import CHECKS, AnsweringClient, Withheld, published_answers, quiet_answers, run_check

GAP = Withheld.gap
Partial = Withheld


AUTOMATED = sorted(c for c, check in CHECKS.items() if check.spec.automated)


@pytest.mark.parametrize("check", AUTOMATED)
def test_a_partial_reading_is_never_clear(check: str) -> None:
    whole = run_check(check, AnsweringClient(quiet_answers()))
    partial = run_check(check, Partial(quiet_answers()))
    assert {f.status for f in whole} == {Status.CLEAR}, [(f.title, f.detail) for f in whole]
    assert {f.status for f in partial} == {Status.ERROR}
    assert GAP in partial[0].detail


@pytest.mark.parametrize("check", AUTOMATED)
def test_what_was_found_stands_beside_the_gap(check: str) -> None:
    whole = run_check(check, AnsweringClient(published_answers()))
    partial = run_check(check, Partial(published_answers()))
    found = [(f.status, f.subject) for f in whole if f.status in (Status.FOUND, Status.REVIEW)]
    if not found:  # the published filter and send-as examples hold no way in
        assert {f.status for f in partial} == {Status.ERROR}
        return
    assert [(f.status, f.subject) for f in partial if f.status in (Status.FOUND, Status.REVIEW)] == found
    gaps = [f for f in partial if f.status is Status.ERROR]
    assert gaps and all(GAP in f.detail for f in gaps)
