"""Microsoft Graph's changes, on httpx.AsyncClient: only the writes the tool makes, one confirmed change at a time.

The read connector (:mod:`auditor.connectors.graph.client`) stays read-only. This one sends exactly the requests
below — each as its reference page documents it — and refuses anything else:

| what | request (RULES: /me/mailFolders/inbox/messageRules) | page |
| --- | --- | --- |
| turn an inbox rule off or on | ``PATCH RULES/{id}`` ``{"isEnabled": …}`` | messagerule-update |
| delete an inbox rule | ``DELETE RULES/{id}`` | messagerule-delete |
| recreate an inbox rule | ``POST RULES`` (the rule as found) | mailfolder-post-messagerules |
| remove a sharing permission | ``DELETE /me/drive/items/{item}/permissions/{perm}`` | permission-delete |
| a new sharing link | ``POST /me/drive/items/{item}/createLink`` | driveitem-createlink |
| give a person access again | ``POST /me/drive/items/{item}/invite`` | driveitem-invite |
| sign out of every session | ``POST /me/revokeSignInSessions`` | user-revokesigninsessions |

(the pages are under https://learn.microsoft.com/graph/api/). Each answer is read against the documented
resource (messageRule, permission): an answer that does not say the change was made is an error, never a
success.

Retries follow the connectors' one policy (:mod:`auditor.connectors.retry`), with one difference that matters
for writes: a 429 is always waited out and sent again (Graph refused it before doing anything), but a server
error, a timeout or a broken connection is sent again only for a request that does the same however often it
is sent (a delete, turning a rule off, createLink, signing out). A request that makes something new (recreating
a rule, an invitation) is not: its failure ends at once, saying the change may or may not have been made, so a
retry never makes two. A delete sent again that Microsoft then answers "not found" is an error too — an earlier
try may have removed it, and only the check run again can say.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from auditor.checkapi.microsoft import MessageRule, Permission
from auditor.connectors.graph.client import GRAPH_URL, status_failure
from auditor.connectors.graph.records import read_one, validate
from auditor.connectors.retry import Failure, RetryPolicy
from auditor.errors import ConnectorError, NetworkError, ProviderError
from auditor.safetext import literal

__all__ = ["GRAPH_URL", "RULES", "GraphWriter"]

RULES = "me/mailFolders/inbox/messageRules"
# The properties of a messageRule a POST may carry (mailfolder-post-messagerules: "any other writable
# messageRule properties"); the read-only ones (id, hasError) are never sent.
RULE_CREATE_FIELDS = ("displayName", "sequence", "isEnabled", "conditions", "exceptions", "actions")


def _segment(value: str) -> str:
    """One path segment from an id Graph gave (ids carry '=', '!' and may carry '/' — never a new segment)."""
    if not value:
        raise ValueError("an empty id")
    return quote(value, safe="!=")


class GraphWriter:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 20.0,
        retry_budget: float = 60.0,
        max_retries: int = 5,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry = retry or RetryPolicy(max_retries=max_retries, budget=retry_budget)
        loopback = urlsplit(self.base_url).hostname in ("127.0.0.1", "localhost", "::1")
        self._http = httpx.AsyncClient(
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
            trust_env=not loopback,  # a practice server on loopback is never reached through a proxy
            follow_redirects=False,  # a write is never sent anywhere but where it was addressed
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- plumbing -----------------------------------------------------------------------------------

    async def _send(self, method: str, path: str, body: Any = None, *, repeatable: bool) -> tuple[int, Any]:
        """One write, tried again as the policy says (see the module's note); returns (status, decoded body)."""
        url = f"{self.base_url}/{path}"
        tries = 0

        def ambiguous(error: ConnectorError, status: int | None = None, retry_after: Any = None) -> ConnectorError:
            # A request that makes something new is never sent twice: its failure ends the change here.
            if repeatable:
                raise Failure(error, status=status, retry_after=retry_after)
            return error

        async def attempt() -> tuple[int, Any]:
            nonlocal tries
            tries += 1
            try:
                response = await self._http.request(method, url, json=body)
            except httpx.TimeoutException:
                raise ambiguous(
                    NetworkError(f"Microsoft Graph did not answer within {self.timeout:g} s{_maybe(repeatable)}")
                ) from None
            except httpx.TransportError as exc:
                raise ambiguous(
                    NetworkError(f"the connection to Microsoft Graph failed ({type(exc).__name__}){_maybe(repeatable)}")
                ) from None
            status = response.status_code
            if status < 300:
                return status, _decode(response.content)
            if status == 404 and tries > 1 and method == "DELETE":
                raise ProviderError(
                    "Microsoft said it is no longer there after an earlier try failed, and that try may have "
                    "removed it. Run the check again to see."
                )
            failure = status_failure(status, _message(response.content), response.headers.get("retry-after"))
            if status == 429:
                raise failure  # refused before anything was done: waited out and sent again
            if self.retry.retryable(failure):
                error = ProviderError(f"Microsoft Graph answered {status}{_maybe(repeatable)}")
                raise ambiguous(error, status, failure.retry_after)
            raise failure.error

        return await self.retry.run_async(attempt)

    # -- inbox rules (MailboxSettings.ReadWrite) ------------------------------------------------------

    async def set_rule_enabled(self, rule_id: str, enabled: bool) -> MessageRule:
        """Turn a rule off (or back on); the rule as Microsoft has it afterwards, which must say so."""
        _, answer = await self._send("PATCH", f"{RULES}/{_segment(rule_id)}", {"isEnabled": enabled}, repeatable=True)
        rule = read_one(answer, MessageRule, "the changed inbox rule")
        if rule.id != rule_id:
            raise ProviderError("Microsoft answered with another rule than the one changed; nothing is assumed")
        if rule.isEnabled is not enabled:
            state = "on" if enabled else "off"
            raise ProviderError(f"Microsoft answered, but did not say the rule is now {state}; nothing is assumed")
        return rule

    async def delete_rule(self, rule_id: str) -> None:
        await self._send("DELETE", f"{RULES}/{_segment(rule_id)}", repeatable=True)

    async def create_rule(self, rule: dict[str, Any]) -> MessageRule:
        """A rule made from the record as it was found; Microsoft gives it a new id."""
        body = {k: rule[k] for k in RULE_CREATE_FIELDS if rule.get(k) is not None}
        _, answer = await self._send("POST", RULES, body, repeatable=False)
        created = read_one(answer, MessageRule, "the recreated inbox rule")
        if not created.id:
            raise ProviderError("Microsoft answered without the new rule's id; nothing is assumed")
        return created

    # -- OneDrive sharing (Files.ReadWrite) -----------------------------------------------------------

    async def delete_permission(self, item_id: str, permission_id: str) -> None:
        path = f"me/drive/items/{_segment(item_id)}/permissions/{_segment(permission_id)}"
        await self._send("DELETE", path, repeatable=True)

    async def create_link(self, item_id: str, link: dict[str, Any]) -> Permission:
        """A new sharing link (its address is new). createLink returns the app's existing link of the same type
        rather than making a second one, so it may be sent again."""
        _, answer = await self._send("POST", f"me/drive/items/{_segment(item_id)}/createLink", link, repeatable=True)
        made = read_one(answer, Permission, "the new sharing link")
        if not made.id or made.link is None or not made.link.webUrl:
            raise ProviderError("Microsoft answered without the new link's id or address; nothing is assumed")
        return made

    async def invite(self, item_id: str, invitation: dict[str, Any]) -> list[Permission]:
        _, answer = await self._send("POST", f"me/drive/items/{_segment(item_id)}/invite", invitation, repeatable=False)
        value = answer.get("value") if isinstance(answer, dict) else None
        if not isinstance(value, list) or not value:
            raise ProviderError("Microsoft answered the invitation without the permission it made; nothing is assumed")
        made = []
        for raw in value:
            record, problems = validate(Permission, raw)
            if record is None or problems or not record.id:
                detail = "; ".join(problems) or "no id"
                raise ProviderError(f"Microsoft sent the new permission in a shape it does not document: {detail}")
            made.append(record)
        return made

    # -- sign-in sessions (User.RevokeSessions.All) ---------------------------------------------------

    async def revoke_sign_in_sessions(self) -> None:
        """Any 2xx is success (Graph's known issues: the service answers 200 with ``value: true`` where it
        documents 204); an answer that says ``false`` is not."""
        _, answer = await self._send("POST", "me/revokeSignInSessions", repeatable=True)
        if isinstance(answer, dict) and answer.get("value") is False:
            raise ProviderError("Microsoft answered that the sessions were not revoked")


def _maybe(repeatable: bool) -> str:
    if repeatable:
        return ""
    return "; the change may or may not have been made — run the check again before trying again"


def _decode(content: bytes) -> Any:
    if not content.strip():
        return None
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        raise ProviderError("Microsoft Graph sent data that is not valid JSON") from None


def _message(content: bytes) -> str:
    try:
        body = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return "no message"
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return literal(str(message or "no message"), 300)
