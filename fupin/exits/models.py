"""Exit cases (贫困退出) with their append-only steps, objections, and 3342 signatures and voids."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.accounts.workflow import TransitionRow
from fupin.assessments.models import CountyDecision
from fupin.assessments.models.base import AppendOnly
from fupin.exits.workflows import (
    FINAL_STATUSES,
    ExitKind,
    ExitStatus,
    VoidKind,
    capacity,
    level_label,
)
from fupin.regions.models import Level, Region
from fupin.registry.models import Household


class ExitCase(models.Model):
    """One exit procedure: a household, a poor village or a poor county leaving poverty in `year`.

    `status` moves only through services.exit_case_transition; `supplied` holds the criteria data
    the registry does not have (a village's indicators), changed only through
    services.exit_case_data_change. A county's figures come from `assessment_result`; the county
    figures older cases kept in `supplied` are no longer read. `year` is the year the case was
    proposed in, and the approval must fall in it (the exit year follows from the approval)."""

    kind = models.CharField(_("退出类型"), max_length=10, choices=ExitKind.choices)
    household = models.ForeignKey(
        Household,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exit_cases",
        verbose_name=_("农户"),
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="exit_cases",
        verbose_name=_("所在/退出区划"),
        help_text=_("贫困户退出为所在村；贫困村、贫困县退出为其本身"),
    )
    year = models.PositiveSmallIntegerField(_("退出年度"))
    status = models.CharField(
        _("状态"), max_length=20, choices=ExitStatus.choices, default=ExitStatus.PROPOSED
    )
    supplied = models.JSONField(
        _("补充数据"),
        default=dict,
        blank=True,
        help_text=_("登记系统之外的退出指标数据（如村级指标、评估结果）"),
    )
    # A county's 专项评估检查: the decided county result its four figures are read from, linked by
    # the province at that step (services.exit_case_transition); never typed by the county.
    assessment_result = models.ForeignKey(
        CountyDecision,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exit_cases",
        verbose_name=_("专项评估检查结果"),
        help_text=_("贫困县退出：评估任务对该县作出的县级结果，三率一度由此读取"),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提出人"),
    )
    opened_at = models.DateTimeField(_("提出时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("退出事项")
        verbose_name_plural = _("退出事项")
        ordering = ["-year", "region_id", "id"]
        indexes = [models.Index(fields=["kind", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject_code} {self.year}"

    @property
    def subject_code(self) -> str:
        """What exits: the household number, or the village or county code."""
        return self.household.household_no if self.household_id else self.region.code

    @property
    def subject_name(self) -> str:
        if self.household_id:
            return f"{self.region.name} {self.household.household_no}"
        return self.region.name

    @property
    def is_closed(self) -> bool:
        return self.status in FINAL_STATUSES[self.kind]

    def subject_level(self) -> str:
        return Level.VILLAGE if self.kind != ExitKind.COUNTY else Level.COUNTY


class ExitStep(TransitionRow, AppendOnly):
    """One step of a case (who, when, from, to, opinion, evidence: TransitionRow); for a notice
    its dates.

    Steps that change no status (from == to) record events on the way: signatures voided."""

    case = models.ForeignKey(
        ExitCase, on_delete=models.PROTECT, related_name="steps", verbose_name=_("退出事项")
    )
    action = models.CharField(_("环节"), max_length=40)
    date = models.DateField(_("办理日期"))
    notice_start = models.DateField(_("公示开始"), null=True, blank=True)
    notice_end = models.DateField(_("公示结束"), null=True, blank=True)

    class Meta:
        verbose_name = _("退出程序记录")
        verbose_name_plural = _("退出程序记录")
        ordering = ["case_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.action} {self.from_status}→{self.to_status}"


class Objection(AppendOnly):
    """An objection raised during a public notice (公示异议)."""

    case = models.ForeignKey(
        ExitCase, on_delete=models.PROTECT, related_name="objections", verbose_name=_("退出事项")
    )
    notice = models.ForeignKey(
        ExitStep, on_delete=models.PROTECT, related_name="objections", verbose_name=_("公示")
    )
    raised_by_name = models.CharField(_("异议人"), max_length=64, blank=True)
    content = models.TextField(_("异议内容"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["case_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.content[:20]}"


class ObjectionResolution(AppendOnly):
    """How an objection was settled: upheld (成立, blocks the exit) or dismissed, with reasons."""

    objection = models.OneToOneField(
        Objection, on_delete=models.PROTECT, related_name="resolution", verbose_name=_("异议")
    )
    upheld = models.BooleanField(_("异议成立"))
    opinion = models.TextField(_("核实意见"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("核实人"),
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("异议处理")
        verbose_name_plural = _("异议处理")


class Signature(AppendOnly):
    """One 3342 signature: who signed, in which capacity, when, and the SHA-256 of exactly the
    data signed (`signed_data`, kept so that a later change can be named). Never changed: a void
    is a separate SignatureVoid row."""

    case = models.ForeignKey(
        ExitCase, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("退出事项")
    )
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    capacity = models.CharField(_("签字身份"), max_length=32)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("签字人"),
        help_text=_("贫困户签字时为见证并录入的村级干部"),
    )
    signatory_name = models.CharField(
        _("签字人姓名"), max_length=64, blank=True, help_text=_("贫困户签字时为户主姓名")
    )
    # The post signed in (by its holder, or by a stand-in for its holder); officials only.
    post = models.ForeignKey(
        "accounts.Post",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所签职务"),
    )
    stand_in_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("被代签人"),
        help_text=_("由他人代签时为该职务的现任任职人"),
    )
    stand_in_reason = models.CharField(_("代签事由"), max_length=200, blank=True)
    at = models.DateTimeField(_("签字时间"), auto_now_add=True)
    fingerprint = models.CharField(_("数据指纹(SHA-256)"), max_length=64)
    signed_data = models.JSONField(_("所签数据"))

    class Meta:
        verbose_name = _("3342签字")
        verbose_name_plural = _("3342签字")
        ordering = ["case_id", "at", "id"]

    def __str__(self) -> str:
        cap = capacity(self.level, self.capacity)
        label = cap.label if cap is not None else self.capacity
        return f"退出事项 {self.case_id} {level_label(self.level)} {label}"

    @property
    def is_void(self) -> bool:
        try:
            return self.void is not None
        except SignatureVoid.DoesNotExist:
            return False


class SignatureVoid(AppendOnly):
    """A signature no longer valid: its data changed after signing, or a higher level revoked it."""

    signature = models.OneToOneField(
        Signature, on_delete=models.PROTECT, related_name="void", verbose_name=_("签字")
    )
    kind = models.CharField(_("作废原因类型"), max_length=16, choices=VoidKind.choices)
    reason = models.TextField(_("作废原因"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("作废时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("签字作废")
        verbose_name_plural = _("签字作废")
