"""Fast multi-row INSERTs for the registry's bulk paths (imports and synthetic loads).

The ORM's bulk_create spends most of its time preparing each value of each object; here only
dates, datetimes and JSON go through the field's own conversion (so SQLite and PostgreSQL both
get what they expect) and everything else is passed to the driver as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model

CONVERTED = {"DateField", "DateTimeField", "JSONField"}


def bulk_insert(
    model: type[Model],
    field_names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    batch: int = 5_000,
    on_batch: Callable[[int], None] | None = None,
) -> None:
    """INSERT `rows` (tuples in the order of `field_names`) with one executemany per batch."""
    fields = [model._meta.get_field(f) for f in field_names]
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} "
        f"({', '.join(qn(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    # Fields that mask ID numbers on the way in (the audit trail's) go through their own
    # conversion too, so a bulk insert stores what a save() would.
    convert = [
        i
        for i, f in enumerate(fields)
        if f.get_internal_type() in CONVERTED or getattr(f, "masks_ids", False)
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            if convert:
                data = []
                for row in chunk:
                    values = list(row)
                    for i in convert:
                        values[i] = fields[i].get_db_prep_save(values[i], connection)
                    data.append(values)
                cursor.executemany(sql, data)
            else:
                cursor.executemany(sql, chunk)
            if on_batch is not None:
                on_batch(len(chunk))
