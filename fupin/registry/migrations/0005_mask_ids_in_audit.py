"""Mask the ID numbers already stored in the audit trail (issue #18).

Rows written before AuditEntry's fields masked on save may hold full ID numbers: imports keyed
members by them and services stored a member's values whole. The historical model's fields are
plain ones, so the masking is applied here explicitly; only rows that change are written.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

from fupin.policy import idnumber

FIELDS = ("object_key", "actor", "before", "after", "note")
CHUNK = 2000


def mask_stored_ids(apps: Any, schema_editor: Any) -> None:
    AuditEntry = apps.get_model("registry", "AuditEntry")
    changed: list[Any] = []
    for entry in AuditEntry.objects.only("id", *FIELDS).iterator(chunk_size=CHUNK):
        dirty = False
        for name in FIELDS:
            value = getattr(entry, name)
            masked = idnumber.mask_all(value) if value else value
            if masked != value:
                setattr(entry, name, masked)
                dirty = True
        if dirty:
            changed.append(entry)
        if len(changed) >= CHUNK:
            AuditEntry.objects.bulk_update(changed, FIELDS)
            changed = []
    if changed:
        AuditEntry.objects.bulk_update(changed, FIELDS)


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_audit_accounts_and_submissions")]

    operations = [migrations.RunPython(mask_stored_ids, migrations.RunPython.noop, elidable=True)]
