"""Where a running practice server answers, for tests that talk to it directly."""

from __future__ import annotations

from auditor.sandbox import Sandbox


def url_of(sb: Sandbox, provider: str) -> str:
    """The URL ``sb`` serves ``provider`` at ("google", "google-oauth", "graph", "ews", "identity"), as
    ``Sandbox.url`` gives it. The test stops here, naming the provider, when the scenario does not serve it."""
    url = sb.url(provider)
    assert url is not None, f"the practice scenario {sb.scenario.name!r} serves no {provider!r}"
    return url
