"""Web uploads of registry files and department lists: store the file, check it in a dry run
(the CLI's reader and validation), confirm, then write in one transaction with visible progress.

A registry file goes through `fupin.registry.io.importing.import_file`, exactly as `fupin import`
does; its confirmation runs in a background thread (the single-machine deployment) that writes
its progress to a small file beside the upload, so that the page and the API can poll it while
the import's one transaction is open (SQLite lets nobody else write then). A killed import
changes nothing: the upload's own status is written in the same transaction as the data, and an
upload left "running" with no worker and no progress for a while is shown as interrupted.

A department list (fupin.matching's kinds) is read, its ID numbers checked (bad ones listed by
row), and on confirmation compared with the registry in the user's scope by
`fupin.matching.match_lists`; what is kept is the keyed hash of each number
(fupin.analytics.keys, as the analytics' keyed lists) and the comparison — the file is deleted.

Every kind of file is an `UploadKind` in one registry (`upload_kind_register`): its label, who may
upload it, its dry run and its write. The registry file and the department lists are registered
here; an app above the registry registers its own (the cooperation ledger in
fupin/cooperation/uploads.py, the help's XLSX in fupin/assistance/uploads.py, a department's list
of problems for a campaign in fupin/assessments/uploads.py) when Django starts, since the registry
may not import them. A kind may ask for options with its file (`UploadOption`: the side that
enters a ledger, the campaign of a department's list), checked at the upload and kept in
`Upload.options` for its dry run and write. A kind's
write runs inside the confirmation's one transaction with the upload's outcome and audit row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.db import close_old_connections, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import get_valid_filename

from fupin.accounts.audit import audit_record
from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.accounts.scoping import office_regions, region_prefixes_for
from fupin.matching import BY_CODE, KINDS, DepartmentList, match_lists, normalize_keys
from fupin.matching.keys import CHECK_DIGIT
from fupin.matching.readers import ID_HEADERS
from fupin.policy import idnumber
from fupin.regions.models import Region
from fupin.registry.io import mapping
from fupin.registry.io.columns import MEMBER_HEADERS, MEMBERS_TABLE
from fupin.registry.io.importing import ImportReport, import_file
from fupin.registry.io.national_columns import HEADERS as NATIONAL_HEADERS
from fupin.registry.io.reading import ReadError, Table, read_table
from fupin.registry.io.reporting import OUTCOME_TEXT
from fupin.registry.io.validation import Problem
from fupin.registry.models import ImportMapping, Person, Upload, UploadStatus, upload_storage
from fupin.registry.selectors import households_for

AnyUser = AbstractBaseUser | AnonymousUser

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
# A confirmation this long after the dry run is refused: check the file again first.
CONFIRM_WITHIN = dt.timedelta(hours=24)
# An upload "running" with no worker in this process and no progress for this long was killed.
STALE_AFTER = dt.timedelta(minutes=10)
UPLOAD_ROLES = (
    Role.PROVINCE_OFFICE,
    Role.CITY_OFFICE,
    Role.COUNTY_OFFICE,
    Role.TOWNSHIP_OFFICE,
)
REGISTRY_TITLE = "建档立卡数据（家庭成员表）"
ID_PROBLEMS = {
    "format": "证件号码格式不对（应为 18 位，前 17 位为数字）",
    CHECK_DIGIT: "证件号码校验位错误",
}
REGISTRY_TABLES = ("Household", "Person", "StatusEvent")
# Statuses from which the dry run may be run again (after a refusal, an interruption).
CHECKABLE = (UploadStatus.CHECKED, UploadStatus.REJECTED, UploadStatus.FAILED)
# Tests run the confirmation in the request's own thread (their database is one transaction).
RUN_INLINE = False
_WORKERS: dict[int, threading.Thread] = {}


class UploadError(Exception):
    """An upload or a confirmation refused, with the Chinese reason."""


class UploadDenied(UploadError):
    """The user may not upload (or see this upload)."""


class UploadRowsRefused(UploadError):
    """A kind's write met problems (the data changed since the dry run): nothing is written, and
    the rows (sheet, row, column, value, reason) say why."""

    def __init__(self, message: str, problems: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.problems = problems


# --- the kinds of file --------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadOption:
    """A choice a kind asks for with its file (the side that enters a ledger, the campaign a
    department's list is for): kept in `Upload.options` under `name`, shown with `label`.
    `choices(user)` are the (value, Chinese text) pairs the user may pick from."""

    name: str
    label: str
    choices: Callable[[AnyUser], list[tuple[str, str]]]
    required: bool = False
    help_text: str = ""


@dataclass(frozen=True)
class UploadKind:
    """One kind of uploaded file. `check(user=, upload=, path=)` returns the dry-run report and
    writes nothing: a dict with `outcome` ("written" or "rejected"), `outcome_text`, `rows_read`,
    `counts` (Chinese label → number) and `problems` (rows: table, row as Excel shows it, column,
    value, household_no, reason). `write(user=, upload=, path=)` writes inside the confirmation's
    transaction and returns (the result, like a report, and the audit row's values); it raises
    UploadRowsRefused to write nothing. The registry file and the department lists keep their
    own report shapes (their pages know them)."""

    code: str
    title: str
    group: str
    may_upload: Callable[[AnyUser], bool]
    check: Callable[..., dict[str, Any]]
    write: Callable[..., tuple[dict[str, Any], dict[str, Any]]] | None = None
    denied: str = "无权上传这类文件"
    hint: str = ""  # the file's layout, shown on the upload page
    template_url: str = ""  # the URL name of a template to download, if the kind has one
    options: tuple[UploadOption, ...] = ()  # what the uploader chooses with the file


_KINDS: dict[str, UploadKind] = {}


def upload_kind_register(kind: UploadKind) -> None:
    """Add (or replace, on a reload) a kind of uploaded file."""
    if len(kind.code) > int(Upload._meta.get_field("kind").max_length or 0):
        raise ValueError(f"upload kind code too long: {kind.code}")
    _KINDS[kind.code] = kind


def upload_kinds() -> list[UploadKind]:
    return list(_KINDS.values())


def upload_kind(code: str) -> UploadKind | None:
    return _KINDS.get(code)


def kinds_for(user: AnyUser | None) -> list[UploadKind]:
    """The kinds of file the user may upload, in the registry's order (each rule asked once)."""
    answers: dict[Callable[[AnyUser], bool], bool] = {}
    for k in _KINDS.values():
        if k.may_upload not in answers:
            answers[k.may_upload] = k.may_upload(user)
    return [k for k in _KINDS.values() if answers[k.may_upload]]


# --- who may ------------------------------------------------------------------------------------


def _active(user: AnyUser | None) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def may_upload_registry(user: AnyUser | None) -> bool:
    """Province, city, county and township poverty offices (and system administrators)."""
    if user is None or not _active(user):
        return False
    if getattr(user, "is_superuser", False):
        return True
    return Membership.objects.filter(user_id=user.pk, role__in=list(UPLOAD_ROLES)).exists()


def may_upload(user: AnyUser | None) -> bool:
    """Whether the user may upload any kind of file (and so see the upload pages)."""
    if user is None or not _active(user):
        return False
    return may_upload_registry(user) or bool(kinds_for(user))


def upload_office(user: AnyUser) -> Region | None:
    """The office an upload (and its saved column mapping) belongs to: the user's highest poverty
    office among those that may upload; None for an administrator without one."""
    offices = [
        r for r in office_regions(user) if r.level != "village"
    ]  # a village's cadre does not upload
    return min(offices, key=lambda r: len(r.prefix)) if offices else None


MAX_PK = 2**63 - 1  # a larger id in a URL is not found, without asking the database


def upload_visible(user: AnyUser, pk: int) -> Upload | None:
    """One upload the user may see and act on, or None (as for one that does not exist)."""
    if pk > MAX_PK or not may_upload(user):
        return None
    return uploads_for(user).filter(pk=pk).first()


def uploads_for(user: AnyUser) -> QuerySet[Upload]:
    """The uploads a user may see: their own, and those of offices inside their region."""
    if not user.is_authenticated or not user.is_active:
        return Upload.objects.none()
    if getattr(user, "is_superuser", False):
        return Upload.objects.all()
    q = Q(uploaded_by_id=user.pk)
    for prefix in region_prefixes_for(user):
        q |= Q(office__code__startswith=prefix)
    return Upload.objects.filter(q)


def kind_title(code: str) -> str:
    kind = _KINDS.get(code)
    return kind.title if kind else code


def options_clean(*, user: AnyUser, kind: UploadKind, given: dict[str, Any]) -> dict[str, str]:
    """The kind's options as chosen (blank ones left out), or UploadError naming the option: an
    unknown name, a value not among the user's choices, a required one missing."""
    known = {o.name: o for o in kind.options}
    unknown = [str(name) for name, value in given.items() if name not in known and value]
    if unknown:
        raise UploadError(f"选项：{kind.title}没有选项“{'、'.join(unknown)}”")
    out: dict[str, str] = {}
    for option in kind.options:
        value = str(given.get(option.name) or "").strip()
        if not value:
            if option.required:
                raise UploadError(f"{option.label}：请选择")
            continue
        if value not in {v for v, _ in option.choices(user)}:
            raise UploadError(f"{option.label}：“{value}”不是可选的值")
        out[option.name] = value
    return out


def option_rows(upload: Upload) -> list[tuple[str, str]]:
    """The upload's options as its page shows them: (label, the chosen value's Chinese text)."""
    kind = _KINDS.get(upload.kind)
    if kind is None or not upload.options:
        return []
    rows = []
    for option in kind.options:
        value = str(upload.options.get(option.name, ""))
        if value:
            texts = dict(option.choices(upload.uploaded_by))
            rows.append((option.label, texts.get(value, value)))
    return rows


def is_list_kind(code: str) -> bool:
    """A department list (fupin.matching's kinds): compared with the registry, keeps no ID."""
    return code in BY_CODE


# --- column mapping -----------------------------------------------------------------------------


def standard_columns() -> list[str]:
    """What an unknown header may be mapped to, in Chinese: fupin's own layout, then the national
    system's columns not already among them."""
    out = list(MEMBER_HEADERS)
    for aliases in NATIONAL_HEADERS.values():
        if aliases[0] not in out:
            out.append(aliases[0])
    return out


def saved_mapping(office: Region | None) -> dict[str, str]:
    if office is None:
        return {}
    return dict(ImportMapping.objects.filter(office=office).values_list("source", "target"))


def _save_mapping(office: Region | None, column_map: dict[str, str], user: AnyUser) -> None:
    if office is None:
        return
    for source, target in column_map.items():
        ImportMapping.objects.update_or_create(
            office=office,
            source=source,
            defaults={"target": target, "updated_by": user if user.is_authenticated else None},
        )


def unknown_headers(table: Table) -> list[str]:
    """The file's headers neither layout knows (what the mapping form asks about)."""
    return [h for h in table.headers if h.strip() and not mapping.is_known(h)]


# --- storing the file ---------------------------------------------------------------------------


def _check_file(name: str, size: int) -> None:
    if not any(name.lower().endswith(s) for s in SUFFIXES):
        raise UploadError("文件：只能上传 .xlsx 或 .csv 文件")
    if size > MAX_UPLOAD_BYTES:
        raise UploadError(
            f"文件：大小 {size / 1024 / 1024:.1f} MB，超过上限 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB；"
            "请按乡镇拆分后分别上传"
        )
    if size == 0:
        raise UploadError("文件：文件是空的")


def _path(upload: Upload) -> Path:
    return Path(upload.file.path)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def registry_data_version() -> int:
    """The newest audit row of registry data (households, members, events): changes whenever
    anyone changes the registry, and only then."""
    return (
        AuditEntry.objects.filter(model__in=REGISTRY_TABLES)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
        or 0
    )


def upload_create(
    *,
    user: AnyUser,
    name: str,
    chunks: Iterable[bytes],
    size: int,
    kind: str = Upload.REGISTRY,
    keep_good: bool = False,
    column_map: dict[str, str] | None = None,
    options: dict[str, Any] | None = None,
) -> Upload:
    """Store an uploaded file and check it in a dry run (nothing written to the registry).
    The file's column mapping is the given one, else the office's saved one; `options` are the
    kind's choices (UploadKind.options), checked here and read by the kind's dry run and write."""
    handler = _KINDS.get(kind)
    if handler is None:
        if not may_upload(user):
            raise UploadDenied("只有省、市、县扶贫办和乡镇扶贫工作站可以上传建档立卡数据和部门名单")
        raise UploadError(f"类型：不认识的名单类型“{kind}”")
    if not handler.may_upload(user):
        raise UploadDenied(handler.denied)
    chosen = options_clean(user=user, kind=handler, given=options or {})
    _check_file(name, size)
    assert isinstance(user, AbstractBaseUser)
    office = upload_office(user)
    suffix = Path(name).suffix.lower()
    try:
        safe = get_valid_filename(Path(name).name)[-100:]
    except SuspiciousFileOperation:
        safe = f"upload{suffix}"
    digest = hashlib.sha256()
    data = bytearray()
    for chunk in chunks:
        digest.update(chunk)
        data.extend(chunk)
        if len(data) > MAX_UPLOAD_BYTES:
            _check_file(name, len(data))
    with transaction.atomic():
        upload = Upload.objects.create(
            kind=kind,
            filename=name[:200],
            size=len(data),
            sha256=digest.hexdigest(),
            uploaded_by=user,
            office=office,
            keep_good=keep_good,
            options=chosen,
        )
        # A folder per upload keeps the file's own name: the report and the audit name it.
        upload.file.save(f"{upload.pk}/{safe}", ContentFile(bytes(data)), save=False)
        upload.save(update_fields=["file"])
        audit_record(
            actor=user,
            action=AuditEntry.Action.CREATE,
            obj=upload,
            after={
                "文件": name,
                "类型": kind_title(kind),
                "大小": len(data),
                **dict(option_rows(upload)),
            },
            reason=f"上传 {name}"[:200],
        )
    try:
        return upload_check(user=user, upload=upload, column_map=column_map, keep_good=keep_good)
    except UploadError as exc:  # unreadable: kept as refused, so the list says what happened
        upload.status = UploadStatus.REJECTED
        upload.report = {"outcome": "rejected", "problems": [_reason_row(str(exc))]}
        upload.save(update_fields=["status", "report"])
        raise


def _reason_row(reason: str) -> dict[str, Any]:
    return {"table": "", "row": 0, "column": "", "value": "", "household_no": "", "reason": reason}


# --- the dry run --------------------------------------------------------------------------------


def _problem_rows(problems: Iterable[Problem]) -> list[dict[str, Any]]:
    """Problems as the report shows them, ID numbers masked."""
    return [
        {
            "table": p.table,
            "row": p.row,
            "column": p.column,
            "value": str(idnumber.mask_all(p.value)),
            "household_no": p.household_no,
            "reason": str(idnumber.mask_all(p.reason)),
        }
        for p in problems
    ]


def _report_data(report: ImportReport) -> dict[str, Any]:
    data = {k: v for k, v in asdict(report).items() if k not in {"problems", "warnings"}}
    data["source"] = Path(report.source).name
    data["outcome"] = report.outcome
    data["outcome_text"] = OUTCOME_TEXT[report.outcome]
    data["problems"] = _problem_rows(report.problems)
    data["warnings"] = _problem_rows(report.warnings)
    return data


def _read_headers(path: Path, column_map: dict[str, str] | None) -> Table | None:
    try:
        return read_table(
            path, name=MEMBERS_TABLE, required_sheet=True, key_header=mapping.key_header(column_map)
        )
    except ReadError:
        return None


def upload_check(
    *,
    user: AnyUser,
    upload: Upload,
    column_map: dict[str, str] | None = None,
    keep_good: bool | None = None,
    save_mapping: bool = False,
) -> Upload:
    """(Re)run the dry run of a stored upload, with a column mapping (None: the office's saved
    one for the headers it covers); `save_mapping` stores the mapping as the office's."""
    _own(user, upload)
    interrupted = upload.status == UploadStatus.RUNNING and upload_progress(upload).get(
        "interrupted"
    )
    if upload.status not in CHECKABLE and not interrupted:
        raise UploadError("这份文件已经导入或正在导入，不能再试运行")
    path = _path(upload)
    if not path.is_file() or _sha256(path) != upload.sha256:
        raise UploadError("上传的文件已不在或已被改动，请重新上传")
    if keep_good is not None:
        upload.keep_good = keep_good
    if upload.kind != Upload.REGISTRY:
        handler = _KINDS.get(upload.kind)
        if handler is None:
            raise UploadError(f"类型：不认识的文件类型“{upload.kind}”")
        assert isinstance(user, AbstractBaseUser)
        upload.report = handler.check(user=user, upload=upload, path=path)
        upload.column_map = {}
    else:
        if column_map is None:
            table = _read_headers(path, None)
            saved = saved_mapping(upload.office)
            unknown = unknown_headers(table) if table else []
            column_map = {h: saved[h] for h in unknown if h in saved}
            offered = bool(column_map)
        else:
            column_map = {s: t for s, t in column_map.items() if s and t}
            offered = False
            if save_mapping:
                _save_mapping(upload.office, column_map, user)
        assert isinstance(user, AbstractBaseUser)
        report = import_file(
            path=path,
            keep_good=upload.keep_good,
            dry_run=True,
            user=user,
            column_map=column_map or None,
        )
        upload.column_map = column_map
        upload.report = _report_data(report)
        table = _read_headers(path, column_map)
        upload.report["unknown_headers"] = unknown_headers(table) if table else []
        upload.report["mapping_offered"] = offered
    upload.status = UploadStatus.CHECKED
    upload.checked_at = timezone.now()
    upload.registry_version = registry_data_version()
    upload.save(
        update_fields=[
            "report",
            "column_map",
            "status",
            "checked_at",
            "registry_version",
            "keep_good",
        ]
    )
    return upload


def _own(user: AnyUser, upload: Upload) -> None:
    handler = _KINDS.get(upload.kind)
    if (
        handler is None
        or not handler.may_upload(user)
        or not uploads_for(user).filter(pk=upload.pk).exists()
    ):
        raise UploadDenied("无权操作这份上传文件")


# --- department lists: read and check -----------------------------------------------------------


def _read_list(path: Path) -> tuple[Table, str]:
    """The list's table and its ID column (the first of fupin.matching's ID headers found; the
    header row may sit below title rows)."""
    last: Table | None = None
    for header in ID_HEADERS:
        try:
            table = read_table(path, name="名单", required_sheet=True, key_header=header)
        except ReadError as exc:
            raise UploadError(f"文件：{exc.reason}") from None
        assert table is not None
        if header in table.headers:
            return table, header
        last = table
    found = "、".join(h for h in (last.headers if last else []) if h) or "（无）"
    raise UploadError(
        f"文件中没有身份证号列（应有以下列名之一：{'、'.join(ID_HEADERS[1:])}；文件的列：{found}）"
    )


def _list_ids(path: Path) -> tuple[list[int], list[str | None]]:
    table, header = _read_list(path)
    i = table.headers.index(header)
    rows = [r for r, _ in table.rows]
    ids = [
        None if i >= len(cells) or cells[i] is None else str(cells[i]).strip()
        for _, cells in table.rows
    ]
    return rows, ids


def _list_dry_run(path: Path, kind: str) -> dict[str, Any]:
    rows, ids = _list_ids(path)
    _, problems = normalize_keys(ids)
    bad = [
        {
            "row": row,
            "value": idnumber.mask(raw or "") if raw else "",
            "reason": ID_PROBLEMS.get(problem, "证件号码无效") if raw else "证件号码为空",
        }
        for row, raw, problem in zip(rows, ids, problems.to_pylist(), strict=True)
        if problem is not None
    ]
    return {
        "kind": kind,
        "kind_title": kind_title(kind),
        "rows_read": len(rows),
        "invalid": len(bad),
        "bad_rows": bad,
        "outcome": "written" if rows else "rejected",
        "problems": [] if rows else [_reason_row("文件中没有数据行")],
    }


# --- confirming -------------------------------------------------------------------------------


def _progress_path(upload_id: int) -> Path:
    return Path(settings.DATA_DIR) / "uploads" / "progress" / f"{upload_id}.json"


def _write_progress(upload_id: int, done: int, total: int, phase: str) -> None:
    path = _progress_path(upload_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps({"done": done, "total": total, "phase": phase}))
    os.replace(tmp, path)


def upload_progress(upload: Upload) -> dict[str, Any]:
    """How far a confirmation has got: rows done and total, the phase in Chinese, and whether
    it is still running."""
    if upload.status == UploadStatus.DONE:
        total = int(upload.result.get("records", 0))
        return {"done": total, "total": total, "phase": "已完成", "running": False}
    if upload.status != UploadStatus.RUNNING:
        return {"done": 0, "total": 0, "phase": upload.get_status_display(), "running": False}
    path = _progress_path(upload.pk)
    try:
        data = json.loads(path.read_text())
        changed = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
    except (OSError, ValueError):
        data, changed = {"done": 0, "total": 0, "phase": "排队中"}, upload.finished_at
    alive = upload.pk in _WORKERS and _WORKERS[upload.pk].is_alive()
    since = changed or upload.checked_at or upload.created_at
    if not alive and timezone.now() - since > STALE_AFTER:
        return {
            "done": 0,
            "total": int(data.get("total", 0)),
            "phase": "导入中断，未写入任何数据（请重新确认导入）",
            "running": False,
            "interrupted": True,
        }
    return {**data, "running": True}


def _refuse_stale(upload: Upload) -> None:
    if upload.status == UploadStatus.RUNNING:
        raise UploadError("这份文件正在导入，请等待完成")
    if upload.status == UploadStatus.DONE:
        raise UploadError("这份文件已经导入，不会重复导入")
    if upload.status != UploadStatus.CHECKED or upload.checked_at is None:
        raise UploadError("这份文件还没有通过试运行，不能确认导入")
    if timezone.now() - upload.checked_at > CONFIRM_WITHIN:
        raise UploadError("试运行已超过 24 小时，请先重新试运行再确认")
    path = _path(upload)
    if not path.is_file() or _sha256(path) != upload.sha256:
        raise UploadError("上传的文件已被改动或已不在，未导入；请重新上传")
    if upload.kind == Upload.REGISTRY and registry_data_version() != upload.registry_version:
        raise UploadError(
            "试运行之后建档立卡数据有了变动（他人导入或修改），试运行的结果可能已不准确；"
            "请重新试运行（不必重新上传）后再确认"
        )


def upload_confirm(*, user: AnyUser, upload: Upload, keep_good: bool | None = None) -> Upload:
    """确认导入: refuse a stale or changed upload, then write. A registry file is written in the
    background (progress polled); a department list is compared at once."""
    _own(user, upload)
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload.pk)
        _refuse_stale(upload)
        if keep_good is not None:  # "keep the good households" may be ticked at the confirmation
            upload.keep_good = keep_good
        rejected = upload.report.get("outcome") == "rejected"
        if (
            upload.kind == Upload.REGISTRY
            and rejected
            and not (upload.keep_good and upload.report.get("households_in_file"))
        ):
            raise UploadError(
                "试运行有错误，正式导入不会写入任何数据；请修改文件后重新上传，"
                "或勾选“只导入无错误的户”"
            )
        if upload.kind != Upload.REGISTRY:
            if rejected and not is_list_kind(upload.kind):
                raise UploadError("试运行有错误，不会写入任何数据；请修改文件后重新上传")
            return _confirm_kind(user, upload)
        upload.status = UploadStatus.RUNNING
        upload.result = {}
        upload.save(update_fields=["status", "keep_good", "result"])
    _write_progress(upload.pk, 0, 0, "正在校验")
    if RUN_INLINE:
        _run_import(upload.pk, user.pk)
    else:
        worker = threading.Thread(
            target=_run_import, args=(upload.pk, user.pk), name=f"upload-{upload.pk}", daemon=True
        )
        _WORKERS[upload.pk] = worker
        worker.start()
    upload.refresh_from_db()
    return upload


def _run_import(upload_id: int, user_id: int) -> None:
    """The write: import_file in one transaction with the upload's outcome and its audit row, so
    that a killed import leaves both the registry and the upload as they were."""
    from django.contrib.auth import get_user_model

    if not RUN_INLINE:
        close_old_connections()
    try:
        upload = Upload.objects.get(pk=upload_id)
        user = get_user_model().objects.get(pk=user_id)

        def progress(done: int, total: int) -> None:
            _write_progress(upload_id, done, total, "正在写入")

        try:
            with transaction.atomic():
                report = import_file(
                    path=_path(upload),
                    keep_good=upload.keep_good,
                    user=user,
                    column_map=upload.column_map or None,
                    progress=progress,
                )
                _finish(upload, user, report)
        except Exception as exc:  # the transaction is rolled back; say so on the upload
            Upload.objects.filter(pk=upload_id).update(
                status=UploadStatus.FAILED,
                finished_at=timezone.now(),
                result={"error": f"导入出错，未写入任何数据：{type(exc).__name__}"},
            )
            raise
    finally:
        _progress_path(upload_id).unlink(missing_ok=True)
        _WORKERS.pop(upload_id, None)
        if not RUN_INLINE:
            connection.close()


def _finish(upload: Upload, user: AbstractBaseUser, report: ImportReport) -> None:
    data = _report_data(report)
    data["records"] = (
        report.households_new
        + report.households_updated
        + report.households_unchanged
        + report.persons_created
        + report.persons_updated
        + report.events_added
    )
    upload.result = data
    upload.status = UploadStatus.DONE if report.written else UploadStatus.REJECTED
    upload.finished_at = timezone.now()
    if report.written:  # its ID numbers are in the registry now: no second copy is kept
        name = upload.file.name
        upload.file = None  # type: ignore[assignment]
        transaction.on_commit(lambda: upload_storage.delete(name))
    upload.save(update_fields=["result", "status", "finished_at", "file"])
    audit_record(
        actor=user,
        action=AuditEntry.Action.IMPORT,
        obj=upload,
        after={
            "结果": OUTCOME_TEXT[report.outcome],
            "新增户": report.households_new,
            "更新户": report.households_updated,
            "无变化户": report.households_unchanged,
            "跳过户": report.households_skipped,
            "问题": len(report.problems),
            "提醒": len(report.warnings),
        },
        reason=f"网页导入 {upload.filename}"[:200],
    )


# --- department lists: confirm ------------------------------------------------------------------


def _registry_members(user: AnyUser) -> Any:
    import pyarrow as pa

    rows = list(
        Person.objects.filter(
            household__in=households_for(user).filter(registered=True), deceased=False
        ).values_list(
            "household__household_no",
            "id_number",
            "household__attribute",
            "health",
            "school_status",
            "household__at_risk_housing",
        )
    )
    # The registry facts the consistency lists state (fupin.matching.kinds.FACT_COLUMNS).
    return pa.table(
        {
            "household_no": pa.array([r[0] for r in rows], pa.string()),
            "id_number": pa.array([r[1] for r in rows], pa.string()),
            "attribute": pa.array([r[2] for r in rows], pa.string()),
            "health": pa.array([r[3] for r in rows], pa.string()),
            "school_status": pa.array([r[4] for r in rows], pa.string()),
            "at_risk_housing": pa.array([r[5] for r in rows], pa.bool_()),
        }
    )


def _list_write(
    *, user: AbstractBaseUser, upload: Upload, path: Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Compare the list with the registry in the user's scope; keep the keyed hashes and the
    comparison (the file is deleted after: no ID number stays)."""
    import pyarrow as pa

    from fupin.analytics.keys import id_keys
    from fupin.conf import setting

    rows, ids = _list_ids(path)
    kind = BY_CODE[upload.kind]
    data = pa.table({"身份证号": pa.array(ids, pa.string())})
    result = match_lists(
        _registry_members(user), [DepartmentList(kind, upload.filename, data, "身份证号")]
    )
    keys, problems = normalize_keys(ids)
    canonical = keys.to_pylist()
    valid = [(row, k) for row, k in zip(rows, canonical, strict=True) if k is not None]
    hashed = id_keys([k for _, k in valid], setting("FUPIN_SECRET_KEY"))
    upload.keys = [[row, h] for (row, _), h in zip(valid, hashed, strict=True)]
    households: dict[str, dict[str, Any]] = {}
    m = result.matches.to_pylist()
    for hit in m:
        h = households.setdefault(
            hit["household_no"], {"household_no": hit["household_no"], "rows": [], "reasons": []}
        )
        h["rows"].append(rows[hit["list_row"]])
        if hit["reason"] and hit["reason"] not in h["reasons"]:
            h["reasons"].append(hit["reason"])
        h["flag"] = h.get("flag", False) or bool(hit["flag"])
    for miss in result.missing.to_pylist():
        h = households.setdefault(
            miss["household_no"],
            {"household_no": miss["household_no"], "rows": [], "reasons": [], "flag": True},
        )
        h["flag"] = True
        if miss["reason"] not in h["reasons"]:
            h["reasons"].append(miss["reason"])
    listed = sorted(households.values(), key=lambda h: (not h["flag"], h["household_no"]))
    summary = result.lists[0]
    upload.result = {
        "kind": upload.kind,
        "kind_title": kind.title,
        "department": kind.department,
        "effect": str(kind.effect),
        "rows_read": summary.rows,
        "invalid": summary.invalid,
        "matched_rows": summary.matched_rows,
        "flagged_households": sum(1 for h in listed if h["flag"]),
        "confirmed_households": sum(1 for h in listed if not h["flag"]),
        "households": listed,
    }
    after = {
        "名单": kind.title,
        "行数": summary.rows,
        "无效证件号码": summary.invalid,
        "比中行数": summary.matched_rows,
        "需核实户": upload.result["flagged_households"],
    }
    return upload.result, after


def _list_check(*, user: AbstractBaseUser, upload: Upload, path: Path) -> dict[str, Any]:
    return _list_dry_run(path, upload.kind)


# --- confirming a kind written at once (all but the registry file) ----------------------------


def _confirm_kind(user: AnyUser, upload: Upload) -> Upload:
    """The kind's write in a savepoint of the confirmation's transaction, then the upload's
    outcome and its audit row; the file is deleted once written. A write that meets problems
    writes nothing and leaves the upload refused, with the rows saying why."""
    handler = _KINDS[upload.kind]
    assert handler.write is not None and isinstance(user, AbstractBaseUser)
    upload.finished_at = timezone.now()
    try:
        with transaction.atomic():
            result, after = handler.write(user=user, upload=upload, path=_path(upload))
    except UploadRowsRefused as refused:
        upload.status = UploadStatus.REJECTED
        upload.result = {
            "outcome": "rejected",
            "outcome_text": str(refused),
            "problems": refused.problems,
        }
        upload.save(update_fields=["result", "status", "finished_at", "keep_good"])
        audit_record(
            actor=user,
            action=AuditEntry.Action.IMPORT,
            obj=upload,
            after={"结果": "未导入", "问题": len(refused.problems)},
            reason=f"{handler.title} {upload.filename}"[:200],
        )
        return upload
    upload.result = result
    upload.status = UploadStatus.DONE
    name = upload.file.name
    upload.file = None  # type: ignore[assignment]
    upload.save(update_fields=["keys", "result", "status", "finished_at", "file", "keep_good"])
    reason = "部门名单比对" if is_list_kind(upload.kind) else f"网页导入{handler.title}"
    audit_record(
        actor=user,
        action=AuditEntry.Action.IMPORT,
        obj=upload,
        after=after,
        reason=f"{reason} {upload.filename}"[:200],
    )
    transaction.on_commit(lambda: upload_storage.delete(name))
    return upload


# --- the kinds this app knows -------------------------------------------------------------------


def _registry_check(**_: Any) -> dict[str, Any]:  # the registry's dry run is upload_check's own
    raise AssertionError("the registry file is checked by upload_check")


upload_kind_register(
    UploadKind(
        code=Upload.REGISTRY,
        title=REGISTRY_TITLE,
        group="建档立卡",
        may_upload=may_upload_registry,
        check=_registry_check,
        denied="只有省、市、县扶贫办和乡镇扶贫工作站可以上传建档立卡数据和部门名单",
    )
)
for _kind in KINDS:
    upload_kind_register(
        UploadKind(
            code=_kind.code,
            title=_kind.title,
            group="部门名单",
            may_upload=may_upload_registry,
            check=_list_check,
            write=_list_write,
            denied="只有省、市、县扶贫办和乡镇扶贫工作站可以上传建档立卡数据和部门名单",
        )
    )
