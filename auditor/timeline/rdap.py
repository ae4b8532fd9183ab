"""Who hosts a web address, and where to send an abuse report: RDAP (RFC 9083) through whoisit.

The RDAP servers are found with IANA's bootstrap registry (RFC 9224). ``AUDITOR_RDAP_BOOTSTRAP_URL``
points the lookup at another place serving the same bootstrap files (asn.json, dns.json, ipv4.json,
ipv6.json, object-tags.json) — the test seam, like the connectors' API URL variables.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import os
import socket
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from auditor.errors import NetworkError

BOOTSTRAP_FILES = {
    "asn": "asn.json",
    "dns": "dns.json",
    "ipv4": "ipv4.json",
    "ipv6": "ipv6.json",
    "object": "object-tags.json",
}
TIMEOUT = 10.0


class RdapUnavailable(NetworkError):
    """No RDAP answer: offline, the server refused, or it sent something that is not RDAP."""


@dataclass(frozen=True)
class Contact:
    name: str
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()


@dataclass(frozen=True)
class HostInfo:
    host: str
    ip: str | None = None
    network: str = ""
    hosting: Contact | None = None
    hosting_abuse: Contact | None = None
    registrar: Contact | None = None
    registrar_abuse: Contact | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def abuse_emails(self) -> tuple[str, ...]:
        out: list[str] = []
        for contact in (self.hosting_abuse, self.registrar_abuse):
            if contact:
                out += [e for e in contact.emails if e not in out]
        return tuple(out)


def _vcard(entity: Mapping[str, Any]) -> Contact:
    name, emails, phones = "", [], []
    card = entity.get("vcardArray")
    if isinstance(card, list) and len(card) == 2 and isinstance(card[1], list):
        for prop in card[1]:
            if not isinstance(prop, list) or len(prop) < 4:
                continue
            key, value = str(prop[0]).lower(), prop[3]
            if key == "fn" and isinstance(value, str):
                name = value
            elif key == "email" and isinstance(value, str):
                emails.append(value)
            elif key == "tel":
                phones.append(str(value))
    return Contact(name or str(entity.get("handle", "")), tuple(emails), tuple(phones))


def _list(value: Any) -> list[Any]:
    """A JSON array from an RDAP answer; anything else (a server's mistake) counts as empty."""
    return value if isinstance(value, list) else []


def _roles(entity: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(r).lower() for r in _list(entity.get("roles")))


def _entities(obj: Mapping[str, Any]) -> Iterable[tuple[tuple[str, ...], Mapping[str, Any], Mapping[str, Any]]]:
    """Every entity in an RDAP object, nested ones too: (roles, entity, the entity it sits in)."""
    stack: list[tuple[Any, Mapping[str, Any]]] = [(e, obj) for e in _list(obj.get("entities"))]
    while stack:
        entity, parent = stack.pop(0)
        if not isinstance(entity, Mapping):
            continue
        yield _roles(entity), entity, parent
        stack += [(child, entity) for child in _list(entity.get("entities"))]


def contacts(obj: Mapping[str, Any]) -> tuple[Contact | None, Contact | None, Contact | None, Contact | None]:
    """(registrant/holder, its abuse contact, registrar, the registrar's abuse contact) of an RDAP object."""
    holder = holder_abuse = registrar = registrar_abuse = None
    for roles, entity, parent in _entities(obj):
        parent_roles = _roles(parent)
        if "registrar" in roles and registrar is None:
            registrar = _vcard(entity)
        elif "abuse" in roles and "registrar" in parent_roles and registrar_abuse is None:
            registrar_abuse = _vcard(entity)
        elif "abuse" in roles and holder_abuse is None:
            holder_abuse = _vcard(entity)
        elif "registrant" in roles and holder is None:
            holder = _vcard(entity)
    return holder, holder_abuse, registrar, registrar_abuse


def _session(trust_env: bool) -> Any:
    import requests

    session = requests.Session()
    session.trust_env = trust_env
    return session


def _bootstrap(session: Any, base_url: str | None) -> None:
    import whoisit
    from whoisit.errors import WhoisItError

    whoisit.clear_bootstrapping()
    try:
        if base_url is None:
            whoisit.bootstrap()
            return
        data: dict[str, Any] = {"timestamp": int(time.time())}
        for name, file_name in BOOTSTRAP_FILES.items():
            response = session.get(base_url.rstrip("/") + "/" + file_name, timeout=TIMEOUT)
            response.raise_for_status()
            data[name] = response.json()
        whoisit.load_bootstrap_data(json.dumps(data), allow_insecure=base_url.startswith("http:"))
    except (WhoisItError, OSError, ValueError) as exc:
        raise RdapUnavailable(f"could not load the RDAP bootstrap registry ({_short(exc)})") from None
    except Exception as exc:  # requests' own errors (ConnectionError, Timeout, HTTPError)
        if type(exc).__module__.startswith("requests"):
            raise RdapUnavailable(f"could not load the RDAP bootstrap registry ({_short(exc)})") from None
        raise


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) < 200 else text[:200] + "…"


def _query(kind: str, value: str, session: Any) -> Mapping[str, Any]:
    import whoisit
    from whoisit.errors import WhoisItError

    try:
        if kind == "ip":
            result = whoisit.ip(value, raw=True, session=session)
        else:
            result = whoisit.domain(value, raw=True, session=session, follow_related=False)
    except WhoisItError as exc:
        raise RdapUnavailable(f"RDAP has no answer for {value} ({_short(exc)})") from None
    if not isinstance(result, Mapping) or "objectClassName" not in result:
        raise RdapUnavailable(f"the RDAP answer for {value} is not an RDAP object")
    return result


@functools.cache
def _suffixes() -> Any:
    # The list ships inside the package, so nothing is fetched. Only the ICANN section: a name under a
    # private suffix such as github.io is registered as github.io, and that is what a registry's RDAP knows.
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList(only_icann=True)


def registered_domain(host: str) -> str:
    """The name a registry holds for ``host``: ``www.example.co.uk`` → ``example.co.uk`` (Public Suffix List)."""
    host = host.rstrip(".").lower()
    return _suffixes().privatesuffix(host) or host


def _a_labels(domain: str) -> str:
    """``пример.рф`` → ``xn--e1afmkfd.xn--p1ai``: the bootstrap registry lists TLDs in that form."""
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def lookup(url: str, env: Mapping[str, str] | None = None) -> HostInfo:
    """The host of ``url``, its network's abuse contact and its domain's registrar (RDAP).

    Raises :class:`RdapUnavailable` when no RDAP server could be reached at all.
    """
    env = os.environ if env is None else env
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    if not host:
        raise RdapUnavailable(f"{url!r} has no host name to look up")
    base = env.get("AUDITOR_RDAP_BOOTSTRAP_URL") or None
    if base:
        from auditor.weburl import checked_url

        checked_url(base, "AUDITOR_RDAP_BOOTSTRAP_URL")
    session = _session(trust_env=base is None)
    try:
        _bootstrap(session, base)
        notes: list[str] = []
        registrar = registrar_abuse = None
        try:
            ip: str | None = str(ipaddress.ip_address(host))
        except ValueError:
            ip = None
            domain = _a_labels(registered_domain(host))
            try:
                _, _, registrar, registrar_abuse = contacts(_query("domain", domain, session))
            except RdapUnavailable as exc:
                notes.append(f"The domain's registration could not be looked up: {exc}")
            try:
                ip = str(socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)[0][4][0])
            except (OSError, IndexError):
                notes.append(f"{host} could not be resolved to an address, so its hosting provider is unknown")
        network = ""
        holder = holder_abuse = None
        if ip is not None:
            try:
                answer = _query("ip", ip, session)
                holder, holder_abuse, _, _ = contacts(answer)
                network = str(answer.get("name") or answer.get("handle") or "")
            except RdapUnavailable as exc:
                notes.append(f"The hosting network could not be looked up: {exc}")
        if holder is None and holder_abuse is None and registrar is None and registrar_abuse is None:
            raise RdapUnavailable("; ".join(notes) or f"RDAP knows nothing about {host}")
        return HostInfo(host, ip, network, holder, holder_abuse, registrar, registrar_abuse, tuple(notes))
    finally:
        session.close()
