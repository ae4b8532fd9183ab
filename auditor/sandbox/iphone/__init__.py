"""The practice iPhone: usbmuxd, lockdownd and the read services on 127.0.0.1, seeded from scenarios.

``PracticeIPhone("stalkerware")`` serves a scenario until stopped; point the tool at it with
``USBMUXD_SOCKET_ADDRESS=<its usbmux_address>`` (or ``python -m auditor.sandbox.iphone --scenario NAME``).
"""

from auditor.sandbox.iphone.scenario import IPhoneScenario, PracticePhone, load_scenario
from auditor.sandbox.iphone.server import Call, PracticeIPhone

__all__ = ["Call", "IPhoneScenario", "PracticeIPhone", "PracticePhone", "load_scenario"]
