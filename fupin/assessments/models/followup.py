"""Other sources (部门提供情况, 暗访) and what follows an assessment: feedback lists and rectification (整改)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.workflow import TransitionRow
from fupin.assessments.models.base import AppendOnly
from fupin.assessments.models.campaigns import Campaign
from fupin.assessments.models.department_kinds import DepartmentKind
from fupin.assessments.workflows import RectificationAction, RectificationStatus
from fupin.regions.models import Region
from fupin.registry.models import Household


class DepartmentReport(models.Model):
    """A problem a department (education, health, housing, water …) lists for a county or household."""

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.PROTECT,
        related_name="department_reports",
        verbose_name=_("任务"),
    )
    department = models.CharField(_("提供部门"), max_length=64)
    kind = models.CharField(
        _("问题类别"), max_length=10, choices=DepartmentKind.choices, blank=True
    )
    county = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("县")
    )
    household = models.ForeignKey(
        Household,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("农户"),
    )
    description = models.TextField(_("问题描述"))
    source_file = models.CharField(_("来源文件"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("录入人"),
    )
    recorded_at = models.DateTimeField(_("录入时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("部门提供情况")
        verbose_name_plural = _("部门提供情况")
        ordering = ["campaign_id", "county_id", "id"]

    def __str__(self) -> str:
        return f"{self.department}：{self.description[:20]}"


class UnannouncedFinding(models.Model):
    """What an unannounced visit (暗访) found in a county or at a household."""

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.PROTECT,
        related_name="unannounced_findings",
        verbose_name=_("任务"),
    )
    county = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("县")
    )
    household = models.ForeignKey(
        Household,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("农户"),
    )
    finding = models.TextField(_("发现问题"))
    visited_on = models.DateField(_("暗访日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("录入人"),
    )
    recorded_at = models.DateTimeField(_("录入时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("暗访发现")
        verbose_name_plural = _("暗访发现")
        ordering = ["campaign_id", "county_id", "id"]

    def __str__(self) -> str:
        return self.finding[:30]


class FeedbackList(models.Model):
    """The confirmed problems fed back to one province after a campaign (问题清单)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="feedback_lists", verbose_name=_("任务")
    )
    province = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("省")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("制作人"),
    )
    actor = models.CharField(_("操作人"), max_length=64)
    created_at = models.DateTimeField(_("制作时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("问题反馈清单")
        verbose_name_plural = _("问题反馈清单")
        ordering = ["campaign_id", "province_id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "province"], name="feedbacklist_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} {self.province.name}"


class FeedbackItem(models.Model):
    feedback_list = models.ForeignKey(
        FeedbackList, on_delete=models.PROTECT, related_name="items", verbose_name=_("清单")
    )
    problem = models.OneToOneField(
        "assessments.Problem",
        on_delete=models.PROTECT,
        related_name="feedback_item",
        verbose_name=_("问题"),
    )
    text = models.TextField(_("反馈内容"))

    class Meta:
        verbose_name = _("反馈问题")
        verbose_name_plural = _("反馈问题")
        ordering = ["feedback_list_id", "id"]

    def __str__(self) -> str:
        return self.text[:30]


class Rectification(models.Model):
    """The rectification (整改) of one fed-back problem: who owns it, by when, and the proof."""

    item = models.OneToOneField(
        FeedbackItem,
        on_delete=models.PROTECT,
        related_name="rectification",
        verbose_name=_("反馈问题"),
    )
    owner = models.CharField(_("责任单位/责任人"), max_length=120)
    deadline = models.DateField(_("整改时限"))
    proof_text = models.TextField(_("整改情况"), blank=True)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=RectificationStatus.choices,
        default=RectificationStatus.OPEN,
    )

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ["deadline", "id"]

    def __str__(self) -> str:
        return f"{self.owner} {self.deadline:%Y-%m-%d}"


class RectificationStep(TransitionRow, AppendOnly):
    """One step of a rectification: who, when, from, to and why (TransitionRow)."""

    rectification = models.ForeignKey(
        Rectification, on_delete=models.PROTECT, related_name="steps", verbose_name=_("整改事项")
    )
    action = models.CharField(_("操作"), max_length=10, choices=RectificationAction.choices)
    from_status = models.CharField(_("原状态"), max_length=10, choices=RectificationStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=10, choices=RectificationStatus.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("经办人"),
    )

    class Meta:
        verbose_name = _("整改记录")
        verbose_name_plural = _("整改记录")
        ordering = ["rectification_id", "at", "id"]
