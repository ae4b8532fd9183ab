"""One audit from start to end, for scripts and tests that import it from here.

The functions live in the application layer (:mod:`auditor.application`), which the command line and the
app both use; these names stay so that ``from auditor.audit import audit, load_checks`` keeps working.
"""

from __future__ import annotations

from auditor.application.auditing import audit
from auditor.application.checks import load_checks
from auditor.application.kinds import kinds_to_audit

__all__ = ["audit", "kinds_to_audit", "load_checks"]
