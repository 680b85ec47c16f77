"""Who holds which role: the one permission check, read from the same Membership rows as scoping.

A role is held by an active user with a Membership row of that role, wherever it is tied (a
region, an institution, a campaign). There is no superuser shortcut: a system admin who should
take a verification step is granted the role like anyone else (分工负责).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeAlias

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from fupin.accounts.models import Membership

AnyUser: TypeAlias = AbstractBaseUser | AnonymousUser


def _active(user: AnyUser | None) -> bool:
    return user is not None and bool(user.is_authenticated and user.is_active)


def has_role(user: AnyUser | None, role: str) -> bool:
    """Whether the user is active and holds the role (one query)."""
    if not _active(user):
        return False
    assert user is not None
    return bool(Membership.objects.filter(user_id=user.pk, role=role).exists())


def has_role_in(user: AnyUser | None, role: str, region_id: int) -> bool:
    """Whether the user is active and holds the role for that region (one query): a county
    officer (县级干部) explains and rectifies only the problems of their own county."""
    if not _active(user):
        return False
    assert user is not None
    return Membership.objects.filter(user_id=user.pk, role=role, region_id=region_id).exists()


def roles_held(user: AnyUser | None, among: Iterable[str] | None = None) -> set[str]:
    """The roles (of `among`, or of all) the user holds, as has_role says for each, in one query."""
    if not _active(user):
        return set()
    assert user is not None
    rows = Membership.objects.filter(user_id=user.pk)
    if among is not None:
        rows = rows.filter(role__in=list(among))
    return set(rows.values_list("role", flat=True).distinct())
