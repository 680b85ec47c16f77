"""Bulk people from an XLSX (issue #22): read, check every row without writing (the dry-run
report), then import all rows in one transaction or none, with row-numbered Chinese errors.

A row whose username is new creates a login with a one-time password; a row whose username is
one of the office's own people updates their details and grants the row's role if they lack it.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from fupin.accounts.audit import audit_record
from fupin.accounts.grants import OFFICE_LEVEL, REGION_MEMBER_ROLES
from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.accounts.people import (
    PeopleError,
    _clean_details,
    _clean_username,
    grant_check,
    manage_refusal,
    offices_of,
    people_for,
    person_create,
    person_update,
    region_find,
    role_find,
    role_grant,
)
from fupin.files.sheets import Sheet, restore, write_xlsx
from fupin.regions.models import Region

# The template's columns; a file's header cells are matched by how they start ("地区" …).
HEADERS = ("姓名", "手机号", "用户名", "地区(名称或代码)", "角色(中文名)", "单位", "职务")
KEYS = ("name", "phone", "username", "region", "role", "unit", "post")
REQUIRED = ("name", "username", "region", "role")
MAX_ROWS = 5000


class PeopleImportRefused(PeopleError):
    """The file has errors: nothing was written. Carries the report."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"导入文件有 {len(report.errors)} 处错误，未导入任何人员")
        self.report = report


@dataclass
class ImportRow:
    row: int  # the Excel row number
    values: dict[str, str]
    action: str = ""  # 新增 / 更新
    role: str = ""
    region: Region | None = None
    person: Any = None

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label) if self.role else ""


@dataclass
class ImportReport:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(1 for r in self.rows if r.action == "新增")

    @property
    def updated(self) -> int:
        return sum(1 for r in self.rows if r.action == "更新")


@dataclass(frozen=True)
class OneTimePassword:
    username: str
    name: str
    password: str


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed as a number
    return str(restore(str(value))).strip()


def _column(header: str) -> str | None:
    header = header.strip()
    for key, label in zip(KEYS, HEADERS, strict=True):
        if header and (header == label or header.startswith(label[:2])):
            return key
    return None


def people_read_xlsx(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """The rows of the first sheet as (Excel row number, {key: text}); empty rows skipped."""
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        raw = [list(r) for r in sheet.iter_rows()]
    except Exception:  # calamine raises its own error types for damaged files
        raise PeopleError("无法读取该文件：请上传 Excel（.xlsx）格式的人员名单") from None
    header_at = next(
        (i for i, r in enumerate(raw[:20]) if {"姓名", "用户名"} <= {_text(c) for c in r}), None
    )
    if header_at is None:
        raise PeopleError("找不到表头：第一张工作表须有“姓名”“用户名”等列（可下载模板）")
    columns = {i: _column(_text(c)) for i, c in enumerate(raw[header_at])}
    missing = [HEADERS[KEYS.index(k)] for k in REQUIRED if k not in columns.values()]
    if missing:
        raise PeopleError("缺少列：" + "、".join(missing))
    out: list[tuple[int, dict[str, str]]] = []
    for i, r in enumerate(raw[header_at + 1 :], start=header_at + 2):
        values = {k: "" for k in KEYS}
        for j, cell in enumerate(r):
            key = columns.get(j)
            if key:
                values[key] = _text(cell)
        if any(values.values()):
            out.append((i, values))
    if not out:
        raise PeopleError("文件中没有人员")
    if len(out) > MAX_ROWS:
        raise PeopleError(f"一次最多导入 {MAX_ROWS} 人，请分成几个文件")
    return out


def people_import_plan(*, actor: Any, rows: list[tuple[int, dict[str, str]]]) -> ImportReport:
    """Check every row as the import would, writing nothing: the dry-run report."""
    if not any(o.region is not None for o in offices_of(actor)):
        raise PeopleError("批量导入人员只供各级扶贫办使用")
    report = ImportReport()
    mine = people_for(actor)
    seen: dict[str, int] = {}
    users = get_user_model().objects
    for number, values in rows:
        item = ImportRow(row=number, values=values)
        report.rows.append(item)
        try:
            _clean_details(values["name"], values["phone"], values["unit"], values["post"])
            key = values["username"].casefold()
            if key in seen:
                raise PeopleError(f"用户名“{values['username']}”与第{seen[key]}行重复")
            if key:
                seen[key] = number
            existing = users.filter(username__iexact=values["username"]).first() if key else None
            if existing is None:
                _clean_username(values["username"])
                item.action = "新增"
            else:
                if not mine.filter(pk=existing.pk).exists():
                    raise PeopleError(f"用户名“{values['username']}”已被使用（不区分大小写）")
                refusal = manage_refusal(actor, existing)
                if refusal:
                    raise PeopleError(refusal)
                item.person, item.action = existing, "更新"
            item.role = role_find(values["role"])
            item.region = region_find(actor, values["region"])
            grant_check(actor, role=item.role, region=item.region, person=existing)
        except PeopleError as exc:
            report.errors.append(f"第{number}行：{exc}")
    return report


def _holds(item: ImportRow) -> bool:
    region = item.region if item.role in OFFICE_LEVEL or item.role in REGION_MEMBER_ROLES else None
    return Membership.objects.filter(user=item.person, role=item.role, region=region).exists()


@transaction.atomic
def people_import_apply(
    *, actor: Any, rows: list[tuple[int, dict[str, str]]], data: bytes = b""
) -> tuple[ImportReport, list[OneTimePassword]]:
    """Import every row or none (any error refuses the whole file, with its report); returns the
    one-time passwords of the new users, shown once."""
    report = people_import_plan(actor=actor, rows=rows)
    if report.errors:
        raise PeopleImportRefused(report)
    passwords: list[OneTimePassword] = []
    for item in report.rows:
        v = item.values
        if item.action == "新增":
            user, password = person_create(
                actor=actor,
                name=v["name"],
                username=v["username"],
                role=item.role,
                region=item.region,
                phone=v["phone"],
                unit=v["unit"],
                post=v["post"],
            )
            passwords.append(OneTimePassword(user.get_username(), user.first_name, password))
        else:
            person_update(
                actor=actor,
                person=item.person,
                name=v["name"],
                phone=v["phone"],
                unit=v["unit"],
                post=v["post"],
                region=item.region,
            )
            if not _holds(item):
                role_grant(actor=actor, person=item.person, role=item.role, region=item.region)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.IMPORT,
        obj=None,
        model="PersonImport",
        key=hashlib.sha256(data).hexdigest()[:32] if data else "",
        after={"created": report.created, "updated": report.updated, "rows": len(report.rows)},
        reason=f"批量导入人员：新增 {report.created} 人，更新 {report.updated} 人",
    )
    return report, passwords


def people_template_xlsx(target: Any) -> None:
    """The empty template, with a sheet explaining each column and listing the role names."""
    notes = [
        ("姓名", "必填"),
        ("手机号", "可空；以1开头的11位数字"),
        ("用户名", "必填；登录用，字母、数字或 @ . + - _，不区分大小写；已有的用户名则更新该人员"),
        ("地区(名称或代码)", "必填；本单位辖区内的区划名称或12位区划代码，名称重名时须填代码"),
        ("角色(中文名)", "必填；填下列角色名称之一：" + "、".join(str(r.label) for r in Role)),
        ("单位", "可空"),
        ("职务", "可空"),
    ]
    write_xlsx(
        target,
        [
            Sheet("人员名单", HEADERS, []),
            Sheet("填写说明", ["列", "说明"], notes, widths=[20, 80]),
        ],
    )
