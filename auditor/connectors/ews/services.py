"""The EWS operations the connector sends, as exchangelib services. Imported only when Exchange is audited.

Every class here only reads. Two differences from exchangelib's own:

- answers are parsed from the whole body at once. exchangelib feeds lxml from ``response.iter_content()``,
  one byte per call, which costs about 0.2 s of CPU for 200 inbox rules; the body is already in memory.
- :class:`OwnRootFolder` asks for the caller's own mailbox root without naming a mailbox (EWS allows it;
  exchangelib always names one), which is how the connector learns whose mailbox a token opens.
"""

from __future__ import annotations

from typing import Any

from exchangelib.errors import MalformedResponseError, SOAPError
from exchangelib.properties import Mailbox
from exchangelib.services import ConvertId, GetDelegate, GetFolder, GetInboxRules, GetUserOofSettings
from exchangelib.services.common import shape_element
from exchangelib.util import ParseError, create_element, to_xml

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
TYPES_NS = "http://schemas.microsoft.com/exchange/services/2006/types"
MESSAGES_NS = "http://schemas.microsoft.com/exchange/services/2006/messages"


class WholeBody:
    """Parse the SOAP answer from the body in memory (same checks as exchangelib, minus the byte-by-byte feed)."""

    @classmethod
    def _get_soap_parts(cls, response: Any) -> Any:
        try:
            root = to_xml(response.content)
        except ParseError as e:
            raise SOAPError(f"Bad SOAP response: {e}") from None
        header = root.find(f"{{{SOAP_NS}}}Header")
        body = root.find(f"{{{SOAP_NS}}}Body")
        if body is None:
            raise MalformedResponseError("No Body element in SOAP response")
        return header, body


class ReadInboxRules(WholeBody, GetInboxRules):
    """GetInboxRules answering the ``t:Rule`` elements themselves (see ``records.rule_from_xml``)."""

    def _elems_to_objs(self, elems: Any) -> Any:
        yield from elems


class ReadDelegates(WholeBody, GetDelegate):
    """GetDelegate that also keeps DeliverMeetingRequests, which sits beside the delegates in the answer."""

    deliver_meeting_requests: str | None = None

    def _get_soap_messages(self, body: Any) -> Any:
        response = body.find(self._response_tag())
        if response is not None:
            self.deliver_meeting_requests = response.findtext(f"{{{MESSAGES_NS}}}DeliverMeetingRequests")
        return super()._get_soap_messages(body)


class ReadAutomaticReplies(WholeBody, GetUserOofSettings):
    pass


class ReadIds(WholeBody, ConvertId):
    pass


class OwnRootFolder(WholeBody, GetFolder):
    """GetFolder for the caller's own mailbox root: a DistinguishedFolderId without a Mailbox element."""

    def get_payload(self, folders: Any, additional_fields: Any, shape: Any) -> Any:
        payload = create_element("m:GetFolder")
        payload.append(
            shape_element(tag="m:FolderShape", shape=shape, additional_fields=None, version=self.account.version)
        )
        ids = create_element("m:FolderIds")
        ids.append(create_element("t:DistinguishedFolderId", attrs={"Id": "msgfolderroot"}))
        payload.append(ids)
        return payload

    def _elems_to_objs(self, elems: Any) -> Any:
        yield from elems


def own_root_folder_id(account: Any) -> str | None:
    for element in OwnRootFolder(account=account).call(folders=[None], additional_fields=None, shape="IdOnly"):
        if isinstance(element, Exception):
            raise element
        node = element.find(f"{{{TYPES_NS}}}FolderId")
        if node is not None and node.get("Id"):
            return str(node.get("Id"))
    return None


def mailbox_of(account: Any, folder_id: str, placeholder: str) -> list[Any]:
    from exchangelib.properties import AlternateId

    return list(
        ReadIds(protocol=account.protocol).call(
            items=[AlternateId(id=folder_id, format="EwsId", mailbox=placeholder)], destination_format="EwsId"
        )
    )


def inbox_rules(account: Any) -> list[Any]:
    return list(ReadInboxRules(account=account).call())


def delegates(account: Any) -> tuple[list[Any], str | None]:
    """The delegates, and where meeting requests go (DelegatesOnly, DelegatesAndMe, ...)."""
    service = ReadDelegates(account=account)
    found = list(service.call(user_ids=None, include_permissions=True))
    return found, service.deliver_meeting_requests


def automatic_replies(account: Any) -> Any:
    return ReadAutomaticReplies(account=account).get(mailbox=Mailbox(email_address=account.primary_smtp_address))
