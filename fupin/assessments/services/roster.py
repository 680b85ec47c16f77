"""Register evaluators (评估人员登记): institutions, experts and enumerators, each person with a login.

Who may: a campaign's working group registers institutions and anyone; an institution's admin
(`institution_admin` tied to the institution) registers that institution's own experts and
enumerators. A person is registered together with their login (role expert or enumerator) and a
one-time password, returned to the caller once and stored only as Django's hash; it is never in
the audit trail or a log. One person at a time (`evaluator_register`) or a whole XLSX roster
(`roster_import`, with a dry run that writes nothing and refuses the whole file on any bad row).
Each call is one transaction and audited.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from fupin.accounts.audit import audit_entry, audit_record
from fupin.accounts.first_login import password_issued
from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.accounts.people import one_time_password
from fupin.assessments.engine.assignment_rules import PROVINCE_NAMES
from fupin.assessments.models import Campaign, Enumerator, Expert, Institution
from fupin.assessments.services.common import AssessmentError, User, in_working_group
from fupin.regions.models import Level, Region

EXPERT, ENUMERATOR = "expert", "enumerator"
KIND_LABELS = {EXPERT: "专家", ENUMERATOR: "调查员"}
KIND_CHOICES = list(KIND_LABELS.items())  # the API's EvaluatorKindEnum
MODELS: dict[str, type[Expert] | type[Enumerator]] = {EXPERT: Expert, ENUMERATOR: Enumerator}
ROLES = {EXPERT: Role.EXPERT.value, ENUMERATOR: Role.ENUMERATOR.value}

# The roster's columns (the template's header row); the first five must be present.
ROSTER_COLUMNS = (
    "姓名",
    "类别",
    "单位省份",
    "参与过本省评估的省份",
    "有评估经验",
    "通过考试",
    "手机号",
    "用户名",
)
REQUIRED_COLUMNS = ("姓名", "类别", "单位省份", "有评估经验", "通过考试")
MAX_ROSTER_ROWS = 2000
MAX_ROSTER_BYTES = 5 * 1024 * 1024
_PHONE = re.compile(r"^1\d{10}$")
_SEPARATORS = re.compile(r"[、,，;；/\s]+")
_PROVINCE_SUFFIXES = (
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "自治区",
    "省",
    "市",
)
_YES, _NO = frozenset({"是", "有", "通过", "已通过"}), frozenset({"否", "无", "未通过", "没有"})


@dataclass(frozen=True)
class EvaluatorSpec:
    """One person to register: provinces as 2-digit codes (see `province_code`)."""

    kind: str
    name: str
    employer_province: str
    institution: Institution | None = None
    took_part_in: tuple[str, ...] = ()
    experienced: bool = False
    exam_passed: bool = False
    phone: str = ""
    username: str = ""


@dataclass(frozen=True)
class Login:
    """A registered evaluator, their login and its one-time password ("" when none was issued)."""

    evaluator: Expert | Enumerator
    kind: str
    username: str
    password: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass
class RosterReport:
    """What a roster upload found (and, unless a dry run or refused, registered)."""

    filename: str
    dry_run: bool
    specs: list[EvaluatorSpec] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    created: list[Login] = field(default_factory=list)

    @property
    def written(self) -> bool:
        return bool(self.created)

    @property
    def experts(self) -> int:
        return sum(1 for s in self.specs if s.kind == EXPERT)

    @property
    def enumerators(self) -> int:
        return sum(1 for s in self.specs if s.kind == ENUMERATOR)


# --- provinces by name or code -----------------------------------------------------------------


def province_names() -> dict[str, str]:
    """Every province's code → name: the region tree's, then the national table's."""
    names = dict(PROVINCE_NAMES)
    for code, name in Region.objects.filter(level=Level.PROVINCE).values_list("code", "name"):
        names[code[:2]] = name
    return names


def _province_aliases(names: dict[str, str]) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for code, name in names.items():
        aliases[name] = code
        for suffix in _PROVINCE_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix) + 1:
                aliases.setdefault(name.removesuffix(suffix), code)
                break
    aliases["内蒙古"] = "15"
    return aliases


class _Provinces:
    """Looks provinces up by code (62, 620000, 620000000000) or name (甘肃省, 甘肃)."""

    def __init__(self) -> None:
        self.names = province_names()
        self.aliases = _province_aliases(self.names)

    def code(self, value: object) -> str | None:
        text = str(value if value is not None else "").strip()
        if text.isdigit() and len(text) in (2, 6, 12) and set(text[2:]) <= {"0"}:
            return text[:2] if text[:2] in self.names else None
        return self.aliases.get(text)

    def codes(self, value: object) -> tuple[list[str], list[str]]:
        """The codes of a list of provinces (separated by 、 , ; or spaces), and the unknown ones."""
        if isinstance(value, list | tuple):
            parts = [str(v).strip() for v in value]
        else:
            parts = _SEPARATORS.split(str(value if value is not None else "").strip())
        codes, bad = [], []
        for part in filter(None, parts):
            code = self.code(part)
            if code is None:
                bad.append(part)
            elif code not in codes:
                codes.append(code)
        return codes, bad


def province_code(value: object) -> str | None:
    """The 2-digit code of a province given by code or name, else None."""
    return _Provinces().code(value)


# --- who may register whom ------------------------------------------------------------------------


def admin_institutions(user: User | None) -> list[Institution]:
    """The institutions the user administers (`institution_admin` rows)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    ids = Membership.objects.filter(
        user_id=user.pk, role=Role.INSTITUTION_ADMIN, institution__isnull=False
    ).values("institution_id")
    return list(Institution.objects.filter(pk__in=ids))


def registration_campaign(user: User | None, pk: object) -> Campaign | None:
    """The campaign whose evaluators page (or API) the user may use, else None: its working
    group, or any institution admin (they register their people before any campaign's sample is
    theirs to see)."""
    campaign = Campaign.objects.filter(pk=pk).first()
    if campaign is None or not (in_working_group(user, campaign) or admin_institutions(user)):
        return None
    return campaign


def may_register(
    user: User | None, institution: Institution | None, campaign: Campaign | None = None
) -> bool:
    """The working group registers anyone; an institution's admin its own institution's people;
    `user` None is a command or the system."""
    if user is None or in_working_group(user, campaign):
        return True
    return institution is not None and institution.pk in {i.pk for i in admin_institutions(user)}


def _refuse_unless_may(
    user: User | None, institutions: Iterable[Institution | None], campaign: Campaign | None
) -> None:
    for inst in {(i.pk if i else None): i for i in institutions}.values():
        if not may_register(user, inst, campaign):
            if inst is None:
                raise AssessmentError("只有评估工作组可以登记不属于评估机构的专家")
            raise AssessmentError(
                f"您不是{inst.name}的评估机构管理员，不能登记该机构的人员（评估工作组可登记任何人员）"
            )


# --- institutions ---------------------------------------------------------------------------------


@transaction.atomic
def institution_register(
    *,
    name: str,
    province: str,
    took_part_in: Iterable[str] | str = (),
    user: User | None,
    campaign: Campaign | None = None,
    actor: str = "",
    now: dt.datetime | None = None,
) -> Institution:
    """Register an evaluation institution: its province and the provinces whose own assessment it
    took part in (names or codes). Only the working group."""
    if user is not None and not in_working_group(user, campaign):
        raise AssessmentError("只有评估工作组可以登记评估机构")
    provinces = _Provinces()
    name = (name or "").strip()
    errors = []
    if not name:
        errors.append("请填写“机构名称”")
    elif len(name) > 120:
        errors.append("“机构名称”不能超过 120 个字")
    elif Institution.objects.filter(name=name).exists():
        errors.append(f"评估机构“{name}”已登记")
    code = provinces.code(province)
    if code is None:
        errors.append(f"“所在省”无法识别：{province or '（空）'}（填省名或两位区划代码）")
    took = list(took_part_in) if not isinstance(took_part_in, str) else took_part_in
    codes, bad = provinces.codes(took)
    if bad:
        errors.append(f"“参与过本省评估的省份”无法识别：{'、'.join(bad)}")
    if errors:
        raise AssessmentError("；".join(errors))
    assert code is not None
    try:
        with transaction.atomic():  # a savepoint: another request may register the name first
            inst = Institution.objects.create(name=name, province_code=code, took_part_in=codes)
    except IntegrityError:
        raise AssessmentError(f"评估机构“{name}”已登记") from None
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.CREATE,
        obj=inst,
        after={"name": name, "province_code": code, "took_part_in": codes},
        now=now,
    )
    return inst


# --- experts and enumerators with their logins ----------------------------------------------------


def spec_errors(spec: EvaluatorSpec, names: dict[str, str]) -> list[str]:
    """Why the person cannot be registered as given (each message names the field)."""
    errors = []
    if spec.kind not in KIND_LABELS:
        errors.append("“类别”须为“专家”或“调查员”")
    name = spec.name.strip()
    if not name:
        errors.append("请填写“姓名”")
    elif len(name) > 32:
        errors.append("“姓名”不能超过 32 个字")
    if spec.employer_province not in names:
        errors.append("“单位省份”无法识别")
    if any(c not in names for c in spec.took_part_in):
        errors.append("“参与过本省评估的省份”无法识别")
    if spec.kind == ENUMERATOR and spec.institution is None:
        errors.append("调查员须属于一个评估机构")
    if spec.phone and not _PHONE.match(spec.phone):
        errors.append(f"“手机号”须为 11 位数字：{spec.phone}")
    if spec.username:
        try:
            UnicodeUsernameValidator()(spec.username)
        except ValidationError:
            errors.append(f"“用户名”只能包含字母、数字和 @ . + - _：{spec.username}")
        if len(spec.username) > 150:
            errors.append("“用户名”不能超过 150 个字符")
    return errors


def _usernames(specs: Sequence[EvaluatorSpec]) -> tuple[list[str], list[str]]:
    """Each spec's username (given, or derived: zj/dcy + institution + number), and the clashes
    (case-insensitively, with existing logins or within the batch)."""
    users = get_user_model().objects
    given = [s.username.strip() for s in specs if s.username.strip()]
    taken: set[str] = set()
    lowered = sorted({g.lower() for g in given})
    for start in range(0, len(lowered), 500):
        taken |= set(
            users.annotate(key=Lower("username"))
            .filter(key__in=lowered[start : start + 500])
            .values_list("key", flat=True)
        )
    errors, seen = [], set()
    for g in given:
        if g.lower() in taken:
            errors.append(f"用户名 {g} 已被使用")
        elif g.lower() in seen:
            errors.append(f"用户名 {g} 在名单中重复")
        seen.add(g.lower())
    out, numbers = [], {}
    for s in specs:
        if s.username.strip():
            out.append(s.username.strip())
            continue
        prefix = f"{'zj' if s.kind == EXPERT else 'dcy'}{s.institution.pk if s.institution else 0}-"
        if prefix not in numbers:
            existing = users.filter(username__istartswith=prefix).values_list("username", flat=True)
            seen |= {u.lower() for u in existing}
            numbers[prefix] = 0
        while True:
            numbers[prefix] += 1
            candidate = f"{prefix}{numbers[prefix]:03d}"
            if candidate.lower() not in seen:
                break
        seen.add(candidate.lower())
        out.append(candidate)
    return out, errors


@transaction.atomic
def evaluators_register(
    specs: Sequence[EvaluatorSpec],
    *,
    user: User | None,
    campaign: Campaign | None = None,
    actor: str = "",
    passwords: bool = True,
    reason: str = "",
    now: dt.datetime | None = None,
) -> list[Login]:
    """Register experts and enumerators, each with a login holding the role expert or enumerator
    and (`passwords`) a one-time password, returned here only. All or none: any bad person refuses
    the whole batch, each message naming the person and the field.

    `passwords=False` leaves the logins without a usable password, to be issued later with
    `evaluator_password_reset` (the simulated run does, as hashing one costs about a second).
    """
    if not specs:
        raise AssessmentError("没有要登记的人员")
    _refuse_unless_may(user, (s.institution for s in specs), campaign)
    names = province_names()
    errors = []
    for i, s in enumerate(specs, start=1):
        errors += [f"第 {i} 人（{s.name.strip() or '无名'}）：{e}" for e in spec_errors(s, names)]
    usernames, clashes = _usernames(specs)
    errors += clashes
    if errors:
        raise AssessmentError("；".join(errors))

    now = now or timezone.now()
    user_model = get_user_model()
    issued: list[str] = []
    accounts = []
    for username in usernames:
        account = user_model(username=username, is_active=True)
        if passwords:
            issued.append(one_time_password())
            account.set_password(issued[-1])
        else:
            issued.append("")
            account.set_unusable_password()
        accounts.append(account)
    try:
        with transaction.atomic():  # a savepoint: another request may take a username first
            user_model.objects.bulk_create(accounts)
    except IntegrityError:
        raise AssessmentError("有用户名刚被他人使用，未登记任何人；请重新提交") from None
    by_name = {u.username: u for u in user_model.objects.filter(username__in=usernames)}
    accounts = [by_name[u] for u in usernames]
    if passwords:  # each sets their own at first login
        password_issued(a.pk for a in accounts)
    for kind, model in MODELS.items():
        model.objects.bulk_create(
            model(
                name=s.name.strip(),
                employer_province=s.employer_province,
                institution=s.institution,
                took_part_in=list(s.took_part_in),
                experienced=s.experienced,
                exam_passed=s.exam_passed,
                phone=s.phone,
                user=a,
            )
            for s, a in zip(specs, accounts, strict=True)
            if s.kind == kind
        )
    records: dict[int, Expert | Enumerator] = {}
    for kind, model in MODELS.items():
        ids = [a.pk for s, a in zip(specs, accounts, strict=True) if s.kind == kind]
        records |= {e.user_id: e for e in model.objects.filter(user_id__in=ids)}
    Membership.objects.bulk_create(
        Membership(user=a, role=ROLES[s.kind]) for s, a in zip(specs, accounts, strict=True)
    )
    entries = []
    for s, a in zip(specs, accounts, strict=True):
        record = records[a.pk]
        entries.append(
            audit_entry(
                actor=user,
                actor_label=actor,
                action=AuditEntry.Action.CREATE,
                obj=record,
                after={
                    "name": record.name,
                    "institution": s.institution.name if s.institution else "",
                    "employer_province": s.employer_province,
                    "took_part_in": list(s.took_part_in),
                    "experienced": s.experienced,
                    "exam_passed": s.exam_passed,
                    "username": a.username,
                    "one_time_password": "已发放" if passwords else "未发放",
                },
                reason=reason,
                now=now,
            )
        )
        entries.append(
            audit_entry(
                actor=user,
                actor_label=actor,
                action=AuditEntry.Action.GRANT,
                obj=None,
                model="Membership",
                key=a.pk,
                after={"user": a.username, "role": ROLES[s.kind]},
                reason=reason,
                now=now,
            )
        )
    AuditEntry.objects.bulk_create(entries)
    return [
        Login(evaluator=records[a.pk], kind=s.kind, username=a.username, password=p)
        for s, a, p in zip(specs, accounts, issued, strict=True)
    ]


def evaluator_register(
    kind: str,
    *,
    name: str,
    employer_province: str,
    institution: Institution | None = None,
    took_part_in: Iterable[str] | str = (),
    experienced: bool = False,
    exam_passed: bool = False,
    phone: str = "",
    username: str = "",
    user: User | None,
    campaign: Campaign | None = None,
    actor: str = "",
    now: dt.datetime | None = None,
) -> Login:
    """Register one expert or enumerator with a login and a one-time password (provinces by name
    or code)."""
    provinces = _Provinces()
    code = provinces.code(employer_province)
    took = list(took_part_in) if not isinstance(took_part_in, str) else took_part_in
    codes, bad = provinces.codes(took)
    errors = []
    if code is None:
        errors.append(f"“单位省份”无法识别：{employer_province or '（空）'}")
    if bad:
        errors.append(f"“参与过本省评估的省份”无法识别：{'、'.join(bad)}")
    if errors:
        raise AssessmentError("；".join(errors))
    assert code is not None
    spec = EvaluatorSpec(
        kind=kind,
        name=name,
        employer_province=code,
        institution=institution,
        took_part_in=tuple(codes),
        experienced=experienced,
        exam_passed=exam_passed,
        phone=(phone or "").strip(),
        username=(username or "").strip(),
    )
    try:
        return evaluators_register([spec], user=user, campaign=campaign, actor=actor, now=now)[0]
    except AssessmentError as refused:  # one person: no "第 1 人" prefix
        raise AssessmentError(
            str(refused).replace(f"第 1 人（{spec.name.strip() or '无名'}）：", "")
        ) from None


@transaction.atomic
def evaluator_password_reset(
    evaluator: Expert | Enumerator,
    *,
    user: User | None,
    campaign: Campaign | None = None,
    actor: str = "",
    now: dt.datetime | None = None,
) -> Login:
    """Give the evaluator's login a new one-time password (returned here only; audited without it)."""
    _refuse_unless_may(user, [evaluator.institution], campaign)
    if evaluator.user_id is None:
        raise AssessmentError(f"{evaluator.name}没有登录账号")
    account = get_user_model().objects.select_for_update().get(pk=evaluator.user_id)
    password = one_time_password()
    account.set_password(password)
    account.save(update_fields=["password"])
    password_issued([account.pk])
    kind = EXPERT if isinstance(evaluator, Expert) else ENUMERATOR
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.UPDATE,
        obj=evaluator,
        after={"username": account.get_username(), "one_time_password": "已重置"},
        reason="重置初始密码",
        now=now,
    )
    return Login(evaluator=evaluator, kind=kind, username=account.get_username(), password=password)


# --- the XLSX roster --------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _yes_no(value: str, column: str) -> tuple[bool, str]:
    if value in _YES:
        return True, ""
    if value in _NO:
        return False, ""
    return False, f"“{column}”须填“是”或“否”"


class _Unreadable(Exception):
    pass


def _roster_rows(data: bytes) -> tuple[list[str], list[tuple[int, tuple[Any, ...]]]]:
    """The header and the non-blank rows (with Excel's row numbers) of the first sheet; at most
    MAX_ROSTER_ROWS + 1 rows, so that the caller can tell a roster is too long."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # any unreadable upload: zip, XML or openpyxl errors alike
        raise _Unreadable from e
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = [_cell(v) for v in next(rows, ())]
        found: list[tuple[int, tuple[Any, ...]]] = []
        for number, row in enumerate(rows, start=2):
            if any(_cell(v) for v in row):
                found.append((number, row))
                if len(found) > MAX_ROSTER_ROWS:
                    break
            elif number > 20 * MAX_ROSTER_ROWS:  # a sheet of blank rows without end
                break
        return header, found
    except Exception as e:  # a damaged sheet inside a readable file
        raise _Unreadable from e
    finally:
        wb.close()


def roster_read(data: bytes, *, institution: Institution) -> tuple[list[EvaluatorSpec], list[str]]:
    """The people of an XLSX roster, and every error as "第 N 行：…" (N as Excel numbers rows)."""
    try:
        header, rows = _roster_rows(data)
    except _Unreadable:
        return [], ["文件无法读取：请上传 Excel 工作簿（.xlsx），可先下载名单模板"]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [f"第 1 行（表头）缺少列：{'、'.join(missing)}"]
    if len(rows) > MAX_ROSTER_ROWS:
        return [], [f"名单超过 {MAX_ROSTER_ROWS} 人，请分批上传"]
    col = {c: header.index(c) for c in ROSTER_COLUMNS if c in header}
    provinces = _Provinces()
    specs: list[EvaluatorSpec] = []
    errors: list[str] = []
    for number, row in rows:
        values = {c: _cell(row[i]) if i < len(row) else "" for c, i in col.items()}
        row_errors = []
        kind = {"专家": EXPERT, "评估专家": EXPERT, "调查员": ENUMERATOR}.get(values["类别"])
        if kind is None:
            row_errors.append(f"“类别”须为“专家”或“调查员”：{values['类别'] or '（空）'}")
        code = provinces.code(values["单位省份"])
        if code is None:
            row_errors.append(f"“单位省份”无法识别：{values['单位省份'] or '（空）'}")
        codes, bad = provinces.codes(values.get("参与过本省评估的省份", ""))
        if bad:
            row_errors.append(f"“参与过本省评估的省份”无法识别：{'、'.join(bad)}")
        experienced, e1 = _yes_no(values["有评估经验"], "有评估经验")
        exam, e2 = _yes_no(values["通过考试"], "通过考试")
        row_errors += [e for e in (e1, e2) if e]
        spec = EvaluatorSpec(
            kind=kind or ENUMERATOR,
            name=values["姓名"],
            employer_province=code or "",
            institution=institution,
            took_part_in=tuple(codes),
            experienced=experienced,
            exam_passed=exam,
            phone=values.get("手机号", ""),
            username=values.get("用户名", ""),
        )
        if not row_errors:  # the field checks the services make for every person
            row_errors = spec_errors(spec, provinces.names)
        errors += [f"第 {number} 行：{e}" for e in dict.fromkeys(row_errors)]
        specs.append(spec)
    if not specs:
        errors.append("名单中没有人员")
    else:
        _names, clashes = _usernames(specs)
        errors += clashes
    return specs, errors


def roster_import(
    file: IO[bytes] | bytes,
    *,
    institution: Institution,
    user: User | None,
    dry_run: bool,
    campaign: Campaign | None = None,
    filename: str = "",
    actor: str = "",
    now: dt.datetime | None = None,
) -> RosterReport:
    """Read an XLSX roster of the institution's experts and enumerators; unless `dry_run`, register
    them all with their logins (one transaction, audited) — or none when any row is bad.

    The report lists the people found, the row-numbered errors and, when written, the created
    logins with their one-time passwords (shown once; never stored in clear).
    """
    _refuse_unless_may(user, [institution], campaign)
    data = file if isinstance(file, bytes) else file.read(MAX_ROSTER_BYTES + 1)
    report = RosterReport(filename=filename, dry_run=dry_run)
    if len(data) > MAX_ROSTER_BYTES:
        report.errors.append(f"文件超过 {MAX_ROSTER_BYTES // (1024 * 1024)} MB")
        return report
    report.specs, report.errors = roster_read(data, institution=institution)
    if report.errors or dry_run:
        return report
    with transaction.atomic():
        report.created = evaluators_register(
            report.specs,
            user=user,
            campaign=campaign,
            actor=actor,
            reason=f"导入名单 {filename}".strip(),
            now=now,
        )
        audit_record(
            actor=user,
            actor_label=actor,
            action=AuditEntry.Action.IMPORT,
            obj=institution,
            after={
                "file": filename,
                "experts": report.experts,
                "enumerators": report.enumerators,
            },
            reason="导入评估人员名单",
            now=now,
        )
    return report


def roster_template(target: IO[bytes]) -> None:
    """The roster's XLSX template: the header row, and a second sheet explaining each column."""
    from fupin.files.sheets import Sheet, write_xlsx

    notes = [
        ("姓名", "必填"),
        ("类别", "必填：专家 或 调查员"),
        ("单位省份", "必填：省名或两位区划代码（如 甘肃省、62）；调查员（多为学生）填家乡所在省"),
        ("参与过本省评估的省份", "可空：参与过哪些省份自己组织的评估，多个用顿号分隔"),
        ("有评估经验", "必填：是 或 否（以老带新：老队员须有经验）"),
        ("通过考试", "必填：是 或 否（未通过培训考试的人员不能分派）"),
        ("手机号", "可空：11 位数字"),
        ("用户名", "可空：不填则自动生成；不区分大小写，不能与已有账号重复"),
    ]
    write_xlsx(
        target,
        [
            Sheet(title="评估人员名单", headers=ROSTER_COLUMNS, rows=[]),
            Sheet(title="填写说明", headers=["列", "说明"], rows=notes, widths=[22, 80]),
        ],
    )
