"""`Sandbox`: every provider of a scenario served on loopback, for tests, practice mode and training."""

from __future__ import annotations

import importlib
import secrets
import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from auditor.config import Endpoints
from auditor.sandbox.faults import FaultRule, Faults
from auditor.sandbox.requestlog import LoggedRequest, RequestLog
from auditor.sandbox.scenario import PROVIDERS, Scenario, load_scenario
from auditor.sandbox.server import ProviderServer
from auditor.sandbox.tls import make_certificate

BASE_PATHS = {"google": "/", "google-oauth": "", "graph": "/v1.0", "ews": "/EWS/Exchange.asmx", "identity": ""}


class Sandbox:
    """Start with ``with Sandbox("compromised") as sb:``; leaving the block stops every server."""

    def __init__(
        self,
        scenario: str | Path | Scenario = "compromised",
        faults: Sequence[FaultRule] | None = None,
        latency: float = 0.0,
        workdir: Path | None = None,
    ) -> None:
        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.token = "sandbox-" + secrets.token_urlsafe(24)
        self.latency = latency
        self.log = RequestLog()
        self.faults = Faults([*self.scenario.faults, *(faults or [])])
        self._stopping = threading.Event()
        self._servers: dict[str, ProviderServer] = {}
        self._folder: Path | None = None
        self._workdir = workdir  # where a TLS certificate goes, if a provider needs one (default: temp)
        self.ca_file: Path | None = None

    # -- life cycle ---------------------------------------------------------------------------------

    def start(self) -> Sandbox:
        try:
            tls: tuple[Path, Path] | None = None
            for section, data in self.scenario.sections.items():
                module = importlib.import_module(PROVIDERS[section][0])
                for app in module.build_apps(data, token=self.token, endless=self._endless_for(section)):
                    bind = getattr(app, "bind_faults", None)
                    if bind is not None:  # apps with inner requests (Graph $batch) apply faults to each of them
                        bind(self.faults, self._stopping)
                    if app.tls and tls is None:
                        if self._workdir is not None:
                            self._workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
                        self._folder = Path(tempfile.mkdtemp(prefix="auditor-sandbox-", dir=self._workdir))
                        tls = make_certificate(self._folder)
                        self.ca_file = tls[0]
                    server = ProviderServer(
                        app, self.faults, self.log, self.latency, self._stopping, tls if app.tls else None
                    )
                    server.start()
                    self._servers[app.name] = server
        except BaseException:
            self.stop()
            raise
        return self

    def _endless_for(self, section: str) -> Any:
        def endless(path: str) -> bool:
            return any(self.faults.endless(name, path) for name in self._servers) or self.faults.endless("*", path)

        return endless

    def stop(self) -> None:
        self._stopping.set()
        for server in self._servers.values():
            server.stop()
        self._servers.clear()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- where things are ---------------------------------------------------------------------------

    def url(self, provider: str) -> str | None:
        server = self._servers.get(provider)
        return server.url + BASE_PATHS.get(provider, "") if server else None

    @property
    def google_url(self) -> str | None:
        return self.url("google")

    @property
    def google_oauth_url(self) -> str | None:
        """Google's OAuth endpoints (authorization, token, revoke) for the practice sign-in."""
        return self.url("google-oauth")

    def app(self, provider: str) -> Any:
        """The running provider app (tests reach its state, e.g. the practice sign-in's token registry)."""
        server = self._servers.get(provider)
        return server.app if server else None

    @property
    def graph_url(self) -> str | None:
        return self.url("graph")

    @property
    def ews_url(self) -> str | None:
        return self.url("ews")

    @property
    def identity_url(self) -> str | None:
        return self.url("identity")

    @property
    def env(self) -> dict[str, str]:
        out = {"AUDITOR_BEARER_TOKEN": self.token}
        for name, provider in (
            ("AUDITOR_GOOGLE_API_URL", "google"),
            ("AUDITOR_GRAPH_API_URL", "graph"),
            ("AUDITOR_EWS_URL", "ews"),
        ):
            url = self.url(provider)
            if url:
                out[name] = url
        return out

    def endpoints(self) -> Endpoints:
        return Endpoints(google=self.google_url, graph=self.graph_url, ews=self.ews_url, token=self.token)

    # -- what happened ------------------------------------------------------------------------------

    @property
    def requests(self) -> list[LoggedRequest]:
        return self.log.entries()

    @property
    def refused(self) -> list[LoggedRequest]:
        return [entry for entry in self.log.entries() if entry.refused]

    def set_faults(self, rules: Sequence[FaultRule]) -> None:
        self.faults.set(rules)

    def clear_faults(self) -> None:
        self.faults.set([])
