"""Which HTTP status answers a refusal by an assessment service (the message is the service's own).

The services raise one error type (AssessmentError) with a Chinese message for the user. The API
tells the client more: 403 when the user may not take the step, 409 when the record's state does
not allow it (or a submission id was used for other content), 400 when the request itself is
wrong. For problems the status is worked out from the same tables and role rule the service
applied; for submissions, whose checks the API mostly makes itself before calling the service,
from what the service said.
"""

from __future__ import annotations

from typing import Any

from fupin.assessments.models import Problem
from fupin.assessments.services import CONFLICT_MESSAGE, AssessmentError

# The verification module's own role rule and open statuses: a refusal is 403 exactly when the
# service refused for the role, whatever the wording of its message.
from fupin.assessments.services.verification import OPEN_CAMPAIGN, _check_role
from fupin.assessments.workflows import DISPUTED_TARGET, PROBLEM_CLOSED, PROBLEM_TRANSITIONS, Step


def transition_refusal_status(
    problem: Problem, user: Any, action: str, disputed: bool | None
) -> int:
    """The status for a refused `problem_transition`, checked in the service's own order."""
    problem = Problem.objects.select_related("campaign", "county", "household").get(pk=problem.pk)
    key = (problem.status, action)
    move = PROBLEM_TRANSITIONS.get(key)
    if (
        problem.status in PROBLEM_CLOSED
        or move is None
        or problem.campaign.status not in OPEN_CAMPAIGN
    ):
        return 409
    try:
        _check_role(problem, user, move.role, str(Step(move.step).label), action=action)
    except AssessmentError:
        return 403
    if (key in DISPUTED_TARGET) == (disputed is None):
        return 400  # `disputed` missing where it is needed, or given where it is not
    return 409  # the explanation window, the evidence, or a change made meanwhile


# Submission refusals that are about the campaign's state or an id already used, and those about
# who submits; anything else is about the questionnaire sent (times, version, answers, GPS).
_SUBMISSION_CONFLICT = (CONFLICT_MESSAGE, "实地调查已结束", "不接收入户调查问卷")
_SUBMISSION_FORBIDDEN = ("未被分派调查户", "只能以本人身份提交")


def submission_refusal_status(message: str) -> int:
    if any(m in message for m in _SUBMISSION_CONFLICT):
        return 409
    if any(m in message for m in _SUBMISSION_FORBIDDEN):
        return 403
    return 400
