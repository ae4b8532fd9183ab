"""Sockets, TLS, fault injection, the request log and refusing writes — around each provider app.

Each provider runs its own threaded HTTP server on 127.0.0.1 (a free port). Connections are closed after
each response (HTTP/1.0 style), so stopping the server joins every handler thread and frees every port.
"""

from __future__ import annotations

import socket
import ssl
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from auditor.sandbox.base import ProviderApp, SandboxRequest, SandboxResponse
from auditor.sandbox.faults import Faults
from auditor.sandbox.requestlog import LoggedRequest, RequestLog, redact

MAX_BODY = 10 * 1024 * 1024


class _Server(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = False

    def __init__(self, app: ProviderApp, faults: Faults, log: RequestLog, latency: float, stopping: threading.Event):
        self.app = app
        self.faults = faults
        self.log = log
        self.latency = latency
        self.stopping = stopping
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"
    timeout = 30

    def log_message(self, format: str, *args: Any) -> None:  # the request log replaces stderr noise
        pass

    def _serve(self) -> None:
        server = self.server
        app = server.app
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, MAX_BODY)) if length else b""
        headers = {k: v for k, v in self.headers.items()}
        request = SandboxRequest.from_raw(self.command, self.path, headers, body)
        entry = server.log.add(
            LoggedRequest(app.name, request.method, request.path, request.query, redact(headers), len(body))
        )
        if server.latency:
            server.stopping.wait(server.latency)
        for rule in server.faults.take(app.name, request.path):
            entry.fault = rule.kind
            if rule.kind == "latency":
                server.stopping.wait(rule.seconds)
                continue
            if rule.kind == "hang":
                server.stopping.wait(rule.seconds or 60)
                self.close_connection = True
                return
            if rule.kind == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                return
            if rule.kind == "malformed":
                self._send(SandboxResponse(200, b'{"truncated": [1, 2', {"Content-Type": "application/json"}), entry)
                return
            status = int(rule.kind)
            response = app.error(status, _FAULT_MESSAGES[status])
            if status in (429, 503):
                response.headers["Retry-After"] = str(rule.retry_after)
            self._send(response, entry)
            return
        if not app.is_read(request):
            # An app may accept the tool's own confirmed changes (``accepts_write`` returns what to log of the write);
            # anything else that would change an account is refused.
            accepts = getattr(app, "accepts_write", None)
            written = accepts(request) if accepts is not None else None
            if written is None:
                entry.refused = True
                self._send(
                    app.error(403, "The practice server never changes an account; this request was refused."), entry
                )
                return
            entry.extra.update(written)
        try:
            response = app.handle(request)
        except Exception as exc:  # a provider bug answers 500, as a real server would
            response = app.error(500, f"sandbox error: {type(exc).__name__}: {exc}")
        self._send(response, entry)

    def _send(self, response: SandboxResponse, entry: LoggedRequest) -> None:
        entry.status = response.status
        try:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            # No "Connection: close": an HTTP/1.0 response closes anyway, and exchangelib reads that header on
            # any non-200 answer as "server busy", hiding a 401 or a SOAP fault behind a retryable error.
            self.end_headers()
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve


_FAULT_MESSAGES = {
    401: "Request had invalid authentication credentials.",
    403: "The caller does not have permission.",
    429: "Rate limit exceeded. Try again later.",
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
}


class ProviderServer:
    """One provider app served on its own port, optionally over TLS."""

    def __init__(
        self,
        app: ProviderApp,
        faults: Faults,
        log: RequestLog,
        latency: float,
        stopping: threading.Event,
        tls: tuple[Path, Path] | None = None,
    ) -> None:
        self.app = app
        self._server = _Server(app, faults, log, latency, stopping)
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            self._server.socket = context.wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )
        self.port = self._server.server_address[1]
        self.scheme = "https" if tls else "http"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"sandbox-{app.name}"
        )

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()  # joins every handler thread
        self._thread.join()


def wait_until_listening(port: int, timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.01)
