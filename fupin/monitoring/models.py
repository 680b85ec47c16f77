"""Monitoring against return to poverty (防止返贫监测): settings, reports, objects and their steps."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.accounts.workflow import TransitionRow
from fupin.assessments.models.base import AppendOnly
from fupin.monitoring.workflows import (
    FINAL_STATUSES,
    MonitoringStatus,
    ObjectKind,
    ObjectSource,
    ReportSource,
    SpendingKind,
)
from fupin.policy import DEFAULT_MONITORING, MonitoringPolicy
from fupin.regions.models import Level, Region
from fupin.registry.models import Household

# 脱贫攻坚目标任务完成后，对摆脱贫困的县，从脱贫之日起设立5年过渡期（中共中央 国务院《关于实现
# 巩固拓展脱贫攻坚成果同乡村振兴有效衔接的意见》, 2020): not in the seeds, so a province may change it.
DEFAULT_TRANSITION_YEARS = 5


class MonitoringSettings(models.Model):
    """A province's monitoring range (*configurable*, DOMAIN.md §8), editable in the admin.

    A province without a row uses the defaults: 1.5 times the national line, rigid spending above
    last year's household income, and no income-fall rule (there is no national figure for it).
    """

    province = models.OneToOneField(
        Region,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Level.PROVINCE},
        verbose_name=_("省"),
    )
    line_multiple = models.FloatField(
        _("监测收入线（国家扶贫标准的倍数）"),
        default=DEFAULT_MONITORING.line_multiple,
        validators=[MinValueValidator(0.1), MaxValueValidator(10)],
        help_text=_("有明确监测范围的年度（如 2021 年 6000 元）按该范围"),
    )
    income_fall_share = models.FloatField(
        _("收入大幅下降的降幅"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0.01), MaxValueValidator(0.99)],
        help_text=_("如 0.3 表示人均纯收入比上年下降 30% 及以上；空为不按降幅筛查"),
    )
    rigid_spending_share = models.FloatField(
        _("刚性支出超过上年家庭纯收入的倍数"),
        default=DEFAULT_MONITORING.rigid_spending_share,
        validators=[MinValueValidator(0.1), MaxValueValidator(10)],
    )
    transition_years = models.PositiveSmallIntegerField(
        _("摘帽后过渡期（年）"),
        default=DEFAULT_TRANSITION_YEARS,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("四个不摘须保持的年数，自摘帽次年起算"),
    )
    source = models.CharField(_("政策依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("防返贫监测标准")
        verbose_name_plural = _("防返贫监测标准")
        ordering = ["province__code"]

    def __str__(self) -> str:
        return f"{self.province.name}：{self.line_multiple:g} 倍"

    @classmethod
    def for_code(cls, code: str) -> MonitoringSettings:
        """The settings of the province a region code lies in (an unsaved default when none)."""
        found = cls.objects.filter(province__code=code[:2] + "0" * 10).first()
        return found if found is not None else cls()

    def policy(self) -> MonitoringPolicy:
        return MonitoringPolicy(
            ranges=DEFAULT_MONITORING.ranges,
            line_multiple=self.line_multiple,
            rigid_spending_share=self.rigid_spending_share,
            income_fall_share=self.income_fall_share,
            first_year=DEFAULT_MONITORING.first_year,
            source=self.source or DEFAULT_MONITORING.source,
        )


class MonitoringReport(AppendOnly):
    """What a household applied for, or a cadre, village or department reported, for a year: its
    income per capita and/or rigid spending. Income reports give the platform a household's income
    year by year (the registry keeps only the latest), so that falls are computed from records."""

    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="monitoring_reports",
        verbose_name=_("农户"),
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2010), MaxValueValidator(2100)]
    )
    date = models.DateField(_("上报日期"))
    source = models.CharField(_("来源"), max_length=12, choices=ReportSource.choices)
    income_per_capita = models.FloatField(
        _("人均纯收入(元)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    rigid_spending = models.FloatField(
        _("刚性支出(元)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    spending_kind = models.CharField(
        _("支出类别"), max_length=12, choices=SpendingKind.choices, blank=True
    )
    description = models.CharField(_("情况说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("监测上报")
        verbose_name_plural = _("监测上报")
        ordering = ["household_id", "year", "date", "id"]
        indexes = [models.Index(fields=["year", "household"])]

    def __str__(self) -> str:
        return f"{self.household.household_no} {self.year} {self.get_source_display()}"


class MonitoringObject(models.Model):
    """One household in (or proposed for) monitoring. `status` moves only through
    services.monitoring_object_transition, which appends a MonitoringStep for every move."""

    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="monitoring_objects",
        verbose_name=_("农户"),
    )
    kind = models.CharField(_("监测对象类别"), max_length=20, choices=ObjectKind.choices)
    source = models.CharField(_("发现方式"), max_length=16, choices=ObjectSource.choices)
    year = models.PositiveSmallIntegerField(_("监测年度"))
    reasons = models.JSONField(_("纳入理由"), default=list, blank=True)
    report = models.ForeignKey(
        MonitoringReport,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("依据的上报"),
    )
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=MonitoringStatus.choices,
        default=MonitoringStatus.IDENTIFIED,
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发现人"),
    )
    opened_at = models.DateTimeField(_("发现时间"), auto_now_add=True)
    opened_on = models.DateField(_("发现日期"))

    class Meta:
        verbose_name = _("监测对象")
        verbose_name_plural = _("监测对象")
        ordering = ["-year", "household__household_no", "id"]
        indexes = [models.Index(fields=["status", "kind"])]

    def __str__(self) -> str:
        return f"{self.household.household_no} {self.get_kind_display()} {self.year}"

    @property
    def is_closed(self) -> bool:
        return self.status in FINAL_STATUSES


class MonitoringStep(TransitionRow, AppendOnly):
    """One step of an object's procedure (who, when, from, to, opinion, evidence: TransitionRow);
    for the notice its dates; for risk elimination the conditions as they were checked."""

    object = models.ForeignKey(
        MonitoringObject,
        on_delete=models.PROTECT,
        related_name="steps",
        verbose_name=_("监测对象"),
    )
    action = models.CharField(_("环节"), max_length=40)
    from_status = models.CharField(_("原状态"), max_length=12, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12)
    date = models.DateField(_("办理日期"))
    notice_start = models.DateField(_("公示开始"), null=True, blank=True)
    notice_end = models.DateField(_("公示结束"), null=True, blank=True)
    conditions = models.JSONField(_("核验条件"), default=list, blank=True)

    class Meta:
        verbose_name = _("监测程序记录")
        verbose_name_plural = _("监测程序记录")
        ordering = ["object_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.object_id}: {self.action} {self.from_status}→{self.to_status}"

    @property
    def from_label(self) -> str:
        return str(MonitoringStatus(self.from_status).label) if self.from_status else "—"

    @property
    def to_label(self) -> str:
        return str(MonitoringStatus(self.to_status).label)


# --- the years after exit (seed 004: slackening signs, 四个不摘) ---------------------------------


class TrainingLevel(models.TextChoices):
    """Which office organised a cadre training: the county's own, or the city's or province's."""

    COUNTY = "county", _("县级")
    CITY = "city", _("市(州)级")
    PROVINCE = "province", _("省级")


class ReductionTarget(models.Model):
    """A county's reduction target for a year (年度减贫任务: 计划减少贫困人口), as the county or
    city office recorded it from the year's plan. Written only by services_after_exit, audited;
    a correction overwrites the figures with the old ones kept in the audit row."""

    county = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Level.COUNTY},
        verbose_name=_("县(区)"),
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2013), MaxValueValidator(2100)]
    )
    people = models.PositiveIntegerField(_("计划减贫人数"))
    source = models.CharField(_("依据文件"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now=True)

    class Meta:
        verbose_name = _("年度减贫任务")
        verbose_name_plural = _("年度减贫任务")
        ordering = ["county__code", "year"]
        constraints = [
            models.UniqueConstraint(fields=["county", "year"], name="reduction_target_unique")
        ]

    def __str__(self) -> str:
        return f"{self.county.name} {self.year} 年计划减贫 {self.people} 人"


class Training(models.Model):
    """One cadre training held for a county's cadres (干部培训): when, who organised it, on
    what, and who took part (a count and/or names). A training recorded in error is withdrawn
    with a reason (kept, audited), never deleted."""

    county = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Level.COUNTY},
        verbose_name=_("参训县(区)"),
    )
    date = models.DateField(_("培训日期"))
    level = models.CharField(_("组织层级"), max_length=10, choices=TrainingLevel.choices)
    organiser = models.CharField(_("组织单位"), max_length=100)
    topic = models.CharField(_("培训主题"), max_length=200)
    participants = models.PositiveIntegerField(_("参训人数"))
    participant_names = models.TextField(_("参训人员名单"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("干部培训")
        verbose_name_plural = _("干部培训")
        ordering = ["county__code", "-date", "-id"]
        indexes = [models.Index(fields=["county", "date"])]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.topic}"

    @property
    def names(self) -> list[str]:
        return [n for n in self.participant_names.split() if n]
