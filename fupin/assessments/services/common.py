"""What every assessment service shares: the error type, role checks, canonical JSON and the audit row."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.db import models, transaction

from fupin.assessments.workflows import Role
from fupin.registry.models import AuditEntry, Household

User = AbstractBaseUser | AnonymousUser


class AssessmentError(ValueError):
    """A step the assessment's rules do not allow; the message is for the user (Chinese)."""


def has_role(user: User | None, role: str) -> bool:
    """Whether the user is an active member of the role's Group (no superuser shortcut: 分工负责)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.groups.filter(name=role).exists()  # type: ignore[union-attr]


def role_label(role: str) -> str:
    return str(Role(role).label)


def actor_name(user: User | None, actor: str = "") -> str:
    if actor:
        return actor[:64]
    if user is not None and user.is_authenticated:
        return user.get_username()[:64]
    return "system"


def real_user(user: User | None) -> AbstractBaseUser | None:
    return user if user is not None and user.is_authenticated else None  # type: ignore[return-value]


def canonical_json(value: Any) -> bytes:
    """One byte string per JSON value, whatever the key order: the basis of payload checksums."""
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode("utf-8")


def sha256_json(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def audit(
    *,
    obj: models.Model,
    action: str,
    actor: str,
    user: User | None,
    household: Household | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEntry:
    """One row in the shared audit trail (registry.AuditEntry), so a household's history shows its checks."""
    return AuditEntry.objects.create(
        user=real_user(user),
        actor=actor[:64],
        action=action,
        model=type(obj).__name__[:32],
        object_key=str(obj.pk)[:32],
        household=household,
        before=before,
        after=after,
        note=note[:200],
    )


@transaction.atomic
def roles_ensure() -> list[Group]:
    """The Groups for every role code (the data migration makes them too; this is for fresh test DBs)."""
    return [Group.objects.get_or_create(name=role.value)[0] for role in Role]
