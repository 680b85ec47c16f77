"""The records behind the after-exit signs: cadre trainings and a county's yearly reduction target.

Trainings are recorded by the office that organised them: the county office for its own, the city
or province office for those it held for a county of its region. A county's yearly reduction
target (年度减贫任务) is recorded by the county office or the city office above it. Every write is
one transaction with its audit row; a mistake is undone by a recorded step (a training withdrawn
with a reason, a target corrected or removed with the old figures in the audit row).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from fupin.accounts.audit import audit_record, real_user
from fupin.accounts.models import AuditEntry, Role
from fupin.accounts.scoping import has_office
from fupin.monitoring.models import ReductionTarget, Training, TrainingLevel
from fupin.monitoring.services import MonitoringConflict, MonitoringDenied, MonitoringError
from fupin.regions.models import Level, Region

User = AbstractBaseUser | AnonymousUser

FIRST_YEAR = 2013  # 建档立卡 began in 2014; plans for it were made in 2013
TRAINING_OFFICE = {
    TrainingLevel.COUNTY.value: Role.COUNTY_OFFICE,
    TrainingLevel.CITY.value: Role.CITY_OFFICE,
    TrainingLevel.PROVINCE.value: Role.PROVINCE_OFFICE,
}
TARGET_OFFICES = (Role.COUNTY_OFFICE, Role.CITY_OFFICE)


def _county(county: Region) -> None:
    if county.level != Level.COUNTY:
        raise MonitoringError(f"{county.name}不是县级区划，培训和减贫任务按县记录")


def training_levels_for(user: User | None, county: Region) -> list[tuple[str, str]]:
    """The organising levels the user may record a training of `county` for (their offices)."""
    return [
        (level, str(label))
        for level, label in TrainingLevel.choices
        if has_office(user, county, TRAINING_OFFICE[level])
    ]


def may_set_target(user: User | None, county: Region) -> bool:
    return any(has_office(user, county, r) for r in TARGET_OFFICES)


def _training_values(t: Training) -> dict[str, Any]:
    return {
        "county": t.county.code,
        "date": t.date,
        "level": t.level,
        "organiser": t.organiser,
        "topic": t.topic,
        "participants": t.participants,
        "participant_names": t.participant_names,
    }


@transaction.atomic
def training_record(
    *,
    county: Region,
    date: dt.date,
    level: str,
    organiser: str,
    topic: str,
    user: User | None,
    participants: int | None = None,
    participant_names: str = "",
) -> Training:
    """Record a cadre training held for the county's cadres. The organising level decides who may
    record it: the county office (县级), the city office above (市级), the province (省级)."""
    _county(county)
    if level not in TRAINING_OFFICE:
        raise MonitoringError(f"组织层级须为县级、市(州)级或省级，不是“{level}”")
    if not has_office(user, county, TRAINING_OFFICE[level]):
        raise MonitoringDenied(
            f"{TrainingLevel(level).label}培训须由{county.name}所属的"
            f"{Role(TRAINING_OFFICE[level]).label}记录"
        )
    if date > timezone.localdate():
        raise MonitoringError(f"培训日期 {date.isoformat()} 在未来：培训办过之后再记录")
    if date.year < FIRST_YEAR:
        raise MonitoringError(f"培训日期须在 {FIRST_YEAR} 年以后")
    organiser, topic = organiser.strip(), topic.strip()
    if not organiser:
        raise MonitoringError("请填写组织单位")
    if not topic:
        raise MonitoringError("请填写培训主题")
    names = [n for n in participant_names.split() if n]
    if participants is None and not names:
        raise MonitoringError("请填写参训人数或参训人员名单（至少一项）")
    if participants is None:
        participants = len(names)
    if participants < 1 or participants > 100_000:
        raise MonitoringError("参训人数须在 1 到 100000 之间")
    if participants < len(names):
        raise MonitoringError(f"参训人数 {participants} 少于名单中的 {len(names)} 人")
    training = Training.objects.create(
        county=county,
        date=date,
        level=level,
        organiser=organiser[:100],
        topic=topic[:200],
        participants=participants,
        participant_names="\n".join(names),
        recorded_by=real_user(user),
    )
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=training,
        after=_training_values(training),
        reason=f"记录干部培训：{county.name} {date.isoformat()} {topic[:60]}",
    )
    return training


@transaction.atomic
def training_withdraw(*, training: Training, reason: str, user: User | None) -> Training:
    """Withdraw a training recorded in error (kept, marked, audited); only the office that may
    record it may withdraw it."""
    training = (
        Training.objects.select_for_update(of=("self",))
        .select_related("county")
        .get(pk=training.pk)
    )
    if not has_office(user, training.county, TRAINING_OFFICE[training.level]):
        raise MonitoringDenied(
            f"这条培训记录只能由{training.county.name}所属的"
            f"{Role(TRAINING_OFFICE[training.level]).label}撤销"
        )
    if training.withdrawn_at is not None:
        raise MonitoringConflict("这条培训记录已撤销")
    reason = reason.strip()
    if not reason:
        raise MonitoringError("请填写撤销原因")
    training.withdrawn_at = timezone.now()
    training.withdrawn_reason = reason[:200]
    training.save(update_fields=["withdrawn_at", "withdrawn_reason"])
    audit_record(
        actor=user,
        action=AuditEntry.Action.UPDATE,
        obj=training,
        before={"withdrawn": False},
        after={"withdrawn": True, **_training_values(training)},
        reason=f"撤销干部培训记录：{reason[:150]}",
    )
    return training


@transaction.atomic
def reduction_target_set(
    *, county: Region, year: int, people: int, user: User | None, source: str = ""
) -> ReductionTarget:
    """Record (or correct) the county's reduction target for the year: people to be lifted out of
    poverty (计划减贫人数). A correction keeps the old figure in the audit row."""
    _county(county)
    if not may_set_target(user, county):
        raise MonitoringDenied(f"{county.name}的年度减贫任务须由该县扶贫办或所属市(州)扶贫办记录")
    today = timezone.localdate()
    if not FIRST_YEAR <= year <= today.year + 1:
        raise MonitoringError(f"年度须在 {FIRST_YEAR} 到 {today.year + 1} 年之间")
    if not 0 <= people <= 10_000_000:
        raise MonitoringError("计划减贫人数须在 0 到 10000000 之间")
    target = ReductionTarget.objects.select_for_update().filter(county=county, year=year).first()
    before = None if target is None else {"people": target.people, "source": target.source}
    if target is None:
        target = ReductionTarget(county=county, year=year)
    target.people = people
    target.source = source.strip()[:200]
    target.recorded_by = real_user(user)
    target.save()
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE if before is None else AuditEntry.Action.UPDATE,
        obj=target,
        before=before,
        after={"county": county.code, "year": year, "people": people, "source": target.source},
        reason=f"{'记录' if before is None else '更正'}{county.name} {year} 年减贫任务",
    )
    return target


@transaction.atomic
def reduction_target_remove(*, target: ReductionTarget, reason: str, user: User | None) -> None:
    """Remove a target recorded in error; the audit row keeps what it said and why it went."""
    county = target.county
    if not may_set_target(user, county):
        raise MonitoringDenied(f"{county.name}的年度减贫任务须由该县扶贫办或所属市(州)扶贫办删除")
    reason = reason.strip()
    if not reason:
        raise MonitoringError("请填写删除原因")
    values = {
        "county": county.code,
        "year": target.year,
        "people": target.people,
        "source": target.source,
    }
    key = target.pk
    target.delete()
    audit_record(
        actor=user,
        action=AuditEntry.Action.DELETE,
        obj=None,
        model="ReductionTarget",
        key=key,
        before=values,
        reason=f"删除{county.name} {values['year']} 年减贫任务：{reason[:120]}",
    )
