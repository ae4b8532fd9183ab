"""One Microsoft check run over readings a test chooses: a client that speaks
:class:`~auditor.checkapi.microsoft.GraphReads`, its records built from Graph's documented JSON (so a test
writes what Graph would send). For the tests in tests/checks/microsoft/."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from auditor.checkapi import Decisions, Reading, Source
from auditor.checkapi.microsoft import (
    AuthenticationMethod,
    DriveItem,
    MessageRule,
    OAuth2PermissionGrant,
    Permission,
    ServicePrincipal,
    SharedItem,
)
from auditor.engine import LoadedCheck, discover_checks, run_one
from auditor.model import Finding

TARGET = "kim@contoso.example"


def rules(*raw: dict[str, Any], **gaps: tuple[str, ...]) -> Reading[list[MessageRule]]:
    return Reading("your inbox rules", [MessageRule.model_validate(r) for r in raw], **gaps)


def methods(*raw: dict[str, Any], **gaps: tuple[str, ...]) -> Reading[list[AuthenticationMethod]]:
    return Reading("your sign-in methods", [AuthenticationMethod.model_validate(r) for r in raw], **gaps)


def grants(*raw: dict[str, Any], what: str = "the apps given access", **gaps: tuple[str, ...]) -> Reading[Any]:
    return Reading(what, [OAuth2PermissionGrant.model_validate(r) for r in raw], **gaps)


def shared(path: str, *permissions: dict[str, Any], folder_of: Sequence[str] = ()) -> SharedItem:
    """A file (or, with ``folder_of``, a folder holding those photos) shared by the permissions given."""
    name = path.rsplit("/", 1)[-1]
    if folder_of:
        item = DriveItem.model_validate({"id": path, "name": name, "folder": {"childCount": len(folder_of)}})
        media = tuple(
            DriveItem.model_validate({"id": f"{path}/{n}", "name": n, "file": {"mimeType": "image/jpeg"}})
            for n in folder_of
        )
    else:
        item = DriveItem.model_validate({"id": path, "name": name, "file": {"mimeType": "image/jpeg"}})
        media = (item,)
    return SharedItem(item, path, media, tuple(Permission.model_validate(p) for p in permissions))


def sharing(*items: SharedItem, **gaps: tuple[str, ...]) -> Reading[list[SharedItem]]:
    return Reading("the sharing of your OneDrive photos and videos", list(items), **gaps)


@dataclass
class ChosenGraph:
    """Speaks GraphReads with the readings a test chose (whole and empty unless set)."""

    account_type: str = "work"
    rules: Reading[list[MessageRule]] = field(default_factory=rules)
    methods: Reading[list[AuthenticationMethod]] = field(default_factory=methods)
    my_grants: Reading[list[OAuth2PermissionGrant]] = field(default_factory=grants)
    everyone_grants: Reading[list[OAuth2PermissionGrant]] = field(
        default_factory=lambda: grants(what="the apps approved for everyone")
    )
    apps: dict[str, ServicePrincipal] = field(default_factory=dict)
    shares: Reading[list[SharedItem]] = field(default_factory=sharing)

    async def inbox_rules(self) -> Reading[list[MessageRule]]:
        return self.rules

    async def auth_methods(self) -> Reading[list[AuthenticationMethod]]:
        return self.methods

    async def permission_grants(self) -> Reading[list[OAuth2PermissionGrant]]:
        return self.my_grants

    async def organisation_grants(self) -> Reading[list[OAuth2PermissionGrant]]:
        return self.everyone_grants

    async def service_principals(self, ids: Sequence[str]) -> Reading[dict[str, ServicePrincipal]]:
        return Reading("the apps' names", {i: self.apps[i] for i in ids if i in self.apps})

    async def drive_sharing(self) -> Reading[list[SharedItem]]:
        return self.shares


@cache
def microsoft_checks() -> dict[str, LoadedCheck]:
    return {k: v for k, v in discover_checks(include_entry_points=False).items() if k.startswith("microsoft.")}


def run_check(check_id: str, client: ChosenGraph, decisions: Decisions | None = None) -> list[Finding]:
    """One Microsoft check over the chosen readings, run as the engine runs it; a traceback fails the test."""
    source = Source("microsoft", TARGET, clients={"graph": client})
    findings = asyncio.run(run_one(microsoft_checks()[check_id], source, decisions))
    crashed = [f.detail for f in findings if f.detail.startswith(("unexpected failure", "the check returned"))]
    assert not crashed, crashed
    return findings
