"""Two of the other checks of 五抽五查五看 (seed 004), recorded per county of a campaign: the exit
procedure's documents (checklist) and the interviews and meetings with county, township and
village cadres (座谈访谈). Both append-only: a mistake is corrected by recording again."""

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


class ProcedureItem(AppendOnly):
    """One checked document of a county's exit procedure; the latest row per document is in force."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="procedure_items", verbose_name=_("任务")
    )
    county = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("县")
    )
    document = models.CharField(_("退出材料"), max_length=24, choices=ProcedureDocument.choices)
    finding = models.CharField(_("检查结果"), max_length=10, choices=ProcedureFinding.choices)
    note = models.TextField(_("证据说明"), blank=True)
    exit_record = models.CharField(
        _("退出系统记录"), max_length=400, blank=True, help_text=_("预填时所见的本系统退出记录")
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
