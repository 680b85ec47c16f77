"""The five-level region tree (province → village) with 12-digit statistical codes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市(州)")
    COUNTY = "county", _("县(区)")
    TOWNSHIP = "township", _("乡(镇)")
    VILLAGE = "village", _("村")


# How many leading digits of the 12-digit code identify a region at each level.
LEVEL_DIGITS = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
}


class Zone(models.TextChoices):
    CENTRAL = "central", _("中部")
    WEST = "west", _("西部")


class Region(models.Model):
    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    zone = models.CharField(_("区域"), max_length=8, choices=Zone.choices, blank=True)
    is_poor_county = models.BooleanField(_("贫困县"), default=False)
    exit_year = models.PositiveSmallIntegerField(_("摘帽年度"), null=True, blank=True)
    is_poor_village = models.BooleanField(_("贫困村"), default=False)
    poor_named_year = models.PositiveSmallIntegerField(_("列为贫困村年度"), null=True, blank=True)
    poor_exit_year = models.PositiveSmallIntegerField(_("贫困村退出年度"), null=True, blank=True)
    deeply_poor = models.BooleanField(_("深度贫困地区"), default=False)
    # Map position (WGS 84 degrees); empty where unknown, e.g. regions loaded from a list.
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def prefix(self) -> str:
        """The leading digits every region below this one shares."""
        return self.code[: LEVEL_DIGITS[Level(self.level)]]

    @property
    def province_code(self) -> str:
        return self.code[:2]
