# Issue #22: a user given a one-time password sets their own at first login.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_people_profile"),
    ]

    operations = [
        migrations.AddField(
            model_name="personprofile",
            name="must_change_password",
            field=models.BooleanField(default=False, verbose_name="须修改初始密码"),
        ),
    ]
