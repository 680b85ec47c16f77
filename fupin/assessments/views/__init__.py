"""Assessment pages: campaigns, review queues, county results, feedback and rectification.

Every read is scoped by `campaigns_for` (and, within a campaign, by the user's counties and
households); every change goes through a service, which alone decides whether it is allowed.
"""

from fupin.assessments.views.campaigns import (
    campaign_detail,
    campaign_list,
    campaign_move,
    campaign_settings,
)
from fupin.assessments.views.common import campaigns_for
from fupin.assessments.views.evidence import evidence_file
from fupin.assessments.views.explanations import explanations
from fupin.assessments.views.feedback import (
    feedback_build,
    feedback_page,
    rectification_act,
    rectification_order,
)
from fupin.assessments.views.results import county_results
from fupin.assessments.views.review import problem_act, problem_detail, review_queue

__all__ = [
    "campaign_detail",
    "campaign_list",
    "campaign_move",
    "campaign_settings",
    "campaigns_for",
    "county_results",
    "evidence_file",
    "explanations",
    "feedback_build",
    "feedback_page",
    "problem_act",
    "problem_detail",
    "rectification_act",
    "rectification_order",
    "review_queue",
]
