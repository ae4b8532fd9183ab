"""An iPhone in a session: Safety Check before the USB read, and what the checks found on the access map."""

from __future__ import annotations

from auditor.application.sessions import plan_for
from auditor.session.access_map import AccessMap, Edge, build_map
from auditor.session.intake import parse_intake
from auditor.session.plan import Phase

from .conftest import StartPhone, audit_iphone


def paths(amap: AccessMap, source: str) -> dict[tuple[str, str], Edge]:
    return {(amap.nodes[e.holder].label, e.how): e for e in amap.edges_from(source)}


def test_safety_check_comes_before_reading_the_iphone_over_usb() -> None:
    intake = parse_intake("consent: {}\nconcerns: [device-strange]\nitems: [{kind: ios, label: Sam's iPhone}]\n")
    steps = plan_for(intake)
    order = [s.check for s in steps]
    first_ios = min(i for i, s in enumerate(steps) if s.kind == "ios")
    assert "apple.safety_check" not in order or order.index("apple.safety_check") < first_ios
    ios = [s for s in steps if s.kind == "ios"]
    assert ios and all(s.phase is Phase.LOCAL and s.targets == ("Sam's iPhone",) for s in ios)
    assert {s.check for s in ios if s.concerns} == {s.check for s in ios}, "every iPhone check answers the concern"


def test_location_concern_puts_safety_check_first_of_all() -> None:
    steps = plan_for(parse_intake("consent: {}\nconcerns: [location-known]\n"))
    assert steps[0].check == "apple.safety_check" and steps[0].phase is Phase.FORWARDING_FIRST
    assert any(s.kind == "ios" for s in steps)


def test_what_the_iphone_checks_find_goes_on_the_access_map(practice: StartPhone) -> None:
    practice("stalkerware")
    run = audit_iphone()
    amap = build_map([run.findings])
    node = "ios:iphone sam's iphone (iphone12,1)"
    assert amap.nodes[node].kind == "device"
    found = paths(amap, node)
    assert ("Family Safety Services", "a configuration profile can manage the iPhone or route its traffic") in found
    assert ("Family Safety Services", "supervises the iPhone") in found
    assert ("Family Safety Services", "manages the iPhone through its MDM server") in found
    assert ("Anyone who can sign in to the Apple Account", "can download the iPhone's iCloud backup") in found
    assert ("Life360", "runs on the device and can report to whoever installed it") in found
