"""Practice mode and test servers: loopback servers speaking the providers' wire formats.

``Sandbox(scenario)`` serves every provider the scenario describes on 127.0.0.1, with fault injection and
a request log; ``sb.env`` holds the AUDITOR_* variables that point the tool at it.
"""

from auditor.sandbox.faults import FaultRule
from auditor.sandbox.sandbox import Sandbox
from auditor.sandbox.scenario import Scenario, load_scenario, shipped_scenarios

__all__ = ["FaultRule", "Sandbox", "Scenario", "load_scenario", "shipped_scenarios"]
