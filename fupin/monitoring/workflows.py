"""The monitoring procedure as data: kinds, statuses, the allowed steps and who takes each.

Read by exactly one transition service (services.monitoring_object_transition). Source: DOMAIN.md
§8 — found by application, cadre visits and department screening; confirmed by village appraisal,
a public notice of at least 5 days and county approval within about 15 days; the risk is marked
eliminated when income stays above the range and 三保障 and drinking water hold.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.accounts.models import Role
from fupin.accounts.workflow import Move, move


class ObjectKind(models.TextChoices):
    """The three kinds of monitoring object (监测对象), DOMAIN.md §8."""

    UNSTABLE_EXITED = "unstable_exited", _("脱贫不稳定户")
    MARGINAL_AT_RISK = "marginal_at_risk", _("边缘易致贫户")
    SUDDEN_HARDSHIP = "sudden_hardship", _("突发严重困难户")


class ObjectSource(models.TextChoices):
    REGISTRY_RULE = "registry_rule", _("登记数据筛查")
    REPORT = "report", _("农户申请或干部、部门上报")


class MonitoringStatus(models.TextChoices):
    IDENTIFIED = "identified", _("已发现，待村级评议")
    APPRAISED = "appraised", _("村级评议通过")
    NOTICED = "noticed", _("公示无异议")
    APPROVED = "approved", _("县级审批纳入监测")
    ELIMINATED = "eliminated", _("风险已消除")
    REJECTED = "rejected", _("不予纳入")


class ReportSource(models.TextChoices):
    """How a report reached the platform (DOMAIN.md §8: 农户申请、干部走访、部门筛查)."""

    APPLICATION = "application", _("农户自主申报")
    CADRE_VISIT = "cadre_visit", _("干部走访排查")
    VILLAGE = "village", _("村级上报")
    DEPARTMENT = "department", _("部门筛查预警")


class SpendingKind(models.TextChoices):
    """Rigid spending (刚性支出) that can push a household back into poverty."""

    MEDICAL = "medical", _("医疗支出")
    EDUCATION = "education", _("教育支出")
    DISASTER = "disaster", _("灾害损失")
    DISABILITY = "disability", _("残疾")
    EPIDEMIC = "epidemic", _("疫情")
    ACCIDENT = "accident", _("意外事故")
    OTHER = "other", _("其他")


S = MonitoringStatus
OPEN_STATUSES = frozenset(
    {S.IDENTIFIED.value, S.APPRAISED.value, S.NOTICED.value, S.APPROVED.value}
)
FINAL_STATUSES = frozenset({S.ELIMINATED.value, S.REJECTED.value})


# What a move needs besides an opinion: a finished public notice (its start and end dates), or
# the risk-elimination conditions all holding.
NOTICE, ELIMINATES = "notice", "eliminates"


V, T, C = Role.VILLAGE_OFFICE, Role.TOWNSHIP_OFFICE, Role.COUNTY_OFFICE

# Who may open an object (from "" to identified): any poverty office over the household's village.
OPEN_ROLES: tuple[str, ...] = (V, T, C)
OPEN_LABEL = "发现监测对象"

# (from, to) → the move: the action posted is the target status. Rejection is taken by the office
# whose step it replaces.
TRANSITIONS: dict[tuple[str, str], Move] = {
    (S.IDENTIFIED, S.APPRAISED): move(S.APPRAISED, V, label="村级民主评议"),
    (S.APPRAISED, S.NOTICED): move(S.NOTICED, T, label="乡镇公示（无异议）", needs=[NOTICE]),
    (S.NOTICED, S.APPROVED): move(S.APPROVED, C, label="县级审批纳入监测"),
    (S.APPROVED, S.ELIMINATED): move(
        S.ELIMINATED, C, label="标注风险消除", opinion=True, needs=[ELIMINATES]
    ),
    (S.IDENTIFIED, S.REJECTED): move(S.REJECTED, V, label="村级评议不予纳入", opinion=True),
    (S.APPRAISED, S.REJECTED): move(S.REJECTED, T, label="公示有异议，不予纳入", opinion=True),
    (S.NOTICED, S.REJECTED): move(S.REJECTED, C, label="县级审批不予纳入", opinion=True),
}

# The public notice lasts at least this many days (DOMAIN.md §8: 至少 5 天); county approval is
# expected within this many days of identification (about 15): late approvals are shown, not refused.
NOTICE_DAYS = 5
APPROVAL_DAYS = 15
