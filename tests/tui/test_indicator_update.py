"""The app's overview says how old the stalkerware indicator set is and, past 60 days, offers the update with
one key after saying what it contacts; the update runs in a worker against a loopback copy of the upstream."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from textual.pilot import Pilot

from auditor.iocs import current_meta, read_meta
from auditor.tui.app import AuditorApp
from tui.helpers import SIZE, settled, wait_for
from tui.screen_text import screen_text


@pytest.fixture
def upstream(shipped_iocs: Path) -> Iterator[str]:
    body = (shipped_iocs / "ioc.yaml").read_bytes()

    class Serve(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Serve)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/ioc.yaml"
    server.shutdown()
    server.server_close()
    thread.join()


def overview_line(app: AuditorApp) -> str:
    return str(app.screen.query_one("#indicators-line").render())


async def open_practice(pilot: Pilot[int]) -> AuditorApp:
    app = pilot.app
    assert isinstance(app, AuditorApp)
    await wait_for(pilot, lambda: app.case is not None and app.current_mode == "overview", "the practice case")
    await settled(pilot)
    return app


async def test_an_old_set_is_offered_for_update_saying_what_is_contacted_and_u_updates_it(
    upstream: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUDITOR_IOCS_URL", upstream)
    assert current_meta().is_stale()
    app = AuditorApp(practice=True, autostart=False, include_device=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_practice(pilot)
        line = overview_line(app)
        assert "shipped with auditor, dated 2026-06-21" in line and "more than 60 days old" in line
        assert "Press u" in line and "raw.githubusercontent.com" in line and "contacts nothing else" in line
        assert read_meta() is None  # nothing is fetched before the key
        await pilot.press("u")
        await wait_for(pilot, lambda: read_meta() is not None and not app.indicators_updating, "the update")
        await settled(pilot)
        meta = read_meta()
        assert meta is not None and meta.source == upstream
        line = overview_line(app)
        assert f"installed, dated {date.today().isoformat()}" in line and "Press u" not in line
        assert "Indicators updated" in screen_text(app)
        await pilot.press("ctrl+q")


async def test_a_failed_update_says_so_and_keeps_the_set_in_use(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    monkeypatch.setenv("AUDITOR_IOCS_URL", f"http://127.0.0.1:{port}/ioc.yaml")
    app = AuditorApp(practice=True, autostart=False, include_device=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_practice(pilot)
        await pilot.press("u")
        await wait_for(
            pilot,
            lambda: "Indicators not updated" in (text := screen_text(app)) and "offline?" in text,
            "the failure notice with its reason",
        )
        assert read_meta() is None and current_meta().bundled
        await settled(pilot)
        assert "Press u" in overview_line(app)
        await pilot.press("ctrl+q")
