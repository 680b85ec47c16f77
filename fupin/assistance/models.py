"""Assistance (帮扶, DOMAIN.md §4): 双到 pairings, work teams, the three household ledgers, projects.

Every dated pairing runs from `start` (inclusive) to `end`, the day it was dissolved (解除日期,
exclusive; empty while it lasts), so that a handover ends one pairing and starts the next on the
same day without a gap or an overlap.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.workflow import TransitionRow
from fupin.regions.models import Level, Region
from fupin.registry.models import EventKind, Household, Status

# After exit a household's pairing continues this long (跟踪联系三年, DOMAIN.md §4) unless the
# province's policy says otherwise.
DEFAULT_TRACKING_YEARS = 3
# 每名帮扶责任人结对帮扶贫困户原则上不超过 5 户: the usual provincial rule; the seeds give no
# number, so it is a default that each province's policy row may change.
DEFAULT_MAX_HOUSEHOLDS_PER_CADRE = 5


class MeasureKind(models.TextChoices):
    """帮扶措施 kinds, DOMAIN.md §4."""

    INDUSTRY = "industry", _("产业扶持")
    EMPLOYMENT = "employment", _("就业扶持")
    EDUCATION = "education", _("教育扶持")
    HEALTH = "health", _("健康扶贫")
    HOUSING = "housing", _("危房改造")
    RELOCATION = "relocation", _("易地扶贫搬迁")
    MICROCREDIT = "microcredit", _("小额信贷")
    ECOLOGICAL = "ecological", _("生态扶贫")
    SOCIAL_SECURITY = "social_security", _("兜底保障")
    PUBLIC_WELFARE_POST = "public_welfare_post", _("公益岗位")


class UnitKind(models.TextChoices):
    GOVERNMENT = "government", _("党政机关")
    STATE_FIRM = "state_firm", _("国有企业")
    INSTITUTION = "institution", _("事业单位")
    UNIVERSITY = "university", _("高校")
    EASTERN_CITY = "eastern_city", _("东部城市")
    OTHER = "other", _("其他")


class TeamRole(models.TextChoices):
    LEADER = "leader", _("队长")
    FIRST_SECRETARY = "first_secretary", _("第一书记")
    MEMBER = "member", _("队员")


class FundSource(models.TextChoices):
    CENTRAL = "central", _("中央财政")
    PROVINCE = "province", _("省级财政")
    EASTERN_AID = "eastern_aid", _("东西部协作")
    DONATION = "donation", _("社会捐赠")


def today() -> dt.date:
    return timezone.localdate()


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class ProvincePolicy(models.Model):
    """A province's assistance rules (*configurable*): the cadre limit and the tracking period."""

    province = models.OneToOneField(
        Region,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Level.PROVINCE},
        verbose_name=_("省"),
    )
    max_households_per_cadre = models.PositiveSmallIntegerField(
        _("每名帮扶责任人最多帮扶户数"), default=DEFAULT_MAX_HOUSEHOLDS_PER_CADRE
    )
    tracking_years = models.PositiveSmallIntegerField(
        _("脱贫后跟踪帮扶年数"), default=DEFAULT_TRACKING_YEARS
    )
    source = models.CharField(_("政策依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("省级帮扶政策")
        verbose_name_plural = _("省级帮扶政策")
        ordering = ["province__code"]

    def __str__(self) -> str:
        return f"{self.province.name}：{self.max_households_per_cadre} 户/人"

    @classmethod
    def for_code(cls, code: str) -> ProvincePolicy:
        """The policy of the province a region code lies in (an unsaved default when none is set)."""
        found = cls.objects.filter(province__code=code[:2] + "0" * 10).first()
        return found if found is not None else cls()


class PeriodQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def active(self, on: dt.date | None = None) -> PeriodQuerySet:
        on = on or today()
        return self.filter(Q(start__lte=on) & (Q(end__isnull=True) | Q(end__gt=on)))


class Period(models.Model):
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("解除日期"), null=True, blank=True, help_text=_("自该日起不再有效"))

    objects = PeriodQuerySet.as_manager()

    class Meta:
        abstract = True

    def is_active(self, on: dt.date | None = None) -> bool:
        on = on or today()
        return self.start <= on and (self.end is None or on < self.end)

    def overlaps(self, start: dt.date, end: dt.date | None) -> bool:
        """Whether [start, end) meets this period ([a, b) and [c, d) meet when a < d and c < b)."""
        return (end is None or self.start < end) and (self.end is None or start < self.end)


class HelpingUnit(models.Model):
    """帮扶单位: a government body, state firm, university or eastern city that helps villages."""

    name = models.CharField(_("单位名称"), max_length=100, unique=True)
    kind = models.CharField(_("单位类型"), max_length=16, choices=UnitKind.choices)
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所在区划"),
    )
    # 停用, not deleted: its pairings, teams and projects keep pointing at it.
    active = models.BooleanField(_("在用"), default=True)
    deactivated_on = models.DateField(_("停用日期"), null=True, blank=True)
    deactivation_reason = models.CharField(_("停用原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("帮扶单位")
        verbose_name_plural = _("帮扶单位")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class HelpingUnitMember(models.Model):
    """A user who acts for a helping unit (its liaison): sees the villages the unit is paired with."""

    unit = models.ForeignKey(
        HelpingUnit, on_delete=models.CASCADE, related_name="members", verbose_name=_("帮扶单位")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("用户")
    )

    class Meta:
        verbose_name = _("帮扶单位联络人")
        verbose_name_plural = _("帮扶单位联络人")
        constraints = [models.UniqueConstraint(fields=["unit", "user"], name="unitmember_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit}"


class VillagePairing(Period):
    """规划到户 at village level: a helping unit paired with a (poor) village."""

    unit = models.ForeignKey(
        HelpingUnit, on_delete=models.PROTECT, related_name="villages", verbose_name=_("帮扶单位")
    )
    village = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("帮扶村"),
        limit_choices_to={"level": Level.VILLAGE},
    )
    end_reason = models.CharField(_("解除原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("单位结对帮扶村")
        verbose_name_plural = _("单位结对帮扶村")
        ordering = ["village__code", "start", "id"]

    def __str__(self) -> str:
        return f"{self.unit} → {self.village.name}"

    def tracking_window(self) -> tuple[dt.date, dt.date] | None:
        """跟踪联系: after the round ends the unit keeps in contact with the village for the
        province's tracking years, [end, end + years); None while the round lasts."""
        if self.end is None:
            return None
        years = ProvincePolicy.for_code(self.village.code).tracking_years
        return self.end, add_years(self.end, years)


class WorkTeam(Period):
    """驻村工作队: the team a helping unit sends to a village."""

    village = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("驻村"),
        limit_choices_to={"level": Level.VILLAGE},
    )
    unit = models.ForeignKey(
        HelpingUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="teams",
        verbose_name=_("派出单位"),
    )

    class Meta:
        verbose_name = _("驻村工作队")
        verbose_name_plural = _("驻村工作队")
        ordering = ["village__code", "start", "id"]

    def __str__(self) -> str:
        return f"{self.village.name}驻村工作队（{self.start.isoformat()}）"


class ReturnVisit(models.Model):
    """回头看: a helping unit's recorded return visit to a village it helped, during the tracking
    years after the round (扶上马送一程, seed 002)."""

    pairing = models.ForeignKey(
        VillagePairing,
        on_delete=models.CASCADE,
        related_name="return_visits",
        verbose_name=_("单位结对帮扶村"),
    )
    date = models.DateField(_("回访日期"))
    visitors = models.CharField(_("回访人员"), max_length=100)
    findings = models.TextField(_("发现的情况"))
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
        verbose_name = _("回头看记录")
        verbose_name_plural = _("回头看记录")
        ordering = ["pairing_id", "date", "id"]

    def __str__(self) -> str:
        return f"{self.pairing} {self.date.isoformat()}"


class WorkTeamMember(Period):
    team = models.ForeignKey(
        WorkTeam, on_delete=models.CASCADE, related_name="members", verbose_name=_("工作队")
    )
    name = models.CharField(_("姓名"), max_length=32)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("用户"),
    )
    role = models.CharField(_("职务"), max_length=16, choices=TeamRole.choices)

    class Meta:
        verbose_name = _("工作队队员")
        verbose_name_plural = _("工作队队员")
        ordering = ["team_id", "role", "start", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"


def exit_date(household: Household) -> dt.date | None:
    """The day the household last exited (its latest 脱贫 event), or None while it is not exited."""
    if household.status != Status.EXITED:
        return None
    event = household.events.filter(kind=EventKind.EXITED).order_by("-date", "-id").first()
    if event is not None:
        return event.date
    return dt.date(household.exited_year, 12, 31) if household.exited_year else None


class HouseholdPairing(Period):
    """责任到人: a responsible cadre (帮扶责任人) paired with a household."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="pairings", verbose_name=_("帮扶户")
    )
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="household_pairings",
        verbose_name=_("帮扶责任人"),
    )
    unit = models.ForeignKey(
        HelpingUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pairings",
        verbose_name=_("所在帮扶单位"),
    )
    end_reason = models.CharField(_("解除原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("帮扶责任人结对")
        verbose_name_plural = _("帮扶责任人结对")
        ordering = ["household__household_no", "start", "id"]
        indexes = [models.Index(fields=["cadre", "end"]), models.Index(fields=["household", "end"])]

    def __str__(self) -> str:
        return f"{self.cadre} → {self.household.household_no}"

    def tracking_until(self) -> dt.date | None:
        """The first day the pairing may end after exit (exit + the tracking years), or None when
        the household has not exited (while poor, or after removal, the exit rule does not apply)."""
        exited = exit_date(self.household)
        if exited is None:
            return None
        years = ProvincePolicy.for_code(self.household.village.code).tracking_years
        return add_years(exited, years)

    def may_end_on(self, day: dt.date) -> bool:
        """An exited household keeps its cadre for the tracking years (跟踪联系): no ending before."""
        until = self.tracking_until()
        return until is None or day >= until


class ExitPlan(models.Model):
    """脱贫计划, the first ledger: when the household is to exit and what it needs to get there."""

    household = models.OneToOneField(
        Household, on_delete=models.CASCADE, related_name="exit_plan", verbose_name=_("农户")
    )
    target_year = models.PositiveSmallIntegerField(
        _("计划脱贫年度"), validators=[MinValueValidator(2013), MaxValueValidator(2030)]
    )
    income_target = models.DecimalField(
        _("人均纯收入目标(元)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    targets = models.TextField(_("脱贫目标与措施计划"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("脱贫计划")
        verbose_name_plural = _("脱贫计划")

    def __str__(self) -> str:
        return f"{self.household.household_no}：{self.target_year}"


class Project(models.Model):
    """扶贫项目: where, what, how far along; its money comes in FundAllocation rows."""

    name = models.CharField(_("项目名称"), max_length=120)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("实施区划")
    )
    kind = models.CharField(_("项目类别"), max_length=20, choices=MeasureKind.choices)
    year = models.PositiveSmallIntegerField(_("项目年度"))
    unit = models.ForeignKey(
        HelpingUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("帮扶单位"),
    )
    start_date = models.DateField(_("开工日期"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(
        _("进度(%)"), default=0, validators=[MaxValueValidator(100)]
    )
    completed_on = models.DateField(_("完工日期"), null=True, blank=True)
    description = models.TextField(_("建设内容"), blank=True)

    class Meta:
        verbose_name = _("扶贫项目")
        verbose_name_plural = _("扶贫项目")
        ordering = ["-year", "region__code", "name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def completed(self) -> bool:
        return self.completed_on is not None

    def total_amount(self) -> Decimal:
        return sum((f.amount for f in self.funds.all()), Decimal(0))


class FundAllocation(models.Model):
    """扶贫资金: an amount from one source for one project."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="funds", verbose_name=_("项目")
    )
    source = models.CharField(_("资金来源"), max_length=12, choices=FundSource.choices)
    amount = models.DecimalField(
        _("金额(元)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )

    class Meta:
        verbose_name = _("项目资金")
        verbose_name_plural = _("项目资金")
        ordering = ["project_id", "source", "id"]

    def __str__(self) -> str:
        amount = f"{self.amount:,.2f}".removesuffix(".00")
        return f"{self.project}：{self.get_source_display()} {amount} 元"


class ProjectBeneficiary(models.Model):
    """A household a project benefits (受益户), with what it received."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="beneficiaries", verbose_name=_("项目")
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="project_benefits",
        verbose_name=_("受益户"),
    )
    amount = models.DecimalField(
        _("受益金额(元)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    note = models.CharField(_("受益内容"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("项目受益户")
        verbose_name_plural = _("项目受益户")
        ordering = ["project_id", "household__household_no"]
        constraints = [
            models.UniqueConstraint(fields=["project", "household"], name="beneficiary_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.project} → {self.household.household_no}"


class AssistanceMeasure(models.Model):
    """帮扶措施, the second ledger: one measure delivered to a household."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="measures", verbose_name=_("农户")
    )
    kind = models.CharField(_("措施类别"), max_length=20, choices=MeasureKind.choices)
    description = models.CharField(_("措施内容"), max_length=200)
    amount = models.DecimalField(
        _("金额(元)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    project = models.ForeignKey(
        Project,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="measures",
        verbose_name=_("关联项目"),
    )
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
        verbose_name = _("帮扶措施")
        verbose_name_plural = _("帮扶措施")
        ordering = ["household_id", "start_date", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.description}"


class VisitLog(models.Model):
    """工作台账, the third ledger: a dated visit and what was done, by whom."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="visits", verbose_name=_("农户")
    )
    date = models.DateField(_("走访日期"))
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("走访人"),
    )
    visitor_name = models.CharField(_("走访人姓名"), max_length=32)
    content = models.TextField(_("工作内容"))
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("工作台账")
        verbose_name_plural = _("工作台账")
        ordering = ["household_id", "date", "id"]

    def __str__(self) -> str:
        return f"{self.household.household_no} {self.date.isoformat()}"


# --- Assessing the help: 一年一考核、三年结硬帐 (issue #16 item 5, seed 002; H7) ---------------------
# Services, evidence and the workflow are in appraisal.py; these are the records they keep.


class AppraisalSide(models.TextChoices):
    """Whose 双到 duties an appraisal checks (seed 002: 帮扶与被帮扶双方工作责任)."""

    HELPER = "helper", _("帮扶方（帮扶单位）")
    HELPED = "helped", _("被帮扶方（帮扶村）")


class AppraisalStatus(models.TextChoices):
    OPEN = "open", _("考核中")
    CONCLUDED = "concluded", _("已定结论")
    VOIDED = "voided", _("已作废")


class ItemBasis(models.TextChoices):
    COMPUTED = "computed", _("台账核算")
    JUDGEMENT = "judgement", _("考核人评定")


class FollowUpKind(models.TextChoices):
    """What is done about a failed appraisal or settlement (seed 002: 通报、点名或单兵教练约谈)."""

    NOTICE = "notice", _("通报")
    NAMING = "naming", _("点名")
    TALK = "talk", _("单兵教练约谈")


def _result_label(passed: bool | None) -> str:
    return "" if passed is None else ("合格" if passed else "不合格")


class HelpAppraisal(models.Model):
    """一年一考核: one year's appraisal of a helping unit's duties in one village (helper side) or
    of a village's own duties (helped side), item by item; pass/fail, never a score."""

    side = models.CharField(_("考核对象"), max_length=8, choices=AppraisalSide.choices)
    unit = models.ForeignKey(
        HelpingUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appraisals",
        verbose_name=_("帮扶单位"),
    )
    village = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("帮扶村")
    )
    year = models.PositiveSmallIntegerField(_("考核年度"))
    status = models.CharField(
        _("状态"), max_length=20, choices=AppraisalStatus.choices, default=AppraisalStatus.OPEN
    )
    passed = models.BooleanField(_("考核结论"), null=True, blank=True)
    opinion = models.TextField(_("考核意见"), blank=True)
    computed_at = models.DateTimeField(_("核算时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发起人"),
    )
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("双到年度考核")
        verbose_name_plural = _("双到年度考核")
        ordering = ["village__code", "side", "unit__name", "-year", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "village", "year"],
                name="appraisal_helper_once",
                condition=Q(side="helper") & ~Q(status="voided"),
            ),
            models.UniqueConstraint(
                fields=["village", "year"],
                name="appraisal_helped_once",
                condition=Q(side="helped") & ~Q(status="voided"),
            ),
        ]

    def __str__(self) -> str:
        who = self.unit.name if self.side == AppraisalSide.HELPER and self.unit else ""
        return f"{self.year}年度 {who}{'→' if who else ''}{self.village.name}"

    @property
    def result_label(self) -> str:
        return _result_label(self.passed)


class HelpAppraisalItem(models.Model):
    """One duty of an appraisal: the evidence computed from the ledgers (numbers and the records
    behind them) and its result, computed or judged by the assessor with a reason."""

    appraisal = models.ForeignKey(
        HelpAppraisal, on_delete=models.CASCADE, related_name="items", verbose_name=_("考核")
    )
    code = models.CharField(_("考核项代码"), max_length=32)
    order = models.PositiveSmallIntegerField(_("序号"))
    label = models.CharField(_("考核项"), max_length=100)
    duty = models.TextField(_("职责要求"), blank=True)
    basis = models.CharField(_("评定方式"), max_length=10, choices=ItemBasis.choices)
    passed = models.BooleanField(_("结果"), null=True, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    evidence = models.JSONField(_("佐证"), default=dict, blank=True)
    judged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("评定人"),
    )
    judged_at = models.DateTimeField(_("评定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("双到考核项")
        verbose_name_plural = _("双到考核项")
        ordering = ["appraisal_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["appraisal", "code"], name="appraisal_item_once")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def result_label(self) -> str:
        if self.passed is None:
            return "待评定" if self.basis == ItemBasis.JUDGEMENT else "不适用"
        return _result_label(self.passed)


class HelpAppraisalStep(TransitionRow):
    """One move of an appraisal (concluded, voided): who, when, the opinion."""

    from_status = models.CharField(
        _("原状态"), max_length=20, blank=True, choices=AppraisalStatus.choices
    )
    to_status = models.CharField(_("新状态"), max_length=20, choices=AppraisalStatus.choices)
    appraisal = models.ForeignKey(
        HelpAppraisal, on_delete=models.CASCADE, related_name="steps", verbose_name=_("考核")
    )

    class Meta:
        verbose_name = _("双到考核办理记录")
        verbose_name_plural = _("双到考核办理记录")
        ordering = ["appraisal_id", "at", "id"]


class HelpSettlement(models.Model):
    """三年结硬帐: the settlement of one round of a unit's pairing with a village (its three
    years), bringing the six yearly appraisals and the round's outcome together."""

    pairing = models.ForeignKey(
        VillagePairing,
        on_delete=models.PROTECT,
        related_name="settlements",
        verbose_name=_("结对帮扶"),
    )
    first_year = models.PositiveSmallIntegerField(_("起始年度"))
    last_year = models.PositiveSmallIntegerField(_("结束年度"))
    status = models.CharField(
        _("状态"), max_length=20, choices=AppraisalStatus.choices, default=AppraisalStatus.OPEN
    )
    passed = models.BooleanField(_("结帐结论"), null=True, blank=True)
    opinion = models.TextField(_("验收意见"), blank=True)
    computed_at = models.DateTimeField(_("核算时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发起人"),
    )
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("双到三年结帐")
        verbose_name_plural = _("双到三年结帐")
        ordering = ["pairing__village__code", "pairing__unit__name", "-first_year", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing"], name="settlement_once", condition=~Q(status="voided")
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_year}–{self.last_year} {self.pairing}"

    @property
    def result_label(self) -> str:
        return _result_label(self.passed)


class HelpSettlementItem(models.Model):
    """One line of a settlement: a yearly appraisal's result or an outcome of the round."""

    settlement = models.ForeignKey(
        HelpSettlement, on_delete=models.CASCADE, related_name="items", verbose_name=_("结帐")
    )
    code = models.CharField(_("结帐项代码"), max_length=32)
    order = models.PositiveSmallIntegerField(_("序号"))
    label = models.CharField(_("结帐项"), max_length=100)
    passed = models.BooleanField(_("结果"), null=True, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    evidence = models.JSONField(_("佐证"), default=dict, blank=True)

    class Meta:
        verbose_name = _("双到结帐项")
        verbose_name_plural = _("双到结帐项")
        ordering = ["settlement_id", "order"]

    def __str__(self) -> str:
        return self.label

    @property
    def result_label(self) -> str:
        return "不适用" if self.passed is None else _result_label(self.passed)


class HelpSettlementStep(TransitionRow):
    from_status = models.CharField(
        _("原状态"), max_length=20, blank=True, choices=AppraisalStatus.choices
    )
    to_status = models.CharField(_("新状态"), max_length=20, choices=AppraisalStatus.choices)
    settlement = models.ForeignKey(
        HelpSettlement, on_delete=models.CASCADE, related_name="steps", verbose_name=_("结帐")
    )

    class Meta:
        verbose_name = _("双到结帐办理记录")
        verbose_name_plural = _("双到结帐办理记录")
        ordering = ["settlement_id", "at", "id"]


class HelpFollowUp(models.Model):
    """通报、点名、约谈 recorded against a failed appraisal or settlement; withdrawn by a recorded
    step (voided with a reason), never deleted."""

    appraisal = models.ForeignKey(
        HelpAppraisal,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        verbose_name=_("年度考核"),
    )
    settlement = models.ForeignKey(
        HelpSettlement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        verbose_name=_("三年结帐"),
    )
    kind = models.CharField(_("问责方式"), max_length=8, choices=FollowUpKind.choices)
    date = models.DateField(_("日期"))
    target = models.CharField(
        _("对象"), max_length=100, help_text=_("被通报、点名或约谈的单位、负责人")
    )
    note = models.TextField(_("情况说明"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    actor = models.CharField(_("记录人"), max_length=64)
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    voided_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    voided_by = models.CharField(_("撤销人"), max_length=64, blank=True)
    void_reason = models.CharField(_("撤销理由"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("双到考核问责")
        verbose_name_plural = _("双到考核问责")
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(appraisal__isnull=False, settlement__isnull=True)
                | Q(appraisal__isnull=True, settlement__isnull=False),
                name="followup_one_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.target} {self.date.isoformat()}"
