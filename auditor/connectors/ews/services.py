"""The EWS operations the connector sends, as exchangelib services. Imported only when Exchange is audited.

Every class here only reads. Differences from exchangelib's own:

- answers are parsed from the whole body at once. exchangelib feeds lxml from ``response.iter_content()``,
  one byte per call, which costs about 0.2 s of CPU for 200 inbox rules; the body is already in memory. XML
  that is not well-formed is refused instead of recovered (see ``records.checked_xml``).
- GetInboxRules, GetDelegate and GetUserOofSettings hand back their whole response element
  (:class:`KeepsAnswer`): the readers in ``records`` check it against the EWS reference themselves.
- :class:`OwnRootFolder` asks for the caller's own mailbox root without naming a mailbox (EWS allows it;
  exchangelib always names one), which is how the connector learns whose mailbox a token opens.
"""

from __future__ import annotations

from typing import Any

from exchangelib.errors import EWSError, MalformedResponseError, SOAPError
from exchangelib.properties import Mailbox
from exchangelib.services import ConvertId, GetDelegate, GetFolder, GetInboxRules, GetUserOofSettings
from exchangelib.services.common import shape_element
from exchangelib.util import ParseError, create_element, to_xml

from auditor.errors import ProviderError

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
TYPES_NS = "http://schemas.microsoft.com/exchange/services/2006/types"
MESSAGES_NS = "http://schemas.microsoft.com/exchange/services/2006/messages"


class WholeBody:
    """Parse the SOAP answer from the body in memory (same checks as exchangelib, minus the byte-by-byte feed).
    For ConvertId, whose answer exchangelib turns into objects (they need lxml's elements)."""

    @classmethod
    def _get_soap_parts(cls, response: Any) -> Any:
        try:
            root = to_xml(response.content)
        except ParseError as e:
            raise SOAPError(f"Bad SOAP response: {e}") from None
        return cls._split(root)

    @staticmethod
    def _split(root: Any) -> Any:
        header = root.find(f"{{{SOAP_NS}}}Header")
        body = root.find(f"{{{SOAP_NS}}}Body")
        if body is None:
            raise MalformedResponseError("No Body element in SOAP response")
        return header, body


class StrictBody(WholeBody):
    """Parse the SOAP answer strictly, refusing XML that is not well-formed (exchangelib's own parser recovers
    silently, so a cut-off answer would read as a shorter, whole one); see ``records.checked_xml``."""

    @classmethod
    def _get_soap_parts(cls, response: Any) -> Any:
        from auditor.connectors.ews.records import checked_xml

        try:
            root = checked_xml(response.content)
        except ProviderError as exc:
            raise SOAPError(f"Bad SOAP response: {exc}") from None
        return cls._split(root)


class KeepsAnswer(StrictBody):
    """Keeps the operation's whole response element for the readers in ``records`` (which check its shape
    against the EWS reference), and has exchangelib build no objects: it still raises SOAP faults and error
    responses, as the exceptions the connector classifies."""

    SERVICE_NAME: str
    answer: Any = None

    def _get_soap_messages(self, body: Any) -> Any:
        self.answer = body.find(f"{{{MESSAGES_NS}}}{self.SERVICE_NAME}Response")
        if self.answer is None and body.find(f"{{{SOAP_NS}}}Fault") is None:
            raise ProviderError(f"Exchange's answer has no {self.SERVICE_NAME}Response element")
        return super()._get_soap_messages(body)  # type: ignore[misc]

    @classmethod
    def _get_elements_in_container(cls, container: Any) -> Any:
        return []


class ReadInboxRules(KeepsAnswer, GetInboxRules):
    pass


class ReadDelegates(KeepsAnswer, GetDelegate):
    """A delegate Exchange could not return is one error message among the others: kept for the reader (it is
    named as not read), not raised for the whole answer."""

    ERRORS_TO_CATCH_IN_RESPONSE = (EWSError,)


class ReadAutomaticReplies(KeepsAnswer, GetUserOofSettings):
    def _get_element_container(self, message: Any, name: Any = None) -> Any:
        if message.find(self._response_message_tag()) is None:
            return []  # the reader names what is missing
        return super()._get_element_container(message, name)


class ReadIds(WholeBody, ConvertId):
    pass


class OwnRootFolder(StrictBody, GetFolder):
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


def _raise_errors(outcomes: list[Any]) -> None:
    for outcome in outcomes:
        if isinstance(outcome, Exception):
            raise outcome


def inbox_rules(account: Any) -> Any:
    """The GetInboxRulesResponse element."""
    service = ReadInboxRules(account=account)
    _raise_errors(list(service.call()))
    return service.answer


def delegates(account: Any) -> Any:
    """The GetDelegateResponse element: every delegate with permissions, and where meeting requests go."""
    service = ReadDelegates(account=account)
    outcomes = list(service.call(user_ids=None, include_permissions=True))
    answer = service.answer
    if answer is None or answer.find(f"{{{MESSAGES_NS}}}ResponseMessages") is None:
        _raise_errors(outcomes)  # the answer's own error (no mailbox, refused), not one delegate's
    return answer


def automatic_replies(account: Any) -> Any:
    """The GetUserOofSettingsResponse element."""
    service = ReadAutomaticReplies(account=account)
    _raise_errors(list(service.call(mailbox=Mailbox(email_address=account.primary_smtp_address))))
    return service.answer
