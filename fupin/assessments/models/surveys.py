"""The field survey: versioned questionnaires, submissions from devices, and evidence files."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from fupin.assessments.models.base import AppendOnly
from fupin.assessments.models.campaigns import Campaign
from fupin.assessments.models.evaluators import Enumerator, Team
from fupin.registry.models import Household


@deconstructible
class EvidenceStorage(FileSystemStorage):
    """Files under FUPIN_DATA_DIR/evidence, resolved when used (so tests can point DATA_DIR elsewhere)."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def base_location(self) -> str:
        return str(Path(settings.DATA_DIR) / "evidence")

    @property  # type: ignore[override]
    def location(self) -> str:
        return str(Path(self.base_location).resolve())

    @property  # type: ignore[override]
    def base_url(self) -> None:
        return None

    def deconstruct(self) -> tuple[str, tuple[()], dict[str, object]]:
        return ("fupin.assessments.models.surveys.EvidenceStorage", (), {})


evidence_storage = EvidenceStorage()


class Questionnaire(models.Model):
    """One version of the household questionnaire; the schema lists sections and questions."""

    version = models.PositiveSmallIntegerField(_("版本"), unique=True)
    title = models.CharField(_("标题"), max_length=120)
    schema = models.JSONField(_("问题结构"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("问卷")
        verbose_name_plural = _("问卷")
        ordering = ["version"]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class Submission(AppendOnly):
    """One completed household questionnaire as the device sent it; stored once per client id."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("任务")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("农户")
    )
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="+", verbose_name=_("问卷")
    )
    client_id = models.UUIDField(
        _("提交编号"), unique=True, help_text=_("由采集设备生成；重复提交凭此只保存一次")
    )
    answers = models.JSONField(_("答案"))
    payload_checksum = models.CharField(_("内容校验值"), max_length=64)
    enumerator = models.ForeignKey(
        Enumerator, on_delete=models.PROTECT, related_name="+", verbose_name=_("调查员")
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="+", verbose_name=_("调查小组")
    )
    gps_lat = models.FloatField(_("纬度"), null=True, blank=True)
    gps_lon = models.FloatField(_("经度"), null=True, blank=True)
    gps_accuracy = models.FloatField(_("定位精度(米)"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("完成时间"))
    received_at = models.DateTimeField(_("接收时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("入户调查问卷")
        verbose_name_plural = _("入户调查问卷")
        ordering = ["campaign_id", "received_at", "id"]
        indexes = [models.Index(fields=["campaign", "household"])]

    def __str__(self) -> str:
        return f"{self.household_id} {self.client_id}"


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", _("照片")
    AUDIO = "audio", _("录音")
    DOCUMENT = "document", _("文件")


EVIDENCE_OWNERS = ("submission", "problem", "explanation", "finding", "rectification")


def _exactly_one_owner() -> models.Q:
    q = models.Q()
    for owner in EVIDENCE_OWNERS:
        clause = models.Q(**{f"{owner}__isnull": False})
        for other in EVIDENCE_OWNERS:
            if other != owner:
                clause &= models.Q(**{f"{other}__isnull": True})
        q |= clause
    return q


class Evidence(AppendOnly):
    """A photo, recording or document, stored by its sha256 and attached to exactly one record."""

    submission = models.ForeignKey(
        Submission,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
        verbose_name=_("问卷"),
    )
    problem = models.ForeignKey(
        "assessments.Problem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
        verbose_name=_("问题"),
    )
    explanation = models.ForeignKey(
        "assessments.ProblemExplanation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("地方说明"),
    )
    finding = models.ForeignKey(
        "assessments.UnannouncedFinding",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
        verbose_name=_("暗访发现"),
    )
    rectification = models.ForeignKey(
        "assessments.Rectification",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proof_files",
        verbose_name=_("整改"),
    )
    kind = models.CharField(_("类型"), max_length=10, choices=EvidenceKind.choices)
    file = models.FileField(_("文件"), storage=evidence_storage, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("大小(字节)"))
    gps_lat = models.FloatField(_("纬度"), null=True, blank=True)
    gps_lon = models.FloatField(_("经度"), null=True, blank=True)
    taken_at = models.DateTimeField(_("拍摄/形成时间"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("上传用户"),
    )
    actor = models.CharField(_("操作人"), max_length=64)
    received_at = models.DateTimeField(_("接收时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("证据材料")
        verbose_name_plural = _("证据材料")
        ordering = ["received_at", "id"]
        constraints = [
            models.CheckConstraint(condition=_exactly_one_owner(), name="evidence_one_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.sha256[:12]}"
