"""The cooperation ledger (东西部协作台账) as a kind of web upload: the registry's upload pages and
API (upload → dry-run report → confirm → one transaction → result), read and written by
fupin/cooperation/importing.py. Registered when Django starts (CooperationConfig.ready)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse

from fupin.accounts.models import Membership, Role
from fupin.accounts.scoping import AnyUser
from fupin.cooperation.importing import (
    LEDGER_COLUMNS,
    LEDGER_SHEET,
    ImportReport,
    ledger_import_xlsx,
)
from fupin.cooperation.workflows import Side
from fupin.policy import idnumber
from fupin.registry.models import Upload
from fupin.registry.uploads import (
    UploadKind,
    UploadOption,
    UploadRowsRefused,
    upload_kind_register,
)

LEDGER_KIND = "coop_ledger"
LEDGER_TITLE = "东西部扶贫协作台账"
# The offices that keep a pairing's ledger: either side's province, city or county office (the
# import checks per row that the user works for a side of that row's pairing). No administrator
# shortcut: the ledger is kept and confirmed by the two sides' offices (分工负责).
LEDGER_ROLES = (Role.PROVINCE_OFFICE, Role.CITY_OFFICE, Role.COUNTY_OFFICE)
DENIED = "只有协作双方的省、市、县扶贫办可以上传东西部扶贫协作台账"
SIDE_LABEL = "台账录入方"


def _sides(user: AnyUser | None) -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Side.choices]


# Which side the file is entered for: an office over both sides of a pairing (a province office
# over both, or one holding offices on each side) must say; left blank, the side of each row's
# pairing the office works for. The import refuses a row whose pairing the office is not that
# side of (fupin.cooperation.services.acting_side).
SIDE_OPTION = UploadOption(
    name="side",
    label=SIDE_LABEL,
    choices=_sides,
    help_text="东西部扶贫协作台账：同时是协作双方工作人员的，须选择代表哪一方录入",
)


def _side(upload: Upload) -> str | None:
    return str(upload.options.get("side") or "") or None


def may_upload_ledger(user: AnyUser | None) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return Membership.objects.filter(user_id=user.pk, role__in=list(LEDGER_ROLES)).exists()


def _problems(report: ImportReport) -> list[dict[str, Any]]:
    return [
        {
            "table": p.sheet,
            "row": p.row,
            "column": p.column,
            "value": str(idnumber.mask_all(p.value)),
            "household_no": "",
            "reason": str(idnumber.mask_all(p.reason)),
        }
        for p in report.problems
    ]


def _links(report: ImportReport) -> list[list[str]]:
    return [
        [f"{pairing} {year} 年台账", reverse("cooperation:ledger", args=[pairing.pk, year])]
        for pairing, year in report.ledgers
    ]


def ledger_upload_check(*, user: AbstractBaseUser, upload: Upload, path: Path) -> dict[str, Any]:
    """The dry run: every row through the ledger service, rolled back."""
    report = ledger_import_xlsx(
        path=path, user=user, side=_side(upload), source=upload.filename, dry_run=True
    )
    ok = not report.problems
    return {
        "outcome": "written" if ok else "rejected",
        "outcome_text": f"新增台账条目 {report.created} 条，待对方确认"
        if ok
        else "有错误，不写入任何数据",
        "rows_read": report.rows_read,
        "counts": {"读取台账行": report.rows_read, "将新增台账条目": report.created},
        "problems": _problems(report),
    }


def ledger_upload_write(
    *, user: AbstractBaseUser, upload: Upload, path: Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The write, in the confirmation's transaction: all rows, or none when any row fails."""
    report = ledger_import_xlsx(path=path, user=user, side=_side(upload), source=upload.filename)
    if not report.written:
        raise UploadRowsRefused("台账有错误，未写入任何数据", _problems(report))
    result = {
        "outcome": "written",
        "outcome_text": f"已新增台账条目 {report.created} 条，待对方确认",
        "rows_read": report.rows_read,
        "counts": {"读取台账行": report.rows_read, "新增台账条目": report.created},
        "records": report.created,
        "problems": [],
        "links": _links(report),
    }
    after: dict[str, Any] = {
        "结果": "已导入",
        "读取行数": report.rows_read,
        "新增台账条目": report.created,
    }
    if _side(upload):
        after[SIDE_LABEL] = str(Side(_side(upload)).label)
    return result, after


def register() -> None:
    upload_kind_register(
        UploadKind(
            code=LEDGER_KIND,
            title=LEDGER_TITLE,
            group="东西部扶贫协作",
            may_upload=may_upload_ledger,
            check=ledger_upload_check,
            write=ledger_upload_write,
            denied=DENIED,
            hint=f"工作表“{LEDGER_SHEET}”，列：{'、'.join(LEDGER_COLUMNS)}；"
            "每一行由您所在的一方（或所选的“台账录入方”）录入，等待对方确认。"
            "任何一行有误则整份不写入。",
            options=(SIDE_OPTION,),
        )
    )
