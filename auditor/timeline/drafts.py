"""Editable plain-text drafts of takedown notices, written from the case. Never sent by the tool.

The wording lives in draft_templates.yaml; this module only fills in what the case knows.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from auditor.errors import UsageError
from auditor.model import utcnow
from auditor.safetext import literal
from auditor.timeline.store import Timeline
from auditor.yamlfile import read_yaml

KINDS = ("dmca", "takeitdown", "abuse")
BLANK = "[{} — FILL IN]"


@dataclass(frozen=True)
class Sender:
    name: str = ""
    contact: str = ""


@dataclass(frozen=True)
class Draft:
    kind: str
    title: str
    text: str
    notes: tuple[str, ...] = ()


def templates() -> dict[str, Any]:
    path = Path(str(resources.files("auditor.timeline").joinpath("draft_templates.yaml")))
    data = read_yaml(path).data
    if not isinstance(data, dict) or any(k not in data for k in KINDS):
        raise UsageError(f"{path}: the draft templates are incomplete")
    return data


def _recipient_and_hosting(kind: str, url: str, online: bool) -> tuple[str, str, list[str]]:
    """Who to send it to and what RDAP says about the host; a clear note when it could not be looked up."""
    if kind != "abuse":
        return BLANK.format("THE PLATFORM'S REPORT FORM OR DESIGNATED AGENT"), "", []
    blank = BLANK.format("THE HOSTING PROVIDER'S ABUSE ADDRESS")
    if not online:
        return blank, "   (not looked up)", ["The host was not looked up (--offline). Fill in the abuse contact."]
    from auditor.timeline.rdap import RdapUnavailable, lookup

    try:
        info = lookup(url)
    except RdapUnavailable as exc:
        return (
            blank,
            "   (could not be looked up)",
            [
                f"Could not look up who hosts this address: {literal(exc)}. You may be offline. "
                "The draft has a blank for the abuse contact; `auditor timeline draft ... --kind abuse` again "
                "when online, or look the host up at an RDAP or WHOIS service."
            ],
        )
    lines = []
    if info.ip:
        lines.append(f"   Address {literal(info.ip)}" + (f", network {literal(info.network)}" if info.network else ""))
    if info.hosting:
        lines.append(f"   Network holder: {literal(info.hosting.name)}")
    if info.hosting_abuse:
        lines.append(f"   Network abuse contact: {', '.join(literal(e) for e in info.hosting_abuse.emails)}")
    if info.registrar:
        lines.append(f"   Domain registrar: {literal(info.registrar.name)}")
    if info.registrar_abuse:
        lines.append(f"   Registrar abuse contact: {', '.join(literal(e) for e in info.registrar_abuse.emails)}")
    recipient = ", ".join(literal(e) for e in info.abuse_emails) or blank
    return recipient, "\n".join(lines), [literal(n) for n in info.notes]


def write_draft(timeline: Timeline, kind: str, location_id: int, sender: Sender, online: bool = True) -> Draft:
    if kind not in KINDS:
        raise UsageError(f"{kind!r} is not a draft kind; use one of {', '.join(KINDS)}")
    template = templates()[kind]
    loc = timeline.location(location_id)
    evidence = [e for e in timeline.evidence() if e.location_id == loc.id or (e.source_url and e.source_url == loc.url)]
    evidence_lines = (
        "\n".join(f"   - {literal(e.file_name, 120)}, SHA-256 {e.sha256}" for e in evidence)
        or "   [NO COPIES KEPT YET — `auditor evidence add` keeps a screenshot first]"
    )
    recipient, hosting, notes = _recipient_and_hosting(kind, loc.url, online)
    text = Template(str(template["text"])).safe_substitute(
        recipient=recipient,
        date=utcnow().date().isoformat(),
        url=literal(loc.url, None),
        platform=literal(loc.platform, 200),
        first_seen=loc.first_seen.strftime("%Y-%m-%d %H:%M UTC"),
        evidence=evidence_lines,
        hosting=hosting,
        sender_name=literal(sender.name) if sender.name.strip() else BLANK.format("YOUR FULL NAME"),
        sender_contact=literal(sender.contact) if sender.contact.strip() else BLANK.format("YOUR EMAIL OR ADDRESS"),
    )
    return Draft(kind, str(template["title"]), text, tuple(notes))
