"""Campaigns (考核评估任务): kind, year, scope, thresholds and sampling settings, and their status history."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.workflow import TransitionRow
from fupin.assessments.models.base import AppendOnly
from fupin.assessments.workflows import CampaignKind, CampaignStatus
from fupin.policy import ThresholdTable
from fupin.regions.models import Level, Region

VILLAGE_METHODS = ("pps", "srs")
HOUSEHOLD_STRATA = ("exited", "poor", "non_registered")


def default_sampling() -> dict[str, Any]:
    """The 2019 spot check's county rate (DOMAIN.md §6) and, within a county, the engine's default
    plan (`SamplingSettings`: 16 villages, 30 / 5 / 30 households per village, about 1 650
    households in a county of 10 000, chosen so that the 95 % intervals cover the truth; see
    `fupin plan-sample`); every value is a campaign setting.

    `households_per_stratum` is per sampled village; at-risk households (低保, serious illness,
    unsafe housing) of sampled villages come on top of it when `at_risk_in_full` is set.
    """
    return {
        "county_rate": 0.2,
        "min_counties_per_province": 1,
        "villages_per_county": 16,
        "poor_village_share": 0.65,
        "village_method": "pps",
        "households_per_stratum": {"exited": 30, "poor": 5, "non_registered": 30},
        "at_risk_in_full": True,
    }


def sampling_errors(values: dict[str, Any]) -> list[str]:
    """What is wrong with a sampling-settings dict (Chinese, for the user); empty when valid."""
    errors: list[str] = []
    known = set(default_sampling())
    unknown = sorted(set(values) - known)
    if unknown:
        errors.append(f"未知的抽样设置：{', '.join(unknown)}")
    missing = sorted(known - set(values))
    if missing:
        errors.append(f"缺少抽样设置：{', '.join(missing)}")
    rate = values.get("county_rate")
    if "county_rate" in values and not (isinstance(rate, int | float) and 0 < rate <= 1):
        errors.append("县抽样比例须在 0 到 1 之间（不含 0）")
    for key, label in (
        ("villages_per_county", "每县抽取村数"),
        ("min_counties_per_province", "每省至少抽取县数"),
    ):
        v = values.get(key)
        if key in values and not (isinstance(v, int) and not isinstance(v, bool) and v >= 1):
            errors.append(f"{label}须为正整数")
    share = values.get("poor_village_share")
    if "poor_village_share" in values and not (isinstance(share, int | float) and 0 <= share <= 1):
        errors.append("贫困村占比须在 0 到 1 之间")
    if "village_method" in values and values["village_method"] not in VILLAGE_METHODS:
        errors.append("抽村方法须为 pps（按户数规模成比例）或 srs（简单随机）")
    per = values.get("households_per_stratum")
    if "households_per_stratum" in values:
        if not isinstance(per, dict) or set(per) != set(HOUSEHOLD_STRATA):
            errors.append("每层抽取户数须分别给出 exited、poor、non_registered 三层")
        elif not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in per.values()
        ):
            errors.append("每层抽取户数须为非负整数")
    if "at_risk_in_full" in values and not isinstance(values["at_risk_in_full"], bool):
        errors.append("重点户全覆盖须为是或否")
    return errors


class Campaign(models.Model):
    """One assessment exercise: what is assessed, where, under which thresholds and design."""

    kind = models.CharField(_("类型"), max_length=32, choices=CampaignKind.choices)
    year = models.PositiveSmallIntegerField(
        _("年度"), help_text=_("被评估的年度（如 2018 年退出的县）")
    )
    name = models.CharField(_("名称"), max_length=120)
    scope = models.ManyToManyField(
        Region,
        verbose_name=_("范围"),
        related_name="+",
        blank=True,
        help_text=_("省或县；列出省时包括其全部贫困县"),
    )
    thresholds = models.JSONField(_("判定标准"), help_text=_("创建时从政策表复制的阈值行"))
    sampling = models.JSONField(_("抽样设置"), default=default_sampling)
    explain_window_hours = models.PositiveSmallIntegerField(
        _("地方说明期(小时)"), default=24, help_text=_("复核后地方干部可作说明、补充材料的时长")
    )
    starts_on = models.DateField(_("开始日期"), null=True, blank=True)
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )

    class Meta:
        verbose_name = _("考核评估任务")
        verbose_name_plural = _("考核评估任务")
        ordering = ["-year", "id"]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"

    def threshold_table(self) -> ThresholdTable:
        """The thresholds this campaign judges by (its own copy, not today's policy table)."""
        return ThresholdTable.from_rows(self.thresholds)

    def scope_counties(self) -> QuerySet[Region]:
        """The counties in scope: those listed, and the poverty counties of the provinces listed."""
        listed = list(self.scope.all())
        q = Q(pk__in=[r.pk for r in listed if r.level == Level.COUNTY])
        for r in listed:
            if r.level == Level.PROVINCE:
                q |= Q(code__startswith=r.prefix, is_poor_county=True)
        return Region.objects.filter(q, level=Level.COUNTY).order_by("code")


class CampaignTransition(TransitionRow, AppendOnly):
    """One move of a campaign's status: who, when, from, to and why (TransitionRow)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="transitions", verbose_name=_("任务")
    )
    from_status = models.CharField(_("原状态"), max_length=16, choices=CampaignStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=16, choices=CampaignStatus.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("用户"),
    )
    actor = models.CharField(_("操作人"), max_length=64, help_text=_("用户名或命令名"))

    class Meta:
        verbose_name = _("任务状态变更")
        verbose_name_plural = _("任务状态变更")
        ordering = ["campaign_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.from_status} → {self.to_status}"
