"""An advocate session's plan: the checks to run, in the order to run them, over every check this build has."""

from __future__ import annotations

from auditor.application.checks import guided_questions, load_checks
from auditor.session.intake import Intake
from auditor.session.plan import PlanStep, propose_plan


def plan_for(intake: Intake) -> list[PlanStep]:
    """:func:`auditor.session.plan.propose_plan` over every check (automated and guided) and the guided order."""
    orders = {check_id: manual.order for check_id, manual in guided_questions().items()}
    return propose_plan(intake, (c.spec for c in load_checks().values()), orders)
