"""East-West cooperation records: pairings, the indicator catalogue, agreements, the ledger (台账),
self-assessments, grade rules and innovation items (DOMAIN.md §7).

Both sides of a pairing are `regions.Region` rows: the eastern provinces, cities and districts are
loaded into the region table by `services.east_regions_load` (with blank `zone`), so that an
eastern office is an ordinary poverty-office Membership on its eastern region.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fupin.accounts.workflow import TransitionRow
from fupin.cooperation.workflows import COUNTED_STATUSES, Area, EntryStatus, ReviewAction, Side
from fupin.regions.models import Region


class PairingLevel(models.TextChoices):
    PROVINCE = "province", _("省（市）↔ 省")
    CITY = "city", _("市 ↔ 市（州）")
    DISTRICT = "district", _("区（县、市）↔ 县")


# The Region level each side of a pairing must have.
PAIRING_REGION_LEVEL = {
    PairingLevel.PROVINCE: ("province", "province"),
    PairingLevel.CITY: ("city", "city"),
    PairingLevel.DISTRICT: ("county", "county"),
}


class Pairing(models.Model):
    """An eastern region helping a western one (结对帮扶), at one of three levels.

    A district↔county pairing sits under the province or city pairing whose agreement it serves
    (`parent`); reconciliation of a pairing counts the ledger of the pairings below it too.
    """

    level = models.CharField(_("层级"), max_length=10, choices=PairingLevel.choices)
    east = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("东部（帮扶方）")
    )
    west = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("西部（受帮扶方）")
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级结对"),
    )
    start_year = models.PositiveSmallIntegerField(_("起始年度"))
    end_year = models.PositiveSmallIntegerField(_("终止年度"), null=True, blank=True)
    source = models.CharField(
        _("来源"), max_length=200, blank=True, help_text=_("文件、导入批次或“合成数据”")
    )

    class Meta:
        verbose_name = _("东西部结对")
        verbose_name_plural = _("东西部结对")
        ordering = ["level", "east__code", "west__code"]
        constraints = [
            models.UniqueConstraint(fields=["east", "west"], name="coop_pairing_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.east.name} ↔ {self.west.name}"

    def region_of(self, side: str) -> Region:
        return self.east if side == Side.EAST else self.west

    def descendant_ids(self) -> list[int]:
        """This pairing and every pairing below it (at most two levels)."""
        ids = [self.pk]
        frontier = [self.pk]
        while frontier:
            frontier = list(
                Pairing.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
            )
            ids += frontier
        return ids


class PartnerKind(models.TextChoices):
    TOWNSHIP = "township", _("乡镇结对")
    VILLAGE = "village", _("村结对")
    SCHOOL = "school", _("学校结对")
    HOSPITAL = "hospital", _("医院结对")
    ENTERPRISE = "enterprise", _("企业帮村")


class PartnerPairing(models.Model):
    """A 携手奔小康 pairing below the districts: an eastern township, village (community), school,
    hospital or enterprise with a western township, village, school or hospital (enterprises help
    villages). The eastern partner is a name (eastern townships are not in the region table) under
    its district; the western one is a region (the township or village, or where the school or
    hospital is) plus a name for schools and hospitals."""

    kind = models.CharField(_("类型"), max_length=12, choices=PartnerKind.choices)
    pairing = models.ForeignKey(
        Pairing, on_delete=models.PROTECT, related_name="partners", verbose_name=_("所属区县结对")
    )
    east_name = models.CharField(_("东部结对方"), max_length=100)
    west_region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("西部结对地")
    )
    west_name = models.CharField(
        _("西部结对方"),
        max_length=100,
        blank=True,
        help_text=_("学校、医院的名称；乡镇、村结对不填"),
    )
    start_year = models.PositiveSmallIntegerField(_("起始年度"))
    end_year = models.PositiveSmallIntegerField(_("终止年度"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("携手奔小康结对")
        verbose_name_plural = _("携手奔小康结对")
        ordering = ["pairing_id", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "east_name", "west_region", "west_name"], name="coop_partner_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.east_name} ↔ {self.west_name or self.west_region.name}"


class Aggregation(models.TextChoices):
    SUM = "sum", _("合计（数额相加）")
    COUNT = "count", _("计数（每条台账记一次）")
    SHARE = "share", _("占比（本指标合计 ÷ 基数指标合计 × 100%）")


class IndicatorQuerySet(models.QuerySet["Indicator"]):
    def for_year(self, year: int) -> IndicatorQuerySet:
        return self.filter(Q(from_year__isnull=True) | Q(from_year__lte=year)).filter(
            Q(to_year__isnull=True) | Q(to_year__gte=year)
        )


class Indicator(models.Model):
    """One indicator of the catalogue (the east's 20, the west's 19; editable: the official list
    changed from year to year, hence the year range)."""

    code = models.CharField(_("代码"), max_length=16, unique=True)
    side = models.CharField(_("考核对象"), max_length=4, choices=Side.choices)
    area = models.CharField(_("方面"), max_length=14, choices=Area.choices)
    name = models.CharField(_("名称"), max_length=100)
    unit = models.CharField(_("单位"), max_length=16)
    aggregation = models.CharField(
        _("汇总方式"), max_length=6, choices=Aggregation.choices, default=Aggregation.SUM
    )
    base = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("基数指标"),
        help_text=_("占比指标的分母"),
    )
    counterpart = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("对方对应指标"),
        help_text=_("交叉核对：双方的这两个数应当一致"),
    )
    weight = models.DecimalField(_("权重"), max_digits=5, decimal_places=2, default=Decimal(1))
    from_year = models.PositiveSmallIntegerField(_("适用起始年度"), null=True, blank=True)
    to_year = models.PositiveSmallIntegerField(_("适用终止年度"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    note = models.CharField(_("说明与出处"), max_length=300, blank=True)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("协作考核指标")
        verbose_name_plural = _("协作考核指标")
        ordering = ["side", "order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}（{self.unit}）"

    def applies(self, year: int) -> bool:
        return (self.from_year is None or self.from_year <= year) and (
            self.to_year is None or self.to_year >= year
        )


class AgreementStatus(models.TextChoices):
    SIGNED = "signed", _("已签订")
    REVISED = "revised", _("已被修订版取代")


class Agreement(models.Model):
    """The yearly agreement (协议) of one pairing: signed targets per indicator for both sides."""

    pairing = models.ForeignKey(
        Pairing, on_delete=models.PROTECT, related_name="agreements", verbose_name=_("结对")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(
        _("状态"), max_length=8, choices=AgreementStatus.choices, default=AgreementStatus.SIGNED
    )
    signed_on = models.DateField(_("签订日期"))
    signed_by = models.CharField(_("签订人"), max_length=64)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("协作协议")
        verbose_name_plural = _("协作协议")
        ordering = ["-year", "pairing_id", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing", "year"],
                name="coop_agreement_one_signed",
                condition=Q(status="signed"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pairing} {self.year} 年协议"


class AgreementTarget(models.Model):
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="targets", verbose_name=_("协议")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+", verbose_name=_("指标")
    )
    target = models.DecimalField(_("目标值"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("协议目标")
        verbose_name_plural = _("协议目标")
        ordering = ["agreement_id", "indicator__side", "indicator__order"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "indicator"], name="coop_target_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}={self.target}"


class LedgerEntry(models.Model):
    """One line of the cooperation ledger (台账): what was done, by how much, with what evidence.

    Counts in reconciliation only once the other side confirmed it (`amount`) or a dispute was
    resolved (`agreed_amount`); pending, disputed and withdrawn entries count for nothing.
    """

    pairing = models.ForeignKey(
        Pairing, on_delete=models.PROTECT, related_name="ledger", verbose_name=_("结对")
    )
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    date = models.DateField(_("日期"))
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="entries", verbose_name=_("指标")
    )
    amount = models.DecimalField(_("数额"), max_digits=14, decimal_places=2)
    agreed_amount = models.DecimalField(
        _("议定数额"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("异议解决时双方议定"),
    )
    beneficiaries = models.PositiveIntegerField(_("受益贫困人口"), default=0)
    county = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("实施县"),
    )
    title = models.CharField(_("事项"), max_length=200, blank=True)
    # The help app's project this entry funds: its beneficiary households are the project's
    # beneficiaries the field check draws from (one list, kept where the projects are kept).
    project = models.ForeignKey(
        "assistance.Project",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("资助的扶贫项目"),
    )
    evidence = models.TextField(_("佐证材料说明"), blank=True)
    evidence_files = models.JSONField(_("佐证文件"), default=list, blank=True)
    entered_by = models.CharField(_("录入方"), max_length=4, choices=Side.choices)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=EntryStatus.choices,
        default=EntryStatus.PENDING,
        db_index=True,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.CharField(_("录入人"), max_length=64)
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("协作台账")
        verbose_name_plural = _("协作台账")
        ordering = ["pairing_id", "year", "date", "id"]
        indexes = [models.Index(fields=["pairing", "year", "indicator"])]

    def __str__(self) -> str:
        amount = f"{self.amount:,.2f}".removesuffix(".00")
        return f"{self.date} {self.indicator.name} {amount} {self.indicator.unit}"

    @property
    def counts(self) -> bool:
        return self.status in COUNTED_STATUSES

    @property
    def counted_amount(self) -> Decimal:
        """What the entry adds to its indicator: nothing until confirmed or resolved."""
        if self.status == EntryStatus.CONFIRMED:
            return self.amount
        if self.status == EntryStatus.RESOLVED:
            return self.agreed_amount if self.agreed_amount is not None else Decimal(0)
        return Decimal(0)


class LedgerReview(TransitionRow):
    """One step of an entry's review, append-only (who, when, from, to, opinion: TransitionRow)."""

    entry = models.ForeignKey(
        LedgerEntry, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("台账")
    )
    action = models.CharField(_("操作"), max_length=10, choices=ReviewAction.choices)
    side = models.CharField(_("操作方"), max_length=4, choices=Side.choices)
    from_status = models.CharField(_("原状态"), max_length=10, choices=EntryStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=10, choices=EntryStatus.choices)
    amount = models.DecimalField(
        _("数额"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("修改后或议定的数额"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("台账审核记录")
        verbose_name_plural = _("台账审核记录")
        ordering = ["entry_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.from_status} → {self.to_status}"


class SelfAssessment(models.Model):
    """One side's self-assessment (自评) of a pairing's year: a report and claimed figures."""

    pairing = models.ForeignKey(
        Pairing, on_delete=models.PROTECT, related_name="self_assessments", verbose_name=_("结对")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    side = models.CharField(_("自评方"), max_length=4, choices=Side.choices)
    text = models.TextField(_("自评报告"))
    claims = models.JSONField(
        _("自报完成数"), default=dict, blank=True, help_text=_("指标代码 → 自报完成值")
    )
    claimed_grade = models.CharField(_("自评等次"), max_length=4, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.CharField(_("填报人"), max_length=64)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("协作自评")
        verbose_name_plural = _("协作自评")
        ordering = ["pairing_id", "year", "side"]
        constraints = [
            models.UniqueConstraint(fields=["pairing", "year", "side"], name="coop_self_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.pairing} {self.year} {self.get_side_display()}自评"


class AssessmentComment(models.Model):
    """The other side's comment on a self-assessment (append-only)."""

    assessment = models.ForeignKey(
        SelfAssessment, on_delete=models.PROTECT, related_name="comments", verbose_name=_("自评")
    )
    side = models.CharField(_("评价方"), max_length=4, choices=Side.choices)
    agrees = models.BooleanField(_("认可自评"), default=True)
    text = models.TextField(_("意见"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.CharField(_("评价人"), max_length=64)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("对方评价")
        verbose_name_plural = _("对方评价")
        ordering = ["assessment_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.assessment} ← {self.get_side_display()}"


class Grade(models.TextChoices):
    GOOD = "good", _("好")
    FAIRLY_GOOD = "fairly_good", _("较好")
    AVERAGE = "average", _("一般")
    POOR = "poor", _("差")


class GradeRule(models.Model):
    """One grade's thresholds, as data. Rules are tried in `order` (best grade first); the first
    whose every condition holds gives the grade; none holding gives 差."""

    grade = models.CharField(_("等次"), max_length=12, choices=Grade.choices)
    side = models.CharField(
        _("适用方"), max_length=4, choices=Side.choices, blank=True, help_text=_("空：双方通用")
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    min_score = models.DecimalField(
        _("完成度得分不低于"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        help_text=_("各指标完成率（封顶 100%）按权重平均 × 100"),
    )
    min_done_share = models.DecimalField(
        _("完成指标占比不低于"),
        max_digits=4,
        decimal_places=3,
        default=Decimal(0),
        help_text=_("0–1"),
    )
    max_not_done = models.PositiveSmallIntegerField(
        _("未完成指标不超过"), null=True, blank=True, help_text=_("空：不限")
    )
    max_open_disputes = models.PositiveSmallIntegerField(
        _("未解决异议不超过"), null=True, blank=True, help_text=_("空：不限")
    )
    from_year = models.PositiveSmallIntegerField(_("适用起始年度"), null=True, blank=True)
    to_year = models.PositiveSmallIntegerField(_("适用终止年度"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("等次规则")
        verbose_name_plural = _("等次规则")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        from fupin.regions.templatetags.fupin_numbers import number_text

        return f"{self.get_grade_display()}：得分≥{number_text(self.min_score)}"


class InnovationKind(models.TextChoices):
    """The four innovation items (seed 000: 创新工作情况)."""

    DEEPLY_POOR_TILT = "deeply_poor_tilt", _("向深度贫困地区倾斜")
    LAND_QUOTA = "land_quota", _("增减挂钩节余指标跨省域调剂")
    DISABLED = "disabled", _("帮助贫困残疾人脱贫")
    OTHER = "other", _("其他创新工作")


class InnovationItem(models.Model):
    """An innovation (自选动作) noted apart from the agreement's indicators."""

    pairing = models.ForeignKey(
        Pairing, on_delete=models.PROTECT, related_name="innovations", verbose_name=_("结对")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    side = models.CharField(_("填报方"), max_length=4, choices=Side.choices)
    kind = models.CharField(_("类型"), max_length=16, choices=InnovationKind.choices)
    title = models.CharField(_("事项"), max_length=200)
    description = models.TextField(_("内容"), blank=True)
    amount = models.DecimalField(
        _("金额（万元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    beneficiaries = models.PositiveIntegerField(_("受益贫困人口"), default=0)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.CharField(_("填报人"), max_length=64)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("创新工作")
        verbose_name_plural = _("创新工作")
        ordering = ["pairing_id", "year", "kind", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.title}"


from fupin.cooperation.fieldcheck_models import (  # noqa: E402,F401  (registers the models)
    FieldCheckDraw,
    FieldCheckForm,
    FieldCheckItem,
)
