"""Suspected problems and their five-step verification (凡疑必核, 五核)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.workflow import TransitionRow
from fupin.assessments.models.base import AppendOnly
from fupin.assessments.models.campaigns import Campaign
from fupin.assessments.models.surveys import Evidence, Submission
from fupin.assessments.workflows import (
    PROBLEM_CLOSED,
    ProblemAction,
    ProblemKind,
    ProblemStatus,
    Step,
)
from fupin.regions.models import Region
from fupin.registry.models import Household


class Problem(models.Model):
    """A suspected problem; it counts in a figure only once confirmed at 终核 (final)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="problems", verbose_name=_("任务")
    )
    county = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所在县")
    )
    household = models.ForeignKey(
        Household,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("农户"),
    )
    kind = models.CharField(_("问题类型"), max_length=24, choices=ProblemKind.choices)
    description = models.TextField(_("问题描述"))
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=ProblemStatus.choices,
        default=ProblemStatus.PENDING_INITIAL,
    )
    disputed = models.BooleanField(
        _("存在争议"), null=True, blank=True, help_text=_("复核后地方与核查组意见不一致时送部门核")
    )
    explain_until = models.DateTimeField(_("地方说明截止"), null=True, blank=True)
    submission = models.ForeignKey(
        Submission,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
        verbose_name=_("来源问卷"),
    )
    department_report = models.ForeignKey(
        "assessments.DepartmentReport",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
        verbose_name=_("来源部门提供情况"),
    )
    finding = models.ForeignKey(
        "assessments.UnannouncedFinding",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
        verbose_name=_("来源暗访发现"),
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提出人"),
    )
    raised_at = models.DateTimeField(_("提出时间"), default=timezone.now, editable=False)
    client_id = models.UUIDField(
        _("提出编号"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("调查设备或调查工具为该问题生成的编号：重发同一问题只保存一次"),
    )

    class Meta:
        verbose_name = _("疑点问题")
        verbose_name_plural = _("疑点问题")
        ordering = ["campaign_id", "county_id", "id"]
        indexes = [models.Index(fields=["campaign", "county", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "client_id"], name="problem_client_id_unique_per_campaign"
            )
        ]

    def __str__(self) -> str:
        who = self.household.household_no if self.household_id else self.county.name
        return f"{self.get_kind_display()} {who}"

    @property
    def is_closed(self) -> bool:
        return self.status in PROBLEM_CLOSED


class ProblemExplanation(AppendOnly):
    """What local cadres say about a problem during the review window, with documents."""

    problem = models.ForeignKey(
        Problem, on_delete=models.PROTECT, related_name="explanations", verbose_name=_("问题")
    )
    text = models.TextField(_("说明"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("说明人"),
    )
    at = models.DateTimeField(_("时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("地方说明")
        verbose_name_plural = _("地方说明")
        ordering = ["problem_id", "at", "id"]


class ProblemStep(TransitionRow, AppendOnly):
    """One verification action: who, when, which step, from and to, the opinion and the evidence
    (TransitionRow; the evidence here links the problem's Evidence files)."""

    problem = models.ForeignKey(
        Problem, on_delete=models.PROTECT, related_name="steps", verbose_name=_("问题")
    )
    step = models.CharField(_("环节"), max_length=12, choices=Step.choices)
    action = models.CharField(_("操作"), max_length=24, choices=ProblemAction.choices)
    from_status = models.CharField(
        _("原状态"), max_length=20, choices=ProblemStatus.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=20, choices=ProblemStatus.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("经办人"),
    )
    role = models.CharField(_("角色"), max_length=20)
    opinion = models.TextField(_("意见"))
    disputed = models.BooleanField(_("存在争议"), null=True, blank=True)
    evidence = models.ManyToManyField(
        Evidence, blank=True, related_name="+", verbose_name=_("证据")
    )

    class Meta:
        verbose_name = _("核实环节记录")
        verbose_name_plural = _("核实环节记录")
        ordering = ["problem_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_step_display()} {self.get_action_display()}"
