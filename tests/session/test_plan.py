"""The order a session proposes: forwarding by hand before connecting, concerns first, severity and order."""

from __future__ import annotations

import pytest

from auditor.application.sessions import plan_for
from auditor.model import CheckSpec, Severity
from auditor.session.intake import Concern, parse_intake
from auditor.session.plan import Phase, PlanStep, kinds_in_scope, propose_plan


def ids(steps: list[PlanStep]) -> list[str]:
    return [s.check for s in steps]


def spec(check_id: str, severity: str = "high", automated: bool = True) -> CheckSpec:
    return CheckSpec(
        id=check_id,
        title=f"check {check_id}",
        kind=check_id.split(".")[0],
        severity=Severity(severity),
        reads=("x",),
        playbooks=("p",),
        automated=automated,
    )


def test_forwarding_by_hand_comes_before_any_connected_check() -> None:
    intake = parse_intake(
        "consent: {}\nconcerns: [accounts-hacked]\n"
        "items: [{kind: microsoft, label: ann@outlook.example}, {kind: google, label: ann@gmail.example},"
        " {kind: apple, label: ann@icloud.example}]\n"
    )
    steps = plan_for(intake)
    order = ids(steps)
    forwarding = [s.check for s in steps if s.phase is Phase.FORWARDING_FIRST]
    assert forwarding[0] == "apple.safety_check", "the look that changes nothing and tells no one leads"
    assert set(forwarding) == {
        "apple.safety_check",
        "microsoft.manual_forwarding",
        "google.manual_forwarding",
        "apple.icloud_mail_forwarding",
    }
    first_connected = min(i for i, s in enumerate(steps) if s.automated and s.kind in ("google", "microsoft"))
    assert max(order.index(f) for f in forwarding) < first_connected
    assert [s.phase for s in steps] == sorted(s.phase for s in steps)
    assert {s.kind for s in steps} == {"device", "google", "microsoft", "apple"}  # what the person named
    gmail = next(s for s in steps if s.check == "google.gmail_autoforward")
    assert gmail.phase is Phase.CONNECTED and gmail.targets == ("ann@gmail.example",)


@pytest.mark.parametrize("concern", [None, *Concern])
def test_safety_check_is_the_first_apple_step_whatever_the_concern(concern: Concern | None) -> None:
    concerns = f"concerns: [{concern.value}]\n" if concern else ""
    for items in ("items: [{kind: apple, label: ann@icloud.example}]\n", ""):
        if not items and concern is None:
            continue  # nothing named and no concern: no Apple questions at all
        steps = plan_for(parse_intake("consent: {}\n" + concerns + items))
        apple = [s.check for s in steps if s.kind == "apple"]
        assert apple, (concern, items)
        assert apple[0] == "apple.safety_check", (concern, items, apple[:3])
        assert apple.index("apple.safety_check") < apple.index("apple.icloud_mail_forwarding")
        (safety,) = [s for s in steps if s.check == "apple.safety_check"]
        assert concern is None or concern in safety.concerns, "Safety Check answers every concern"


def test_without_mail_concerns_or_mail_accounts_forwarding_is_not_singled_out() -> None:
    intake = parse_intake("consent: {}\nconcerns: [device-strange]\nitems: [{kind: carrier, label: My plan}]\n")
    steps = plan_for(intake)
    assert not [s for s in steps if s.phase is Phase.FORWARDING_FIRST]
    call_forwarding = next(s for s in steps if s.check == "carrier.call_forwarding")
    assert call_forwarding.phase is Phase.GUIDED
    assert {s.kind for s in steps} == {"device", "carrier"}
    # this computer's checks answer "device acting strange" and come before the guided questions
    assert steps[0].kind == "device" and steps[0].concerns == (Concern.DEVICE_STRANGE,)


def test_location_concern_with_nothing_named_reaches_every_kind_that_can_track() -> None:
    intake = parse_intake("consent: {}\nconcerns: [location-known]\n")
    assert kinds_in_scope(intake) == ["device", "google", "android", "ios", "apple", "social", "carrier"]
    steps = plan_for(intake)
    # Safety Check leads everything: the iPhone is to be read over USB (tapping "Trust"), and it comes first
    assert (steps[0].check, steps[0].phase) == ("apple.safety_check", Phase.FORWARDING_FIRST)
    guided = [s for s in steps if s.phase is Phase.GUIDED]
    relevant = [s.check for s in guided if s.concerns]
    # then critical first, the guided order field, then the kind
    assert relevant[:4] == [
        "carrier.account_holder",
        "apple.iphone_profiles",
        "carrier.family_locator",
        "apple.find_my",
    ]
    assert [s.check for s in guided[: len(relevant)]] == relevant
    assert guided.index(next(s for s in guided if s.check == "apple.find_my")) < guided.index(
        next(s for s in guided if s.check == "apple.app_passwords")
    )  # answers the concern, so before an unrelated Apple question
    assert next(s for s in steps if s.check == "apple.find_my").targets == ("Your Apple Account and iPhone",)


def test_images_concern_puts_sharing_checks_first_within_each_phase() -> None:
    intake = parse_intake(
        "consent: {}\nconcerns: [images-shared]\n"
        "items: [{kind: google, label: a@gmail.example}, {kind: social, label: Instagram @a}]\n"
    )
    steps = plan_for(intake)
    connected = [s for s in steps if s.phase is Phase.CONNECTED]
    concerned = [s for s in connected if s.concerns]
    assert connected[: len(concerned)] == concerned  # concern-relevant ones lead the phase
    assert "google.drive_public_media" in ids(concerned)
    guided = [s.check for s in steps if s.phase is Phase.GUIDED]
    assert guided.index("social.impersonation") < guided.index("social.third_party_apps")


def test_severity_then_order_decide_within_equal_relevance() -> None:
    intake = parse_intake("consent: {}\nitems: [{kind: apple, label: x}]\n")
    specs = [
        spec("apple.low_one", "low", automated=False),
        spec("apple.critical_late", "critical", automated=False),
        spec("apple.critical_early", "critical", automated=False),
        spec("device.scan", "medium"),
        spec("google.connected", "critical"),  # not named: out of scope
    ]
    orders = {"apple.low_one": 1, "apple.critical_late": 50, "apple.critical_early": 10}
    steps = propose_plan(intake, specs, orders)
    assert ids(steps) == ["device.scan", "apple.critical_early", "apple.critical_late", "apple.low_one"]


def test_every_shipped_check_is_reachable_by_some_plan() -> None:
    everything = parse_intake(
        "consent: {}\nconcerns: [accounts-hacked, location-known, images-shared, device-strange, unknown-logins]\n"
        "items: ["
        + ", ".join(
            f"{{kind: {k}, label: x}}"
            for k in ("google", "microsoft", "exchange", "android", "ios", "apple", "social", "carrier")
        )
        + "]\n"
    )
    from auditor.audit import load_checks

    assert set(ids(plan_for(everything))) == set(load_checks())
