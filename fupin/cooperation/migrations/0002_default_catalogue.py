"""Load the default indicator catalogue and grade rules (data/indicators.json, data/grade_rules.json).

Reads the files as they are when the migration runs; later edits to the catalogue are made in
admin (or by `services.indicators_load_default(replace=True)`), not by changing this migration.
"""

import json
from decimal import Decimal
from importlib import resources

from django.db import migrations


def _data(name):
    return json.loads(
        resources.files("fupin.cooperation").joinpath("data", name).read_text("utf-8")
    )


def load(apps, schema_editor):
    Indicator = apps.get_model("cooperation", "Indicator")
    GradeRule = apps.get_model("cooperation", "GradeRule")
    items = _data("indicators.json")["indicators"]
    made = {}
    for order, item in enumerate(items, start=1):
        if Indicator.objects.filter(code=item["code"]).exists():
            continue
        made[item["code"]] = Indicator.objects.create(
            code=item["code"],
            side=item["side"],
            area=item["area"],
            name=item["name"],
            unit=item["unit"],
            aggregation=item["aggregation"],
            order=order,
            note=item.get("note", "")[:300],
        )
    codes = {i.code: i for i in Indicator.objects.all()}
    for item in items:
        obj = made.get(item["code"])
        if obj is None:
            continue
        obj.base = codes.get(item.get("base") or "")
        obj.counterpart = codes.get(item.get("counterpart") or "")
        obj.save(update_fields=["base", "counterpart"])
    if not GradeRule.objects.exists():
        for r in _data("grade_rules.json")["rules"]:
            GradeRule.objects.create(
                grade=r["grade"],
                side=r.get("side", ""),
                order=r["order"],
                min_score=Decimal(r["min_score"]),
                min_done_share=Decimal(r["min_done_share"]),
                max_not_done=r.get("max_not_done"),
                max_open_disputes=r.get("max_open_disputes"),
                note=r.get("note", ""),
            )


class Migration(migrations.Migration):
    dependencies = [("cooperation", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
