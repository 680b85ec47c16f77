"""What the exit services share: the error type, fingerprints and the audit row (the office
checks and audit names come from fupin.accounts.scoping)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models

from fupin.accounts.scoping import actor_name, real_user
from fupin.exits.models import ExitCase
from fupin.registry.models import AuditEntry

User = AbstractBaseUser | AnonymousUser


class ExitError(ValueError):
    """A step the exit rules do not allow; the message is for the user (Chinese)."""


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
