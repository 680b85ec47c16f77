"""The identification procedure 一核二看三比四评议五公示 as data: statuses, the allowed steps and who
takes each. Read by exactly one transition service (services_identification.identification_transition).

Source: seed 001 and DOMAIN.md §3 — a recorded workflow per applicant household: 一核 verify
income and assets, 二看 look at housing and living conditions, 三比 compare with neighbours,
四评议 democratic appraisal by the village, 五公示 public notice (with dates; objections recorded);
the county then approves, which records the household's `identified` event. The township office
prepares the case and records the five steps (the county office may too); only the county approves.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.accounts.models import Role
from fupin.accounts.workflow import Move, move


class IdentificationStatus(models.TextChoices):
    APPLIED = "applied", _("已申请，待一核")
    VERIFIED = "verified", _("一核已完成，待二看")
    INSPECTED = "inspected", _("二看已完成，待三比")
    COMPARED = "compared", _("三比已完成，待四评议")
    APPRAISED = "appraised", _("四评议通过，待五公示")
    NOTICED = "noticed", _("五公示无异议，待县级审批")
    APPROVED = "approved", _("县级审批，已识别")
    REJECTED = "rejected", _("不予识别")


class AppraisalResult(models.TextChoices):
    PASSED = "passed", _("评议通过")
    FAILED = "failed", _("评议未通过")


S = IdentificationStatus
OPEN_STATUSES = frozenset(
    {S.APPLIED.value, S.VERIFIED.value, S.INSPECTED.value, S.COMPARED.value}
    | {S.APPRAISED.value, S.NOTICED.value}
)
FINAL_STATUSES = frozenset({S.APPROVED.value, S.REJECTED.value})

# What a move needs besides its date and findings: the village appraisal's result, the notice's
# dates (and any objection with its handling), the county's approval (records the event).
APPRAISAL, NOTICE, APPROVAL = "appraisal", "notice", "approval"

T, C = Role.TOWNSHIP_OFFICE, Role.COUNTY_OFFICE

# Who may open a case: the township or county office over the household's village.
OPEN_ROLES: tuple[str, ...] = (T, C)

# (from, action) → the move; the action posted is the target status.
TRANSITIONS: dict[tuple[str, str], Move] = {
    (S.APPLIED, S.VERIFIED): move(S.VERIFIED, T, C, label="一核：核实收入和财产", step="1"),
    (S.VERIFIED, S.INSPECTED): move(S.INSPECTED, T, C, label="二看：查看住房和生活条件", step="2"),
    (S.INSPECTED, S.COMPARED): move(S.COMPARED, T, C, label="三比：与邻户比较", step="3"),
    (S.COMPARED, S.APPRAISED): move(
        S.APPRAISED, T, C, label="四评议：村民主评议", needs=[APPRAISAL], step="4"
    ),
    (S.APPRAISED, S.NOTICED): move(S.NOTICED, T, C, label="五公示：公示", needs=[NOTICE], step="5"),
    (S.NOTICED, S.APPROVED): move(S.APPROVED, C, label="县级审批识别", needs=[APPROVAL]),
    **{
        (s, S.REJECTED): move(S.REJECTED, T, C, label="不予识别", opinion=True)
        for s in (S.APPLIED, S.VERIFIED, S.INSPECTED, S.COMPARED, S.APPRAISED)
    },
    (S.NOTICED, S.REJECTED): move(S.REJECTED, C, label="县级审批不予识别", opinion=True),
}

# The public notice lasts at least this many days, first and last included. Neither DOMAIN.md
# nor the seeds give the identification notice's length; 7 days is the national 建档立卡 work
# plan's village notice and the exit notice's length here (exits.workflows.NOTICE_DAYS).
NOTICE_DAYS = 7
