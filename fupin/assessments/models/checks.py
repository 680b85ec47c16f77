"""The other checks of 五抽五查五看 (seed 004), recorded per county of a campaign: the exit
procedure's documents (checklist), the province's assessment plan checked item by item for a
raised or lowered standard, a recorded random re-check of the province's own questionnaires, and
the interviews and meetings with county, township and village cadres (座谈访谈). All append-only:
a mistake is corrected by recording again."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.assessments.models.base import AppendOnly
from fupin.assessments.models.campaigns import Campaign
from fupin.assessments.models.surveys import evidence_storage
from fupin.regions.models import Region


class ProcedureDocument(models.TextChoices):
    """The county exit's documents, in the order of the procedure (DOMAIN.md §5)."""

    APPLICATION = "application", _("县级申请")
    CITY_REVIEW = "city_review", _("市级初审")
    PROVINCE_VERIFICATION = "province_verification", _("省级核查")
    NOTICE = "notice", _("社会公示")
    ANNOUNCEMENT = "announcement", _("公告（省级批准退出）")


class ProcedureFinding(models.TextChoices):
    PRESENT = "present", _("齐全规范")
    MISSING = "missing", _("缺失")
    IRREGULAR = "irregular", _("不规范")


class CheckItem(AppendOnly):
    """What a checked item of a county holds besides its item and finding (the exit procedure's
    documents, the province's plan's items): the county, the evidence file, who checked it, when.
    Each kind declares its own `campaign` (its own reverse name) and `note` (its own label)."""

    county = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("县")
    )
    file = models.FileField(_("附件"), storage=evidence_storage, max_length=200, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("检查人"),
    )
    actor = models.CharField(_("操作人"), max_length=64)
    at = models.DateTimeField(_("记录时间"), default=timezone.now, editable=False)

    class Meta:
        abstract = True

    @property
    def file_name(self) -> str:
        """The attachment's name as offered for download (附件 when it came without one); empty
        when there is no attachment."""
        return (self.original_name or "附件") if self.file else ""


class ProcedureItem(CheckItem):
    """One checked document of a county's exit procedure; the latest row per document is in force."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="procedure_items", verbose_name=_("任务")
    )
    document = models.CharField(_("退出材料"), max_length=24, choices=ProcedureDocument.choices)
    finding = models.CharField(_("检查结果"), max_length=10, choices=ProcedureFinding.choices)
    note = models.TextField(_("证据说明"), blank=True)
    exit_record = models.CharField(
        _("退出系统记录"), max_length=400, blank=True, help_text=_("预填时所见的本系统退出记录")
    )

    class Meta:
        verbose_name = _("退出程序检查")
        verbose_name_plural = _("退出程序检查")
        ordering = ["campaign_id", "county_id", "document", "-at", "-id"]

    def __str__(self) -> str:
        return f"{self.county.name} {self.get_document_display()}：{self.get_finding_display()}"


class Interview(AppendOnly):
    """One interview or meeting (座谈访谈) with a county's cadres, attached to the county."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="interviews", verbose_name=_("任务")
    )
    county = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("县")
    )
    date = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=200)
    participants = models.TextField(_("参加人员"), help_text=_("县、乡、村干部的姓名与职务"))
    notes = models.TextField(_("座谈访谈记录"))
    issues = models.TextField(_("反映的问题"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    actor = models.CharField(_("操作人"), max_length=64)
    at = models.DateTimeField(_("记录时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("座谈访谈")
        verbose_name_plural = _("座谈访谈")
        ordering = ["campaign_id", "county_id", "date", "id"]

    def __str__(self) -> str:
        return f"{self.county.name} {self.date} {self.place}"


class StandardItem(models.TextChoices):
    """The items of the province's plan checked for a raised or lowered standard (拔高或降低标准)."""

    INCOME = "income", _("收入标准")
    FOOD = "food", _("不愁吃")
    CLOTHING = "clothing", _("不愁穿")
    EDUCATION = "education", _("义务教育有保障")
    MEDICAL = "medical", _("基本医疗有保障")
    HOUSING = "housing", _("住房安全有保障")
    WATER = "water", _("饮水安全")
    INCIDENCE = "incidence", _("贫困发生率标准")
    OTHER = "other", _("其他")


class StandardFinding(models.TextChoices):
    CONFORMS = "conforms", _("符合")
    RAISED = "raised", _("拔高")
    LOWERED = "lowered", _("降低")
    UNDETERMINED = "undetermined", _("无法判断")


class StandardCheckItem(CheckItem):
    """One item of the province's assessment plan as checked; the latest row per item is in force."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="standard_items", verbose_name=_("任务")
    )
    item = models.CharField(_("检查项"), max_length=16, choices=StandardItem.choices)
    finding = models.CharField(_("检查结果"), max_length=16, choices=StandardFinding.choices)
    plan_says = models.TextField(_("省级方案的表述"), blank=True)
    standard = models.TextField(_("应执行的标准"), blank=True)
    note = models.TextField(_("说明"), blank=True)
    reference = models.CharField(
        _("政策参考"), max_length=400, blank=True, help_text=_("记录时本系统政策表给出的标准")
    )

    class Meta:
        verbose_name = _("标准准确性检查")
        verbose_name_plural = _("标准准确性检查")
        ordering = ["campaign_id", "county_id", "item", "-at", "-id"]

    def __str__(self) -> str:
        return f"{self.county.name} {self.get_item_display()}：{self.get_finding_display()}"


class RecheckGroup(models.TextChoices):
    """The field groups of a provincial questionnaire compared on re-check."""

    INCOME = "income", _("收入")
    GUARANTEES = "guarantees", _("两不愁三保障")
    RECOGNITION = "recognition", _("认可度")
    IDENTITY = "identity", _("身份识别")


class RecheckDraw(AppendOnly):
    """A recorded simple random draw of the province's own questionnaires of a county (抽查省级评估
    问卷): the frame is the province's questionnaires numbered 1..frame_size; `numbers` are the
    drawn numbers. A redraw is a new row that `supersedes` this one, with a reason."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="recheck_draws", verbose_name=_("任务")
    )
    county = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("县")
    )
    frame_size = models.PositiveIntegerField(_("省级问卷份数"))
    size = models.PositiveIntegerField(_("抽查份数"))
    seed = models.CharField(_("随机种子"), max_length=80, help_text=_("以文本保存，可为大整数"))
    method = models.CharField(_("抽样方法"), max_length=32, default="srs")
    numbers = models.JSONField(_("抽中的问卷序号"), default=list)
    frame_description = models.TextField(_("抽样框说明"))
    reason = models.TextField(_("重抽原因"), blank=True)
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        verbose_name=_("替换的抽样"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("抽样人"),
    )
    actor = models.CharField(_("操作人"), max_length=64)
    at = models.DateTimeField(_("抽样时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("省级问卷复查抽样")
        verbose_name_plural = _("省级问卷复查抽样")
        ordering = ["campaign_id", "county_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.county.name} 抽查省级问卷 {self.size}/{self.frame_size}"


class RecheckResult(AppendOnly):
    """Whether one field group of one drawn questionnaire agrees with what the re-check found; the
    latest row per (questionnaire, group) is in force."""

    draw = models.ForeignKey(
        RecheckDraw, on_delete=models.PROTECT, related_name="results", verbose_name=_("抽样")
    )
    number = models.PositiveIntegerField(_("问卷序号"))
    group = models.CharField(_("字段组"), max_length=16, choices=RecheckGroup.choices)
    agree = models.BooleanField(_("一致"))
    note = models.TextField(_("说明"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("复查人"),
    )
    actor = models.CharField(_("操作人"), max_length=64)
    at = models.DateTimeField(_("记录时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("省级问卷复查结果")
        verbose_name_plural = _("省级问卷复查结果")
        ordering = ["draw_id", "number", "group", "-at", "-id"]

    def __str__(self) -> str:
        verdict = "一致" if self.agree else "不一致"
        return f"第 {self.number} 份 {self.get_group_display()}：{verdict}"
