"""The step models inherit fupin.accounts.workflow.TransitionRow (#13): the time recorded is a
default (a simulated run passes its clock) rather than auto_now_add, and the rows gain the columns
every transition row has (the actor's name, evidence) where they lacked them."""

import django.utils.timezone
from django.db import migrations, models


def _at():
    return models.DateTimeField(
        default=django.utils.timezone.now, editable=False, verbose_name="时间"
    )


def _evidence():
    return models.JSONField(blank=True, default=list, verbose_name="佐证材料")


def _actor():
    return models.CharField(default="", max_length=64, verbose_name="操作人")


class Migration(migrations.Migration):
    dependencies = [("assessments", "0003_countyresult_sparse_clarity")]

    operations = [
        migrations.AlterField(model_name="campaigntransition", name="at", field=_at()),
        migrations.AddField(model_name="campaigntransition", name="evidence", field=_evidence()),
        migrations.AlterField(model_name="problemstep", name="at", field=_at()),
        migrations.AddField(
            model_name="problemstep", name="actor", field=_actor(), preserve_default=False
        ),
        migrations.AlterField(model_name="rectificationstep", name="at", field=_at()),
        migrations.AddField(
            model_name="rectificationstep", name="actor", field=_actor(), preserve_default=False
        ),
        migrations.AddField(model_name="rectificationstep", name="evidence", field=_evidence()),
    ]
