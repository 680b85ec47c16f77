"""Registry operations that span records: create and change households, append status events;
and the logged full-ID view of one member.

Every function here writes an AuditEntry for each change it makes, inside the same transaction
(and one for each full ID number it shows).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts.audit import audit_record, jsonable
from fupin.accounts.models import AuditEntry
from fupin.registry.models import (
    EVENT_TRANSITIONS,
    REGISTERED_STATUSES,
    EventKind,
    Household,
    Person,
    RemovalKind,
    Status,
    StatusEvent,
)
from fupin.registry.selectors import can_view_full_id, households_for


class RegistryError(ValueError):
    """A change the registry's rules do not allow; the message is for the user (Chinese)."""

    status = 400


class RegistryDenied(RegistryError):
    """The user may see the household but not make this change (an office's duty)."""

    status = 403


class RegistryConflict(RegistryError):
    """A change the household's (or a case's) current status does not allow."""

    status = 409


class FullIdDenied(Exception):
    """The user may see the household but not its members' full ID numbers."""


def snapshot(obj: Household | Person) -> dict[str, Any]:
    """The audited values of a record (an ID number among them is masked when the row is saved:
    AuditEntry's fields mask every ID number)."""
    data = model_to_dict(obj)
    data.pop("id", None)
    data.pop("updated_at", None)
    return jsonable(data)


@transaction.atomic
def household_update(
    *,
    household: Household,
    changes: Mapping[str, Any],
    actor: str,
    user: AbstractBaseUser | None = None,
    reason: str = "",
) -> Household:
    """Change a household's fields (not its status: that moves only by events); `reason` is the
    audit row's note (the evidence an office gives)."""
    forbidden = {"status", "identified_year", "exited_year", "household_no", "id"} & set(changes)
    if forbidden:
        raise RegistryError(
            f"不能直接修改 {', '.join(sorted(forbidden))}；状态只能通过状态变更记录改变"
        )
    before = snapshot(household)
    for field, value in changes.items():
        setattr(household, field, value)
    household.full_clean(exclude=["village"])
    household.save(update_fields=[*changes.keys(), "updated_at"])
    after = snapshot(household)
    diff_before = {k: before[k] for k in changes if before.get(k) != after.get(k)}
    diff_after = {k: after[k] for k in diff_before}
    if diff_before:
        audit_record(
            actor=user,
            actor_label=actor,
            action=AuditEntry.Action.UPDATE,
            obj=household,
            household=household,
            before=diff_before,
            after=diff_after,
            reason=reason,
        )
    return household


@transaction.atomic
def person_update(
    *,
    person: Person,
    changes: Mapping[str, Any],
    actor: str,
    user: AbstractBaseUser | None = None,
    reason: str = "",
) -> Person:
    before = snapshot(person)
    for field, value in changes.items():
        setattr(person, field, value)
    person.full_clean(exclude=["household"])
    person.save(update_fields=list(changes.keys()))
    after = snapshot(person)
    diff_before = {k: before[k] for k in changes if before.get(k) != after.get(k)}
    if diff_before:
        audit_record(
            actor=user,
            actor_label=actor,
            action=AuditEntry.Action.UPDATE,
            obj=person,
            household=person.household,
            before=diff_before,
            after={k: after[k] for k in diff_before},
            reason=reason,
        )
    return person


def next_status(current: str | None, kind: str) -> str:
    """The status an event leads to, or RegistryError when it may not follow the current one."""
    allowed = EVENT_TRANSITIONS[current or None]
    if kind not in allowed:
        label = Status(current).label if current else "未登记"
        raise RegistryConflict(f"当前状态为“{label}”，不能记录“{EventKind(kind).label}”")
    return allowed[kind]


@transaction.atomic
def household_record_event(
    *,
    household: Household,
    kind: str,
    date: dt.date,
    reason: str = "",
    actor: str,
    user: AbstractBaseUser | None = None,
    removal_kind: str = "",
) -> StatusEvent:
    """Append a dated status event and move the household's status with it; a removal may say
    which (清退 or a natural decrease: `removal_kind`)."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    if date > timezone.localdate():
        raise RegistryError(f"日期 {date.isoformat()} 在未来")
    last = household.events.order_by("-date", "-id").first()
    if last is not None and date < last.date:
        raise RegistryError(
            f"日期 {date.isoformat()} 早于上一条记录（{last.get_kind_display()} {last.date.isoformat()}）"
        )
    if kind == EventKind.REMOVED and not reason.strip():
        raise RegistryError("清退必须填写原因")
    if removal_kind and (kind != EventKind.REMOVED or removal_kind not in RemovalKind.values):
        raise RegistryError(f"减少类型“{removal_kind}”只用于清退或自然减少")
    if kind == EventKind.IDENTIFIED and household.status == Status.REMOVED and not reason.strip():
        raise RegistryError("该户曾被清退，重新识别必须写明原因")
    current = household.status or None
    new_status = next_status(current, kind)
    before = {
        "status": household.status,
        "identified_year": household.identified_year,
        "exited_year": household.exited_year,
    }
    event = StatusEvent.objects.create(
        household=household,
        kind=kind,
        date=date,
        year=date.year,
        reason=reason,
        removal_kind=removal_kind,
        recorded_by=user if user is not None and user.is_authenticated else None,
    )
    household.status = new_status
    household.registered = new_status in REGISTERED_STATUSES
    if kind == EventKind.IDENTIFIED:
        household.identified_year = date.year
    elif kind == EventKind.EXITED:
        household.exited_year = date.year
    household.save(
        update_fields=["status", "registered", "identified_year", "exited_year", "updated_at"]
    )
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.EVENT,
        obj=household,
        household=household,
        before=before,
        after={
            "status": household.status,
            "identified_year": household.identified_year,
            "exited_year": household.exited_year,
        },
        reason=f"{_event_label(event)} {date.isoformat()} {reason}".strip(),
    )
    return event


def _event_label(event: StatusEvent) -> str:
    """清退 or the natural decrease it was, else the event's kind."""
    return str(event.get_removal_kind_display() or event.get_kind_display())


def status_from_events(kinds: list[str]) -> str:
    """Replay a household's event kinds (in date order) into its status; RegistryError if invalid."""
    status: str | None = None
    for kind in kinds:
        status = next_status(status, kind)
    return status or ""


@transaction.atomic
def person_view_full_id(*, user: AbstractBaseUser, household_no: str, person_pk: int) -> Person:
    """The member with their full ID number, after checking the user's right; logs the view.

    Raises Person.DoesNotExist when the person is not in a household the user may see (the
    caller answers 404: a guessed id must not tell whether it exists), and FullIdDenied when
    the user may see the household but not full ID numbers."""
    person = Person.objects.select_related("household__village").get(
        pk=person_pk, household__household_no=household_no, household__in=households_for(user)
    )
    if not can_view_full_id(user, person.household):
        raise FullIdDenied
    audit_record(
        actor=user,
        action=AuditEntry.Action.VIEW_ID,
        obj=person,
        household=person.household,
        reason=_("查看完整身份证号"),
    )
    return person
