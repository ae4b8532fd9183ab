"""The intake of an advocate session: consent, chief concerns, and the devices and accounts in a person's life.

An intake comes from the interactive questions (:mod:`auditor.session.interview`) or from a YAML file for
scripts and tests. Consent decides what is kept: the session stores the choices themselves and, beyond
them, only what the person agreed to.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from auditor.errors import DataFileError
from auditor.model import KINDS
from auditor.yamlfile import parse_yaml, read_yaml, validate


class IntakeError(DataFileError):
    pass


class Concern(str, Enum):
    ACCOUNTS_HACKED = "accounts-hacked"
    LOCATION_KNOWN = "location-known"
    IMAGES_SHARED = "images-shared"
    DEVICE_STRANGE = "device-strange"
    UNKNOWN_LOGINS = "unknown-logins"

    @property
    def label(self) -> str:
        return _CONCERN_LABELS[self]


_CONCERN_LABELS = {
    Concern.ACCOUNTS_HACKED: "Accounts hacked or taken over",
    Concern.LOCATION_KNOWN: "Someone knows where I am",
    Concern.IMAGES_SHARED: "Intimate images shared or threatened",
    Concern.DEVICE_STRANGE: "A phone or computer is acting strangely",
    Concern.UNKNOWN_LOGINS: "Logins or alerts I did not make",
}


class Consent(BaseModel):
    """What the person agreed the case may keep from this session. Nothing is kept by default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    concerns: bool = Field(default=False, description="keep the chief concerns")
    accounts: bool = Field(default=False, description="keep the list of devices and accounts")
    people: bool = Field(default=False, description="keep who has or had access to each")
    notes: bool = Field(default=False, description="keep session notes and safety-plan answers")


class When(str, Enum):
    HAS = "has"
    HAD = "had"


class Access(BaseModel):
    """Someone who has or had access to one device or account, and how they can be recognised."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    person: str = Field(min_length=1, max_length=200, description="a name or description, e.g. 'ex-partner'")
    when: When = When.HAS
    how: str = Field(default="", max_length=500, description="knew the password, set up the phone, ...")
    addresses: tuple[str, ...] = Field(default=(), description="their e-mail addresses or numbers, if known")


class Item(BaseModel):
    """One device or account in the person's life."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    label: str = Field(min_length=1, max_length=200, description="e.g. ann@icloud.example, Ann's iPhone")
    access: tuple[Access, ...] = ()

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in KINDS:
            raise ValueError(f"kind {value!r} is not one of {', '.join(KINDS)}")
        return value


class Intake(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    consent: Consent
    concerns: tuple[Concern, ...] = ()
    items: tuple[Item, ...] = ()

    def kept(self) -> Intake:
        """Only what consent allows to be stored."""
        c = self.consent
        items: tuple[Item, ...] = ()
        if c.accounts:
            items = tuple(i if c.people else i.model_copy(update={"access": ()}) for i in self.items)
        return Intake(consent=c, concerns=self.concerns if c.concerns else (), items=items)


def load_intake(path: str | Path) -> Intake:
    """An intake from a YAML file; anything malformed is an error naming the file and line."""
    located = read_yaml(path, IntakeError)
    if not isinstance(located.data, dict):
        raise IntakeError(str(path), "must be a mapping with consent, concerns and items", line=1)
    return validate(Intake, located.data, located, IntakeError)


def parse_intake(text: str, name: str = "<intake>") -> Intake:
    located = parse_yaml(text, name, IntakeError)
    if not isinstance(located.data, dict):
        raise IntakeError(name, "must be a mapping with consent, concerns and items", line=1)
    return validate(Intake, located.data, located, IntakeError)
