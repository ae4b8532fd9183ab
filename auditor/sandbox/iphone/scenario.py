"""Practice iPhone scenarios: YAML files describing the phones plugged in and what each one answers.

A scenario lists the phones usbmuxd sees (none, one, several) and, for each, what lockdown and its services
say: its values, installed apps, profiles, cloud configuration, whether it trusts this computer, whether it
is locked — and faults (a service that drops the connection, answers in the wrong shape, or never ends its
listing). A malformed scenario is rejected with the file, the line and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from auditor.errors import ScenarioError
from auditor.yamlfile import read_yaml, validate

SCENARIO_DIR = Path(__file__).parent / "scenarios"

Fault = Literal["drop", "malformed", "wrong-shape", "endless", "refuse", "hang"]

# A phone always has Apple's own apps; the practice phone lists these unless a scenario gives its own.
SYSTEM_APPS = (
    ("com.apple.mobilesafari", "Safari"),
    ("com.apple.MobileSMS", "Messages"),
    ("com.apple.mobilephone", "Phone"),
    ("com.apple.camera", "Camera"),
    ("com.apple.mobileslideshow", "Photos"),
    ("com.apple.Preferences", "Settings"),
    ("com.apple.findmy", "Find My"),
    ("com.apple.mobilemail", "Mail"),
)
APP_STORE = "Apple iPhone OS Application Signing"


class PracticeApp(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bundle: str = Field(min_length=1)
    name: str = ""
    version: str = "1.0"
    type: Literal["User", "System"] = "User"
    signer: str | None = APP_STORE  # None: the record leaves SignerIdentity out

    def record(self) -> dict[str, Any]:
        """The app as installation_proxy's Browse lists it (the app's Info.plist keys plus ApplicationType)."""
        out: dict[str, Any] = {
            "CFBundleIdentifier": self.bundle,
            "CFBundleName": self.name or self.bundle.rsplit(".", 1)[-1],
            "CFBundleShortVersionString": self.version,
            "CFBundleVersion": self.version,
            "ApplicationType": self.type,
        }
        if self.name:
            out["CFBundleDisplayName"] = self.name
        if self.type == "User" and self.signer is not None:
            out["SignerIdentity"] = self.signer
        return out


class PracticeProfile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    identifier: str = Field(min_length=1)
    name: str = ""
    organisation: str = ""
    description: str = ""
    uuid: str = "5C3A1F2E-0B7D-4E8A-9C61-2D4F8B7A1E03"
    removal_disallowed: bool = False
    payload_types: list[str] = Field(default_factory=lambda: ["com.apple.security.root"])


class PracticeFaults(BaseModel):
    """What goes wrong, per read: values (GetValue), browse, profiles, cloud, chaperone, backup, developer."""

    model_config = ConfigDict(extra="forbid")
    values: Fault | None = None
    browse: Fault | None = None
    profiles: Fault | None = None
    cloud: Fault | None = None
    chaperone: Fault | None = None
    backup: Fault | None = None
    developer: Fault | None = None


class PracticePhone(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = "Practice iPhone"
    product_type: str = "iPhone15,2"
    ios_version: str = "26.5"
    build: str = "23F79"
    udid: str = "00008120-001A2B3C4D5E801E"
    serial: str = "PRACTICE0001"
    trust: Literal["trusted", "untrusted", "denies", "accepts"] = "trusted"
    locked: bool = False
    developer_mode: bool | None = False  # None: the phone has no such value (iOS before 16)
    icloud_backup: bool | None = False  # None: the backup domain leaves CloudBackupEnabled out
    supervised: bool = False
    cloud_configuration: dict[str, Any] | None = None
    jailbroken: bool = False
    system_apps: bool = True
    apps: list[PracticeApp] = Field(default_factory=list)
    browse_answer: list[Any] | None = None  # a raw Browse answer (e.g. a published one) instead of `apps`
    profiles: list[PracticeProfile] = Field(default_factory=list)
    faults: PracticeFaults = Field(default_factory=PracticeFaults)

    def browse(self) -> list[Any]:
        if self.browse_answer is not None:
            return list(self.browse_answer)
        system = [PracticeApp(bundle=b, name=n, type="System").record() for b, n in SYSTEM_APPS if self.system_apps]
        return system + [app.record() for app in self.apps]


class IPhoneScenario(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    description: str = ""
    phones: list[PracticePhone] = Field(default_factory=list)


def load_scenario(name_or_path: str | Path) -> IPhoneScenario:
    """A shipped scenario by name (clean, stalkerware, hostile, ...) or a YAML file."""
    path = Path(name_or_path)
    if not path.suffix:
        path = SCENARIO_DIR / f"{name_or_path}.yaml"
        if not path.is_file():
            shipped = ", ".join(sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml")))
            raise ScenarioError(str(path), f"no practice iPhone scenario {str(name_or_path)!r}; choose {shipped}")
    located = read_yaml(path, ScenarioError)
    return validate(IPhoneScenario, located.data, located, ScenarioError)
