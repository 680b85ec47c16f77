"""Account operations: grant roles, record cadres' households and working groups, log full-ID views,
count failed logins. Keyword-only arguments; each call is one transaction."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts.audit import audit_record
from fupin.accounts.auditing import acting_as
from fupin.accounts.models import (
    CAMPAIGN_ROLES,
    OFFICE_LEVEL,
    AuditEntry,
    LoginThrottle,
    Membership,
    Role,
)
from fupin.assessments.models import Campaign, Enumerator, Expert, Institution
from fupin.assistance.services import AssistanceError, pairing_cadre_households_set
from fupin.regions.models import Level, Region
from fupin.registry.models import Household, Person
from fupin.registry.selectors import can_view_full_id, households_for

# Login throttling: this many failures in a row for one username from one address lock it for LOCK_FOR.
MAX_FAILURES = 5
LOCK_FOR = dt.timedelta(minutes=15)


class AccountError(Exception):
    """An account operation refused, with a Chinese message for the user."""


class FullIdDenied(Exception):
    """The user may see the household but not its members' full ID numbers."""


@transaction.atomic
def membership_grant(
    *,
    user: AbstractBaseUser,
    role: str,
    region: Region | str | None = None,
    institution: Institution | None = None,
    campaign: Campaign | None = None,
    actor: AbstractBaseUser | str | None = None,
) -> Membership:
    """Give a user a role, as one Membership row; poverty offices need a region of the office's
    level, institution admins an institution, experts and enumerators their evaluator record
    linked to the user; a campaign's working group and verification staff may be tied to the
    campaign. A new grant is audited as made by `actor` (fupin.accounts.auditing)."""
    if role not in Role.values:
        raise AccountError(_("未知的角色：%(role)s") % {"role": role})
    if isinstance(region, str):
        found = Region.objects.filter(code=region).first()
        if found is None:
            raise AccountError(_("区划代码 %(code)s 不存在") % {"code": region})
        region = found
    if role in OFFICE_LEVEL:
        if region is None or region.level != OFFICE_LEVEL[role]:
            raise AccountError(
                _("%(role)s须对应一个%(level)s级区划")
                % {"role": Role(role).label, "level": Level(OFFICE_LEVEL[role]).label}
            )
    elif region is not None:
        raise AccountError(_("%(role)s不对应区划") % {"role": Role(role).label})
    if (role == Role.INSTITUTION_ADMIN) != (institution is not None):
        raise AccountError(_("只有评估机构管理员对应评估机构，且必须对应"))
    if campaign is not None and role not in CAMPAIGN_ROLES:
        raise AccountError(_("%(role)s不对应评估任务") % {"role": Role(role).label})
    if role == Role.EXPERT and not Expert.objects.filter(user=user).exists():
        raise AccountError(_("该用户没有关联的评估专家记录"))
    if role == Role.ENUMERATOR and not Enumerator.objects.filter(user=user).exists():
        raise AccountError(_("该用户没有关联的调查员记录"))
    with acting_as(actor):
        membership, _created = Membership.objects.get_or_create(
            user=user, role=role, region=region, institution=institution, campaign=campaign
        )
    return membership


@transaction.atomic
def membership_revoke(
    *,
    user: AbstractBaseUser,
    role: str,
    region: Region | None = None,
    actor: AbstractBaseUser | str | None = None,
) -> int:
    """Take a role away (each row removed is audited as revoked by `actor`)."""
    qs = Membership.objects.filter(user=user, role=role)
    if region is not None:
        qs = qs.filter(region=region)
    with acting_as(actor):
        deleted, _detail = qs.delete()
    return deleted


@transaction.atomic
def cadre_households_set(*, user: AbstractBaseUser, households: list[Household]) -> None:
    """Make `households` exactly the helping cadre's households from today, as 双到 pairings
    (`assistance.services.pairing_cadre_households_set`: audited, overlaps and early ends after
    exit refused)."""
    if not Membership.objects.filter(user=user, role=Role.HELPING_CADRE).exists():
        raise AccountError(_("该用户不是帮扶责任人"))
    try:
        pairing_cadre_households_set(
            cadre=user, households=households, actor="cadre_households_set"
        )
    except AssistanceError as e:
        raise AccountError(str(e)) from e


def working_group_add(
    *, campaign: Campaign, user: AbstractBaseUser, actor: AbstractBaseUser | str | None = None
) -> Membership:
    """Make the user a member of the campaign's working group: one role row tied to the campaign."""
    return membership_grant(user=user, role=Role.WORKING_GROUP, campaign=campaign, actor=actor)


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


# --- login throttling -------------------------------------------------------------------------


def _key(username: str) -> str:
    return username.strip().lower()[:150]


def login_locked_until(
    *, username: str, ip: str, now: dt.datetime | None = None
) -> dt.datetime | None:
    """When the lock on this username and address ends, or None when it is not locked."""
    now = now or timezone.now()
    row = LoginThrottle.objects.filter(username=_key(username), ip=ip).first()
    if row is not None and row.locked_until is not None and row.locked_until > now:
        return row.locked_until
    return None


@transaction.atomic
def login_failure_record(
    *, username: str, ip: str, now: dt.datetime | None = None
) -> LoginThrottle:
    """Count a failed login; the MAX_FAILURES-th in a row locks for LOCK_FOR."""
    now = now or timezone.now()
    row, _created = LoginThrottle.objects.select_for_update().get_or_create(
        username=_key(username), ip=ip
    )
    if row.locked_until is not None and row.locked_until <= now:
        row.failures = 0  # a lock that ran out starts a fresh count
        row.locked_until = None
    row.failures += 1  # the row is locked for update: no lost increments between workers
    row.last_failure_at = now
    if row.failures >= MAX_FAILURES:
        row.locked_until = now + LOCK_FOR
    row.save(update_fields=["failures", "last_failure_at", "locked_until"])
    return row


def login_success_record(*, username: str, ip: str) -> None:
    LoginThrottle.objects.filter(username=_key(username), ip=ip).delete()
