"""Per-county figures (三率一度) and decisions, each traceable to the draws and confirmed problems used.

Pass or fail only: there is no score and no rank field anywhere (不打分、不排队).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.assessments.models.campaigns import Campaign
from fupin.regions.models import Region


class AssessedFigure(models.TextChoices):
    WRONG_EXIT_RATE = "wrong_exit_rate", _("错退率")
    MISSED_RATE = "missed_rate", _("漏评率")
    INCIDENCE = "incidence", _("综合贫困发生率")
    RECOGNITION = "recognition", _("群众认可度")


class Verdict(models.TextChoices):
    PASS = "pass", _("达标")
    FAIL = "fail", _("未达标")


class Clarity(models.TextChoices):
    CLEAR = "clear", _("置信区间在阈值一侧")
    STRADDLES = "straddles", _("置信区间跨越阈值")
    # Too few sampled households (or too small an effective sample) for a reliable interval:
    # the verdict goes to the 综合研判 like a straddling one (fupin.stats.parts).
    SPARSE = "sparse", _("样本不足以给出可靠区间")


class CountyResult(models.Model):
    """One figure of one county: a design-based estimate, its 95% interval and the verdict."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="results", verbose_name=_("任务")
    )
    county = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("县")
    )
    figure = models.CharField(_("指标"), max_length=20, choices=AssessedFigure.choices)
    estimate = models.FloatField(_("估计值"))
    se = models.FloatField(_("标准误"))
    df = models.FloatField(_("自由度"), null=True, blank=True)
    ci_low = models.FloatField(_("95%置信区间下限"))
    ci_high = models.FloatField(_("95%置信区间上限"))
    threshold = models.FloatField(_("阈值"))
    comparison = models.CharField(
        _("判定方式"), max_length=10, help_text=_("below：须低于阈值；at_least：须不低于阈值")
    )
    verdict = models.CharField(_("判定"), max_length=4, choices=Verdict.choices)
    clarity = models.CharField(_("区间与阈值"), max_length=10, choices=Clarity.choices)
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now, editable=False)
    inputs = models.JSONField(_("计算依据"), help_text=_("所用抽样记录与已认定问题的编号"))
    inputs_checksum = models.CharField(_("依据校验值"), max_length=64)
    # A recomputation appends new rows and marks the earlier ones as no longer current: every
    # figure ever computed stays on record, with what it was computed from.
    current = models.BooleanField(_("现行"), default=True)

    class Meta:
        verbose_name = _("县级指标")
        verbose_name_plural = _("县级指标")
        ordering = ["campaign_id", "county__code", "figure", "computed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "county", "figure"],
                condition=models.Q(current=True),
                name="countyresult_current_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.county.name} {self.get_figure_display()} {self.get_verdict_display()}"


class CountyDecision(models.Model):
    """The overall result of one county: pass only when every figure passes (each is a veto)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("任务")
    )
    county = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("县")
    )
    outcome = models.CharField(_("结果"), max_length=4, choices=Verdict.choices)
    straddling_figures = models.JSONField(
        _("区间跨越阈值的指标"), default=list, blank=True, help_text=_("建议定向复查")
    )
    inputs_checksum = models.CharField(_("依据校验值"), max_length=64)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("决定人"),
    )
    actor = models.CharField(_("操作人"), max_length=64)
    decided_at = models.DateTimeField(_("决定时间"), default=timezone.now, editable=False)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("县级结果")
        verbose_name_plural = _("县级结果")
        ordering = ["campaign_id", "county__code"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "county"], name="countydecision_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.county.name} {self.get_outcome_display()}"
