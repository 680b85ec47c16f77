"""An audit row's time is a default rather than auto_now_add (#13): a simulated run passes its
clock (`now=`). State only: auto_now_add has no database default, so nothing changes in the
database."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_one_role_model")]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="at",
            field=models.DateTimeField(
                db_index=True,
                default=django.utils.timezone.now,
                editable=False,
                verbose_name="时间",
            ),
        ),
    ]
