"""What the checks of "this computer" read, and what they may use to judge it.

The collector (``auditor.device.collector``) speaks :class:`DeviceReads`: every read returns a
:class:`~auditor.checkapi.Reading` of typed records, saying what could not be read (a crontab the scanning
account may not open, programs whose file location was denied) and what was read but not understood (a
line of a crontab, a field of a process record). The project's lists of remote-access tools and
monitoring products arrive as a :class:`ProgramCatalog`, the stalkerware indicator set as an
:class:`IndicatorMatcher`; checks reach all three through ``ctx.client(DEVICE)``, ``ctx.client(CATALOG)``
and ``ctx.client(INDICATORS)``, never by importing the collector, the catalog or ``auditor.iocs``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from auditor.checkapi import CheckContext, ClientKey, Reading
from auditor.device.names import command_program, program_name

__all__ = [
    "CATALOG",
    "DEVICE",
    "INDICATORS",
    "AuthorizedKey",
    "AutostartEntry",
    "CheckContext",
    "Connection",
    "DeviceReads",
    "HostsEntry",
    "IndicatorAppInfo",
    "IndicatorHit",
    "IndicatorMatcher",
    "KnownProduct",
    "KnownTool",
    "ProcessInfo",
    "ProgramCatalog",
    "Reading",
    "SshdSettings",
    "command_program",
    "program_name",
]


# --- the records ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessInfo:
    """A running program. ``exe`` is the file it runs from ("" for kernel threads and exited programs)."""

    pid: int
    name: str
    exe: str = ""
    cmdline: tuple[str, ...] = ()
    username: str = ""


@dataclass(frozen=True)
class AutostartEntry:
    """Something set to start by itself: where it is declared and the command it runs."""

    # xdg-autostart | systemd-user | systemd | cron | launchd | run-key | startup-folder | scheduled-task
    mechanism: str
    location: str  # file, registry key or task name
    name: str
    command: str
    scope: str = "user"  # user | system
    enabled: bool = True
    line: int = 0  # the line of ``location`` that declares it, where that means something


@dataclass(frozen=True)
class HostsEntry:
    address: str
    hostname: str
    line: int
    file: str = ""


@dataclass(frozen=True)
class AuthorizedKey:
    key_type: str
    fingerprint: str  # SHA256:... as ssh-keygen -l prints it
    comment: str
    options: str
    line: int
    file: str = ""


@dataclass(frozen=True)
class Connection:
    """An internet socket: a connection to ``remote_ip`` or, with no remote end, a listening port."""

    local_ip: str
    local_port: int
    remote_ip: str
    remote_port: int
    status: str
    pid: int | None = None

    @property
    def local(self) -> str:
        return f"[{self.local_ip}]:{self.local_port}" if ":" in self.local_ip else f"{self.local_ip}:{self.local_port}"


@dataclass(frozen=True)
class SshdSettings:
    """What the SSH server's configuration (sshd_config and the files it includes) says about logins.

    ``ports`` are the ports it listens on; ``authorized_keys_files`` the AuthorizedKeysFile patterns
    (``%h``, ``%u``, ``%U`` and ``%%`` as sshd_config(5) defines them; relative ones are under the home).
    """

    ports: tuple[int, ...] = (22,)
    authorized_keys_files: tuple[str, ...] = (".ssh/authorized_keys", ".ssh/authorized_keys2")
    password_authentication: str = ""
    permit_root_login: str = ""
    files: tuple[str, ...] = ()


# --- the clients ---------------------------------------------------------------------------------------


class DeviceReads(Protocol):
    """This computer, read once per audit; every read says what it could not read or understand."""

    def processes(self) -> Reading[tuple[ProcessInfo, ...]]: ...

    def connections(self) -> Reading[tuple[Connection, ...]]: ...

    def hosts_entries(self) -> Reading[tuple[HostsEntry, ...]]: ...

    def sshd_settings(self) -> Reading[SshdSettings]: ...

    def ssh_keys(self) -> Reading[tuple[AuthorizedKey, ...]]: ...

    def autostart_entries(self) -> Reading[tuple[AutostartEntry, ...]]: ...


class KnownTool(Protocol):
    """A remote-access tool from the project's list."""

    @property
    def name(self) -> str: ...


class KnownProduct(Protocol):
    """A monitoring product from the project's list; ``category`` is "covert" or "workplace"."""

    @property
    def name(self) -> str: ...

    @property
    def category(self) -> str: ...


class ProgramCatalog(Protocol):
    """The project's lists of remote-access tools and monitoring products (dictionary lookups)."""

    def remote_tool(self, *names: str) -> KnownTool | None: ...

    def monitoring_product(self, *texts: str) -> KnownProduct | None: ...


class IndicatorAppInfo(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def type(self) -> str: ...


class IndicatorHit(Protocol):
    """An indicator that matched: the app it belongs to and the indicator text itself."""

    @property
    def app(self) -> IndicatorAppInfo: ...

    @property
    def indicator(self) -> str: ...


class IndicatorMatcher(Protocol):
    """The stalkerware indicator set's lookups (set and dict based; no indicator domain is ever resolved)."""

    def match_domain(self, host: str) -> IndicatorHit | None: ...

    def match_ip(self, ip: str) -> IndicatorHit | None: ...

    def match_app_name(self, name: str) -> IndicatorHit | None: ...


DEVICE: ClientKey[DeviceReads] = ClientKey("device")
CATALOG: ClientKey[ProgramCatalog] = ClientKey("catalog")
INDICATORS: ClientKey[IndicatorMatcher] = ClientKey("indicators")
