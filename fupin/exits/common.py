"""What the exit services share: the error type, office checks, fingerprints and the audit row."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models

from fupin.accounts.models import OFFICE_LEVEL, Membership
from fupin.exits.models import ExitCase
from fupin.regions.models import Region
from fupin.registry.models import AuditEntry

User = AbstractBaseUser | AnonymousUser


class ExitError(ValueError):
    """A step the exit rules do not allow; the message is for the user (Chinese)."""


def real_user(user: User | None) -> AbstractBaseUser | None:
    return user if user is not None and user.is_authenticated else None  # type: ignore[return-value]


def actor_name(user: User | None) -> str:
    return user.get_username()[:64] if user is not None and user.is_authenticated else "system"


def office_levels(user: User | None, region: Region) -> set[str]:
    """The levels at which the user holds a poverty-office membership covering `region` (the
    membership's region code is a prefix of the region's code)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    code = region.code
    rows = Membership.objects.filter(user_id=user.pk, role__in=list(OFFICE_LEVEL)).select_related(
        "region"
    )
    return {
        OFFICE_LEVEL[m.role]
        for m in rows
        if m.region is not None
        and m.region.level == OFFICE_LEVEL[m.role]
        and code.startswith(m.region.prefix)
    }


def has_office(user: User | None, region: Region, role: str) -> bool:
    return OFFICE_LEVEL[role] in office_levels(user, region)


def canonical_json(value: Any) -> bytes:
    """One byte string per JSON value, whatever the key order: what a fingerprint is taken of."""
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode("utf-8")


def fingerprint(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def audit(
    *,
    case: ExitCase,
    obj: models.Model | None = None,
    action: str,
    user: User | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEntry:
    """One row in the shared audit trail, tied to the household for household exits."""
    target = obj if obj is not None else case
    return AuditEntry.objects.create(
        user=real_user(user),
        actor=actor_name(user),
        action=action,
        model=type(target).__name__[:32],
        object_key=str(target.pk)[:32],
        household=case.household if case.household_id else None,
        before=before,
        after=after,
        note=note[:200],
    )
