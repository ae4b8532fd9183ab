"""NTLM for the practice EWS server: the sign-in on-premises Exchange offers (IIS Windows authentication).

The wire format is HTTP's (MS-NTHT): a request without credentials gets ``401`` with ``WWW-Authenticate: NTLM``;
``Authorization: NTLM <NEGOTIATE>`` gets ``401`` with ``WWW-Authenticate: NTLM <CHALLENGE>``; ``Authorization:
NTLM <AUTHENTICATE>`` carries the NTLMv2 response, checked here against the scenario's password (MS-NLMP 3.3.2).
Messages are packed and read with pyspnego (which requests_ntlm, and so exchangelib, already use).

The server stays stateless per connection: it remembers the challenges it issued (the most recent few) and
accepts an answer to any of them once. Older NTLMv1 and LM answers are refused, as current Windows servers do.
"""

from __future__ import annotations

import hmac
import os
import threading
from collections import OrderedDict

KEPT_CHALLENGES = 256


class NtlmAcceptor:
    def __init__(self, domain: str = "CONTOSO", computer: str = "EXCHANGE01") -> None:
        self.domain = domain
        self.computer = computer
        self._lock = threading.Lock()
        self._challenges: OrderedDict[bytes, None] = OrderedDict()

    def challenge(self, negotiate: bytes) -> bytes:
        """The CHALLENGE message answering a NEGOTIATE message (ValueError when it is not one)."""
        from spnego._ntlm_raw.messages import AvId, Challenge, FileTime, Negotiate, NegotiateFlags, TargetInfo

        try:
            asked = Negotiate.unpack(negotiate)
        except Exception as exc:  # pyspnego raises several kinds for bytes that are not a NEGOTIATE message
            raise ValueError(f"not an NTLM NEGOTIATE message ({type(exc).__name__})") from None
        flags = (
            asked.flags
            | NegotiateFlags.request_target
            | NegotiateFlags.ntlm
            | NegotiateFlags.always_sign
            | NegotiateFlags.target_info
            | NegotiateFlags.target_type_domain
        )
        if flags & NegotiateFlags.unicode:
            flags &= ~NegotiateFlags.oem
        server_challenge = os.urandom(8)
        info = TargetInfo()
        info[AvId.nb_domain_name] = self.domain
        info[AvId.nb_computer_name] = self.computer
        info[AvId.dns_domain_name] = self.domain.lower() + ".example"
        info[AvId.dns_computer_name] = f"{self.computer.lower()}.{self.domain.lower()}.example"
        info[AvId.timestamp] = FileTime.now()
        with self._lock:
            self._challenges[server_challenge] = None
            while len(self._challenges) > KEPT_CHALLENGES:
                self._challenges.popitem(last=False)
        return bytes(Challenge(flags, server_challenge, target_name=self.domain, target_info=info).pack())

    def authenticate(self, token: bytes, username: str, password: str) -> bool:
        """Whether an AUTHENTICATE message proves ``username``'s ``password`` for a challenge this server issued.

        ``username`` is as the scenario names it: ``DOMAIN\\user`` or a sign-in address (user@domain)."""
        from spnego._ntlm_raw.crypto import compute_response_v2, ntowfv1, ntowfv2
        from spnego._ntlm_raw.messages import Authenticate, NTClientChallengeV2

        try:
            answer = Authenticate.unpack(token)
            response = bytes(answer.nt_challenge_response or b"")
            user, domain = answer.user_name or "", answer.domain_name or ""
            if len(response) <= 24:  # NTLMv1 or LM only
                return False
            client = NTClientChallengeV2.unpack(response[16:])
        except Exception:  # pyspnego raises several kinds for bytes that are not an AUTHENTICATE message
            return False
        claimed = f"{domain}\\{user}" if domain else user
        if claimed.lower() != username.lower():
            return False
        key = ntowfv2(user, ntowfv1(password), domain)
        with self._lock:
            issued = list(self._challenges)
        for server_challenge in issued:
            expected, _, _ = compute_response_v2(
                key, server_challenge, client.challenge_from_client, client.time_stamp, client.av_pairs
            )
            if hmac.compare_digest(expected, response):
                with self._lock:
                    if self._challenges.pop(server_challenge, False) is None:
                        return True  # each challenge is answered once
                return False
        return False
