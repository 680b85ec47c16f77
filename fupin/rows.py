"""`rows_insert`: the rows `bulk_create` writes, for batches of tens of thousands (a county's
questionnaires, its drawn households, a batch's audit rows). A project-wide helper that knows no
app (tests/test_layers.py BASE)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from django.db import connections, models, router, transaction

# Value types whose database form depends on the value alone (equal values, equal forms), so
# that a batch converts each distinct one once; floats (0.0 == -0.0) and JSON are converted each.
_PURE_TYPES = frozenset({int, str, bool, dt.datetime, dt.date, uuid.UUID, type(None)})


def rows_insert(objs: Sequence[models.Model], *, key: str = "", batch_size: int = 1000) -> None:
    """Insert new objects of one model, as `bulk_create` inserts them (the same rows, inside the
    caller's transaction, no signals), for batches of tens of thousands (a county's
    questionnaires, its drawn households): each field's value goes through the field's own
    conversion (`pre_save`, `get_db_prep_save`), a value recurring in the batch (the campaign,
    the team, the time of receipt) converted once, and the rows are inserted by one prepared
    statement executed for all of them rather than statements assembled value by value.

    `key`: a unique field; the new rows' ids are then read back by it and set on the objects
    (saved objects, as after `bulk_create`). Without it the objects get no id (for rows nobody
    reads back at once)."""
    if not objs:
        return
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    if any(f.db_default is not models.NOT_PROVIDED for f in fields):
        model._default_manager.using(alias).bulk_create(objs)  # defaults the database fills in
        return
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    converted: list[dict[tuple[type, Any], Any]] = [{} for _ in fields]

    def value(obj: models.Model, n: int, field: models.Field[Any, Any]) -> Any:
        found = field.pre_save(obj, True)
        if found is None and field.is_relation and field.is_cached(obj):
            # A related record given before it was saved, as bulk_create checks it.
            related = field.get_cached_value(obj)
            if related is not None:
                if related.pk is None:
                    raise ValueError(f"{model.__name__} names an unsaved {field.name}")
                found = related.pk
                setattr(obj, field.attname, found)
        kind = type(found)
        if kind not in _PURE_TYPES or isinstance(field, models.JSONField):
            return field.get_db_prep_save(found, connection)
        memo = converted[n]
        try:
            return memo[kind, found]
        except KeyError:
            result = memo[kind, found] = field.get_db_prep_save(found, connection)
            return result

    params = [[value(obj, n, f) for n, f in enumerate(fields)] for obj in objs]
    with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
        for start in range(0, len(params), batch_size):
            cursor.executemany(sql, params[start : start + batch_size])
        if key:
            attname = model._meta.get_field(key).attname
            wanted = [getattr(obj, attname) for obj in objs]
            ids: dict[Any, Any] = {}
            for start in range(0, len(wanted), 500):
                ids.update(
                    model._default_manager.using(alias)
                    .filter(**{f"{attname}__in": wanted[start : start + 500]})
                    .values_list(attname, "pk")
                )
            for obj, unique in zip(objs, wanted, strict=True):
                obj.pk = ids[unique]
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias
