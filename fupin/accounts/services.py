"""Account operations: grant and revoke roles, working groups, count failed logins. Keyword-only
arguments; each call is one transaction.

Accounts sit at the bottom of the apps: the assessments' evaluator records are read by model name
(`apps.get_model`), never imported. A cadre's households are set in
`fupin.assistance.services.cadre_households_set`, the logged full-ID view is
`fupin.registry.services.person_view_full_id`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts.auditing import acting_as
from fupin.accounts.grants import MEMBER_LEVEL, REGION_MEMBER_ROLES
from fupin.accounts.models import (
    CAMPAIGN_ROLES,
    OFFICE_LEVEL,
    LoginThrottle,
    Membership,
    Role,
)
from fupin.regions.models import Level, Region

# Login throttling: this many failures in a row for one username from one address lock it for LOCK_FOR.
MAX_FAILURES = 5
LOCK_FOR = dt.timedelta(minutes=15)
# Guesses spread over many addresses: this many failures for one username, counted over every
# address that failed within LOCK_FOR, lock the username at every address until LOCK_FOR after
# the latest of them. Higher than MAX_FAILURES, so that one person's typing locks only their own
# address; the price is that someone who knows a username can lock it for LOCK_FOR.
MAX_FAILURES_ANY_ADDRESS = 20


class AccountError(Exception):
    """An account operation refused, with a Chinese message for the user."""


@transaction.atomic
def membership_grant(
    *,
    user: AbstractBaseUser,
    role: str,
    region: Region | str | None = None,
    institution: models.Model | None = None,  # an assessments.Institution
    campaign: models.Model | None = None,  # an assessments.Campaign
    actor: AbstractBaseUser | str | None = None,
    now: dt.datetime | None = None,
) -> Membership:
    """Give a user a role, as one Membership row; poverty offices need a region of the office's
    level (a helping cadre may be tied to the region of the office that manages them),
    institution admins an institution, experts and enumerators their evaluator record
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
    elif region is not None and role not in REGION_MEMBER_ROLES:
        raise AccountError(_("%(role)s不对应区划") % {"role": Role(role).label})
    elif role in MEMBER_LEVEL and (
        (region is None and role != Role.LEADING_GROUP)  # the national leading group: no region
        or (region is not None and region.level != MEMBER_LEVEL[role])
    ):
        raise AccountError(
            _("%(role)s须对应一个%(level)s级区划")
            % {"role": Role(role).label, "level": Level(MEMBER_LEVEL[role]).label}
        )
    if (role == Role.INSTITUTION_ADMIN) != (institution is not None):
        raise AccountError(_("只有评估机构管理员对应评估机构，且必须对应"))
    if campaign is not None and role not in CAMPAIGN_ROLES:
        raise AccountError(_("%(role)s不对应评估任务") % {"role": Role(role).label})
    expert = apps.get_model("assessments", "Expert")
    enumerator = apps.get_model("assessments", "Enumerator")
    if role == Role.EXPERT and not expert.objects.filter(user=user).exists():
        raise AccountError(_("该用户没有关联的评估专家记录"))
    if role == Role.ENUMERATOR and not enumerator.objects.filter(user=user).exists():
        raise AccountError(_("该用户没有关联的调查员记录"))
    with acting_as(actor, now=now):
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


def working_group_add(
    *,
    campaign: models.Model,
    user: AbstractBaseUser,
    actor: AbstractBaseUser | str | None = None,
    now: dt.datetime | None = None,
) -> Membership:
    """Make the user a member of the campaign's working group: one role row tied to the campaign."""
    return membership_grant(
        user=user, role=Role.WORKING_GROUP, campaign=campaign, actor=actor, now=now
    )


# --- login throttling -------------------------------------------------------------------------


def _key(username: str) -> str:
    return username.strip().lower()[:150]


@dataclass(frozen=True)
class LoginLock:
    """A username's login lock now (`login_lock_of`): what its office sees."""

    until: dt.datetime  # the latest end of the locks below
    everywhere: bool  # the username is locked at every address (guesses from many)
    addresses: int  # addresses where it is locked on their own (MAX_FAILURES in a row)


def _lock_columns(now: dt.datetime, ip: str | None = None) -> dict[str, Any]:
    """Aggregates over a username's rows: the live locks of its addresses (or of the one
    address), and its failures from every address that failed within LOCK_FOR."""
    live = models.Q(locked_until__gt=now) & (models.Q(ip=ip) if ip is not None else models.Q())
    recent = models.Q(last_failure_at__gt=now - LOCK_FOR)
    return {
        "addresses": models.Count("pk", filter=live),
        "addresses_until": models.Max("locked_until", filter=live),
        "spread": models.Sum("failures", filter=recent),
        "last": models.Max("last_failure_at", filter=recent),
    }


def _lock(found: dict[str, Any]) -> LoginLock | None:
    everywhere = (found["spread"] or 0) >= MAX_FAILURES_ANY_ADDRESS
    ends = [found["addresses_until"]] if found["addresses"] else []
    if everywhere:
        ends.append(found["last"] + LOCK_FOR)
    if not ends:
        return None
    return LoginLock(until=max(ends), everywhere=everywhere, addresses=found["addresses"])


def login_locked_until(
    *, username: str, ip: str, now: dt.datetime | None = None
) -> dt.datetime | None:
    """When the lock on this username at this address ends, or None when it is not locked: the
    address's own lock (MAX_FAILURES in a row from it), or the username's at every address
    (MAX_FAILURES_ANY_ADDRESS from addresses that failed within LOCK_FOR). One query."""
    rows = LoginThrottle.objects.filter(username=_key(username))
    lock = _lock(rows.aggregate(**_lock_columns(now or timezone.now(), ip)))
    return lock.until if lock is not None else None


def login_lock_of(username: str, *, now: dt.datetime | None = None) -> LoginLock | None:
    """The locks on a username now, at any address, or None. One query."""
    return login_locks_of([username], now=now).get(username)


def login_locks_of(
    usernames: Iterable[str], *, now: dt.datetime | None = None
) -> dict[str, LoginLock]:
    """`login_lock_of` for a page of people in one query: the locked ones, by username."""
    names = {_key(u): u for u in usernames}
    rows = (
        LoginThrottle.objects.filter(username__in=names)
        .values("username")
        .order_by()
        .annotate(**_lock_columns(now or timezone.now()))
    )
    found = {names[r["username"]]: _lock(r) for r in rows}
    return {name: lock for name, lock in found.items() if lock is not None}


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


def login_locks_clear(usernames: Iterable[str]) -> None:
    """A new password was issued: the guesses at the old one no longer count, at any address."""
    LoginThrottle.objects.filter(username__in=[_key(u) for u in usernames]).delete()
