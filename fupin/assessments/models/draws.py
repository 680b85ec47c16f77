"""Recorded random draws (三随机): seed, frame, method and what was drawn — never edited, only replaced."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.assessments.models.base import AppendOnly
from fupin.assessments.models.campaigns import Campaign
from fupin.regions.models import Region


class DrawLevel(models.TextChoices):
    COUNTY = "county", _("抽县")
    VILLAGE = "village", _("抽村")
    HOUSEHOLD = "household", _("抽户")
    UNANNOUNCED = "unannounced", _("暗访抽县")


# The methods the draw services record (Draw.method), as a page shows them.
METHOD_LABELS = {
    "pps": _("与规模成比例抽样（按户数）"),
    "srs": _("简单随机抽样"),
    "stratified-srs": _("按省分层简单随机抽样"),
    "stratified-srs+at-risk-census": _("村内按户类分层简单随机抽样，重点户全覆盖"),
    "census": _("全部入样"),
}


def frame_checksum(keys: Iterable[str]) -> str:
    """sha256 of the frame's keys in their order: a replay proves it used the same frame."""
    # Each key and a newline, hashed in one piece (the same digest as key by key, without a
    # call per key: a county's frame holds tens of thousands of households).
    listed = list(map(str, keys))
    text = "".join(("\n".join(listed), "\n")) if listed else ""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Draw(AppendOnly):
    """One random draw at one level; a redraw is a new Draw that `supersedes` this one."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="draws", verbose_name=_("任务")
    )
    level = models.CharField(_("抽样层级"), max_length=16, choices=DrawLevel.choices)
    county = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所在县"),
        help_text=_("抽村、抽户时为所在县；抽县时为空"),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上一级抽样"),
        help_text=_("本次抽样所依据的上一级抽样（如抽户依据的抽村）"),
    )
    seed = models.CharField(_("随机种子"), max_length=80, help_text=_("以文本保存，可为大整数"))
    method = models.CharField(_("抽样方法"), max_length=32, help_text=_("如 pps、srs、census"))
    parameters = models.JSONField(_("抽样参数"), default=dict, blank=True)
    frame_description = models.TextField(_("抽样框说明"))
    frame_size = models.PositiveIntegerField(_("抽样框单位数"))
    frame_checksum = models.CharField(_("抽样框校验值"), max_length=64)
    reason = models.TextField(_("重抽原因"), blank=True)
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        verbose_name=_("替换的抽样"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作用户"),
    )
    actor = models.CharField(_("操作人"), max_length=64)
    created_at = models.DateTimeField(_("抽样时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("抽样记录")
        verbose_name_plural = _("抽样记录")
        ordering = ["campaign_id", "level", "county_id", "created_at", "id"]
        indexes = [models.Index(fields=["campaign", "level", "county"])]

    def __str__(self) -> str:
        where = f" {self.county.name}" if self.county_id else ""
        return f"{self.get_level_display()}{where} #{self.pk}"

    @property
    def method_label(self) -> str:
        return str(METHOD_LABELS.get(self.method, self.method))

    @property
    def is_current(self) -> bool:
        return not Draw.objects.filter(supersedes=self).exists()

    def frame_matches(self, keys: Iterable[str]) -> bool:
        """Whether `keys` (in order) are the frame this draw was made from."""
        keys = list(keys)
        return len(keys) == self.frame_size and frame_checksum(keys) == self.frame_checksum


class DrawItem(AppendOnly):
    """One unit drawn: a region code (county, village) or a household number."""

    draw = models.ForeignKey(
        Draw, on_delete=models.PROTECT, related_name="items", verbose_name=_("抽样")
    )
    unit_key = models.CharField(_("单位"), max_length=20, help_text=_("区划代码或户编号"))
    stratum = models.CharField(_("层"), max_length=64, blank=True)
    inclusion_probability = models.FloatField(_("入样概率"))
    certainty = models.BooleanField(
        _("必选单位"), default=False, help_text=_("入样概率为 1（如重点户全覆盖）")
    )
    order = models.PositiveIntegerField(_("顺序"))

    class Meta:
        verbose_name = _("抽中单位")
        verbose_name_plural = _("抽中单位")
        ordering = ["draw_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "unit_key"], name="drawitem_unique_unit"),
            models.CheckConstraint(
                condition=models.Q(inclusion_probability__gt=0, inclusion_probability__lte=1),
                name="drawitem_probability_range",
            ),
        ]

    def __str__(self) -> str:
        return self.unit_key
