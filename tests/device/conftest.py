"""What the device tests share (here and in tests/checks/device/): real programs with chosen names, a prepared
folder tree, a client that speaks DeviceReads with readings a test chooses, and one check run over it."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from auditor.audit import load_checks
from auditor.checkapi import CheckContext, Decisions, Reading, Source
from auditor.checkapi.device import (
    AuthorizedKey,
    AutostartEntry,
    Connection,
    DeviceReads,
    HostsEntry,
    ProcessInfo,
    SshdSettings,
)
from auditor.device.catalog import Catalog, builtin_catalog
from auditor.device.source import device_source
from auditor.engine import LoadedCheck, run_audit
from auditor.iocs import Indicators, install_from_files, load_indicator_files
from auditor.model import AuditRun, Finding

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "device"
SHIPPED = Path(__file__).resolve().parents[2] / "auditor" / "iocs" / "data"
SLEEP = shutil.which("sleep") or "/bin/sleep"


@pytest.fixture
def installed(shipped_iocs: Path) -> None:
    install_from_files([shipped_iocs / "ioc.yaml", shipped_iocs / "watchware.yaml"])


def start_named(folder: Path, name: str) -> subprocess.Popen[bytes]:
    """A real running program called ``name`` (a copy of sleep), stopped by the caller."""
    import psutil

    exe = folder / "bin" / name
    exe.parent.mkdir(exist_ok=True)
    shutil.copy(SLEEP, exe)
    proc = subprocess.Popen([str(exe), "60"])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            if psutil.Process(proc.pid).name() == name[:15]:
                break
        except psutil.Error:
            pass
        time.sleep(0.02)
    return proc


@pytest.fixture
def running() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        proc.kill()
        proc.wait(timeout=5)


def audit_device(collector: DeviceReads | None = None, decisions: Decisions | None = None) -> AuditRun:
    source = device_source(collector)
    return asyncio.run(run_audit(load_checks(), [source], decisions=decisions))


def by_check(run: AuditRun, check: str) -> list[Finding]:
    return [f for f in run.findings if f.check == check]


def prepared_tree(base: Path) -> tuple[Path, Path]:
    """A root folder like a Linux machine's, with one user's home: autostart files, keys, hosts, crontabs."""
    root = base / "root"
    home = root / "home" / "ann"
    (home / ".config" / "autostart").mkdir(parents=True)
    (home / ".config" / "systemd" / "user").mkdir(parents=True)
    (home / ".ssh").mkdir(parents=True)
    (root / "etc" / "cron.d").mkdir(parents=True)
    shutil.copy(FIX / "spy.desktop", home / ".config" / "autostart")
    shutil.copy(FIX / "hidden.desktop", home / ".config" / "autostart")
    shutil.copy(FIX / "sync.service", home / ".config" / "systemd" / "user")
    shutil.copy(FIX / "authorized_keys", home / ".ssh")
    shutil.copy(FIX / "hosts", root / "etc" / "hosts")
    shutil.copy(FIX / "system.crontab", root / "etc" / "crontab")
    spool = root / "var" / "spool" / "cron" / "crontabs"
    spool.mkdir(parents=True)
    shutil.copy(FIX / "user.crontab", spool / "ann")
    return root, home


@dataclass
class ChosenReadings:
    """A client that speaks DeviceReads and returns the readings a test chose (whole and empty unless set)."""

    process_list: Reading[tuple[ProcessInfo, ...]] = field(default_factory=lambda: Reading("the running programs", ()))
    connection_list: Reading[tuple[Connection, ...]] = field(
        default_factory=lambda: Reading("this computer's network connections", ())
    )
    hosts: Reading[tuple[HostsEntry, ...]] = field(default_factory=lambda: Reading("the hosts file", ()))
    sshd: Reading[SshdSettings] = field(default_factory=lambda: Reading("the SSH server's settings", SshdSettings()))
    keys: Reading[tuple[AuthorizedKey, ...]] = field(default_factory=lambda: Reading("the SSH keys", ()))
    autostart: Reading[tuple[AutostartEntry, ...]] = field(default_factory=lambda: Reading("autostart", ()))

    def processes(self) -> Reading[tuple[ProcessInfo, ...]]:
        return self.process_list

    def connections(self) -> Reading[tuple[Connection, ...]]:
        return self.connection_list

    def hosts_entries(self) -> Reading[tuple[HostsEntry, ...]]:
        return self.hosts

    def sshd_settings(self) -> Reading[SshdSettings]:
        return self.sshd

    def ssh_keys(self) -> Reading[tuple[AuthorizedKey, ...]]:
        return self.keys

    def autostart_entries(self) -> Reading[tuple[AutostartEntry, ...]]:
        return self.autostart


@cache
def device_checks() -> dict[str, LoadedCheck]:
    return {cid: check for cid, check in load_checks().items() if check.spec.kind == "device"}


def chosen_source(client: DeviceReads) -> Source:
    """This computer's real catalog and indicator set, with a chosen device client."""
    source = device_source(client)
    assert source.unavailable == {}, source.unavailable
    return source


@cache
def shipped_indicators() -> Indicators:
    return load_indicator_files([SHIPPED / "ioc.yaml", SHIPPED / "watchware.yaml"])


@cache
def catalog() -> Catalog:
    return builtin_catalog()


def run_check(check_id: str, client: DeviceReads, decisions: Decisions | None = None) -> list[Finding]:
    """One device check, called directly (an exception fails the test), with the real catalog and shipped
    indicator set and the chosen readings."""
    source = Source(
        kind="device",
        target="This computer (test)",
        clients={"device": client, "catalog": catalog(), "indicators": shipped_indicators()},
    )
    check = device_checks()[check_id]
    findings = check.run(CheckContext(spec=check.spec, source=source, decisions=decisions or Decisions()))
    assert isinstance(findings, list) and findings, check_id
    assert all(isinstance(f, Finding) for f in findings)
    return findings
