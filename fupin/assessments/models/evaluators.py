"""Evaluators (评估人员) and their recorded assignments, subject to the avoidance rules (三回避)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.assessments.models.base import AppendOnly
from fupin.assessments.models.campaigns import Campaign
from fupin.regions.models import Region
from fupin.registry.models import Household

province_code_validator = RegexValidator(r"^\d{2}$", _("省级区划代码为两位数字"))


def province_list_errors(codes: object) -> list[str]:
    if not isinstance(codes, list) or not all(
        isinstance(c, str) and len(c) == 2 and c.isdigit() for c in codes
    ):
        return ["参与过的省份须为两位省级区划代码的列表"]
    return []


def validate_province_list(codes: object) -> None:
    errors = province_list_errors(codes)
    if errors:
        raise ValidationError(errors)


class Institution(models.Model):
    """An evaluation institution (第三方评估机构): a university or research body."""

    name = models.CharField(_("名称"), max_length=120, unique=True)
    province_code = models.CharField(
        _("所在省"), max_length=2, validators=[province_code_validator]
    )
    took_part_in = models.JSONField(
        _("参与过本省评估的省份"),
        default=list,
        blank=True,
        validators=[validate_province_list],
        help_text=_("机构承担过其本省自评估的省份：评估这些省份时须回避"),
    )

    class Meta:
        verbose_name = _("评估机构")
        verbose_name_plural = _("评估机构")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Evaluator(models.Model):
    """What experts and enumerators share: where they work and where they already assessed."""

    name = models.CharField(_("姓名"), max_length=32)
    employer_province = models.CharField(
        _("工作单位所在省"),
        max_length=2,
        validators=[province_code_validator],
        help_text=_("调查员（多为在校学生）填家乡所在省；两者都须回避"),
    )
    experienced = models.BooleanField(_("有评估经验"), default=False)
    exam_passed = models.BooleanField(
        _("通过考试"), default=False, help_text=_("未通过培训考试的人员不能分派")
    )
    phone = models.CharField(_("手机号"), max_length=11, blank=True)
    took_part_in = models.JSONField(
        _("参与过本省评估的省份"),
        default=list,
        blank=True,
        validators=[validate_province_list],
    )
    institution = models.ForeignKey(
        Institution,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所属机构"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登录账号"),
    )

    class Meta:
        abstract = True
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Expert(Evaluator):
    class Meta(Evaluator.Meta):
        verbose_name = _("评估专家")
        verbose_name_plural = _("评估专家")


class Enumerator(Evaluator):
    class Meta(Evaluator.Meta):
        verbose_name = _("调查员")
        verbose_name_plural = _("调查员")


class Team(models.Model):
    """A two-person field team of a campaign: one experienced member with a new one (以老带新)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="teams", verbose_name=_("任务")
    )
    code = models.CharField(_("编号"), max_length=16)
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属机构")
    )
    experienced_member = models.ForeignKey(
        Enumerator, on_delete=models.PROTECT, related_name="+", verbose_name=_("老队员")
    )
    new_member = models.ForeignKey(
        Enumerator, on_delete=models.PROTECT, related_name="+", verbose_name=_("新队员")
    )

    class Meta:
        verbose_name = _("调查小组")
        verbose_name_plural = _("调查小组")
        ordering = ["campaign_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="team_unique_code"),
            models.CheckConstraint(
                condition=~models.Q(experienced_member=models.F("new_member")),
                name="team_two_people",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def members(self) -> tuple[Enumerator, Enumerator]:
        return (self.experienced_member, self.new_member)

    def clean(self) -> None:
        errors = team_errors(self.experienced_member, self.new_member, self.institution)
        if errors:
            raise ValidationError(errors)


def team_errors(
    experienced: Enumerator, new: Enumerator, institution: Institution | None = None
) -> list[str]:
    """Why two enumerators cannot form a team (以老带新, one institution), if they cannot."""
    errors = []
    if experienced.pk == new.pk:
        errors.append("调查小组须由两名不同的调查员组成")
    if not experienced.experienced:
        errors.append(f"{experienced.name}没有评估经验，不能担任老队员")
    if new.experienced:
        errors.append(f"{new.name}已有评估经验，应与新队员搭配（以老带新）")
    if institution is not None:
        for m in (experienced, new):
            if m.institution_id != institution.pk:
                errors.append(f"{m.name}不属于{institution.name}，调查小组成员须来自同一机构")
    return errors


class Assignment(AppendOnly):
    """One recorded solver result for a campaign; each kind's latest run is the one in force."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("任务")
    )
    seed = models.CharField(_("随机种子"), max_length=80)
    solver = models.CharField(_("求解方法"), max_length=64, blank=True)
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作用户"),
    )
    actor = models.CharField(_("操作人"), max_length=64)
    created_at = models.DateTimeField(_("分派时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("人员分派")
        verbose_name_plural = _("人员分派")
        ordering = ["campaign_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"分派 #{self.pk}（种子 {self.seed}）"


class InstitutionCounty(AppendOnly):
    assignment = models.ForeignKey(
        Assignment, on_delete=models.PROTECT, related_name="institution_counties"
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="+", verbose_name=_("评估机构")
    )
    county = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("县")
    )

    class Meta:
        verbose_name = _("机构分派")
        verbose_name_plural = _("机构分派")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "county"], name="institutioncounty_unique"
            ),
        ]


class ExpertCounty(AppendOnly):
    assignment = models.ForeignKey(
        Assignment, on_delete=models.PROTECT, related_name="expert_counties"
    )
    expert = models.ForeignKey(
        Expert, on_delete=models.PROTECT, related_name="+", verbose_name=_("专家")
    )
    county = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("县")
    )

    class Meta:
        verbose_name = _("专家分派")
        verbose_name_plural = _("专家分派")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "expert", "county"], name="expertcounty_unique"
            ),
        ]


class TeamHousehold(AppendOnly):
    assignment = models.ForeignKey(
        Assignment, on_delete=models.PROTECT, related_name="team_households"
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="+", verbose_name=_("调查小组")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("农户")
    )

    class Meta:
        verbose_name = _("入户分派")
        verbose_name_plural = _("入户分派")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "household"], name="teamhousehold_unique"
            ),
        ]
