"""部门提供情况: the departments in charge of 两不愁三保障 list the problems they know for a
campaign's counties, one at a time or as an XLSX list (a kind of the one web upload, dry run then
confirm: fupin/assessments/uploads.py).

Each problem is attached to a county of the campaign and, where the list names one, a household
(by 户编号 or a member's ID number, matched within the campaign's counties; the ID number itself
is never stored). A listed household in the campaign's sample becomes a suspected problem that
enters 五核 through `problem_raise` (the one path), linked back to the report. Only holders of
the department role of the campaign file reports; each call is one transaction and audited.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from fupin.accounts.audit import audit_record, real_user
from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.assessments.models import (
    Campaign,
    DepartmentKind,
    DepartmentReport,
    DrawItem,
    DrawLevel,
    Problem,
)
from fupin.assessments.services.common import AssessmentError, User, in_working_group
from fupin.assessments.services.draws import draws_current
from fupin.assessments.services.evaluators import assessed_counties
from fupin.assessments.services.verification import OPEN_CAMPAIGN, problem_raise
from fupin.assessments.workflows import CampaignStatus, ProblemKind
from fupin.policy import idnumber
from fupin.regions.models import Region
from fupin.registry.models import Household, Person

# The department each kind of problem comes from (the report's 提供部门 when none is given).
DEPARTMENT_OF = {
    DepartmentKind.EDUCATION: "教育部门",
    DepartmentKind.HEALTH: "卫生健康部门",
    DepartmentKind.HOUSING: "住房城乡建设部门",
    DepartmentKind.WATER: "水利部门",
}
# Short names a list may use in its 问题类别 column.
KIND_WORDS = {
    "义务教育": DepartmentKind.EDUCATION,
    "教育": DepartmentKind.EDUCATION,
    "基本医疗": DepartmentKind.HEALTH,
    "医疗": DepartmentKind.HEALTH,
    "卫生健康": DepartmentKind.HEALTH,
    "住房安全": DepartmentKind.HOUSING,
    "住房": DepartmentKind.HOUSING,
    "饮水安全": DepartmentKind.WATER,
    "饮水": DepartmentKind.WATER,
    "水利": DepartmentKind.WATER,
}
LIST_COLUMNS = ("问题类别", "县", "户编号或身份证号", "问题描述", "提供部门")
REQUIRED_COLUMNS = ("问题类别", "县", "问题描述")
MAX_LIST_ROWS = 2000
MAX_LIST_BYTES = 2 * 1024 * 1024


def may_file(user: User | None, campaign: Campaign) -> bool:
    """Whether the active user holds the department role of the campaign (tied to it or to none)."""
    if user is None or not (user.is_authenticated and user.is_active):
        return False
    return (
        Membership.objects.filter(user_id=user.pk, role=Role.DEPARTMENT)
        .filter(Q(campaign=campaign) | Q(campaign__isnull=True))
        .exists()
    )


def may_file_some(user: User | None) -> bool:
    """Whether the active user holds the department role at all (of a campaign or of every one)."""
    if user is None or not (user.is_authenticated and user.is_active):
        return False
    return Membership.objects.filter(user_id=user.pk, role=Role.DEPARTMENT).exists()


def campaigns_to_file(user: User | None) -> QuerySet[Campaign]:
    """The campaigns the user may file department reports for now (their department role's, not
    yet at 反馈 or closed), newest first."""
    if not may_file_some(user):
        return Campaign.objects.none()
    assert user is not None
    roles = Membership.objects.filter(user_id=user.pk, role=Role.DEPARTMENT)
    campaigns = Campaign.objects.exclude(
        status__in=[CampaignStatus.FEEDBACK, CampaignStatus.CLOSED]
    )
    if not roles.filter(campaign__isnull=True).exists():
        campaigns = campaigns.filter(pk__in=roles.values("campaign_id"))
    return campaigns.order_by("-year", "-pk")


def may_read(user: User | None, campaign: Campaign) -> bool:
    """The campaign's department staff, its working group and its leading group read its reports."""
    if user is None or not (user.is_authenticated and user.is_active):
        return False
    return (
        may_file(user, campaign)
        or in_working_group(user, campaign)
        or Membership.objects.filter(user_id=user.pk, role=Role.LEADING_GROUP)
        .filter(Q(campaign=campaign) | Q(campaign__isnull=True))
        .exists()
    )


def department_reports_for(user: User | None, campaign: Campaign) -> QuerySet[DepartmentReport]:
    """The campaign's reports the user may read (none for anyone else: evaluators, offices)."""
    if not may_read(user, campaign):
        return DepartmentReport.objects.none()
    return (
        DepartmentReport.objects.filter(campaign=campaign)
        .select_related("county", "household", "recorded_by")
        .prefetch_related("problems")
        .order_by("county__code", "id")
    )


def kind_of(value: str) -> str | None:
    """A kind code from its code, its Chinese label or a short name; None when unknown."""
    value = value.strip()
    if value in DepartmentKind.values:
        return value
    for kind in DepartmentKind:
        if value == str(kind.label):
            return kind.value
    found = KIND_WORDS.get(value)
    return found.value if found is not None else None


def county_of(campaign: Campaign, value: str) -> Region | None:
    """One of the campaign's counties by its name or code (6 or 12 digits)."""
    value = value.strip()
    if value.isdigit() and len(value) == 6:
        value += "000000"
    for county in assessed_counties(campaign):
        if value in (county.code, county.name):
            return county
    return None


def household_of(county: Region, key: str) -> tuple[Household | None, str]:
    """The household of the county a list names by 户编号 or a member's ID number, or why not."""
    key = key.strip().upper()
    if not key:
        return None, ""
    found = Household.objects.filter(
        household_no=key, village__code__startswith=county.prefix
    ).first()
    if found is not None:
        return found, ""
    if len(key) == 18:
        if not idnumber.is_valid(key):
            return None, f"身份证号 {idnumber.mask(key)} 无效"
        person = (
            Person.objects.filter(id_number=key, household__village__code__startswith=county.prefix)
            .select_related("household")
            .first()
        )
        if person is not None:
            return person.household, ""
        return None, f"{county.name}没有身份证号为 {idnumber.mask(key)} 的人员"
    return None, f"{county.name}没有户编号为 {key} 的农户"


def sampled(campaign: Campaign, household: Household) -> bool:
    """Whether the household is in the campaign's sample (a household draw in force)."""
    return DrawItem.objects.filter(
        draw__in=draws_current(campaign).filter(level=DrawLevel.HOUSEHOLD),
        unit_key=household.household_no,
    ).exists()


def problem_kind(household: Household) -> str:
    """What a department's problem at a household suggests: an exited household whose 两不愁三保障
    is not met is a suspected wrong exit, a household outside the registry a suspected missed one."""
    if not household.registered:
        return ProblemKind.MISSED
    if household.status == "exited":
        return ProblemKind.WRONG_EXIT
    return ProblemKind.POLICY_NOT_DELIVERED


@dataclass(frozen=True)
class Filed:
    """A report written, and the suspected problem it raised (None when not in the sample)."""

    report: DepartmentReport
    problem: Problem | None
    note: str = ""


def _refuse_unless_may_file(user: User | None, campaign: Campaign) -> None:
    if not may_file(user, campaign):
        raise AssessmentError("只有本任务的部门人员可以填报部门提供情况")
    if campaign.status in (CampaignStatus.FEEDBACK, CampaignStatus.CLOSED):
        raise AssessmentError(
            f"任务当前为“{CampaignStatus(campaign.status).label}”，不能再填报部门提供情况"
        )


def _write(
    campaign: Campaign,
    *,
    user: User,
    kind: str,
    county: Region,
    description: str,
    household: Household | None,
    department: str,
    source_file: str,
    now: dt.datetime,
) -> Filed:
    report = DepartmentReport.objects.create(
        campaign=campaign,
        department=department.strip() or DEPARTMENT_OF[DepartmentKind(kind)],
        kind=kind,
        county=county,
        household=household,
        description=description.strip(),
        source_file=source_file,
        recorded_by=real_user(user),
        recorded_at=now,
    )
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=report,
        household=household,
        after={"kind": kind, "county": county.code, "source_file": source_file},
        reason=f"部门提供情况：{DepartmentKind(kind).label}",
        now=now,
    )
    if household is None or not sampled(campaign, household):
        return Filed(report, None)
    if campaign.status not in OPEN_CAMPAIGN:
        return Filed(report, None, "该户为抽样户，但任务不在实地调查或问题核实阶段，未进入五核")
    problem = problem_raise(
        campaign=campaign,
        county=county,
        kind=problem_kind(household),
        description=f"【{DepartmentKind(kind).label}】{report.description}",
        user=user,
        household=household,
        department_report=report,
        now=now,
    )
    return Filed(report, problem)


@transaction.atomic
def department_report_file(
    *,
    campaign: Campaign,
    user: User,
    kind: str,
    county: Region | str,
    description: str,
    household_key: str = "",
    department: str = "",
    now: dt.datetime | None = None,
) -> Filed:
    """A department user lists one problem of a county of the campaign (and a household, by 户编号
    or ID number); a sampled household's problem enters 五核. One transaction, audited."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _refuse_unless_may_file(user, campaign)
    if kind_of(kind) is None:
        raise AssessmentError("“问题类别”须为义务教育、基本医疗、住房安全或饮水安全")
    kind = kind_of(kind) or ""
    place = county if isinstance(county, Region) else county_of(campaign, county)
    if place is None or place.pk not in {c.pk for c in assessed_counties(campaign)}:
        raise AssessmentError("“县”须为本任务评估的县")
    if not description.strip():
        raise AssessmentError("请填写“问题描述”")
    household, why = household_of(place, household_key)
    if why:
        raise AssessmentError(f"“户编号或身份证号”：{why}")
    return _write(
        campaign,
        user=user,
        kind=kind,
        county=place,
        description=description,
        household=household,
        department=department,
        source_file="",
        now=now or timezone.now(),
    )


@dataclass
class ListRow:
    """One row of an uploaded list, as read and matched (the ID number only masked)."""

    number: int
    kind: str = ""
    county: Region | None = None
    household: Household | None = None
    key_shown: str = ""
    description: str = ""
    department: str = ""
    in_sample: bool = False
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # column, value, reason

    @property
    def kind_label(self) -> str:
        return str(DepartmentKind(self.kind).label) if self.kind else ""

    @property
    def errors(self) -> list[str]:
        return [reason for _, _, reason in self.problems]

    def bad(self, column: str, value: str, reason: str) -> None:
        self.problems.append((column, value, reason))


@dataclass
class ListReport:
    """What a list upload found (dry run) or wrote (confirmed)."""

    filename: str
    dry_run: bool
    rows: list[ListRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # whole-file errors
    filed: list[Filed] = field(default_factory=list)

    @property
    def bad_rows(self) -> list[ListRow]:
        return [r for r in self.rows if r.errors]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.bad_rows and bool(self.rows)

    @property
    def raised(self) -> int:
        return sum(1 for f in self.filed if f.problem is not None)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _rows(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]] | None:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # any unreadable upload: zip, XML or openpyxl errors alike
        return None
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = [_cell(v) for v in next(rows, ())]
        found: list[tuple[int, list[str]]] = []
        for number, row in enumerate(rows, start=2):
            cells = [_cell(v) for v in row]
            if any(cells):
                found.append((number, cells))
                if len(found) > MAX_LIST_ROWS:
                    break
        return header, found
    except Exception:  # a damaged sheet inside a readable file
        return None
    finally:
        wb.close()


def department_list_read(campaign: Campaign, data: bytes, *, filename: str = "") -> ListReport:
    """Read and match an XLSX list; every problem named by its row (as Excel numbers rows)."""
    report = ListReport(filename=filename, dry_run=True)
    if len(data) > MAX_LIST_BYTES:
        report.errors.append(f"文件超过 {MAX_LIST_BYTES // (1024 * 1024)} MB")
        return report
    read = _rows(data)
    if read is None:
        report.errors.append("文件无法读取：请上传 Excel 工作簿（.xlsx），可先下载模板")
        return report
    header, rows = read
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        report.errors.append(f"第 1 行（表头）缺少列：{'、'.join(missing)}")
        return report
    if len(rows) > MAX_LIST_ROWS:
        report.errors.append(f"清单超过 {MAX_LIST_ROWS} 行，请分批上传")
        return report
    if not rows:
        report.errors.append("清单中没有问题")
        return report
    col = {c: header.index(c) for c in LIST_COLUMNS if c in header}
    for number, cells in rows:
        v = {c: cells[i] if i < len(cells) else "" for c, i in col.items()}
        row = ListRow(number=number, description=v["问题描述"], department=v.get("提供部门", ""))
        kind = kind_of(v["问题类别"])
        if kind is None:
            row.bad(
                "问题类别",
                v["问题类别"],
                f"“问题类别”须为义务教育、基本医疗、住房安全或饮水安全：{v['问题类别'] or '（空）'}",
            )
        row.kind = kind or ""
        row.county = county_of(campaign, v["县"])
        if row.county is None:
            row.bad("县", v["县"], f"“县”不是本任务评估的县：{v['县'] or '（空）'}")
        key = v.get("户编号或身份证号", "").upper()
        row.key_shown = idnumber.mask(key) if len(key) == 18 else key
        if row.county is not None and key:
            row.household, why = household_of(row.county, key)
            if why:
                row.bad("户编号或身份证号", row.key_shown, f"“户编号或身份证号”：{why}")
            elif row.household is not None:
                row.in_sample = sampled(campaign, row.household)
        if not row.description:
            row.bad("问题描述", "", "“问题描述”不能为空")
        report.rows.append(row)
    return report


def department_list_import(
    file: IO[bytes] | bytes,
    *,
    campaign: Campaign,
    user: User,
    dry_run: bool,
    filename: str = "",
    now: dt.datetime | None = None,
) -> ListReport:
    """Read an XLSX list; unless `dry_run`, file every row (one transaction, each report audited)
    — or none when any row is bad. Sampled households' problems enter 五核. Called by the list's
    kind of upload (fupin/assessments/uploads.py), whose confirmation audits the file."""
    _refuse_unless_may_file(user, campaign)
    data = file if isinstance(file, bytes) else file.read(MAX_LIST_BYTES + 1)
    report = department_list_read(campaign, data, filename=filename)
    report.dry_run = dry_run
    if dry_run or not report.ok:
        return report
    now = now or timezone.now()
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        _refuse_unless_may_file(user, locked)
        for row in report.rows:
            assert row.county is not None
            report.filed.append(
                _write(
                    locked,
                    user=user,
                    kind=row.kind,
                    county=row.county,
                    description=row.description,
                    household=row.household,
                    department=row.department,
                    source_file=filename,
                    now=now,
                )
            )
    return report


def department_list_template(target: IO[bytes], counties: Sequence[Region] = ()) -> None:
    """The list's XLSX template: the header row, and a sheet explaining each column."""
    from fupin.files.sheets import Sheet, write_xlsx

    notes = [
        ("问题类别", "必填：义务教育、基本医疗、住房安全 或 饮水安全"),
        (
            "县",
            "必填：本任务评估的县名或区划代码"
            + ("（" + "、".join(c.name for c in counties) + "）" if counties else ""),
        ),
        ("户编号或身份证号", "可空：问题涉及的农户的户编号，或家庭成员的身份证号"),
        ("问题描述", "必填：平时掌握的问题和薄弱环节"),
        ("提供部门", "可空：不填则按问题类别填写主管部门"),
    ]
    write_xlsx(
        target,
        [
            Sheet(title="部门提供情况", headers=LIST_COLUMNS, rows=[]),
            Sheet(title="填写说明", headers=["列", "说明"], rows=notes, widths=[22, 80]),
        ],
    )
