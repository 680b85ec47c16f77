"""The satisfaction survey of cadres and deputies for a county's exit (干部群众满意度, seed 004):
responses entered per county by the enumerators of a team assigned to the county or by its lead
expert, read by those, the campaign's working group and the leading group; only in county exit
assessments and central spot checks. A mistaken response is withdrawn by a recorded step."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from fupin.accounts.audit import actor_name, audit_record, real_user
from fupin.accounts.models import AuditEntry, Role
from fupin.accounts.roles import has_role
from fupin.assessments.models import (
    CadreAnswer,
    CadreCategory,
    CadreResponse,
    CadreResponseWithdrawal,
    Campaign,
)
from fupin.assessments.models.cadre_survey import CadreShare, cadre_shares
from fupin.assessments.services.common import AssessmentError, User, in_working_group
from fupin.assessments.services.evaluators import (
    assessed_counties,
    expert_user_assigned,
    teams_in_county,
    user_teams,
)
from fupin.assessments.services.judgement import in_leading_group
from fupin.assessments.services.judgement_read import CADRE_SURVEY_KINDS
from fupin.assessments.workflows import CampaignStatus
from fupin.policy.text import text_problem
from fupin.regions.models import Region

__all__ = [
    "CadreShare",
    "cadre_response_record",
    "cadre_response_withdraw",
    "cadre_responses_of",
    "cadre_shares",
    "may_enter",
    "may_read",
    "survey_applies",
]

# The kinds of campaign that assess a county's exit, where the cadres' satisfaction is asked.
SURVEY_KINDS = frozenset(k.value for k in CADRE_SURVEY_KINDS)
ENTRY_STATUSES = (CampaignStatus.FIELDWORK, CampaignStatus.VERIFICATION)
NOT_THIS_KIND = "干部群众满意度调查只用于贫困县退出专项评估检查和中央抽查"
ENTER_FORBIDDEN = "只有分派到该县的调查小组成员或该县的带队专家可以录入"
READ_FORBIDDEN = "只有分派到该县的调查员、带队专家、本任务的评估工作组和领导小组可以查看"
TEXT_MAX = 2000


def survey_applies(campaign: Campaign) -> bool:
    return campaign.kind in SURVEY_KINDS


def may_enter(user: User | None, campaign: Campaign, county: Region) -> bool:
    """An enumerator of a team the run in force assigns to households of the county, or a lead
    expert the run in force assigns to the county."""
    if user is None or not (user.is_authenticated and user.is_active):
        return False
    if user_teams(teams_in_county(campaign, county), user.pk).exists():
        return True
    return has_role(user, Role.LEAD_EXPERT) and expert_user_assigned(campaign, user.pk, county)


def may_read(user: User | None, campaign: Campaign, county: Region) -> bool:
    return (
        may_enter(user, campaign, county)
        or in_working_group(user, campaign)
        or in_leading_group(user, campaign)
    )


def _refuse_unless_may_enter(user: User | None, campaign: Campaign, county: Region) -> None:
    if not survey_applies(campaign):
        raise AssessmentError(NOT_THIS_KIND)
    if county.pk not in {c.pk for c in assessed_counties(campaign)}:
        raise AssessmentError("“县”须为本任务评估的县")
    if not may_enter(user, campaign, county):
        raise AssessmentError(ENTER_FORBIDDEN)
    if campaign.status not in ENTRY_STATUSES:
        raise AssessmentError(
            f"任务当前为“{CampaignStatus(campaign.status).label}”，"
            "只在实地调查和问题核实阶段录入干部群众满意度"
        )


def _text(value: str, label: str, errors: list[str]) -> str:
    value = (value or "").strip()
    problem = text_problem(value, max_length=TEXT_MAX, multiline=True, field=f"“{label}”")
    if problem:
        errors.append(problem)
    return value


@transaction.atomic
def cadre_response_record(
    *,
    campaign: Campaign,
    county: Region,
    user: User,
    category: str,
    answer: str,
    reason: str = "",
    note: str = "",
    now: dt.datetime | None = None,
) -> CadreResponse:
    """Record one respondent's answer for the county (no name). 不满意 needs its reason. One
    transaction, audited."""
    campaign = Campaign.objects.select_for_update(of=("self",)).get(pk=campaign.pk)
    _refuse_unless_may_enter(user, campaign, county)
    errors: list[str] = []
    if category not in CadreCategory.values:
        errors.append("请选择“受访者类别”（县级干部、乡镇干部、村干部、人大代表或县政协委员）")
    if answer not in CadreAnswer.values:
        errors.append("请选择“满意程度”（满意、基本满意、不满意或说不清）")
    reason = _text(reason, "不满意的原因", errors)
    note = _text(note, "备注", errors)
    if answer == CadreAnswer.NOT_SATISFIED and not reason:
        errors.append("“满意程度”选择“不满意”，须填写“不满意的原因”")
    if errors:
        raise AssessmentError("；".join(errors))
    now = now or timezone.now()
    response = CadreResponse.objects.create(
        campaign=campaign,
        county=county,
        category=category,
        answer=answer,
        reason=reason,
        note=note,
        user=real_user(user),
        actor=actor_name(user),
        at=now,
    )
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=response,
        after={
            "county": county.name,
            "category": response.get_category_display(),
            "answer": response.get_answer_display(),
            "reason": reason,
        },
        reason=f"干部群众满意度：{county.name}",
        now=now,
    )
    return response


@transaction.atomic
def cadre_response_withdraw(
    *,
    response: CadreResponse,
    user: User,
    reason: str,
    now: dt.datetime | None = None,
) -> CadreResponseWithdrawal:
    """Withdraw a mistaken response with the reason (the response stays, marked withdrawn): by
    whoever may enter responses for the county. One transaction, audited."""
    campaign = Campaign.objects.select_for_update(of=("self",)).get(pk=response.campaign_id)
    county = response.county
    _refuse_unless_may_enter(user, campaign, county)
    if CadreResponseWithdrawal.objects.filter(response=response).exists():
        raise AssessmentError("该答卷已撤回")
    errors: list[str] = []
    reason = _text(reason, "撤回理由", errors)
    if not reason:
        errors.append("请填写“撤回理由”")
    if errors:
        raise AssessmentError("；".join(errors))
    now = now or timezone.now()
    withdrawal = CadreResponseWithdrawal.objects.create(
        response=response, reason=reason, user=real_user(user), actor=actor_name(user), at=now
    )
    audit_record(
        actor=user,
        action=AuditEntry.Action.UPDATE,
        obj=response,
        before={"withdrawn": "否"},
        after={"withdrawn": "是"},
        reason=f"撤回干部群众满意度答卷（{county.name}）：{reason}",
        now=now,
    )
    return withdrawal


def cadre_responses_of(campaign: Campaign, county: Region) -> list[CadreResponse]:
    """The county's responses, withdrawn ones included (marked), in the order entered."""
    return list(
        CadreResponse.objects.filter(campaign=campaign, county=county)
        .select_related("withdrawal")
        .order_by("at", "id")
    )
