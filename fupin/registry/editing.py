"""Registry work by the offices in the browser and the API (issue #15 item 3): dated status events
with reasons (返贫, 清退, natural decrease), new households, member changes, and income and
两不愁三保障 edits with evidence. Each checks who may act, then goes through the registry's
services (`household_record_event`, `household_update`, `person_update`), in one transaction with
the audit row.

Who: the county office records status events (the county decides who is in the registry); the
township or county office over the household's village prepares the rest (members, income,
两不愁三保障, new households). 脱贫 is not recorded here: it is the exit procedure's (exits app).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.audit import audit_record
from fupin.accounts.models import AuditEntry, Role
from fupin.accounts.scoping import has_office
from fupin.policy import idnumber
from fupin.policy.contact import ethnicity_name, phone_normalize, phone_problem
from fupin.regions.models import Level, Region
from fupin.registry.models import (
    EventKind,
    Household,
    Person,
    Relation,
    StatusEvent,
)
from fupin.registry.models import (
    RegistryEvidence as Evidence,
)
from fupin.registry.services import (
    RegistryDenied,
    RegistryError,
    household_record_event,
    household_update,
    person_update,
    snapshot,
)

AnyUser = AbstractBaseUser | AnonymousUser

# An evidence file larger than this is refused (photos and scans of a few pages).
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


class EventChoice(models.TextChoices):
    """The events an office records on the household page: the event kind, and for a removal
    which one (RemovalKind)."""

    RETURNED = "returned", _("返贫")
    WRONG = "wrong", _("清退（错评）")
    DEATH = "death", _("自然减少（死亡）")
    MOVED = "moved", _("自然减少（迁出）")


class MemberChange(models.TextChoices):
    """Why a member joins or leaves a household (the audit row's note names it)."""

    BIRTH = "birth", _("出生")
    MARRIAGE_IN = "marriage_in", _("婚入")
    MOVED_IN = "moved_in", _("迁入")
    MARRIAGE_OUT = "marriage_out", _("婚出")
    MOVED_OUT = "moved_out", _("迁出")
    DEATH = "death", _("死亡")
    OTHER = "other", _("其他")


JOINING = frozenset({MemberChange.BIRTH, MemberChange.MARRIAGE_IN, MemberChange.MOVED_IN})
LEAVING = frozenset({MemberChange.MARRIAGE_OUT, MemberChange.MOVED_OUT, MemberChange.DEATH})
JOINING_CHOICES = [(c.value, c.label) for c in MemberChange if c in JOINING or c == "other"]
LEAVING_CHOICES = [(c.value, c.label) for c in MemberChange if c in LEAVING]

# Fields an office edits on the household page: income and 两不愁三保障 (and the at-risk flags).
INCOME_FIELDS = (
    "income_wages",
    "income_business",
    "income_property",
    "income_transfers",
    "income_policy_transfers",
)
GUARANTEE_FIELDS = (
    "food_ok",
    "clothing_ok",
    "education_ok",
    "medical_ok",
    "housing_ok",
    "water_ok",
)
EDITABLE_HOUSEHOLD = frozenset(
    {
        "income_year",
        *INCOME_FIELDS,
        *GUARANTEE_FIELDS,
        "attribute",
        "main_cause",
        "at_risk_dibao",
        "at_risk_illness",
        "at_risk_housing",
        # Carried by the national system's lists (issue #15): 自然村 and 联系电话.
        "natural_village",
        "phone",
    }
)
# Fields of a member an office sets (the ID number gives sex and birth date).
PERSON_FIELDS = frozenset(
    {
        "name",
        "id_number",
        "person_no",
        "ethnicity",
        "relation",
        "education",
        "school_status",
        "health",
        "disability_grade",
        "labour_ability",
        "months_away",
        "insured",
    }
)


# --- who may act -------------------------------------------------------------------------------


def may_prepare(user: AnyUser | None, household: Household) -> bool:
    """The township or county office over the household's village (members, income, 三保障)."""
    village = household.village
    return has_office(user, village, Role.TOWNSHIP_OFFICE) or has_office(
        user, village, Role.COUNTY_OFFICE
    )


def may_decide(user: AnyUser | None, household: Household) -> bool:
    """The county office over the household's village (status events, identification)."""
    return has_office(user, household.village, Role.COUNTY_OFFICE)


def _require_prepare(user: AnyUser | None, household: Household, what: str) -> None:
    if not may_prepare(user, household):
        raise RegistryDenied(
            f"{what}须由{household.village.name}所属的乡(镇)扶贫工作站或县扶贫办办理"
        )


def _note(note: str, what: str) -> str:
    note = (note or "").strip()
    if not note:
        raise RegistryError(f"请填写{what}")
    return note


# --- evidence ----------------------------------------------------------------------------------


def evidence_store(
    *, household: Household, file: UploadedFile, note: str, user: AnyUser | None
) -> Evidence:
    """Keep a file attached to a change (inside the caller's transaction)."""
    if file.size is None or file.size == 0:
        raise RegistryError("佐证材料文件是空的")
    if file.size > EVIDENCE_MAX_BYTES:
        raise RegistryError(
            f"佐证材料文件 {file.size / 1024 / 1024:.1f} MB，超过 "
            f"{EVIDENCE_MAX_BYTES // 1024 // 1024} MB 的上限"
        )
    name = (file.name or "file").rsplit("/", 1)[-1][-150:]
    evidence = Evidence(
        household=household,
        note=note[:300],
        original_name=name,
        size=file.size,
        uploaded_by=user if user is not None and user.is_authenticated else None,
    )
    evidence.file.save(name, file, save=False)
    evidence.save()
    return evidence


def _with_evidence(
    note: str, household: Household, file: UploadedFile | None, user: AnyUser | None
) -> str:
    """The audit note, naming the file kept with it."""
    if file is None:
        return note
    evidence = evidence_store(household=household, file=file, note=note, user=user)
    return f"{note}（佐证材料：{evidence.original_name}）"


# --- status events -----------------------------------------------------------------------------


@transaction.atomic
def household_event_add(
    *,
    household: Household,
    event: str,
    date: dt.date,
    reason: str,
    user: AnyUser | None,
) -> StatusEvent:
    """Record 返贫, 清退 or a natural decrease (death, moved away) as a dated event with a reason,
    by the county office over the household's village."""
    if event == EventKind.EXITED:
        raise RegistryError(
            "脱贫须按贫困户退出程序办理（民主评议、公示、签字），请到“贫困退出”页面提出"
        )
    if event == EventKind.IDENTIFIED:
        raise RegistryError("新识别须按一核二看三比四评议五公示程序办理，请提出识别申请")
    if event not in EventChoice.values:
        raise RegistryError(f"未知的状态变更“{event}”")
    if not may_decide(user, household):
        raise RegistryDenied(
            f"“{EventChoice(event).label}”须由{household.village.name}所属的县扶贫办记录"
        )
    reason = _note(reason, "原因")
    kind = EventKind.RETURNED if event == EventChoice.RETURNED else EventKind.REMOVED
    return household_record_event(
        household=household,
        kind=kind,
        date=date,
        reason=reason,
        actor="",
        user=user,  # type: ignore[arg-type]
        removal_kind="" if kind == EventKind.RETURNED else event,
    )


# --- households --------------------------------------------------------------------------------


@transaction.atomic
def household_create(
    *,
    household_no: str,
    village: Region,
    user: AnyUser | None,
    note: str = "",
) -> Household:
    """A new household on the village roster (not registered: it enters the registry only by an
    approved identification), by the township or county office over the village."""
    household_no = (household_no or "").strip()
    if not household_no or len(household_no) > 20:
        raise RegistryError("户编号：请填写 1 到 20 个字符")
    if village.level != Level.VILLAGE:
        raise RegistryError(f"所在村：“{village.name}”不是村")
    probe = Household(household_no=household_no, village=village)
    _require_prepare(user, probe, "新增农户")
    if Household.objects.filter(household_no=household_no).exists():
        raise RegistryError(f"户编号 {household_no} 已存在")
    household = Household.objects.create(
        household_no=household_no, village=village, registered=False, status=""
    )
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=household,
        household=household,
        after=snapshot(household),
        reason=note.strip() or "新增农户",
    )
    return household


def _income_changes(household: Household, changes: dict[str, Any]) -> dict[str, Any]:
    """Total and per-capita income follow from the parts and the household's size."""
    if not any(f in changes for f in INCOME_FIELDS):
        return changes
    parts = {f: float(changes.get(f, getattr(household, f))) for f in INCOME_FIELDS}
    if parts["income_policy_transfers"] > parts["income_transfers"]:
        raise RegistryError("其中政策性收入不能大于转移性收入")
    total = (
        parts["income_wages"]
        + parts["income_business"]
        + parts["income_property"]
        + parts["income_transfers"]
    )
    size = household.size or household.members.filter(deceased=False).count()
    return {
        **changes,
        "income_total": round(total, 2),
        "income_per_capita": round(total / size, 2) if size else 0.0,
    }


@transaction.atomic
def household_edit(
    *,
    household: Household,
    changes: Mapping[str, Any],
    note: str,
    user: AnyUser | None,
    file: UploadedFile | None = None,
) -> Household:
    """Change income and 两不愁三保障 (and the attribute, main cause, at-risk flags) with the
    evidence they rest on: a note (required) and optionally a file."""
    _require_prepare(user, household, "修改收入和两不愁三保障")
    unknown = set(changes) - EDITABLE_HOUSEHOLD
    if unknown:
        raise RegistryError(f"不能在此修改：{'、'.join(sorted(unknown))}")
    note = _note(note, "修改依据（佐证说明）")
    income_year = changes.get("income_year", household.income_year)
    if income_year is not None and income_year > timezone.localdate().year:
        raise RegistryError(f"收入年度 {income_year} 在未来")
    for f in INCOME_FIELDS:
        if f in changes and (changes[f] is None or changes[f] < 0):
            label = Household._meta.get_field(f).verbose_name
            raise RegistryError(f"{label}：请填写不小于 0 的金额")
    full = _income_changes(household, _national_fields(dict(changes)))
    reason = _with_evidence(note, household, file, user)
    try:
        return household_update(
            household=household,
            changes=full,
            actor="",
            user=user,
            reason=reason,  # type: ignore[arg-type]
        )
    except ValidationError as e:
        raise RegistryError(_validation_text(e, Household)) from e


def _national_fields(changes: dict[str, Any]) -> dict[str, Any]:
    """自然村, 联系电话, 人编号 and 民族 as stored: trimmed, the phone checked (a mobile or a
    landline with its area code), the nationality one of the 56 by its standard name."""
    for key in ("natural_village", "person_no"):
        if key in changes:
            changes[key] = str(changes[key] or "").strip()
    if "phone" in changes:
        problem = phone_problem(str(changes["phone"] or ""))
        if problem:
            raise RegistryError(f"联系电话：{problem}")
        changes["phone"] = phone_normalize(str(changes["phone"] or ""))
    if "ethnicity" in changes:
        name = ethnicity_name(str(changes["ethnicity"] or ""))
        if name is None:
            raise RegistryError(f"民族：“{changes['ethnicity']}”不是 56 个民族之一，请从列表中选择")
        changes["ethnicity"] = name
    return changes


# --- members -----------------------------------------------------------------------------------


def _validation_text(e: ValidationError, model: type[models.Model]) -> str:
    if not hasattr(e, "error_dict"):
        return "；".join(e.messages)
    parts = []
    for field, errors in e.error_dict.items():
        try:
            label = str(model._meta.get_field(field).verbose_name)
        except Exception:  # noqa: BLE001 - a non-field error
            label = field
        parts.append(f"{label}：{'；'.join(m for err in errors for m in err.messages)}")
    return "；".join(parts)


def _checked_id(raw: str, household: Household, exclude: int | None = None) -> str:
    number = idnumber.normalize(raw or "")
    problems = idnumber.problems(number)
    if problems:
        raise RegistryError(f"身份证号：{problems[0].message}")
    twins = household.members.filter(id_number=number)
    if exclude is not None:
        twins = twins.exclude(pk=exclude)
    if twins.exists():
        raise RegistryError(f"身份证号：该户已有身份证号为 {idnumber.mask(number)} 的成员")
    return number


def _resize(household: Household, user: AnyUser | None) -> None:
    """The household's size is its living members."""
    size = household.members.filter(deceased=False).count()
    if size != household.size:
        before = household.size
        household.size = size
        household.save(update_fields=["size", "updated_at"])
        audit_record(
            actor=user,
            action=AuditEntry.Action.UPDATE,
            obj=household,
            household=household,
            before={"size": before},
            after={"size": size},
            reason="家庭人口随成员变动",
        )


def _head_check(household: Household, relation: str, exclude: int | None = None) -> None:
    if relation != Relation.HEAD:
        return
    heads = household.members.filter(relation=Relation.HEAD, deceased=False)
    if exclude is not None:
        heads = heads.exclude(pk=exclude)
    if heads.exists():
        raise RegistryError("与户主关系：该户已有户主，请先变更原户主的关系")


@transaction.atomic
def person_add(
    *,
    household: Household,
    data: Mapping[str, Any],
    change: str,
    note: str,
    user: AnyUser | None,
) -> Person:
    """A member joins the household (birth, marriage, moving in); sex and birth date come from
    the ID number; the household's size follows."""
    _require_prepare(user, household, "新增家庭成员")
    if change not in JOINING and change != MemberChange.OTHER:
        raise RegistryError(f"变动原因“{change}”不是成员增加的原因")
    unknown = set(data) - PERSON_FIELDS
    if unknown:
        raise RegistryError(f"不能在此填写：{'、'.join(sorted(unknown))}")
    if not str(data.get("name", "")).strip():
        raise RegistryError("姓名：请填写")
    number = _checked_id(str(data.get("id_number", "")), household)
    _head_check(household, str(data.get("relation", "")))
    note = note.strip()
    person = Person(
        household=household,
        **{**_national_fields(dict(data)), "id_number": number, "name": str(data["name"]).strip()},
        sex=idnumber.sex(number),
        birth_date=idnumber.birth_date(number),
    )
    try:
        person.full_clean(exclude=["household"])
    except ValidationError as e:
        raise RegistryError(_validation_text(e, Person)) from e
    person.save()
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=person,
        household=household,
        after=snapshot(person),
        reason=f"成员{MemberChange(change).label}：{person.name} {note}".strip(),
    )
    _resize(household, user)
    return person


@transaction.atomic
def person_change(
    *,
    person: Person,
    changes: Mapping[str, Any],
    note: str,
    user: AnyUser | None,
) -> Person:
    """Correct a member's facts (a new ID number gives a new sex and birth date)."""
    household = person.household
    _require_prepare(user, household, "修改家庭成员")
    unknown = set(changes) - PERSON_FIELDS
    if unknown:
        raise RegistryError(f"不能在此修改：{'、'.join(sorted(unknown))}")
    note = _note(note, "修改依据")
    full = _national_fields(dict(changes))
    if "id_number" in full and idnumber.normalize(full["id_number"]) != person.id_number:
        number = _checked_id(str(full["id_number"]), household, exclude=person.pk)
        full.update(
            id_number=number, sex=idnumber.sex(number), birth_date=idnumber.birth_date(number)
        )
    else:
        full.pop("id_number", None)
    if "relation" in full:
        _head_check(household, full["relation"], exclude=person.pk)
    try:
        return person_update(person=person, changes=full, actor="", user=user, reason=note)  # type: ignore[arg-type]
    except ValidationError as e:
        raise RegistryError(_validation_text(e, Person)) from e


@transaction.atomic
def person_remove(
    *,
    person: Person,
    change: str,
    note: str,
    user: AnyUser | None,
) -> Person | None:
    """A member leaves: a death is kept on the roster as deceased (已故); a marriage or a move
    away removes the row (its values stay in the audit row, from which it can be added back).
    Returns the member kept, or None when removed."""
    household = person.household
    _require_prepare(user, household, "减少家庭成员")
    if change not in LEAVING:
        raise RegistryError(f"变动原因“{change}”不是成员减少的原因")
    note = note.strip()
    label = MemberChange(change).label
    if change == MemberChange.DEATH:
        if person.deceased:
            raise RegistryError(f"{person.name} 已登记为已故")
        kept = person_update(
            person=person,
            changes={"deceased": True},
            actor="",
            user=user,  # type: ignore[arg-type]
            reason=f"成员{label}：{person.name} {note}".strip(),
        )
        _resize(household, user)
        return kept
    others = household.members.exclude(pk=person.pk).filter(deceased=False)
    if person.relation == Relation.HEAD and others.exists():
        raise RegistryError("户主迁出或婚出前，请先把另一位成员变更为户主")
    audit_record(
        actor=user,
        action=AuditEntry.Action.DELETE,
        obj=person,
        household=household,
        before=snapshot(person),
        reason=f"成员{label}：{person.name} {note}".strip(),
    )
    person.delete()
    _resize(household, user)
    return None
