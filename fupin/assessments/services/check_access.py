"""Who may record and read the other checks of 五抽五查五看 of a county of a campaign: the
campaign's working group and a lead expert assigned to the county record; the leading group reads
as well (the 综合研判 page)."""

from __future__ import annotations

from fupin.accounts.models import Role
from fupin.accounts.roles import has_role
from fupin.assessments.models import Campaign
from fupin.assessments.services.common import AssessmentError, User, in_working_group
from fupin.assessments.services.evaluators import assessed_counties, expert_user_assigned
from fupin.assessments.services.judgement import in_leading_group
from fupin.assessments.workflows import CampaignStatus
from fupin.regions.models import Region


def may_record(user: User | None, campaign: Campaign, county: Region) -> bool:
    """The campaign's working group, or a lead expert assigned to the county."""
    if in_working_group(user, campaign):
        return True
    return (
        user is not None
        and has_role(user, Role.LEAD_EXPERT)
        and expert_user_assigned(campaign, user.pk, county)
    )


def may_read(user: User | None, campaign: Campaign, county: Region) -> bool:
    return may_record(user, campaign, county) or in_leading_group(user, campaign)


def refuse_unless_may_record(user: User | None, campaign: Campaign, county: Region) -> None:
    if county.pk not in {c.pk for c in assessed_counties(campaign)}:
        raise AssessmentError("“县”须为本任务评估的县")
    if not may_record(user, campaign, county):
        raise AssessmentError("只有本任务的评估工作组或该县的带队专家可以记录")
    if campaign.status == CampaignStatus.CLOSED:
        raise AssessmentError("任务已结束，不能再记录")
