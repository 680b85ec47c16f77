"""The working group's 综合研判 of each county (recorded in versions) and the leading group's
审定 of the campaign's judgements (a workflow: submitted, approved or sent back).

Pass or fail only: no score and no rank anywhere (不打分、不排队).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.workflow import TransitionRow
from fupin.assessments.models.base import AppendOnly
from fupin.assessments.models.campaigns import Campaign
from fupin.assessments.models.results import Verdict
from fupin.regions.models import Region


class Judgement(AppendOnly):
    """One version of the working group's 综合研判 of a county: never changed, only superseded by a
    new version (the highest version is in force)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="judgements", verbose_name=_("任务")
    )
    county = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("县")
    )
    version = models.PositiveSmallIntegerField(_("版本"))
    outcome = models.CharField(_("研判结果"), max_length=4, choices=Verdict.choices)
    by_figures = models.CharField(
        _("逐项判定"), max_length=4, choices=Verdict.choices, help_text=_("四项指标逐项对照阈值")
    )
    reasons = models.TextField(_("研判理由"))
    recognition_short = models.BooleanField(
        _("群众认可度低于90%"), default=False, help_text=_("原则上的标准，研判时权衡，不自动否决")
    )
    sources = models.JSONField(
        _("研判依据"),
        default=dict,
        help_text=_("研判时所见的指标、核实结果、部门提供情况和暗访发现"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("研判人"),
    )
    actor = models.CharField(_("操作人"), max_length=64)
    at = models.DateTimeField(_("研判时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("综合研判")
        verbose_name_plural = _("综合研判")
        ordering = ["campaign_id", "county__code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "county", "version"], name="judgement_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.county.name} 第{self.version}版 {self.get_outcome_display()}"


class ApprovalStatus(models.TextChoices):
    JUDGED = "judged", _("已研判，待报送")
    SUBMITTED = "submitted", _("已报送，待审定")
    APPROVED = "approved", _("已审定")
    SENT_BACK = "sent_back", _("退回重新研判")


class ApprovalAction(models.TextChoices):
    SUBMIT = "submit", _("报送领导小组审定")
    APPROVE = "approve", _("审定通过")
    SEND_BACK = "send_back", _("退回")


class CountyApproval(models.Model):
    """Where a county's 综合研判 stands on its way to the leading group's 审定."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="approvals", verbose_name=_("任务")
    )
    county = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("县")
    )
    status = models.CharField(
        _("审定状态"),
        max_length=10,
        choices=ApprovalStatus.choices,
        default=ApprovalStatus.JUDGED,
    )
    judgement = models.ForeignKey(
        Judgement,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("报送的研判"),
        help_text=_("报送时在用的研判版本"),
    )

    class Meta:
        verbose_name = _("审定")
        verbose_name_plural = _("审定")
        ordering = ["campaign_id", "county__code"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "county"], name="countyapproval_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.county.name} {self.get_status_display()}"


class ApprovalStep(TransitionRow, AppendOnly):
    """One move of a county's 审定: who, when, from, to, the opinion and the version concerned."""

    approval = models.ForeignKey(
        CountyApproval, on_delete=models.PROTECT, related_name="steps", verbose_name=_("审定")
    )
    action = models.CharField(_("操作"), max_length=10, choices=ApprovalAction.choices)
    from_status = models.CharField(_("原状态"), max_length=10, choices=ApprovalStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=10, choices=ApprovalStatus.choices)
    judgement = models.ForeignKey(
        Judgement, on_delete=models.PROTECT, related_name="+", verbose_name=_("研判版本")
    )

    class Meta:
        verbose_name = _("审定记录")
        verbose_name_plural = _("审定记录")
        ordering = ["approval_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.to_status}"
