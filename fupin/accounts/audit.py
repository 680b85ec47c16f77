"""The one audit trail: `audit_record` writes every AuditEntry row, for every app (and
`audit_record_many` a batch of them, made by `audit_entry`).

Who acted is a user (`actor`) or, when there is none, the name of a command or system
(`actor_label`); the row stores the user and a name (the label if given, else the username,
else "system"). The object is named by its model and key: a household by its household number
(the registry's key, stable across imports), any other record by its primary key. Values are
made JSON-ready here (dates, decimals) and any ID number in them is masked when the row is saved
(AuditEntry's fields). Also the one `canonical_json`, which checksums and fingerprints are
taken of.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.utils import timezone

from fupin.accounts.models import AuditEntry
from fupin.rows import rows_insert

AnyUser = AbstractBaseUser | AnonymousUser

SYSTEM_NAME = "system"


def real_user(user: AnyUser | None) -> AbstractBaseUser | None:
    """The user an audit row points to: None for anonymous callers and the system."""
    return user if user is not None and user.is_authenticated else None  # type: ignore[return-value]


def actor_name(user: AnyUser | None, label: str = "") -> str:
    """The name an audit row or a signature records: `label` (a command's or an office's name)
    if given, else the username, else "system"."""
    if label:
        return label[:64]
    if user is not None and user.is_authenticated:
        return user.get_username()[:64]
    return SYSTEM_NAME


def canonical_json(value: Any) -> bytes:
    """One byte string per JSON value, whatever the key order: the basis of checksums and
    fingerprints."""
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode("utf-8")


def sha256_json(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def jsonable(value: Any) -> Any:
    """`value` with dates as ISO strings and decimals as strings, at any depth (what a JSON
    column takes)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def object_key(obj: models.Model) -> str:
    """How the audit trail names a record: a household by its number, others by primary key."""
    if obj._meta.label == "registry.Household":  # by name: accounts never imports registry
        return str(obj.household_no)  # type: ignore[attr-defined]
    return str(obj.pk)


def audit_entry(
    *,
    actor: AnyUser | None,
    action: str,
    obj: models.Model | None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str = "",
    household: models.Model | None = None,
    actor_label: str = "",
    model: str = "",
    key: object = None,
    now: dt.datetime | None = None,
) -> AuditEntry:
    """The row `audit_record` writes, not yet saved: for callers that write many at once
    (`audit_record_many`). `model`/`key` name the object where it is not `obj`
    (a failed login names a username, a token its user). `now`: the time recorded (default: the
    clock; a simulated run passes its own)."""
    if obj is None and not model:
        raise ValueError("an audit row names its object: obj, or model and key")
    return AuditEntry(
        at=now or timezone.now(),
        user=real_user(actor),
        actor=actor_name(actor, actor_label),
        action=action,
        model=(model or type(obj).__name__)[:32],
        object_key=str(key if key is not None or obj is None else object_key(obj))[:32],
        household=household,
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        note=str(reason)[:200],
    )


def audit_record(
    *,
    actor: AnyUser | None,
    action: str,
    obj: models.Model | None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str = "",
    household: models.Model | None = None,
    actor_label: str = "",
    model: str = "",
    key: object = None,
    now: dt.datetime | None = None,
) -> AuditEntry:
    """Write one audit row: who (`actor`, or `actor_label` for a command), what (`action` on
    `obj`, tied to `household` so its history shows it), the values `before` and `after`, and
    why (`reason`), at `now` (default: the clock). Call it inside the transaction that makes the
    change."""
    entry = audit_entry(
        actor=actor,
        action=action,
        obj=obj,
        before=before,
        after=after,
        reason=reason,
        household=household,
        actor_label=actor_label,
        model=model,
        key=key,
        now=now,
    )
    entry.save()
    return entry


def audit_record_many(entries: Iterable[AuditEntry], *, batch_size: int = 1000) -> int:
    """Write many audit rows made by `audit_entry` (a batch of questionnaires, of verification
    steps): the batch form of `audit_record`, inside the caller's transaction; how many.

    Each value goes through its field's own conversion, as a save converts it (dates, JSON, any
    ID number masked), and the rows are inserted by one prepared statement executed for all of
    them (`fupin.rows.rows_insert`); nothing is read back, so the entries keep no primary key
    (nobody reads an audit row's id at the moment of writing it). A recorded assessment writes
    some 70 000 of these rows."""
    rows = list(entries)
    rows_insert(rows, batch_size=batch_size)
    return len(rows)
