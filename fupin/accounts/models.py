"""Roles of fupin's users: memberships, helping cadres' households, working groups, login throttling."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.assessments.models import Campaign, Institution
from fupin.regions.models import Level, Region
from fupin.registry.models import Household


class Role(models.TextChoices):
    """What a membership makes its user. System admins are Django superusers, not a role."""

    PROVINCE_OFFICE = "province_office", _("省扶贫办")
    CITY_OFFICE = "city_office", _("市(州)扶贫办")
    COUNTY_OFFICE = "county_office", _("县扶贫办")
    TOWNSHIP_OFFICE = "township_office", _("乡(镇)扶贫工作站")
    VILLAGE_OFFICE = "village_office", _("村扶贫专干")
    HELPING_CADRE = "helping_cadre", _("帮扶责任人")
    INSTITUTION_ADMIN = "institution_admin", _("评估机构管理员")
    EXPERT = "expert", _("评估专家")
    ENUMERATOR = "enumerator", _("调查员")
    WORKING_GROUP = "working_group", _("评估工作组成员")


# The poverty-office roles and the level of the region each is tied to.
OFFICE_LEVEL: dict[str, str] = {
    Role.PROVINCE_OFFICE: Level.PROVINCE,
    Role.CITY_OFFICE: Level.CITY,
    Role.COUNTY_OFFICE: Level.COUNTY,
    Role.TOWNSHIP_OFFICE: Level.TOWNSHIP,
    Role.VILLAGE_OFFICE: Level.VILLAGE,
}

# Roles that may see a member's full ID number, on a single household of their own region
# (DOMAIN.md §2): the county and township offices keep the registry's paper files and must
# check identities; above them aggregates suffice, and evaluators and cadres work with names.
FULL_ID_ROLES = frozenset({Role.COUNTY_OFFICE.value, Role.TOWNSHIP_OFFICE.value})


class Membership(models.Model):
    """One role of one user; poverty offices are tied to a region, institution admins to an institution."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("用户"),
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所辖区划"),
    )
    institution = models.ForeignKey(
        Institution,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所属评估机构"),
    )
    created_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        ordering = ["user_id", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "region"],
                name="membership_unique_region",
                condition=models.Q(region__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "institution"],
                name="membership_unique_institution",
                condition=models.Q(institution__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                name="membership_unique_plain",
                condition=models.Q(region__isnull=True, institution__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        where = (
            self.region.name
            if self.region_id
            else (self.institution.name if self.institution_id else "")
        )
        return f"{self.user} · {self.get_role_display()} {where}".strip()


class CadreHousehold(models.Model):
    """A household a helping cadre answers for.

    Stands in for the 双到 pairings (issue #6), which will replace it as the source of truth.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("帮扶责任人"),
    )
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="+", verbose_name=_("农户")
    )

    class Meta:
        verbose_name = _("帮扶户")
        verbose_name_plural = _("帮扶户")
        constraints = [
            models.UniqueConstraint(fields=["user", "household"], name="cadrehousehold_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.household.household_no}"


class CampaignMember(models.Model):
    """A member of a campaign's assessment working group (评估工作组)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="+", verbose_name=_("任务")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("用户")
    )

    class Meta:
        verbose_name = _("工作组成员")
        verbose_name_plural = _("工作组成员")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="campaignmember_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.campaign}"


class LoginThrottle(models.Model):
    """Failed logins of one username from one address; a table so that every worker sees them."""

    username = models.CharField(_("用户名"), max_length=150)
    ip = models.CharField(_("地址"), max_length=45)
    failures = models.PositiveSmallIntegerField(_("连续失败次数"), default=0)
    last_failure_at = models.DateTimeField(_("最近失败时间"), null=True, blank=True)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)

    class Meta:
        verbose_name = _("登录限制")
        verbose_name_plural = _("登录限制")
        constraints = [
            models.UniqueConstraint(fields=["username", "ip"], name="loginthrottle_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.username}@{self.ip}: {self.failures}"
