"""The assessment workflows as data: roles, and the allowed transitions of campaigns, problems and rectifications.

Each table is read by exactly one transition service (services/campaigns.py, verification.py,
followup.py), which checks the actor's role, writes the transition row and moves the status: the
shape of django-oscar's order pipeline and DHIS2's data approval. Nothing else changes a status.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Role codes; each is a django.contrib.auth Group of the same name."""

    ENUMERATOR = "enumerator", _("调查员")
    LEAD_EXPERT = "lead_expert", _("带队专家")
    DEPARTMENT = "department", _("部门核查人员")
    EXPERT_GROUP = "expert_group", _("专家组成员")
    WORKING_GROUP = "working_group", _("评估工作组成员")
    COUNTY_OFFICER = "county_officer", _("县级干部")


# ---------------------------------------------------------------------------------------------
# Campaigns


class CampaignKind(models.TextChoices):
    COUNTY_EXIT_ASSESSMENT = "county_exit_assessment", _("贫困县退出专项评估检查")
    CENTRAL_SPOT_CHECK = "central_spot_check", _("中央抽查")
    PROVINCIAL_PERFORMANCE = "provincial_performance", _("省级党委和政府扶贫开发工作成效考核")
    CROSS_ASSESSMENT = "cross_assessment", _("省际交叉考核")
    UNANNOUNCED_VISIT = "unannounced_visit", _("暗访")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("草拟")
    SAMPLING = "sampling", _("抽样")
    FIELDWORK = "fieldwork", _("实地调查")
    VERIFICATION = "verification", _("问题核实")
    DECIDED = "decided", _("已出结果")
    FEEDBACK = "feedback", _("反馈整改")
    CLOSED = "closed", _("已结束")


@dataclass(frozen=True)
class CampaignMove:
    roles: frozenset[str]
    opinion_required: bool = False


_WG = frozenset({Role.WORKING_GROUP.value})

# (from, to) → who may make the move. Backward moves exist only where the work really goes back:
# settings fixed before any fieldwork, and a targeted re-check of straddling counties.
CAMPAIGN_TRANSITIONS: dict[tuple[str, str], CampaignMove] = {
    (CampaignStatus.DRAFT, CampaignStatus.SAMPLING): CampaignMove(_WG),
    (CampaignStatus.SAMPLING, CampaignStatus.DRAFT): CampaignMove(_WG, opinion_required=True),
    (CampaignStatus.SAMPLING, CampaignStatus.FIELDWORK): CampaignMove(_WG),
    (CampaignStatus.FIELDWORK, CampaignStatus.VERIFICATION): CampaignMove(_WG),
    (CampaignStatus.VERIFICATION, CampaignStatus.FIELDWORK): CampaignMove(
        _WG, opinion_required=True
    ),
    (CampaignStatus.VERIFICATION, CampaignStatus.DECIDED): CampaignMove(_WG),
    (CampaignStatus.DECIDED, CampaignStatus.FEEDBACK): CampaignMove(_WG),
    (CampaignStatus.FEEDBACK, CampaignStatus.CLOSED): CampaignMove(_WG),
}


# ---------------------------------------------------------------------------------------------
# Problems (凡疑必核, 五核)


class ProblemKind(models.TextChoices):
    WRONG_EXIT = "wrong_exit", _("错退")
    MISSED = "missed", _("漏评")
    RECOGNITION = "recognition", _("认可度")
    POLICY_NOT_DELIVERED = "policy_not_delivered", _("政策未落实")
    OTHER = "other", _("其他")


class ProblemStatus(models.TextChoices):
    PENDING_INITIAL = "pending_initial", _("待初核")
    PENDING_REVIEW = "pending_review", _("待复核")
    EXPLAINING = "explaining", _("地方说明期")
    PENDING_DEPARTMENT = "pending_department", _("待部门核")
    PENDING_EXPERT = "pending_expert", _("待专家组核")
    PENDING_FINAL = "pending_final", _("待终核")
    CONFIRMED = "confirmed", _("认定")
    REJECTED = "rejected", _("不予认定")


PROBLEM_CLOSED = frozenset({ProblemStatus.CONFIRMED.value, ProblemStatus.REJECTED.value})


class Step(models.TextChoices):
    """The five verification steps (五核); every action belongs to one."""

    RAISE = "raise", _("提出疑点")
    INITIAL = "initial", _("初核")
    REVIEW = "review", _("复核")
    DEPARTMENT = "department", _("部门核")
    EXPERT = "expert", _("专家组核")
    FINAL = "final", _("终核")


class ProblemAction(models.TextChoices):
    RAISE = "raise", _("提出疑点")
    INITIAL_CHECK = "initial_check", _("初核：疑点成立")
    INITIAL_DISMISS = "initial_dismiss", _("初核：疑点不成立")
    REVIEW = "review", _("复核：反馈地方说明")
    REVIEW_CONCLUDE = "review_conclude", _("复核结论")
    REVIEW_DISMISS = "review_dismiss", _("复核：不予认定")
    DEPARTMENT_APPRAISE = "department_appraise", _("部门核")
    EXPERT_JUDGE = "expert_judge", _("专家组核")
    FINAL_CONFIRM = "final_confirm", _("终核：认定")
    FINAL_REJECT = "final_reject", _("终核：不予认定")


@dataclass(frozen=True)
class ProblemMove:
    step: str
    role: str
    to: str  # for REVIEW_CONCLUDE, the target when undisputed; see DISPUTED_TARGET


P = ProblemStatus
A = ProblemAction

# (from status, action) → step, the one role allowed, and the status it leads to.
PROBLEM_TRANSITIONS: dict[tuple[str, str], ProblemMove] = {
    (P.PENDING_INITIAL, A.INITIAL_CHECK): ProblemMove(
        Step.INITIAL, Role.ENUMERATOR, P.PENDING_REVIEW
    ),
    (P.PENDING_INITIAL, A.INITIAL_DISMISS): ProblemMove(Step.INITIAL, Role.ENUMERATOR, P.REJECTED),
    (P.PENDING_REVIEW, A.REVIEW): ProblemMove(Step.REVIEW, Role.LEAD_EXPERT, P.EXPLAINING),
    (P.PENDING_REVIEW, A.REVIEW_DISMISS): ProblemMove(Step.REVIEW, Role.LEAD_EXPERT, P.REJECTED),
    (P.EXPLAINING, A.REVIEW_CONCLUDE): ProblemMove(Step.REVIEW, Role.LEAD_EXPERT, P.PENDING_EXPERT),
    (P.EXPLAINING, A.REVIEW_DISMISS): ProblemMove(Step.REVIEW, Role.LEAD_EXPERT, P.REJECTED),
    (P.PENDING_DEPARTMENT, A.DEPARTMENT_APPRAISE): ProblemMove(
        Step.DEPARTMENT, Role.DEPARTMENT, P.PENDING_EXPERT
    ),
    (P.PENDING_EXPERT, A.EXPERT_JUDGE): ProblemMove(
        Step.EXPERT, Role.EXPERT_GROUP, P.PENDING_FINAL
    ),
    (P.PENDING_FINAL, A.FINAL_CONFIRM): ProblemMove(Step.FINAL, Role.WORKING_GROUP, P.CONFIRMED),
    (P.PENDING_FINAL, A.FINAL_REJECT): ProblemMove(Step.FINAL, Role.WORKING_GROUP, P.REJECTED),
}

# Where the two sides disagree after review, the department appraises before the expert group.
DISPUTED_TARGET: dict[tuple[str, str], str] = {
    (P.EXPLAINING, A.REVIEW_CONCLUDE): P.PENDING_DEPARTMENT,
}

# Actions that decide something after the local cadres' window: refused while it is open.
AFTER_EXPLANATION_WINDOW = frozenset(
    {(P.EXPLAINING, A.REVIEW_CONCLUDE), (P.EXPLAINING, A.REVIEW_DISMISS)}
)

# Who may raise a suspected problem.
RAISE_ROLES = frozenset({Role.ENUMERATOR.value, Role.LEAD_EXPERT.value, Role.WORKING_GROUP.value})


# ---------------------------------------------------------------------------------------------
# Rectification (整改)


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    SUBMITTED = "submitted", _("已提交整改")
    ACCEPTED = "accepted", _("整改验收通过")
    REOPENED = "reopened", _("退回重新整改")


class RectificationAction(models.TextChoices):
    SUBMIT = "submit", _("提交整改情况")
    ACCEPT = "accept", _("验收通过")
    REOPEN = "reopen", _("退回")


@dataclass(frozen=True)
class RectificationMove:
    role: str
    to: str


R = RectificationStatus
RA = RectificationAction

RECTIFICATION_TRANSITIONS: dict[tuple[str, str], RectificationMove] = {
    (R.OPEN, RA.SUBMIT): RectificationMove(Role.COUNTY_OFFICER, R.SUBMITTED),
    (R.REOPENED, RA.SUBMIT): RectificationMove(Role.COUNTY_OFFICER, R.SUBMITTED),
    (R.SUBMITTED, RA.ACCEPT): RectificationMove(Role.WORKING_GROUP, R.ACCEPTED),
    (R.SUBMITTED, RA.REOPEN): RectificationMove(Role.WORKING_GROUP, R.REOPENED),
}
