"""The help's XLSX (单位结对帮扶村, 帮扶责任人结对, 扶贫项目) as a kind of web upload: the registry's
upload pages and API (upload → dry-run report → confirm → one transaction → result), read and
written by fupin/assistance/importing.py. Registered when Django starts (AssistanceConfig.ready)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from fupin.assistance import importing
from fupin.assistance import selectors as sel
from fupin.assistance.services import AnyUser
from fupin.registry.models import Upload
from fupin.registry.uploads import UploadKind, UploadRowsRefused, upload_kind_register

HELP_KIND = "help"
HELP_TITLE = "帮扶数据（结对帮扶、帮扶责任人、扶贫项目）"
DENIED = "只有县（市、省）扶贫部门可以导入帮扶数据"


def may_upload_help(user: AnyUser | None) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(getattr(user, "is_superuser", False) or sel.managed_regions(user))


def _problems(report: importing.HelpImportReport) -> list[dict[str, Any]]:
    return [
        {
            "table": p.table,
            "row": p.row,
            "column": p.column,
            "value": p.value,
            "household_no": "",
            "reason": p.reason,
        }
        for p in report.problems
    ]


def _run(
    user: AbstractBaseUser, path: Path, *, dry_run: bool
) -> importing.HelpImportReport | dict[str, Any]:
    try:
        sheets = importing.read_sheets(path.read_bytes())
    except importing.ImportRefused as refused:
        return dict(table="", row=0, column="", value="", household_no="", reason=str(refused))
    return importing.help_import(
        sheets=sheets, dry_run=dry_run, actor=user.get_username(), user=user
    )


def help_upload_check(*, user: AbstractBaseUser, upload: Upload, path: Path) -> dict[str, Any]:
    """The dry run: every row through the same services as the forms, rolled back."""
    report = _run(user, path, dry_run=True)
    if isinstance(report, dict):  # unreadable
        return {
            "outcome": "rejected",
            "outcome_text": "文件无法读取，不写入任何数据",
            "rows_read": 0,
            "counts": {},
            "problems": [report],
        }
    return {
        "outcome": "written" if report.ok else "rejected",
        "outcome_text": "导入下列各表的全部行" if report.ok else "有错误，不写入任何数据",
        "rows_read": sum(report.created.values()) + len(report.problems),
        "counts": {
            f"{name}（{'将导入' if report.ok else '无误'}行数）": n
            for name, n in report.created.items()
        },
        "problems": _problems(report),
    }


def help_upload_write(
    *, user: AbstractBaseUser, upload: Upload, path: Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The write, in the confirmation's transaction: all rows, or none."""
    report = _run(user, path, dry_run=False)
    if isinstance(report, dict):
        raise UploadRowsRefused("文件无法读取，未写入任何数据", [report])
    if not report.ok:
        raise UploadRowsRefused("有错误，未写入任何数据", _problems(report))
    result = {
        "outcome": "written",
        "outcome_text": "已导入："
        + "，".join(f"{name} {n} 行" for name, n in report.created.items()),
        "rows_read": sum(report.created.values()),
        "counts": {f"{name}（已导入行数）": n for name, n in report.created.items()},
        "records": sum(report.created.values()),
        "problems": [],
    }
    return result, {name: n for name, n in report.created.items()}


def register() -> None:
    upload_kind_register(
        UploadKind(
            code=HELP_KIND,
            title=HELP_TITLE,
            group="帮扶",
            may_upload=may_upload_help,
            check=help_upload_check,
            write=help_upload_write,
            denied=DENIED,
            hint="工作表：单位结对帮扶村、帮扶责任人结对、扶贫项目（可只含其中几张），"
            "列见模板；全部导入或全部不导入。",
            template_url="assistance:import_template",
        )
    )
