"""The field checks' records (fupin.cooperation.fieldchecks has the draw and the record
services): the recorded draw, the units it drew and the check form of each drawn household.

Registered by `fupin.cooperation.models`, which imports them; they name the ledger entry by its
string reference, so that this module needs nothing from the models module.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.assessments.models import Campaign, Problem
from fupin.assessments.models.base import AppendOnly
from fupin.regions.models import Region
from fupin.registry.models import Household

METHOD = "srs"


class ItemLevel(models.TextChoices):
    VILLAGE = "village", _("贫困村")
    PROJECT = "project", _("协作项目")
    HOUSEHOLD = "household", _("贫困户")


class FieldCheckDraw(AppendOnly):
    """One recorded draw for a county's field check; a redraw is a new row that `supersedes` it."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="+", verbose_name=_("考核任务")
    )
    county = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("抽中县")
    )
    year = models.PositiveSmallIntegerField(_("协作年度"))
    seed = models.CharField(_("随机种子"), max_length=80)
    method = models.CharField(_("抽样方法"), max_length=16, default=METHOD)
    parameters = models.JSONField(_("抽样参数"), default=dict)
    frame_sizes = models.JSONField(_("抽样框单位数"), default=dict)
    frame_checksums = models.JSONField(_("抽样框校验值"), default=dict)
    reason = models.TextField(_("重抽原因"), blank=True)
    county_reason = models.TextField(
        _("抽中县不是省级考核抽查县的原因"),
        blank=True,
        help_text=_("实地核查县原则上与当年省级党委和政府扶贫开发工作成效考核的抽查县重合"),
    )
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        verbose_name=_("替换的抽样"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.CharField(_("操作人"), max_length=64)
    created_at = models.DateTimeField(_("抽样时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("协作实地核查抽样")
        verbose_name_plural = _("协作实地核查抽样")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.county.name} {self.year} 协作实地核查 #{self.pk}"

    @property
    def is_current(self) -> bool:
        return not FieldCheckDraw.objects.filter(supersedes=self).exists()


class FieldCheckItem(AppendOnly):
    """One unit drawn: a village code, a project (ledger entry id) or a household number; a
    household item names the project it is checked for (`parent_key`): drawn from that project's
    beneficiaries, so a household that benefits from two drawn projects may be drawn for each."""

    draw = models.ForeignKey(
        FieldCheckDraw, on_delete=models.PROTECT, related_name="items", verbose_name=_("抽样")
    )
    level = models.CharField(_("层级"), max_length=10, choices=ItemLevel.choices)
    unit_key = models.CharField(_("单位"), max_length=20)
    label = models.CharField(_("名称"), max_length=200, blank=True)
    parent_key = models.CharField(_("所属项目"), max_length=20, blank=True)
    inclusion_probability = models.FloatField(_("入样概率"))
    order = models.PositiveIntegerField(_("顺序"))

    class Meta:
        verbose_name = _("协作实地核查抽中单位")
        verbose_name_plural = _("协作实地核查抽中单位")
        ordering = ["draw_id", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["draw", "level", "unit_key", "parent_key"],
                name="coop_fieldcheck_item_unique_per_project",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.label or self.unit_key}"


class FieldCheckForm(AppendOnly):
    """The check form of one drawn household for its project: did the money and the benefit
    arrive. One per household item; a "not arrived" answer raised `problem`."""

    item = models.OneToOneField(
        FieldCheckItem, on_delete=models.PROTECT, related_name="form", verbose_name=_("抽中户")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("农户")
    )
    entry = models.ForeignKey(
        "cooperation.LedgerEntry",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("协作项目（台账）"),
    )
    money_arrived = models.BooleanField(_("资金到位"))
    benefit_arrived = models.BooleanField(_("受益到户"))
    amount_due = models.DecimalField(
        _("应到金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    amount_received = models.DecimalField(
        _("实到金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    remarks = models.TextField(_("核查说明"), blank=True)
    problem = models.ForeignKey(
        Problem,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("疑点问题"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.CharField(_("核查人"), max_length=64)
    at = models.DateTimeField(_("核查时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("协作实地核查表")
        verbose_name_plural = _("协作实地核查表")
        ordering = ["item_id"]

    def __str__(self) -> str:
        return f"{self.household.household_no} {self.entry.title}"

    @property
    def arrived(self) -> bool:
        return self.money_arrived and self.benefit_arrived
