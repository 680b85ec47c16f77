"""The assessment workflows as data: roles, and the allowed transitions of campaigns, problems and rectifications.

Each table is read by exactly one transition service (services/campaigns.py, verification.py,
followup.py), which checks the actor's role, writes the transition row and moves the status: the
shape of django-oscar's order pipeline and DHIS2's data approval. Nothing else changes a status.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.accounts.models import Role  # the one role model (roles are Membership rows)
from fupin.accounts.workflow import Move, move

# ---------------------------------------------------------------------------------------------
# Campaigns


class CampaignKind(models.TextChoices):
    COUNTY_EXIT_ASSESSMENT = "county_exit_assessment", _("贫困县退出专项评估检查")
    CENTRAL_SPOT_CHECK = "central_spot_check", _("中央抽查")
    PROVINCIAL_PERFORMANCE = "provincial_performance", _("省级党委和政府扶贫开发工作成效考核")
    CROSS_ASSESSMENT = "cross_assessment", _("省际交叉考核")
    UNANNOUNCED_VISIT = "unannounced_visit", _("暗访")
    THIRD_PARTY_ASSESSMENT = "third_party_assessment", _("第三方评估")
    FISCAL_FUND_EVALUATION = "fiscal_fund_evaluation", _("财政专项扶贫资金绩效评价")


# The kinds whose sampled counties of a year should in principle not overlap (DOMAIN.md §6, seed
# 004): a county already drawn by one of them is left out of another's frame unless the working
# group records why it may overlap.
NON_OVERLAPPING_KINDS = frozenset(
    {
        CampaignKind.CROSS_ASSESSMENT,
        CampaignKind.THIRD_PARTY_ASSESSMENT,
        CampaignKind.FISCAL_FUND_EVALUATION,
    }
)


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("草拟")
    SAMPLING = "sampling", _("抽样")
    FIELDWORK = "fieldwork", _("实地调查")
    VERIFICATION = "verification", _("问题核实")
    DECIDED = "decided", _("已出结果")
    FEEDBACK = "feedback", _("反馈整改")
    CLOSED = "closed", _("已结束")


CS = CampaignStatus
_WG = Role.WORKING_GROUP

# (from, to) → the move: the action posted is the target status. Backward moves exist only where
# the work really goes back: settings fixed before any fieldwork, and a targeted re-check of
# straddling counties.
CAMPAIGN_TRANSITIONS: dict[tuple[str, str], Move] = {
    (CS.DRAFT, CS.SAMPLING): move(CS.SAMPLING, _WG),
    (CS.SAMPLING, CS.DRAFT): move(CS.DRAFT, _WG, opinion=True),
    (CS.SAMPLING, CS.FIELDWORK): move(CS.FIELDWORK, _WG),
    (CS.FIELDWORK, CS.VERIFICATION): move(CS.VERIFICATION, _WG),
    (CS.VERIFICATION, CS.FIELDWORK): move(CS.FIELDWORK, _WG, opinion=True),
    (CS.VERIFICATION, CS.DECIDED): move(CS.DECIDED, _WG),
    (CS.DECIDED, CS.FEEDBACK): move(CS.FEEDBACK, _WG),
    (CS.FEEDBACK, CS.CLOSED): move(CS.CLOSED, _WG),
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


P = ProblemStatus
A = ProblemAction
_EN, _LE, _DE = Role.ENUMERATOR, Role.LEAD_EXPERT, Role.DEPARTMENT
_EG, _WGR = Role.EXPERT_GROUP, Role.WORKING_GROUP

# (from status, action) → the move: its step, the one role allowed, and the status it leads to
# (for REVIEW_CONCLUDE the target when undisputed; see DISPUTED_TARGET). Every step needs an opinion.
PROBLEM_TRANSITIONS: dict[tuple[str, str], Move] = {
    (P.PENDING_INITIAL, A.INITIAL_CHECK): move(P.PENDING_REVIEW, _EN, step=Step.INITIAL),
    (P.PENDING_INITIAL, A.INITIAL_DISMISS): move(P.REJECTED, _EN, step=Step.INITIAL),
    (P.PENDING_REVIEW, A.REVIEW): move(P.EXPLAINING, _LE, step=Step.REVIEW),
    (P.PENDING_REVIEW, A.REVIEW_DISMISS): move(P.REJECTED, _LE, step=Step.REVIEW),
    (P.EXPLAINING, A.REVIEW_CONCLUDE): move(P.PENDING_EXPERT, _LE, step=Step.REVIEW),
    (P.EXPLAINING, A.REVIEW_DISMISS): move(P.REJECTED, _LE, step=Step.REVIEW),
    (P.PENDING_DEPARTMENT, A.DEPARTMENT_APPRAISE): move(
        P.PENDING_EXPERT, _DE, step=Step.DEPARTMENT
    ),
    (P.PENDING_EXPERT, A.EXPERT_JUDGE): move(P.PENDING_FINAL, _EG, step=Step.EXPERT),
    (P.PENDING_FINAL, A.FINAL_CONFIRM): move(P.CONFIRMED, _WGR, step=Step.FINAL),
    (P.PENDING_FINAL, A.FINAL_REJECT): move(P.REJECTED, _WGR, step=Step.FINAL),
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


R = RectificationStatus
RA = RectificationAction

# (from status, action) → the move; reopening needs a reason.
RECTIFICATION_TRANSITIONS: dict[tuple[str, str], Move] = {
    (R.OPEN, RA.SUBMIT): move(R.SUBMITTED, Role.COUNTY_OFFICER),
    (R.REOPENED, RA.SUBMIT): move(R.SUBMITTED, Role.COUNTY_OFFICER),
    (R.SUBMITTED, RA.ACCEPT): move(R.ACCEPTED, Role.WORKING_GROUP),
    (R.SUBMITTED, RA.REOPEN): move(R.REOPENED, Role.WORKING_GROUP, opinion=True),
}
