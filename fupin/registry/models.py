"""The registry (建档立卡): households, members and their status history (the audit trail is accounts')."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from fupin.accounts.workflow import TransitionRow
from fupin.policy import HouseholdFacts, Identification, PolicyError, identify, idnumber
from fupin.policy.standards import (
    ReferenceIncome,
    RelativeIncomeRule,
    StandardKind,
    VillageRule,
)
from fupin.policy.standards import Standard as PolicyStandard
from fupin.regions.models import Region
from fupin.registry.workflows import FINAL_STATUSES as IDENTIFICATION_FINAL
from fupin.registry.workflows import AppraisalResult, IdentificationStatus


class Status(models.TextChoices):
    POOR = "poor", _("未脱贫")
    EXITED = "exited", _("已脱贫")
    RETURNED = "returned", _("返贫")
    REMOVED = "removed", _("已清退")


# Statuses that keep a household in the registry; a removed household is on the roster only.
REGISTERED_STATUSES = frozenset({"poor", "exited", "returned"})


class Attribute(models.TextChoices):
    ORDINARY = "ordinary", _("一般贫困户")
    DIBAO = "dibao", _("低保贫困户")
    TEKUN = "tekun", _("特困供养贫困户")


class Standard(models.TextChoices):
    NATIONAL = "national", _("国家标准")
    PROVINCIAL = "provincial", _("省定标准")
    CITY = "city", _("市定标准")


class Cause(models.TextChoices):
    ILLNESS = "illness", _("因病")
    DISABILITY = "disability", _("因残")
    SCHOOLING = "schooling", _("因学")
    DISASTER = "disaster", _("因灾")
    LAND = "land", _("缺土地")
    WATER = "water", _("缺水")
    SKILLS = "skills", _("缺技术")
    LABOUR = "labour", _("缺劳力")
    CAPITAL = "capital", _("缺资金")
    TRANSPORT = "transport", _("交通条件落后")
    DRIVE = "drive", _("自身发展动力不足")
    OTHER = "other", _("其他")


class EventKind(models.TextChoices):
    IDENTIFIED = "identified", _("识别")
    EXITED = "exited", _("脱贫")
    RETURNED = "returned", _("返贫")
    REMOVED = "removed", _("清退")


# Which event may follow the household's current status (None: not yet registered), and the
# status it leads to. The history is append-only; the status field is derived from it.
EVENT_TRANSITIONS: dict[str | None, dict[str, str]] = {
    None: {EventKind.IDENTIFIED: Status.POOR},
    Status.POOR: {EventKind.EXITED: Status.EXITED, EventKind.REMOVED: Status.REMOVED},
    Status.EXITED: {EventKind.RETURNED: Status.RETURNED, EventKind.REMOVED: Status.REMOVED},
    Status.RETURNED: {EventKind.EXITED: Status.EXITED, EventKind.REMOVED: Status.REMOVED},
    # A removed household may be identified again (a new identification, with a reason).
    Status.REMOVED: {EventKind.IDENTIFIED: Status.POOR},
}


class RemovalKind(models.TextChoices):
    """Why a household left the registry other than by exit (DOMAIN.md §3, 动态管理): removed as
    wrongly identified (错评清退), or a natural decrease (自然减少: the household died out, moved away)."""

    WRONG = "wrong", _("清退（错评）")
    DEATH = "death", _("自然减少（死亡）")
    MOVED = "moved", _("自然减少（迁出）")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class Sex(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Education(models.TextChoices):
    NONE = "none", _("文盲或半文盲")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中")
    COLLEGE = "college", _("大专及以上")


class SchoolStatus(models.TextChoices):
    NOT_SCHOOL_AGE = "not_school_age", _("非在校生")
    IN_SCHOOL = "in_school", _("在校生")
    DROPPED_OUT = "dropped_out", _("辍学")
    GRADUATED = "graduated", _("已毕业")


class Health(models.TextChoices):
    HEALTHY = "healthy", _("健康")
    CHRONIC = "chronic", _("长期慢性病")
    SERIOUS = "serious", _("大病")
    DISABLED = "disabled", _("残疾")


class LabourAbility(models.TextChoices):
    NORMAL = "normal", _("普通劳动力")
    WEAK = "weak", _("弱劳动力")
    NONE = "none", _("丧失劳动力")
    NOT_WORKING_AGE = "not_working_age", _("无劳动力")


class Household(models.Model):
    """A rural household: registered (建档立卡) or on the village roster only (registered=False)."""

    household_no = models.CharField(_("户编号"), max_length=20, unique=True)
    village = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="households", verbose_name=_("所在村")
    )
    registered = models.BooleanField(_("建档立卡"), default=True, db_index=True)
    status = models.CharField(_("脱贫状态"), max_length=10, choices=Status.choices, blank=True)
    identified_year = models.PositiveSmallIntegerField(_("识别年度"), null=True, blank=True)
    exited_year = models.PositiveSmallIntegerField(_("脱贫年度"), null=True, blank=True)
    attribute = models.CharField(
        _("贫困户属性"), max_length=10, choices=Attribute.choices, blank=True
    )
    standard = models.CharField(_("识别标准"), max_length=12, choices=Standard.choices, blank=True)
    main_cause = models.CharField(
        _("主要致贫原因"), max_length=12, choices=Cause.choices, blank=True
    )
    other_causes = models.CharField(_("其他致贫原因"), max_length=40, blank=True)
    income_year = models.PositiveSmallIntegerField(_("收入年度"), null=True, blank=True)
    income_wages = models.FloatField(_("工资性收入"), default=0)
    income_business = models.FloatField(_("生产经营性收入"), default=0)
    income_property = models.FloatField(_("财产性收入"), default=0)
    income_transfers = models.FloatField(_("转移性收入"), default=0)
    income_policy_transfers = models.FloatField(_("其中政策性收入"), default=0)
    income_total = models.FloatField(_("家庭纯收入"), default=0)
    income_per_capita = models.FloatField(_("人均纯收入"), default=0)
    food_ok = models.BooleanField(_("不愁吃"), default=True)
    clothing_ok = models.BooleanField(_("不愁穿"), default=True)
    education_ok = models.BooleanField(_("义务教育有保障"), default=True)
    medical_ok = models.BooleanField(_("基本医疗有保障"), default=True)
    housing_ok = models.BooleanField(_("住房安全有保障"), default=True)
    water_ok = models.BooleanField(_("饮水安全有保障"), default=True)
    at_risk_dibao = models.BooleanField(_("低保户"), default=False)
    at_risk_illness = models.BooleanField(_("大病户"), default=False)
    at_risk_housing = models.BooleanField(_("危房户"), default=False)
    size = models.PositiveSmallIntegerField(_("家庭人口"), default=0)
    # Carried by the national system's lists (fupin's own layout leaves them alone).
    natural_village = models.CharField(
        _("自然村"), max_length=64, blank=True, default="", db_default=""
    )
    phone = models.CharField(_("联系电话"), max_length=40, blank=True, default="", db_default="")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("农户")
        verbose_name_plural = _("农户")
        ordering = ["household_no"]
        indexes = [models.Index(fields=["village", "registered", "status"])]

    def __str__(self) -> str:
        return self.household_no

    @property
    def guarantees_met(self) -> bool:
        """两不愁三保障 (and drinking water) all met, as recorded."""
        return all(
            (
                self.food_ok,
                self.clothing_ok,
                self.education_ok,
                self.medical_ok,
                self.housing_ok,
                self.water_ok,
            )
        )

    @property
    def head(self) -> Person | None:
        return self.members.filter(relation=Relation.HEAD).first()

    def other_cause_list(self) -> list[str]:
        return [c for c in self.other_causes.split(",") if c]

    def facts(self) -> HouseholdFacts:
        """The household as the policy rules see it (the registry's recorded values)."""
        members = list(self.members.all())
        return HouseholdFacts(
            income_per_capita=self.income_per_capita,
            size=max(self.size, 1),
            food_ok=self.food_ok,
            clothing_ok=self.clothing_ok,
            education_ok=self.education_ok,
            medical_ok=self.medical_ok,
            housing_ok=self.housing_ok,
            water_ok=self.water_ok,
            has_labour_ability=any(
                m.labour_ability in (LabourAbility.NORMAL, LabourAbility.WEAK) and not m.deceased
                for m in members
            ),
        )

    def identification(self) -> Identification | None:
        """Poor or not under the national standard in the income year, and why."""
        if self.income_year is None:
            return None
        try:
            return identify(self.facts(), self.income_year)
        except PolicyError:
            return None


class Person(models.Model):
    """A household member (家庭成员)."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="members", verbose_name=_("所在户")
    )
    # Not unique in the database: legacy registries hold members listed twice, which the data
    # checks must be able to find; imports keep them with a warning (refused with --strict).
    id_number = models.CharField(_("身份证号"), max_length=18, db_index=True)
    person_no = models.CharField(_("人编号"), max_length=24, blank=True, default="", db_default="")
    name = models.CharField(_("姓名"), max_length=32)
    relation = models.CharField(_("与户主关系"), max_length=12, choices=Relation.choices)
    ethnicity = models.CharField(_("民族"), max_length=16, blank=True, default="", db_default="")
    sex = models.CharField(_("性别"), max_length=6, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    education = models.CharField(
        _("文化程度"), max_length=10, choices=Education.choices, blank=True
    )
    school_status = models.CharField(
        _("在校生状况"), max_length=16, choices=SchoolStatus.choices, blank=True
    )
    health = models.CharField(_("健康状况"), max_length=10, choices=Health.choices, blank=True)
    disability_grade = models.PositiveSmallIntegerField(_("残疾等级"), default=0)
    labour_ability = models.CharField(
        _("劳动能力"), max_length=16, choices=LabourAbility.choices, blank=True
    )
    months_away = models.PositiveSmallIntegerField(_("务工时间(月)"), default=0)
    insured = models.BooleanField(_("参加医疗保险"), default=True)
    deceased = models.BooleanField(_("已故"), default=False)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        ordering = ["household_id", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.masked_id}）"

    @property
    def masked_id(self) -> str:
        return idnumber.mask(self.id_number)


class AppendOnlyError(Exception):
    """Raised on an attempt to change or delete a status event."""


class StatusEvent(models.Model):
    """One dated change of a household's status. Never edited, never deleted."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=12, choices=EventKind.choices)
    date = models.DateField(_("日期"))
    year = models.PositiveSmallIntegerField(_("年度"))
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    # For a removal: 清退 or which natural decrease (blank on imported removals).
    removal_kind = models.CharField(
        _("减少类型"), max_length=8, choices=RemovalKind.choices, blank=True, db_default=""
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("状态变更")
        verbose_name_plural = _("状态变更")
        ordering = ["household_id", "date", "id"]

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise AppendOnlyError("状态变更记录只能追加，不能修改")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("状态变更记录只能追加，不能删除")


class AnalyticsSnapshot(models.Model):
    """A registry snapshot (fupin.registry.snapshots) whose aggregates the dashboards read."""

    snapshot_id = models.CharField(_("快照编号"), max_length=40, unique=True)
    registry_version = models.PositiveBigIntegerField(_("登记版本"))
    taken_at = models.DateTimeField(_("数据截至"))
    path = models.CharField(_("位置"), max_length=500)
    rows = models.JSONField(_("行数"), default=dict)
    aggregated_at = models.DateTimeField(_("汇总时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("数据快照")
        verbose_name_plural = _("数据快照")
        ordering = ["-taken_at", "-id"]

    def __str__(self) -> str:
        return self.snapshot_id


class RegionAggregate(models.Model):
    """One region's dashboard figures computed from a snapshot by the analytics layer."""

    snapshot = models.ForeignKey(
        AnalyticsSnapshot, on_delete=models.CASCADE, related_name="aggregates"
    )
    code = models.CharField(_("区划代码"), max_length=12)
    level = models.CharField(_("层级"), max_length=10)
    households = models.PositiveIntegerField(default=0)
    registered_households = models.PositiveIntegerField(default=0)
    poor = models.PositiveIntegerField(default=0)
    exited = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    people = models.PositiveBigIntegerField(default=0)
    registered_people = models.PositiveBigIntegerField(default=0)
    poor_people = models.PositiveBigIntegerField(default=0)
    # Registrations of an ID number registered more than once in the whole snapshot, and those
    # whose number is also registered in another county (家庭成员重复登记).
    duplicated_people = models.PositiveIntegerField(default=0)
    duplicated_elsewhere = models.PositiveIntegerField(default=0)
    # {"<year>": {"<kind>": n}} and [{"cause", "households", "people"}]
    events = models.JSONField(default=dict)
    causes = models.JSONField(default=list)

    class Meta:
        verbose_name = _("区划汇总")
        verbose_name_plural = _("区划汇总")
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "code"], name="aggregate_unique_code")
        ]
        indexes = [models.Index(fields=["snapshot", "level", "code"])]


# --- identification cases and evidence (issue #15 item 3) --------------------------------------
# The 一核二看三比四评议五公示 procedure of one household (its table: registry/workflows.py) and the
# evidence files attached to edits made in the browser.


@deconstructible
class RegistryEvidenceStorage(FileSystemStorage):
    """Files under FUPIN_DATA_DIR/evidence/registry, resolved when used (tests move DATA_DIR)."""

    @property  # type: ignore[override]
    def base_location(self) -> str:
        return str(Path(settings.DATA_DIR) / "evidence" / "registry")

    @property  # type: ignore[override]
    def location(self) -> str:
        return str(Path(self.base_location).resolve())

    @property  # type: ignore[override]
    def base_url(self) -> None:
        return None


registry_evidence_storage = RegistryEvidenceStorage()


class IdentificationCase(models.Model):
    """A household's application for identification (精准识别), taken through the five steps."""

    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="identification_cases",
        verbose_name=_("农户"),
    )
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=IdentificationStatus.choices,
        default=IdentificationStatus.APPLIED,
    )
    opened_on = models.DateField(_("申请日期"))
    reason = models.CharField(_("申请理由"), max_length=300)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
    )
    opened_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("识别申请")
        verbose_name_plural = _("识别申请")
        ordering = ["-opened_on", "-id"]

    def __str__(self) -> str:
        return f"{self.household.household_no} {self.get_status_display()}"

    @property
    def is_closed(self) -> bool:
        return self.status in IDENTIFICATION_FINAL


class IdentificationStep(TransitionRow):
    """One step of a case (who, when, from, to, opinion = what was found, evidence): its date; for
    四评议 the result; for 五公示 the notice's dates and any objection with its handling."""

    case = models.ForeignKey(
        IdentificationCase,
        on_delete=models.PROTECT,
        related_name="steps",
        verbose_name=_("识别申请"),
    )
    action = models.CharField(_("环节"), max_length=40)
    from_status = models.CharField(_("原状态"), max_length=12, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12)
    date = models.DateField(_("办理日期"))
    appraisal_result = models.CharField(
        _("评议结果"), max_length=8, choices=AppraisalResult.choices, blank=True
    )
    notice_start = models.DateField(_("公示开始"), null=True, blank=True)
    notice_end = models.DateField(_("公示结束"), null=True, blank=True)
    objection = models.CharField(_("异议"), max_length=500, blank=True)
    objection_handling = models.CharField(_("异议处理"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("识别程序记录")
        verbose_name_plural = _("识别程序记录")
        ordering = ["case_id", "date", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.action}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise AppendOnlyError("识别程序记录只能追加，不能修改")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("识别程序记录只能追加，不能删除")

    @property
    def from_label(self) -> str:
        return str(IdentificationStatus(self.from_status).label) if self.from_status else "—"

    @property
    def to_label(self) -> str:
        return str(IdentificationStatus(self.to_status).label)


def _evidence_path(instance: RegistryEvidence, filename: str) -> str:
    return f"{instance.household_id}/{filename}"


class RegistryEvidence(models.Model):
    """A file an office attached to a change made in the browser (income, 两不愁三保障, members),
    kept under FUPIN_DATA_DIR/evidence/registry with the audit row's note."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("农户")
    )
    note = models.CharField(_("说明"), max_length=300)
    file = models.FileField(
        _("文件"), storage=registry_evidence_storage, upload_to=_evidence_path, max_length=200
    )
    original_name = models.CharField(_("原文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小(字节)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("上传人"),
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["household_id", "-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.original_name


# --- end of identification cases and evidence --------------------------------------------------


# --- Web uploads (issue #15 item 2, fupin/registry/uploads.py): a registry file or a department
# list, checked in a dry run, then confirmed; and each office's saved column mapping. -----------


@deconstructible
class UploadStorage(FileSystemStorage):
    """Uploaded files under FUPIN_DATA_DIR/uploads, kept between the dry run and the confirmation
    (resolved when used, so tests can point DATA_DIR elsewhere)."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def base_location(self) -> str:
        return str(Path(settings.DATA_DIR) / "uploads")

    @property  # type: ignore[override]
    def location(self) -> str:
        return str(Path(self.base_location).resolve())

    @property  # type: ignore[override]
    def base_url(self) -> None:
        return None

    def deconstruct(self) -> tuple[str, tuple[()], dict[str, object]]:
        return ("fupin.registry.models.UploadStorage", (), {})


upload_storage = UploadStorage()


class UploadStatus(models.TextChoices):
    CHECKED = "checked", _("已试运行，待确认")
    RUNNING = "running", _("正在导入")
    DONE = "done", _("已导入")
    REJECTED = "rejected", _("未导入（有错误）")
    FAILED = "failed", _("导入中断，未写入任何数据")


class Upload(models.Model):
    """One uploaded file: a registry file (kind "registry") or a department list (a kind of
    fupin.matching.KINDS). The file is kept until it is confirmed; a department list then keeps
    only its keyed hashes (`keys`), never the ID numbers."""

    REGISTRY = "registry"

    kind = models.CharField(_("类型"), max_length=16)
    status = models.CharField(
        _("状态"), max_length=10, choices=UploadStatus.choices, default=UploadStatus.CHECKED
    )
    file = models.FileField(_("文件"), storage=upload_storage, max_length=300, blank=True)
    filename = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小（字节）"), default=0)
    sha256 = models.CharField(_("校验值"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    office = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    checked_at = models.DateTimeField(_("试运行时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    keep_good = models.BooleanField(_("只导入无错误的户"), default=False)
    column_map = models.JSONField(_("列对应"), default=dict, blank=True)
    # The registry's data version at the dry run: a confirmation after a change is refused.
    registry_version = models.PositiveBigIntegerField(default=0)
    report = models.JSONField(_("试运行报告"), default=dict, blank=True)
    result = models.JSONField(_("导入结果"), default=dict, blank=True)
    keys = models.JSONField(_("比对键"), default=list, blank=True)
    # What the uploader chose with the file for its kind (the ledger's side, the campaign of a
    # department's list): the kind's `UploadOption` names → values, read by its dry run and write.
    options = models.JSONField(_("上传选项"), default=dict, blank=True)

    class Meta:
        verbose_name = _("上传文件")
        verbose_name_plural = _("上传文件")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename


class ImportMapping(models.Model):
    """An office's column mapping: a header its files use → the standard column it holds,
    offered on the office's next upload."""

    office = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("文件中的列名"), max_length=100)
    target = models.CharField(_("标准列名"), max_length=40)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("保存时间"), auto_now=True)

    class Meta:
        verbose_name = _("列对应关系")
        verbose_name_plural = _("列对应关系")
        constraints = [
            models.UniqueConstraint(fields=["office", "source"], name="import_mapping_unique")
        ]


class RelativeStandardError(Exception):
    """Raised on an attempt to change a recorded version of a relative standard in place."""


class RelativeStandard(models.Model):
    """One recorded version of a province's relative standard (相对贫困标准), as its province
    office enters it: the village and household shares of the province's rural per-capita net
    income of the reference year, that income with its source, and the years it applies to.

    Versions of one standard share `code`; a change is a new version (never an edit in place),
    a wrong entry is withdrawn by a recorded step, and the standard in force is the latest
    version not withdrawn (`fupin.registry.standards`).
    """

    code = models.CharField(_("标准代码"), max_length=32, db_index=True)
    version = models.PositiveSmallIntegerField(_("版本"))
    province = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("省份")
    )
    name = models.CharField(_("标准名称"), max_length=100)
    household_share = models.FloatField(_("贫困户收入占比"))
    village_share = models.FloatField(_("重点帮扶村收入占比"), null=True, blank=True)
    reference_year = models.PositiveSmallIntegerField(_("参照年度"))
    reference_yuan = models.FloatField(_("全省农民人均纯收入（元）"))
    reference_source = models.CharField(_("收入来源"), max_length=300)
    first_year = models.PositiveSmallIntegerField(_("起始年度"))
    last_year = models.PositiveSmallIntegerField(_("截止年度"), null=True, blank=True)
    requires_labour_ability = models.BooleanField(_("须有劳动能力"), default=False)
    requires_poor_village = models.BooleanField(_("须在重点帮扶村内"), default=False)
    reason = models.CharField(_("制定或修改理由"), max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_reason = models.CharField(_("撤回理由"), max_length=300, blank=True)

    WITHDRAWAL_FIELDS = frozenset({"withdrawn_at", "withdrawn_by", "withdrawn_reason"})

    class Meta:
        verbose_name = _("相对贫困标准")
        verbose_name_plural = _("相对贫困标准")
        ordering = ["province_id", "code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="relative_standard_version")
        ]

    def __str__(self) -> str:
        return f"{self.name}（第 {self.version} 版）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A version, once recorded, changes only by being withdrawn.
        fields = kwargs.get("update_fields")
        if self.pk is not None and (fields is None or set(fields) - self.WITHDRAWAL_FIELDS):
            raise RelativeStandardError("相对贫困标准的版本不能修改，只能记录新版本或撤回")
        super().save(*args, **kwargs)

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def as_standard(self) -> PolicyStandard:
        """The version as the policy rules read it (`fupin.policy.standards.Standard`)."""
        reference = ReferenceIncome(
            year=self.reference_year, yuan=self.reference_yuan, source=self.reference_source
        )
        basis = f"{self.reference_year} 年"
        village = None
        if self.village_share is not None:
            village = VillageRule(
                share=self.village_share, reference=reference, basis=basis, term="重点帮扶村"
            )
        return PolicyStandard(
            code=self.code,
            name=self.name,
            kind=StandardKind.PROVINCIAL,
            region_code=self.province.prefix,
            first_year=self.first_year,
            last_year=self.last_year,
            household_rule=RelativeIncomeRule(
                share=self.household_share,
                reference=reference,
                basis=basis,
                requires_labour_ability=self.requires_labour_ability,
                requires_poor_village=self.requires_poor_village,
            ),
            village_rule=village,
            source=f"{self.province.name}扶贫办录入（第 {self.version} 版）：{self.reason}",
        )
