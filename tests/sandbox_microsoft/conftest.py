"""Helpers: real clients (httpx for Graph, msal for the identity platform, exchangelib for EWS) pointed at
the practice servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import requests
from sandbox.urls import url_of

from auditor.sandbox import Sandbox, load_scenario
from auditor.sandbox.scenario import Scenario

CLIENT_ID = "3c1a7f2e-5b1d-4c8e-9a41-0d6f2b7e8c55"  # any app id: the practice server accepts any by default


def scenario_from(tmp_path: Path, text: str) -> Scenario:
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return load_scenario(path)


def graph(sb: Sandbox, token: str | None = None) -> httpx.Client:
    """An httpx client for Graph; trust_env=False so no proxy or CA setting of this machine interferes."""
    return httpx.Client(
        base_url=url_of(sb, "graph") + "/",
        headers={"Authorization": f"Bearer {token or sb.token}"},
        trust_env=False,
        timeout=10,
    )


def collect(client: httpx.Client, url: str, limit: int = 1000) -> tuple[list[dict], int]:
    """Follow @odata.nextLink to the end; return the items and the number of pages."""
    items: list[dict] = []
    pages = 0
    next_url: str | None = url
    while next_url and pages < limit:
        response = client.get(next_url)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["value"])
        pages += 1
        next_url = body.get("@odata.nextLink")
    return items, pages


def msal_session(sb: Sandbox) -> requests.Session:
    # REQUESTS_CA_BUNDLE is set on this machine and would override verify unless trust_env is off.
    session = requests.Session()
    session.trust_env = False
    session.verify = str(sb.ca_file)
    return session


@pytest.fixture
def insecure_oauth(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """exchangelib's OAuth path refuses plain http unless this is set; tests only."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    yield
