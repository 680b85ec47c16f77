"""A department's list of problems (部门提供情况清单) as a kind of web upload: the registry's upload
pages and API (upload → dry-run report → confirm → one transaction → result), read and filed by
fupin/assessments/services/department_reports.py. The campaign is the upload's option. Registered
when Django starts (AssessmentsConfig.ready)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse

from fupin.accounts.scoping import AnyUser
from fupin.assessments.models import Campaign
from fupin.assessments.services.common import AssessmentError
from fupin.assessments.services.department_reports import (
    LIST_COLUMNS,
    REQUIRED_COLUMNS,
    ListReport,
    campaigns_to_file,
    department_list_import,
    may_file_some,
)
from fupin.policy import idnumber
from fupin.registry.models import Upload
from fupin.registry.uploads import (
    UploadKind,
    UploadOption,
    UploadRowsRefused,
    upload_kind_register,
)

DEPARTMENT_LIST_KIND = "dept_report"
DEPARTMENT_LIST_TITLE = "部门提供情况清单（两不愁三保障问题）"
DENIED = "只有考核任务的部门人员可以上传部门提供情况清单"
SHEET = "部门提供情况"
PREVIEW_COLUMNS = ("行", "问题类别", "县", "农户", "抽样户", "问题描述")


def _campaigns(user: AnyUser | None) -> list[tuple[str, str]]:
    return [(str(c.pk), c.name) for c in campaigns_to_file(user)]


CAMPAIGN_OPTION = UploadOption(
    name="campaign",
    label="考核任务",
    choices=_campaigns,
    required=True,
    help_text="部门提供情况清单：问题所属的考核任务（只列本人可以填报的任务）",
)


def _reason(reason: str) -> dict[str, Any]:
    return {"table": "", "row": 0, "column": "", "value": "", "household_no": "", "reason": reason}


def _masked(text: str) -> str:
    return str(idnumber.mask_all(text))


def _campaign(upload: Upload) -> Campaign | None:
    pk = str(upload.options.get("campaign") or "")
    return Campaign.objects.filter(pk=int(pk)).first() if pk.isdigit() else None


def _problems(report: ListReport) -> list[dict[str, Any]]:
    """The report's problems as the upload pages show them (ID numbers masked by the reader)."""
    rows = [_reason(e) for e in report.errors]
    for row in report.rows:
        for column, value, reason in row.problems:
            rows.append(
                {
                    "table": SHEET,
                    "row": row.number,
                    "column": column,
                    "value": _masked(value),
                    "household_no": row.household.household_no if row.household else "",
                    "reason": _masked(reason),
                }
            )
    return rows


def _preview(report: ListReport) -> dict[str, Any]:
    """Every row as it will be filed: the household by 户编号 (an ID number only masked), and
    whether it is sampled (then it enters 五核)."""
    rows = []
    for r in report.rows:
        if r.household is not None:
            who = r.household.household_no
            if r.key_shown and r.key_shown != who:
                who += f"（{r.key_shown}）"
        else:
            who = _masked(r.key_shown) or "—"
        rows.append(
            [
                f"第 {r.number} 行",
                r.kind_label or "—",
                r.county.name if r.county else "—",
                who,
                "是，将进入五核" if r.in_sample else "否",
                _masked(r.description),
            ]
        )
    return {"columns": list(PREVIEW_COLUMNS), "rows": rows}


def _refused(reason: str) -> dict[str, Any]:
    return {
        "outcome": "rejected",
        "outcome_text": "不写入任何数据",
        "rows_read": 0,
        "counts": {},
        "problems": [_reason(reason)],
    }


def department_list_upload_check(
    *, user: AbstractBaseUser, upload: Upload, path: Path
) -> dict[str, Any]:
    """The dry run: every row read and matched in the campaign's counties; nothing written."""
    campaign = _campaign(upload)
    if campaign is None:
        return _refused("考核任务：请选择本人可以填报的考核任务")
    try:
        report = department_list_import(
            path.read_bytes(), campaign=campaign, user=user, dry_run=True, filename=upload.filename
        )
    except AssessmentError as refused:
        return _refused(str(refused))
    households = {r.household.pk for r in report.rows if r.household is not None}
    sampled = sum(1 for r in report.rows if r.in_sample)
    return {
        "outcome": "written" if report.ok else "rejected",
        "outcome_text": f"登记 {len(report.rows)} 条部门提供情况，其中抽样户的 {sampled} 条进入五核"
        if report.ok
        else "有错误，不写入任何数据",
        "rows_read": len(report.rows),
        "counts": {
            "读取问题行": len(report.rows),
            "涉及农户": len(households),
            "抽样户的问题（将进入五核）": sampled,
        },
        "problems": _problems(report),
        "preview": _preview(report),
    }


def department_list_upload_write(
    *, user: AbstractBaseUser, upload: Upload, path: Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The write, in the confirmation's transaction: every row filed, or none."""
    campaign = _campaign(upload)
    if campaign is None:
        raise UploadRowsRefused("考核任务已不存在，未写入任何数据", [])
    try:
        report = department_list_import(
            path.read_bytes(), campaign=campaign, user=user, dry_run=False, filename=upload.filename
        )
    except AssessmentError as refused:
        raise UploadRowsRefused(f"{refused}，未写入任何数据", [_reason(str(refused))]) from None
    if not report.filed:
        raise UploadRowsRefused("清单有错误，未写入任何数据", _problems(report))
    result = {
        "outcome": "written",
        "outcome_text": f"已登记 {len(report.filed)} 条部门提供情况；"
        f"其中 {report.raised} 条为抽样户，已进入五核",
        "rows_read": len(report.rows),
        "counts": {"已登记部门提供情况": len(report.filed), "进入五核的疑点问题": report.raised},
        "records": len(report.filed),
        "problems": [],
        "links": [
            [
                f"{campaign.name} · 部门提供情况",
                reverse("assessments:department_reports", args=[campaign.pk]),
            ]
        ],
    }
    after = {
        "考核任务": campaign.name,
        "已登记": len(report.filed),
        "进入五核": report.raised,
    }
    return result, after


def register() -> None:
    upload_kind_register(
        UploadKind(
            code=DEPARTMENT_LIST_KIND,
            title=DEPARTMENT_LIST_TITLE,
            group="考核评估",
            may_upload=may_file_some,
            check=department_list_upload_check,
            write=department_list_upload_write,
            denied=DENIED,
            hint=f"Excel 工作簿（.xlsx），第一张工作表，列：{'、'.join(LIST_COLUMNS)}"
            f"（{'、'.join(REQUIRED_COLUMNS)}必填）；模板在任务的“部门提供情况”页下载。"
            "涉及抽样户的问题确认后进入五核；任何一行有误则整份不写入。",
            options=(CAMPAIGN_OPTION,),
        )
    )
