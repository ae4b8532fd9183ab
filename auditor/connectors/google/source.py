"""Opening Google accounts: a server named by AUDITOR_GOOGLE_API_URL + AUDITOR_BEARER_TOKEN (tests,
practice mode and scripts audit its signed-in user with no case and no sign-in)."""

from __future__ import annotations

from auditor.engine import Source
from auditor.errors import AuditorError, UsageError
from auditor.sources import SourceRequest


def client_for(request: SourceRequest) -> object:
    from google.oauth2.credentials import Credentials

    from auditor.connectors.google.client import GoogleClient

    endpoints = request.endpoints
    if not endpoints.token:
        raise UsageError("AUDITOR_GOOGLE_API_URL is set but AUDITOR_BEARER_TOKEN is not")
    settings = request.settings
    return GoogleClient(
        endpoints.google,
        Credentials(endpoints.token),
        timeout=settings.request_timeout,
        retry_budget=settings.retry_budget,
    )


NO_SIGN_IN = (
    "This Google account could not be checked: signing in to Google from the tool is not available yet. "
    "Point the tool at a server with AUDITOR_GOOGLE_API_URL and AUDITOR_BEARER_TOKEN to audit it."
)


async def open_sources(request: SourceRequest) -> list[Source]:
    if not request.endpoints.google and request.case is not None:
        stored = [a["target"] for a in request.case.accounts() if a["kind"] == "google"]
        if stored:  # a case's account is reported as not checked, never skipped silently
            return [Source("google", target, error=NO_SIGN_IN, practice=request.practice) for target in stored]
    if not request.endpoints.google:
        raise UsageError(
            "no Google account to audit: signing in to Google from the tool is not available yet; point it at a "
            "server with AUDITOR_GOOGLE_API_URL and AUDITOR_BEARER_TOKEN (for example `auditor sandbox serve`)"
        )
    client = client_for(request)
    try:
        profile = await client.profile()  # type: ignore[attr-defined]
    except AuditorError as exc:
        return [
            Source(
                "google", "Google account", error=f"Couldn't reach the Google account: {exc}", practice=request.practice
            )
        ]
    return [
        Source(
            "google",
            str(profile.get("emailAddress") or "Google account"),
            clients={"google": client},
            practice=request.practice,
        )
    ]
