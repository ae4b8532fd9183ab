"""Indicator records and the matchers built over them (set and dict lookups, never a scan)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class IndicatorApp:
    """One entry of the stalkerware-indicators data set (ioc.yaml / watchware.yaml)."""

    name: str
    names: tuple[str, ...] = ()
    type: str = "stalkerware"
    packages: tuple[str, ...] = ()
    certificates: tuple[str, ...] = ()
    websites: tuple[str, ...] = ()
    c2_domains: tuple[str, ...] = ()
    c2_ips: tuple[str, ...] = ()
    ios_bundles: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndicatorMatch:
    app: IndicatorApp
    kind: str  # package | certificate | domain | ip | name | ios_bundle
    observed: str
    indicator: str


@dataclass(frozen=True)
class IndicatorCounts:
    apps: int
    packages: int
    certificates: int
    c2_domains: int
    c2_ips: int
    ios_bundles: int


_NON_HEX = re.compile(r"[^0-9a-f]")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalise_certificate(value: str) -> str:
    return _NON_HEX.sub("", value.lower())


def normalise_domain(value: str) -> str:
    host = value.strip().lower().rstrip(".")
    if "://" in host:
        host = host.split("://", 1)[1]
    return host.split("/", 1)[0].split(":", 1)[0] if host.count(":") <= 1 else host


def normalise_ip(value: str) -> str | None:
    try:
        address = ipaddress.ip_address(value.strip().strip("[]").split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


def normalise_name(value: str) -> str:
    return _NON_WORD.sub("", value.lower())


class Indicators:
    """The loaded indicator set with one lookup table per kind of indicator."""

    def __init__(self, apps: Iterable[IndicatorApp], source: str = "") -> None:
        self.apps = tuple(apps)
        self.source = source
        self._packages: dict[str, tuple[IndicatorApp, str]] = {}
        self._certificates: dict[str, tuple[IndicatorApp, str]] = {}
        self._domains: dict[str, tuple[IndicatorApp, str]] = {}
        self._ips: dict[str, tuple[IndicatorApp, str]] = {}
        self._names: dict[str, tuple[IndicatorApp, str]] = {}
        self._bundles: dict[str, tuple[IndicatorApp, str]] = {}
        for app in self.apps:
            for package in app.packages:
                self._packages.setdefault(package.strip(), (app, package))
            for cert in app.certificates:
                self._certificates.setdefault(normalise_certificate(cert), (app, cert))
            for domain in app.c2_domains:
                self._domains.setdefault(normalise_domain(domain), (app, domain))
            for ip in app.c2_ips:
                key = normalise_ip(ip)
                if key:
                    self._ips.setdefault(key, (app, ip))
            for name in (app.name, *app.names):
                key = normalise_name(name)
                if len(key) >= 3:
                    self._names.setdefault(key, (app, name))
            for bundle in app.ios_bundles:
                self._bundles.setdefault(bundle.strip(), (app, bundle))
        self._longest_domain = max((d.count(".") + 1 for d in self._domains), default=0)

    @staticmethod
    def _hit(entry: tuple[IndicatorApp, str] | None, kind: str, observed: str) -> IndicatorMatch | None:
        if entry is None:
            return None
        return IndicatorMatch(app=entry[0], kind=kind, observed=observed, indicator=entry[1])

    def match_package(self, package: str) -> IndicatorMatch | None:
        return self._hit(self._packages.get(package.strip()), "package", package)

    def match_certificate(self, sha1: str) -> IndicatorMatch | None:
        return self._hit(self._certificates.get(normalise_certificate(sha1)), "certificate", sha1)

    def match_domain(self, host: str) -> IndicatorMatch | None:
        """The host itself or any parent domain of it (x.evil.com matches evil.com); no DNS, ever."""
        labels = normalise_domain(host).split(".")
        start = max(0, len(labels) - self._longest_domain)
        for i in range(start, len(labels) - 1 + (len(labels) == 1)):
            entry = self._domains.get(".".join(labels[i:]))
            if entry is not None:
                return self._hit(entry, "domain", host)
        return None

    def match_ip(self, ip: str) -> IndicatorMatch | None:
        key = normalise_ip(ip)
        return self._hit(self._ips.get(key), "ip", ip) if key else None

    def match_app_name(self, name: str) -> IndicatorMatch | None:
        key = normalise_name(name)
        return self._hit(self._names.get(key), "name", name) if len(key) >= 3 else None

    def match_ios_bundle(self, bundle: str) -> IndicatorMatch | None:
        return self._hit(self._bundles.get(bundle.strip()), "ios_bundle", bundle)

    def counts(self) -> IndicatorCounts:
        return IndicatorCounts(
            apps=len(self.apps),
            packages=len(self._packages),
            certificates=len(self._certificates),
            c2_domains=len(self._domains),
            c2_ips=len(self._ips),
            ios_bundles=len(self._bundles),
        )
