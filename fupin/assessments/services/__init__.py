"""Assessment operations (one module per idea); import them from here."""

from fupin.assessments.services.campaigns import (
    campaign_create,
    campaign_entered,
    campaign_transition,
    campaign_update_settings,
)
from fupin.assessments.services.common import AssessmentError, has_role, roles_ensure
from fupin.assessments.services.draws import (
    DrawItemSpec,
    draw_current,
    draw_record,
    drawn_keys,
    draws_current,
)
from fupin.assessments.services.evaluators import (
    assessed_counties,
    assignment_current,
    assignment_record,
    enumerator_team_for,
    expert_assigned,
    team_create,
    teams_of_household,
)
from fupin.assessments.services.followup import (
    department_report_record,
    feedback_list_build,
    rectification_open,
    rectification_transition,
    unannounced_finding_record,
)
from fupin.assessments.services.results import (
    counties_straddling,
    county_decision_record,
    county_results_record,
    figure_inputs,
    judge,
)
from fupin.assessments.services.surveys import (
    CONFLICT_MESSAGE,
    answers_errors,
    evidence_receive,
    payload_checksum,
    questionnaire_current,
    submission_receive,
)
from fupin.assessments.services.verification import (
    problem_explain,
    problem_raise,
    problem_transition,
    problems_confirmed,
)

__all__ = [
    "CONFLICT_MESSAGE",
    "AssessmentError",
    "DrawItemSpec",
    "answers_errors",
    "assessed_counties",
    "assignment_current",
    "assignment_record",
    "campaign_create",
    "campaign_entered",
    "campaign_transition",
    "campaign_update_settings",
    "counties_straddling",
    "county_decision_record",
    "county_results_record",
    "department_report_record",
    "draw_current",
    "draw_record",
    "drawn_keys",
    "draws_current",
    "enumerator_team_for",
    "evidence_receive",
    "expert_assigned",
    "feedback_list_build",
    "figure_inputs",
    "has_role",
    "judge",
    "payload_checksum",
    "problem_explain",
    "problem_raise",
    "problem_transition",
    "problems_confirmed",
    "questionnaire_current",
    "rectification_open",
    "rectification_transition",
    "roles_ensure",
    "submission_receive",
    "team_create",
    "teams_of_household",
    "unannounced_finding_record",
]
