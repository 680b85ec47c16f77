"""The review row inherits fupin.accounts.workflow.TransitionRow (#13): the time recorded is a
default (a simulated run passes its clock) rather than auto_now_add, and the row gains the evidence
column every transition row has."""

import django.utils.timezone
from django.db import migrations, models


def _at():
    return models.DateTimeField(
        default=django.utils.timezone.now, editable=False, verbose_name="时间"
    )


def _evidence():
    return models.JSONField(blank=True, default=list, verbose_name="佐证材料")


class Migration(migrations.Migration):
    dependencies = [("cooperation", "0003_fieldchecks")]

    operations = [
        migrations.AlterField(model_name="ledgerreview", name="at", field=_at()),
        migrations.AddField(model_name="ledgerreview", name="evidence", field=_evidence()),
    ]
