"""Which checks a session proposes, in what order, from the person's concerns and the things in their life.

Pure ordering logic over check metadata. The order follows the safety principles: when mail may be
forwarded, the by-hand forwarding checks come before anything that needs an account connection (connecting
can send a "new app has access" alert, which forwarded mail would carry to the other person). Apple's Safety
Check, which changes nothing and lists who else has access, leads its phase — and when an iPhone is to be read
over USB (which means tapping "Trust" on it), Safety Check moves to the first phase, before that. Checks that
only read this computer or a phone come next, then the guided questions, then connected account checks.
Within a phase, checks that answer one of the person's concerns come first, then by severity and the
guided ``order`` field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from fnmatch import fnmatchcase

from auditor.guided.source import GENERAL_TARGETS
from auditor.model import KINDS, CheckSpec, Severity
from auditor.session.intake import Concern, Intake

LOCAL_KINDS = ("device", "android", "ios")  # read here, no account connection
CONNECTED_KINDS = ("google", "microsoft", "exchange")  # need a sign-in, which can alert the other person
MAIL_KINDS = ("google", "microsoft", "exchange", "apple")
FORWARDING_CONCERNS = (Concern.ACCOUNTS_HACKED, Concern.UNKNOWN_LOGINS, Concern.IMAGES_SHARED)
# Looks that change nothing, tell no one, and list who else has access: asked before anything else. Apple's
# Safety Check ("Manage Sharing & Access") shows the people, apps and devices with access on the iPhone
# itself — before the iCloud Mail check, which means signing in at icloud.com, and that sign-in is announced
# on every trusted device.
FIRST_LOOKS = ("apple.safety_check",)

_FORWARDING = ("*forwarding*", "*.gmail_filters", "*.gmail_autoforward", "*inbox_rules", "*.delegates")
RELEVANT: Mapping[Concern, tuple[str, ...]] = {
    Concern.ACCOUNTS_HACKED: (
        "google.*",
        "microsoft.*",
        "exchange.*",
        "apple.safety_check",
        "apple.devices",
        "apple.trusted_numbers",
        "apple.recovery",
        "apple.app_passwords",
        "apple.icloud_mail_forwarding",
        "ios.icloud_backup",
        "social.sessions",
        "social.two_factor",
        "social.linked_accounts",
        "social.third_party_apps",
        "carrier.account_holder",
        "carrier.sim_protection",
        "carrier.call_forwarding",
    ),
    Concern.LOCATION_KNOWN: (
        "apple.safety_check",
        "apple.find_my",
        "apple.family_sharing",
        "apple.iphone_app_access",
        "apple.iphone_profiles",
        "ios.*",
        "google.manual_location_sharing",
        "google.manual_find_my_device",
        "social.location_sharing",
        "carrier.family_locator",
        "carrier.account_holder",
        "android.*",
        "device.stalkerware_processes",
        "device.monitoring_software",
    ),
    Concern.IMAGES_SHARED: (
        "apple.safety_check",
        "google.drive_*",
        "google.manual_photos_sharing",
        "microsoft.onedrive_*",
        "apple.shared_photos",
        "apple.iphone_backups",
        "ios.icloud_backup",
        "ios.stalkerware_apps",
        "ios.jailbreak",
        "social.impersonation",
        "device.remote_access",
        "device.stalkerware_processes",
        "android.stalkerware_packages",
        *_FORWARDING,
    ),
    Concern.DEVICE_STRANGE: ("device.*", "android.*", "ios.*", "apple.safety_check", "apple.iphone_*"),
    Concern.UNKNOWN_LOGINS: (
        "apple.safety_check",
        "*devices",
        "*.manual_devices",
        "*sign_in*",
        "*logins",
        "microsoft.auth_methods",
        "apple.trusted_numbers",
        "social.sessions",
        "social.two_factor",
        "carrier.sim_protection",
        *_FORWARDING,
    ),
}


class Phase(IntEnum):
    FORWARDING_FIRST = 1
    LOCAL = 2
    GUIDED = 3
    CONNECTED = 4

    @property
    def title(self) -> str:
        return _PHASE_TITLES[self]


_PHASE_TITLES = {
    Phase.FORWARDING_FIRST: (
        "First, before connecting any account: by hand, who else has access and where mail and calls are forwarded"
    ),
    Phase.LOCAL: "This computer and phones (read here, nothing is connected)",
    Phase.GUIDED: "Guided questions (answered by looking, with the steps shown)",
    Phase.CONNECTED: "Connected account checks (connecting can send the account a security alert)",
}


@dataclass(frozen=True)
class PlanStep:
    phase: Phase
    check: str
    kind: str
    title: str
    automated: bool
    severity: Severity
    concerns: tuple[Concern, ...]
    targets: tuple[str, ...]


def concerns_for(check_id: str, concerns: Iterable[Concern]) -> tuple[Concern, ...]:
    return tuple(c for c in concerns if any(fnmatchcase(check_id, pattern) for pattern in RELEVANT[c]))


def kinds_in_scope(intake: Intake) -> list[str]:
    """This computer always; the kinds the person named, or with nothing named, every kind a concern reaches."""
    named = {item.kind for item in intake.items}
    if not named:
        named = {
            pattern.split(".", 1)[0]
            for concern in intake.concerns
            for pattern in RELEVANT[concern]
            if not pattern.startswith("*")
        }
    named.add("device")
    return [k for k in KINDS if k in named]


def mail_may_be_forwarded(intake: Intake) -> bool:
    return any(c in FORWARDING_CONCERNS for c in intake.concerns) or any(i.kind in MAIL_KINDS for i in intake.items)


def phase_of(spec: CheckSpec, forwarding_first: bool, phone_read_planned: bool = False) -> Phase:
    first_look = spec.id in FIRST_LOOKS or fnmatchcase(spec.id, "*forwarding*")
    if not spec.automated and forwarding_first and first_look:
        return Phase.FORWARDING_FIRST
    # Reading an iPhone over USB means tapping "Trust" on it: Safety Check, on the same phone and changing
    # nothing, is looked at before that.
    if not spec.automated and phone_read_planned and spec.id in FIRST_LOOKS:
        return Phase.FORWARDING_FIRST
    if spec.automated and spec.kind in LOCAL_KINDS:
        return Phase.LOCAL
    if spec.automated and spec.kind in CONNECTED_KINDS:
        return Phase.CONNECTED
    return Phase.GUIDED


def propose_plan(intake: Intake, specs: Iterable[CheckSpec], orders: Mapping[str, int]) -> list[PlanStep]:
    """The checks to run for this intake, in the order to run them."""
    kinds = kinds_in_scope(intake)
    forwarding_first = mail_may_be_forwarded(intake)
    phone_read_planned = "ios" in kinds
    targets: dict[str, tuple[str, ...]] = {}
    for kind in kinds:
        named = tuple(dict.fromkeys(i.label for i in intake.items if i.kind == kind))
        targets[kind] = named or ((GENERAL_TARGETS[kind],) if kind in GENERAL_TARGETS else ())
    steps = [
        PlanStep(
            phase=phase_of(spec, forwarding_first, phone_read_planned),
            check=spec.id,
            kind=spec.kind,
            title=spec.title,
            automated=spec.automated,
            severity=spec.severity,
            concerns=concerns_for(spec.id, intake.concerns),
            targets=targets[spec.kind],
        )
        for spec in specs
        if spec.kind in kinds
    ]
    steps.sort(
        key=lambda s: (
            s.phase,
            s.check not in FIRST_LOOKS,
            not s.concerns,
            s.severity.rank,
            orders.get(s.check, 100),
            kinds.index(s.kind),
            s.check,
        )
    )
    return steps
