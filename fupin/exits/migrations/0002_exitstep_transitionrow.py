"""The step model inherits fupin.accounts.workflow.TransitionRow (#13): the time recorded is a
default (a simulated run passes its clock) rather than auto_now_add."""

import django.utils.timezone
from django.db import migrations, models


def _at():
    return models.DateTimeField(
        default=django.utils.timezone.now, editable=False, verbose_name="时间"
    )


class Migration(migrations.Migration):
    dependencies = [("exits", "0001_initial")]

    operations = [
        migrations.AlterField(model_name="exitstep", name="at", field=_at()),
    ]
