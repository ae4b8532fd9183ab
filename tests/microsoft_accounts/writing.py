"""Helpers for the tests of the Microsoft changes (tests/remedy/test_microsoft_*.py): audit the practice account
through the real connector, plan the changes from the findings, open the writer through the real msal device
code flow against the practice identity platform, and read what the practice Graph server was asked to write."""

from __future__ import annotations

import asyncio
import json
import re
import ssl
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from auditor.audit import audit
from auditor.config import MicrosoftSettings, Settings
from auditor.model import AuditRun, Finding, Status
from auditor.remedy import Applied, Change, WriterRequest
from auditor.remedy.microsoft import REMEDIES, MicrosoftWriter
from auditor.sandbox import Sandbox, load_scenario
from auditor.sandbox.requestlog import LoggedRequest
from auditor.sandbox.scenario import Scenario

CLIENT_ID = "3c1a7f2e-5b1d-4c8e-9a41-0d6f2b7e8c55"
ANN = "ann.example@contoso.example"
SAM = "sam@outlook.example"
RULES_CHECK = "microsoft.outlook_inbox_rules"
PUBLIC_CHECK = "microsoft.onedrive_public_media"
PEOPLE_CHECK = "microsoft.onedrive_people_media"
METHODS_CHECK = "microsoft.auth_methods"
HOSTILE = "[bold red]Inbox[/] \x1b[31mtidy\x1b]8;;https://evil.example\x07click\x1b]8;;\x07 \u202etxt.exe"
OIDC = {"openid", "profile", "offline_access"}

# A work account: a forwarding rule with a hostile name, photos shared by anyone-links, a photo shared with a
# person, a phone that can sign in.
WORK = f"""name: ann-work
microsoft:
  account_type: work
  user: {{userPrincipalName: {ANN}, displayName: Ann Example}}
  inbox_rules:
    - displayName: {json.dumps(HOSTILE)}
      sequence: 3
      conditions: {{bodyOrSubjectContains: [password, code]}}
      actions: {{redirectTo: [keepingtabs@proton.example], delete: true, stopProcessingRules: true}}
    - displayName: Newsletters
      conditions: {{senderContains: [news@shop.example]}}
      actions: {{moveToFolder: AAMkADNews=}}
  auth_methods:
    - {{type: phone, phoneNumber: "+44 7700 900123", phoneType: mobile}}
  drive:
    - {{path: Pictures/IMG_1.jpg, links: [{{scope: anonymous, type: view}}]}}
    - {{path: Pictures/IMG_2.jpg, links: [{{scope: anonymous, type: edit}}]}}
    - {{path: Pictures/IMG_3.jpg, links: [{{scope: anonymous, type: view}}]}}
    - {{path: Pictures/beach.jpg, shared_with: [mark.ex@outlook.example]}}
    - {{path: Documents/Rota.xlsx}}
  identity: {{auto_approve: true}}
"""

PERSONAL = f"""name: sam-personal
microsoft:
  account_type: personal
  user: {{userPrincipalName: {SAM}}}
  inbox_rules:
    - displayName: fwd
      actions: {{forwardTo: [x@proton.example]}}
  drive:
    - {{path: Pictures/IMG_9.jpg, links: [{{scope: null, type: view}}]}}
  identity: {{auto_approve: true}}
"""


def scenario(tmp_path: Path, text: str, extra: str = "") -> Scenario:
    path = tmp_path / "scenario.yaml"
    path.write_text(text + extra, encoding="utf-8")
    return load_scenario(path)


def settings(*, timeout: float = 2.0, budget: float = 1.0) -> Settings:
    """A short retry budget: a fault that does not stop ends the change within a second or two."""
    return Settings(request_timeout=timeout, retry_budget=budget, microsoft=MicrosoftSettings(client_id=CLIENT_ID))


def run(sb: Sandbox) -> AuditRun:
    """An audit of the practice account through the real connector (bearer token: no sign-in)."""
    return asyncio.run(audit(["microsoft"], settings=settings(budget=4.0), endpoints=sb.endpoints()))


def findings(run_: AuditRun, check: str) -> list[Finding]:
    return [f for f in run_.findings if f.check == check]


def open_findings(run_: AuditRun, check: str) -> list[Finding]:
    return [f for f in findings(run_, check) if f.status in (Status.FOUND, Status.REVIEW)]


def changes(found: Sequence[Finding], action: str | None = None) -> list[Change]:
    out = [c for f in found for c in REMEDIES.changes_for(f)]
    return [c for c in out if action is None or c.action == action]


def request(sb: Sandbox, target: str, chosen: Sequence[Change], **options: Any) -> WriterRequest:
    """What the flow hands the writer, the sign-in pointed at the practice identity platform (no token given:
    the write permission is asked for)."""
    show: Callable[[str], None] = options.pop("show", lambda message: None)
    return WriterRequest(
        target=target,
        changes=tuple(chosen),
        case=options.pop("case", None),
        settings=options.pop("settings", settings()),
        endpoint=sb.graph_url,
        token=options.pop("token", None),
        show=show,
        extra={"authority_url": sb.identity_url, "ca_file": str(sb.ca_file), **options},
    )


def apply(sb: Sandbox, target: str, chosen: Sequence[Change], **options: Any) -> list[Applied]:
    """Open one writer (one consent) for the changes, send each, close it."""

    async def go() -> list[Applied]:
        writer = await REMEDIES.open_writer(request(sb, target, chosen, **options))
        try:
            return [await writer.apply(change) for change in chosen]
        finally:
            await writer.aclose()

    return asyncio.run(go())


def restore(sb: Sandbox, target: str, applied: Sequence[Applied], **options: Any) -> list[Applied]:
    async def go() -> list[Applied]:
        writer = await REMEDIES.open_writer(request(sb, target, [a.change for a in applied], **options))
        try:
            return [await writer.restore(a) for a in applied]
        finally:
            await writer.aclose()

    return asyncio.run(go())


def with_writer(sb: Sandbox, target: str, chosen: Sequence[Change], use: Callable[[MicrosoftWriter], Any]) -> Any:
    async def go() -> Any:
        writer = await REMEDIES.open_writer(request(sb, target, chosen))
        try:
            return await use(writer)
        finally:
            await writer.aclose()

    return asyncio.run(go())


def writes(sb: Sandbox) -> list[LoggedRequest]:
    """Every request that reached Graph other than a read (accepted writes and refused ones)."""
    return [r for r in sb.requests if r.provider == "graph" and (r.extra.get("write") or r.refused)]


def sent(sb: Sandbox) -> list[tuple[str, str, Any]]:
    """The accepted writes: method, path, body."""
    return [(r.method, r.path, r.extra.get("body")) for r in sb.requests if r.provider == "graph" and r.extra]


def graph_requests(sb: Sandbox) -> list[LoggedRequest]:
    return [r for r in sb.requests if r.provider == "graph"]


def asked(sb: Sandbox) -> list[set[str]]:
    """What each device code sign-in asked the practice identity platform for."""
    return [set(scope.split()) for scope in sb.app("identity").asked_scopes()]


def rule_path(rule_id: str) -> str:
    return f"/v1.0/me/mailFolders/inbox/messageRules/{rule_id}"


def approver(sb: Sandbox, shown: list[str]) -> Callable[[str], None]:
    """The person: reads the sign-in message, opens the verification page and enters the code."""

    def show(message: str) -> None:
        shown.append(message)
        code = re.search(r"enter the code (\w+)", message).group(1)  # type: ignore[union-attr]

        def approve() -> None:
            context = ssl.create_default_context(cafile=str(sb.ca_file))
            with httpx.Client(verify=context, trust_env=False) as client:
                assert client.get(f"{sb.identity_url}/devicelogin", params={"user_code": code}).status_code == 200

        threading.Thread(target=approve).start()

    return show
