"""Driving the real Google sign-in (google-auth-oauthlib's InstalledAppFlow) against the practice server.

The "browser" is a webbrowser controller registered under a name: given the authorization URL, it fetches it
over HTTP from a thread (as a browser would, while the flow's loopback server waits) and follows Google's
redirect back to that loopback server.
"""

from __future__ import annotations

import threading
import webbrowser
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from auditor.config import GoogleSettings, Settings
from auditor.sandbox import Sandbox
from auditor.sandbox.google_oauth import client_file_text

BROWSER = "auditor-test-browser"


class FetchingBrowser(webbrowser.BaseBrowser):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.opened: list[str] = []
        self.answers: list[tuple[int, str]] = []
        self.threads: list[threading.Thread] = []

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        self.opened.append(url)

        def visit() -> None:
            with httpx.Client(follow_redirects=True, timeout=10, trust_env=False) as client:
                response = client.get(url)
                self.answers.append((response.status_code, response.text))

        thread = threading.Thread(target=visit, daemon=True)
        thread.start()
        self.threads.append(thread)
        return True

    def join(self) -> None:
        for thread in self.threads:
            thread.join(10)


@pytest.fixture
def browser() -> Iterator[FetchingBrowser]:
    controller = FetchingBrowser(BROWSER)
    webbrowser.register(BROWSER, None, controller)
    yield controller
    controller.join()


@pytest.fixture(autouse=True)
def plain_http_oauth(monkeypatch: pytest.MonkeyPatch) -> None:
    # oauthlib refuses OAuth over plain http; the practice server is plain http on loopback (tests only).
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


def write_client_file(sb: Sandbox, folder: Path) -> Path:
    path = folder / "client_secret_practice.json"
    path.write_text(client_file_text(sb.google_oauth_url or "", sb.scenario.sections["google"].oauth))
    return path


def settings_for(sb: Sandbox, folder: Path, *, admin: bool = False) -> Settings:
    return Settings(
        google=GoogleSettings(client_file=write_client_file(sb, folder), workspace_admin=admin),
        request_timeout=2.0,
        retry_budget=4.0,
    )
